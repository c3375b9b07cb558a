import Foundation
import SessionKit
import TestSupport
import XCTest

/// `--read-only` and `SESSCTL_READ_ONLY`: every command that writes is refused with one line and
/// the store stays exactly as it was; everything that only reads still works.
final class ReadOnlyTests: XCTestCase {
    private var dir: TempDirectory!
    private var scripts: TempDirectory!
    private var server: RedisServer!
    private let id = "1qbncq5nyf0dn0nrszi6yde1001t55av"
    private let kvID = "1qbncq5nyf0dn0nrsziy0u2h00m0gw72"

    override func setUpWithError() throws {
        dir = TempDirectory()
        scripts = TempDirectory()
        Fixtures.copyFileStore("file", to: dir, now: SystemTime.nowMillis())
        server = try RedisServer()
        try server.pipe(file: Fixtures.gsession + "/redis-kv.resp")
    }

    override func tearDown() {
        server.stop()
        (dir, scripts, server) = (nil, nil, nil)  // XCTest keeps test cases alive: free the directories now
        super.tearDown()
    }

    private var kv: String { "redis://\(server.host):\(server.port)?prefix=gfsess:" }

    /// Every file's bytes, or every key's value and TTL (in ten-minute steps), to compare.
    private func snapshot(_ store: String) throws -> [String] {
        if store == dir.path {
            return dir.names().map { "\($0) \(dir.read($0) ?? [])" }
        }
        let keys = try server.cli(["--scan"]).split(separator: "\n").map(String.init).sorted()
        return try keys.map { key in
            let type = try server.cli(["TYPE", key])
            let value = type == "string" ? try server.cli(["GET", key]) : type
            return "\(key) \(value) \((Int(try server.cli(["PTTL", key])) ?? 0) / 600_000)"
        }
    }

    func testEveryWritingCommandIsRefusedWithOneLineAndNothingChanges() throws {
        let marker = scripts.file("editor-ran")
        scripts.write("editor.sh", Array("#!/bin/sh\ntouch '\(marker)'\n".utf8))
        chmod(scripts.file("editor.sh"), 0o755)
        for (store, sid) in [(dir.path, id), (kv, kvID)] {
            let writes: [[String]] = [
                ["set", sid, "theme", "dark"], ["set", "brandnew", "k", "v", "--create"], ["del", sid], ["del", sid, "--key", "username"],
                ["del", "--where", "user_id>0", "--yes"], ["expire", sid, "1h"], ["persist", sid], ["edit", sid],
                ["purge", "--expired", "--yes"]
            ]
            let before = try snapshot(store)
            for args in writes {
                for (flag, env) in [(["--read-only"], [String: String]()), ([], ["SESSCTL_READ_ONLY": "1"]), ([], ["SESSCTL_READ_ONLY": "yes"])] {
                    let full = [args[0], "-s", store] + flag + args.dropFirst()
                    if args[0] == "purge" && store == kv { continue }  // nothing to purge on Redis, nothing written
                    let r = Sessctl.run(full, env: env.merging(["EDITOR": scripts.file("editor.sh")]) { a, _ in a })
                    XCTAssertEqual(r.status, 1, "\(full) \(env): \(r.stderr)")
                    XCTAssertEqual(r.stdout, "", "\(full)")
                    XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "one line: \(r.stderr)")
                    if args[0] != "persist" || store == kv {  // a File store cannot persist at all: that refusal comes first
                        XCTAssertTrue(r.stderr.contains("read-only (") && r.stderr.contains("nothing was changed"), "\(full): \(r.stderr)")
                    }
                }
            }
            // Copying into the store: refused before anything is read.
            let other = store == kv ? dir.path : kv
            let lines = Sessctl.run(["export", "-s", other]).stdout
            for (args, env) in [
                (["import", "-s", store, "--overwrite", "--read-only"], [String: String]()),
                (["import", "-s", store, "--overwrite"], ["SESSCTL_READ_ONLY": "1"]),
                (["migrate", "--from", other, "--to", store, "--overwrite"], ["SESSCTL_READ_ONLY": "1"])
            ] {
                let r = Sessctl.run(args, env: env, input: lines)
                XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
                XCTAssertEqual(r.stdout, "", "\(args)")
                XCTAssertEqual(
                    r.stderr,
                    "sessctl: \(store == kv ? "redis://\(server.host):\(server.port)/0?prefix=gfsess:&layout=kv" : "file:" + dir.path): "
                        + "read-only (\(env.isEmpty ? "--read-only" : "SESSCTL_READ_ONLY=1")): refusing to write; nothing was changed\n")
            }
            XCTAssertEqual(try snapshot(store), before, "\(store) is untouched")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "edit refuses before the editor runs")

        // The switch can come before the command, and the shell passes it to every line.
        let hoisted = Sessctl.run(["--read-only", "-s", dir.path, "set", id, "theme", "dark"])
        XCTAssertEqual(hoisted.status, 1)
        XCTAssertTrue(hoisted.stderr.contains("read-only (--read-only)"), hoisted.stderr)
        let shell = Sessctl.run(["shell", "-s", dir.path, "--read-only"], input: "set \(id) theme dark\nget \(id) username\n")
        XCTAssertEqual(shell.status, 1)
        XCTAssertEqual(shell.stdout, "\"alice\"\n")
        XCTAssertTrue(shell.stderr.contains("read-only (--read-only)"), shell.stderr)
        let shellEnv = Sessctl.run(["shell", "-s", dir.path], env: ["SESSCTL_READ_ONLY": "1"], input: "del \(id)\n")
        XCTAssertEqual(shellEnv.status, 1)
        XCTAssertTrue(shellEnv.stderr.contains("read-only (SESSCTL_READ_ONLY=1)"), shellEnv.stderr)
        XCTAssertNotNil(dir.read("\(id).session"))
    }

    func testReadingAndDryRunsStillWork() throws {
        let env = ["SESSCTL_READ_ONLY": "1"]
        for args in [
            ["list"], ["get", id], ["count"], ["ttl", id], ["find", "--where", "user_id=1001"], ["stats"],
            ["del", "--where", "user_id=1001", "--dry-run"], ["del", id, "--dry-run"], ["purge", "--expired", "--dry-run"]
        ] {
            let r = Sessctl.run([args[0], "-s", dir.path] + args.dropFirst(), env: env)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            XCTAssertFalse(r.stdout.isEmpty, "\(args)")
        }
        let dryMigrate = Sessctl.run(["migrate", "--from", dir.path, "--to", kv, "--dry-run"], env: env)
        XCTAssertEqual(dryMigrate.status, 0, dryMigrate.stderr)
        XCTAssertTrue(dryMigrate.stdout.contains("would copy"), dryMigrate.stdout)
        // Variable values that mean "off".
        for off in ["0", "false", "no", "off", ""] {
            let r = Sessctl.run(["set", "-s", dir.path, id, "theme", "v\(off)"], env: ["SESSCTL_READ_ONLY": off])
            XCTAssertEqual(r.status, 0, "SESSCTL_READ_ONLY=\(off): \(r.stderr)")
        }
    }
}
