import SessionKit
import TestSupport
import XCTest

final class NamedStoreTests: XCTestCase {
    func testNamedStoresDefaultsAndListing() throws {
        let store = TempDirectory()
        Fixtures.copyFileStore("file", to: store, now: SystemTime.nowMillis())
        let home = TempDirectory()
        mkdir(home.path + "/sessctl", 0o755)
        home.write(
            "sessctl/config.toml",
            Array(
                """
                default = "fixtures"
                [stores.fixtures]
                address = "\(store.path)"
                [stores.long]
                address = "file:\(store.path)"
                max-age = "30d"
                [stores.prod]
                address = "redis://app:hunter2@127.0.0.1:1/0?prefix=gfsess:"
                read-only = true
                """.utf8))
        let env = ["XDG_CONFIG_HOME": home.path]
        XCTAssertEqual(Sessctl.run(["count"], env: env).stdout, "11\n", "the config's default store")
        XCTAssertEqual(Sessctl.run(["count", "-s", "long"], env: env).stdout, "13\n", "a named store with its max age")
        XCTAssertEqual(Sessctl.run(["-s", "long", "count", "--max-age", "24h"], env: env).stdout, "11\n", "--max-age wins")
        XCTAssertEqual(Sessctl.run(["count"], env: env.merging(["SESSCTL_STORE": "long"]) { $1 }).stdout, "13\n")

        let listing = Sessctl.run(["stores"], env: env)
        XCTAssertEqual(listing.status, 0)
        XCTAssertTrue(listing.stdout.contains("* fixtures"), listing.stdout)
        XCTAssertTrue(listing.stdout.contains("redis://app:***@127.0.0.1:1/0"), listing.stdout)
        XCTAssertTrue(listing.stdout.contains("read-only"), listing.stdout)
        let json = Sessctl.run(["stores", "-o", "json"], env: env)
        guard case .array(let items) = try JSONParser.parse(Array(json.stdout.utf8)) else { return XCTFail(json.stdout) }
        XCTAssertEqual(items.count, 3)
        for run in [listing, json, Sessctl.run(["count", "-s", "prod"], env: env)] {
            XCTAssertFalse((run.stdout + run.stderr).contains("hunter2"), "a password is never shown")
        }

        // A named store marked read-only refuses writes.
        let copy = TempDirectory()
        home.write(
            "sessctl/config.toml",
            Array(
                """
                [stores.ro]
                address = "\(store.path)"
                read-only = true
                [stores.copy]
                address = "\(copy.path)"
                """.utf8))
        let refused = Sessctl.run(["expire", "-s", "ro", "1qbncq5nyf0dn0nrszi6yde1001t55av", "1h"], env: env)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("read-only"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1)

        // migrate takes names too: from a read-only store (it only reads), not into one.
        let migrated = Sessctl.run(["migrate", "--from", "ro", "--to", "copy"], env: env)
        XCTAssertEqual(migrated.status, 0, migrated.stderr)
        XCTAssertEqual(Sessctl.run(["count", "-s", "copy"], env: env).stdout, "11\n")
        let into = Sessctl.run(["migrate", "--from", "copy", "--to", "ro", "--overwrite"], env: env)
        XCTAssertEqual(into.status, 1)
        XCTAssertEqual(into.stderr, "sessctl: file:\(store.path): read-only (store 'ro' is read-only in the config file): refusing to write; nothing was changed\n")

        // A malformed config is one line naming the file and the line; an explicit path does not read it.
        home.write("sessctl/config.toml", Array("[stores.a]\naddress = \"x\"\nport = 6379\n".utf8))
        let broken = Sessctl.run(["count"], env: env)
        XCTAssertEqual(broken.status, 1)
        XCTAssertEqual(broken.stderr, "sessctl: \(home.path)/sessctl/config.toml:3: expected a quoted string or true/false\n")
        XCTAssertEqual(Sessctl.run(["count", "-s", store.path], env: env).stdout, "11\n")
    }

    func testAnEmptyStoreNameIsAnErrorNotTheDefaultStore() throws {
        let store = TempDirectory()
        Fixtures.copyFileStore("file", to: store, now: SystemTime.nowMillis())
        let before = store.names()
        let home = TempDirectory()
        mkdir(home.path + "/sessctl", 0o755)
        home.write("sessctl/config.toml", Array("default = \"main\"\n[stores.main]\naddress = \"\(store.path)\"\n".utf8))
        let env = ["XDG_CONFIG_HOME": home.path]
        XCTAssertEqual(Sessctl.run(["count"], env: env).stdout, "11\n", "the default store holds the sessions")
        let deleting = ["del", "--where", "user_id=1001", "--yes"]
        let cases: [(args: [String], env: [String: String], message: String)] = [
            (["-s", ""] + deleting, env, "-s/--store is empty"),
            (deleting + ["--store", ""], env, "-s/--store is empty"),
            (deleting, env.merging(["SESSCTL_STORE": ""]) { $1 }, "SESSCTL_STORE is set but empty"),
            (["shell"], env.merging(["SESSCTL_STORE": ""]) { $1 }, "SESSCTL_STORE is set but empty"),
            (["migrate", "--from", "", "--to", "main", "--overwrite"], env, "--from is empty"),
            (["migrate", "--from", "main", "--to", "", "--delete-source", "--yes"], env, "--to is empty")
        ]
        for (args, env, message) in cases {
            let r = Sessctl.run(args, env: env, input: "del --where user_id=1001 --yes\n")
            XCTAssertEqual(r.status, 1, "\(args)")
            XCTAssertEqual(r.stderr, "sessctl: \(message): " + r.stderr.dropFirst("sessctl: \(message): ".count), "\(args)")
            XCTAssertTrue(r.stderr.hasSuffix("nothing was done\n"), r.stderr)
            XCTAssertEqual(r.stdout, "")
            XCTAssertEqual(store.names(), before, "\(args): nothing deleted")
        }
        let shell = Sessctl.run(["shell"], env: env, input: "use ''\ncount\n")
        XCTAssertEqual(shell.status, 1)
        XCTAssertTrue(shell.stderr.contains("-s/--store is empty"), shell.stderr)
        XCTAssertEqual(shell.stdout, "11\n", "the shell stays on its store")
    }
}
