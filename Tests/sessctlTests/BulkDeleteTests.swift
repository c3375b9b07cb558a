import Foundation
import SessionKit
import TestSupport
import XCTest

/// `del --where` (logging a user out everywhere) and `purge --expired`, on real stores.
final class BulkDeleteTests: RedisTestCase {
    private func ids(_ store: String, all: Bool = true) -> [String] {
        Sessctl.run(["list", "-s", store, "-o", "ids"] + (all ? ["--all"] : [])).stdoutLines.sorted()
    }

    /// A few users' sessions. Those of user 1001 (the `a…` ids) must go; the others name 1001
    /// elsewhere, or a different user, or no user at all.
    private static let users: [(id: String, json: String)] = [
        ("a1", #"{"user":{"id":1001,"name":"alice"},"cart":[1,2]}"#),
        ("a2", #"{"user":{"id":1001,"name":"alice"},"device":"phone"}"#),
        ("a3", #"{"user":{"id":1001.0,"name":"alice"}}"#),
        ("a4", #"{"user":{"id":"1001","name":"alice"},"note":"id stored as text"}"#),
        ("b1", #"{"user":{"id":1002,"name":"bob"}}"#),
        ("b2", #"{"user":{"id":10010,"name":"bobby"}}"#),
        ("c1", #"{"user":{"id":2001},"friend":{"id":1001}}"#),
        ("c2", #"{"user_id":1001}"#),
        ("c3", #"{"user":"1001"}"#),
        ("d1", #"{"cart":[{"sku":"x"}]}"#)
    ]

    private func fill(_ address: String) throws {
        let store = try StoreAddress.parse(address).open()
        let now = store.clock.nowMillis()
        for (id, json) in Self.users {
            let data = try XCTUnwrap(try JSONParser.parse(Array(json.utf8)).objectValue)
            try store.save(SessionWrite(Session(id: id, data: data, expiry: .at(now + 3_600_000)), mode: .create))
        }
    }

    func testDelWhereLogsOneUserOutOnEveryBackendAndNothingElse() throws {
        let dir = TempDirectory()
        let server = try startServer()
        let stores = [
            ("file", dir.path),
            ("kv", "redis://\(server.host):\(server.port)?prefix=app:"),
            ("hash", "redis://\(server.host):\(server.port)/1?prefix=app:&layout=hash")
        ]
        for (_, store) in stores { try fill(store) }
        // Things that are not sessions of this store stay whatever happens.
        dir.write("corrupt.session", Array("12345678{not json".utf8))
        dir.write("notes.txt", Array("hello".utf8))
        try server.cli(["RPUSH", "app:queue", "job"])
        try server.cli(["-n", "1", "SET", "app:counter", "7"])

        let expected = ["a1", "a2", "a3", "a4"]
        for (backend, store) in stores {
            let before = ids(store)

            let refused = Sessctl.run(["del", "-s", store, "--where", "user.id=1001"])
            XCTAssertEqual(refused.status, 1, backend)
            XCTAssertEqual(refused.stdout, "")
            XCTAssertTrue(refused.stderr.contains("--yes") && refused.stderr.filter { $0 == "\n" }.count == 1, refused.stderr)
            XCTAssertEqual(ids(store), before, "\(backend): nothing deleted without --yes")

            let dry = Sessctl.run(["del", "-s", store, "--where", "user.id=1001", "--dry-run"])
            XCTAssertEqual(dry.status, 0, dry.stderr)
            XCTAssertEqual(dry.stdoutLines.sorted(), expected, backend)
            XCTAssertEqual(ids(store), before, "\(backend): a dry run deletes nothing")

            let del = Sessctl.run(["del", "-s", store, "--where", "user.id=1001", "--yes"])
            XCTAssertEqual(del.status, 0, "\(backend): \(del.stderr)")
            XCTAssertEqual(ids(store), before.filter { !expected.contains($0) }, "\(backend): exactly that user's sessions")

            let again = Sessctl.run(["del", "-s", store, "--where", "user.id=1001", "--yes"])
            XCTAssertEqual(again.status, 0, "nothing left to delete is no error")
        }
        XCTAssertEqual(dir.names().filter { !$0.hasSuffix(".session") || $0.hasPrefix("corrupt") }, ["corrupt.session", "notes.txt"])
        XCTAssertEqual(try server.cli(["LRANGE", "app:queue", "0", "-1"]), "job")
        XCTAssertEqual(try server.cli(["-n", "1", "GET", "app:counter"]), "7")

        // Several conditions must all hold.
        let both = Sessctl.run(["del", "-s", stores[1].1, "--where", "user.id>1001", "--where", "user.name~bob*", "--yes"])
        XCTAssertEqual(both.status, 0, both.stderr)
        XCTAssertEqual(ids(stores[1].1), ["c1", "c2", "c3", "d1", "queue"], "list -o ids trusts the prefix")
    }

    func testOnATerminalDelWhereShowsTheCountAndASampleAndAsks() throws {
        let dir = TempDirectory()
        try fill(dir.path)
        let no = try Tmux([Sessctl.binary, "del", "-s", dir.path, "--where", "user.name=alice"])
        try no.waitFor { $0.contains("[y/N]") }
        let screen = try no.screen()
        XCTAssertTrue(screen.contains("4 matching sessions in file:\(dir.path):"), screen)
        XCTAssertTrue(screen.contains("  a1  2 keys,"), screen)
        XCTAssertTrue(screen.contains("Delete them?"), screen)
        try no.press("Enter")
        try no.waitFor { $0.contains("nothing was deleted") }
        XCTAssertEqual(ids(dir.path).count, Self.users.count)

        let yes = try Tmux([Sessctl.binary, "del", "-s", dir.path, "--where", "user.name=alice"])
        try yes.waitFor { $0.contains("[y/N]") }
        try yes.type("y")
        try yes.press("Enter")
        try yes.waitFor { $0.contains("deleted 4 sessions") }
        XCTAssertEqual(ids(dir.path), ["b1", "b2", "c1", "c2", "c3", "d1"])
    }

    func testDelWhereLeavesExpiredSessionsUnlessAll() throws {
        let dir = TempDirectory()
        try fill(dir.path)
        let store = try StoreAddress.parse(dir.path).open()
        try store.setExpiry("a1", .at(store.clock.nowMillis() - 1000))
        XCTAssertEqual(Sessctl.run(["del", "-s", dir.path, "--where", "user.name=alice", "--dry-run"]).stdoutLines.sorted(), ["a2", "a3", "a4"])
        XCTAssertEqual(Sessctl.run(["del", "-s", dir.path, "--where", "user.name=alice", "--all", "--yes"]).status, 0)
        XCTAssertEqual(ids(dir.path), ["b1", "b2", "c1", "c2", "c3", "d1"])
        let usage = Sessctl.run(["del", "-s", dir.path, "a1", "--where", "x=1"])
        XCTAssertEqual(usage.status, 64)
    }

    func testDelByIDsDryRun() throws {
        let dir = TempDirectory()
        try fill(dir.path)
        let r = Sessctl.run(["del", "-s", dir.path, "a1", "b1", "nosuch", "--dry-run"])
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(r.stdoutLines, ["a1", "b1"])
        XCTAssertEqual(ids(dir.path).count, Self.users.count)
        let keys = Sessctl.run(["del", "-s", dir.path, "a1", "--key", "cart", "--dry-run"])
        XCTAssertEqual(keys.stdoutLines, ["cart"])
        XCTAssertTrue(Sessctl.run(["get", "-s", dir.path, "a1"]).stdout.contains("cart"))
    }

    // MARK: purge

    func testPurgeRemovesExactlyTheExpiredFixtureFilesAndNothingElse() throws {
        let dir = TempDirectory()
        let now = SystemTime.nowMillis()
        Fixtures.copyFileStore("file", to: dir, now: now)
        // Corrupt files, even with an expired timestamp (GoFrame's sweep would remove that one), and
        // files that are not sessions at all.
        let old = GSessionFileCodec.header(now - 3 * 86_400_000)
        dir.write("expiredbutcorrupt.session", old + Array("{\"a\":".utf8))
        dir.write("short.session", [1, 2, 3, 4, 5])
        dir.write("empty.session", [])
        dir.write("notes.txt", old + Array("{}".utf8))
        dir.write("1qbncq5nyf0dn0nrszirtnac000tp60h.session.bak", old + Array("{}".utf8))
        dir.write(".hidden.session", old + Array("{}".utf8))
        mkdir(dir.file("folder.session"), 0o755)
        // Temp files of killed sessctl writes: the one older than an hour goes, the fresh one
        // (a write that may still be running) and a look-alike that is not a file stay.
        dir.write(".sessctl-4242-1-77.tmp", old + Array("{}".utf8))
        var aged = [timeval(tv_sec: time(nil) - 7200, tv_usec: 0), timeval(tv_sec: time(nil) - 7200, tv_usec: 0)]
        XCTAssertEqual(utimes(dir.file(".sessctl-4242-1-77.tmp"), &aged), 0)
        dir.write(".sessctl-4242-2-78.tmp", old + Array("{}".utf8))
        mkdir(dir.file(".sessctl-4242-3-79.tmp"), 0o755)
        let expired = Fixtures.sessions(backend: "file").filter { $0.expired == true && !$0.encrypted }.map(\.id).sorted()
        XCTAssertEqual(expired.count, 2)
        let before = dir.names()

        let refused = Sessctl.run(["purge", "-s", dir.path, "--expired"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("--yes"), refused.stderr)
        XCTAssertEqual(dir.names(), before)

        let dry = Sessctl.run(["purge", "-s", dir.path, "--expired", "--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertEqual(dry.stdoutLines.sorted(), expired)
        XCTAssertTrue(dry.stderr.contains("would delete 2 expired sessions"), dry.stderr)
        XCTAssertTrue(dry.stderr.contains("dry run: would remove 1 leftover temp file of interrupted sessctl writes"), dry.stderr)
        XCTAssertEqual(dir.names(), before)

        let purge = Sessctl.run(["purge", "-s", dir.path, "--expired", "--yes"])
        XCTAssertEqual(purge.status, 0, purge.stderr)
        XCTAssertEqual(dir.names(), before.filter { !expired.map { "\($0).session" }.contains($0) && $0 != ".sessctl-4242-1-77.tmp" })
        XCTAssertTrue(purge.stderr.contains("removed 1 leftover temp file of interrupted sessctl writes"), purge.stderr)
        XCTAssertTrue(purge.stderr.contains("corrupt"), "the corrupt ones are mentioned: \(purge.stderr)")

        XCTAssertEqual(Sessctl.run(["purge", "-s", dir.path]).status, 64, "say what to purge")
    }

    func testPurgeNeverTakesALiveSessionForATempFileInAStoreWithoutExtension() throws {
        let dir = TempDirectory()
        let now = SystemTime.nowMillis()
        let live = GSessionFileCodec.header(now) + Array(#"{"user":"alice"}"#.utf8)
        // A session whose client-chosen id looks like an old sessctl temp file, not written for
        // two hours (the app touches only sessions in use); beside it a genuine leftover of a
        // killed write, named as sessctl names them now, and an expired session.
        dir.write(".sessctl-9-9-9.tmp", live)
        dir.write("..sessctl-4242-1-77.tmp", live)
        dir.write("old", GSessionFileCodec.header(now - 3 * 86_400_000) + Array("{}".utf8))
        for name in [".sessctl-9-9-9.tmp", "..sessctl-4242-1-77.tmp"] {
            var aged = [timeval(tv_sec: time(nil) - 7200, tv_usec: 0), timeval(tv_sec: time(nil) - 7200, tv_usec: 0)]
            XCTAssertEqual(utimes(dir.file(name), &aged), 0)
        }
        let store = "file:\(dir.path)?ext="
        let purge = Sessctl.run(["purge", "-s", store, "--expired", "--yes"])
        XCTAssertEqual(purge.status, 0, purge.stderr)
        XCTAssertTrue(purge.stderr.contains("removed 1 leftover temp file of interrupted sessctl writes"), purge.stderr)
        XCTAssertEqual(dir.names(), [".sessctl-9-9-9.tmp"], "the expired session and the leftover went; the live session stayed")
        XCTAssertEqual(dir.read(".sessctl-9-9-9.tmp"), live)
        XCTAssertEqual(Sessctl.run(["get", "-s", store, ".sessctl-9-9-9.tmp", "user"]).stdout, "\"alice\"\n")
    }

    /// Read-only, a dry run reports what it reports otherwise, leftover temp files included,
    /// and removes nothing.
    func testReadOnlyPurgeDryRunReportsLeftoverTempFilesToo() throws {
        let dir = TempDirectory()
        let now = SystemTime.nowMillis()
        dir.write("old.session", GSessionFileCodec.header(now - 3 * 86_400_000) + Array("{}".utf8))
        dir.write(".sessctl-4242-1-77.tmp", Array("{}".utf8))
        var aged = [timeval(tv_sec: time(nil) - 7200, tv_usec: 0), timeval(tv_sec: time(nil) - 7200, tv_usec: 0)]
        XCTAssertEqual(utimes(dir.file(".sessctl-4242-1-77.tmp"), &aged), 0)
        let before = dir.names()

        let writable = Sessctl.run(["-s", "file:\(dir.path)", "purge", "--expired", "--dry-run"])
        XCTAssertEqual(writable.status, 0, writable.stderr)
        for (args, env) in [(["--read-only"], [String: String]()), ([], ["SESSCTL_READ_ONLY": "1"])] {
            let r = Sessctl.run(args + ["-s", "file:\(dir.path)", "purge", "--expired", "--dry-run"], env: env)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, "old\n")
            XCTAssertTrue(r.stderr.contains("dry run: would remove 1 leftover temp file of interrupted sessctl writes"), r.stderr)
            XCTAssertEqual(r.stderr, writable.stderr, "read-only, the dry run says what it says otherwise")
        }
        XCTAssertEqual(dir.names(), before)
    }

    func testPurgeOnRedisExplainsAndChangesNothing() throws {
        let server = try startServer()
        try server.pipe(file: Fixtures.gsession + "/redis-kv.resp")
        let size = try server.cli(["DBSIZE"])
        let r = Sessctl.run(["purge", "-s", "redis://\(server.host):\(server.port)?prefix=gfsess:", "--expired", "--yes"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.contains("Redis removes expired sessions itself"), r.stderr)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1)
        XCTAssertEqual(try server.cli(["DBSIZE"]), size)
    }

    /// A session revived between the scan and the delete (the app touched it) is left alone.
    func testASessionRevivedMeanwhileIsSpared() throws {
        let dir = TempDirectory()
        Fixtures.copyFileStore("file", to: dir, now: SystemTime.nowMillis())
        let store = try StoreAddress.parse(dir.path).open()
        let now = store.clock.nowMillis()
        let expired = try store.load(["1qbncq5nyf0dn0nrszirtnac000tp60h", "1qbncq5nyf0dn0nrszispx1d00q6qw1q"]).map { result -> Session in
            guard case .found(let s) = result else { throw SessionError.invalidArgument("fixture missing") }
            return s
        }
        try store.setExpiry("1qbncq5nyf0dn0nrszispx1d00q6qw1q", .at(now + 3_600_000))  // the app touches it
        let outcome = try BulkDeletion.delete(expired, from: store) { $0.expiry.isExpired(now: store.clock.nowMillis()) }
        XCTAssertEqual(outcome.deleted, 1)
        XCTAssertEqual(outcome.spared, 1)
        XCTAssertTrue(outcome.failures.isEmpty)
        XCTAssertEqual(
            dir.names().filter { $0.hasPrefix("1qbncq5nyf0dn0nrszi") && ($0.contains("rtnac") || $0.contains("spx1d")) },
            ["1qbncq5nyf0dn0nrszispx1d00q6qw1q.session"])
    }

    func testAnInterruptedDelWhereSaysHowManyItDeleted() throws {
        let count = 4000
        for signal in [SIGINT, SIGTERM] {
            let dir = TempDirectory()
            let now = SystemTime.nowMillis()
            Fixtures.writeFileSessions(count, to: dir, timestamp: { _ in now }, body: { "{\"user\":{\"id\":1001},\"n\":\($0)}" })
            let running = try RunningSessctl(["del", "-s", dir.path, "--where", "user.id=1001", "--yes"])
            // Pages are 500 sessions: more than two pages left means it cannot finish first.
            XCTAssertTrue(running.signal(signal) { (1_001...count - 1).contains(dir.names().count) }, "part-way")
            let r = running.finish()
            let left = dir.names().count
            XCTAssertEqual(r.status, 130, r.stderr)
            XCTAssertGreaterThan(left, 0)
            XCTAssertTrue(
                r.stderr.hasSuffix(
                    "sessctl: interrupted: \(count - left) sessions deleted before the interruption; "
                        + "run the same command again to delete the rest\n"), r.stderr)
        }
    }

    func testFailuresOfOneReasonAreOneLineWithACount() throws {
        let dir = TempDirectory()
        let now = SystemTime.nowMillis()
        Fixtures.writeFileSessions(300, to: dir, timestamp: { _ in now }, body: { "{\"user\":{\"id\":1001},\"n\":\($0)}" })
        // Immutable files (chattr +i; the tests run as root) cannot be deleted: the same failure 200 times.
        let stuck = (0..<200).map { dir.file("s\($0).session") }
        guard chattr("+i", stuck) else { throw XCTSkip("chattr +i does not work here") }
        defer { withExtendedLifetime(dir) { _ = chattr("-i", stuck) } }  // before the directory goes
        let r = Sessctl.run(["del", "-s", dir.path, "--where", "user.id=1001", "--yes"])
        XCTAssertEqual(r.status, 4, "some deleted, some failed: \(r.stderr)")
        XCTAssertEqual(dir.names().count, 200)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, r.stderr)
        XCTAssertTrue(lines.first?.hasSuffix(".session: cannot delete: Operation not permitted") ?? false, r.stderr)
        XCTAssertTrue(lines.last?.hasPrefix("sessctl: 199 more sessions ('s") ?? false, r.stderr)
    }

    /// Runs chattr on `files`; false when it failed.
    private func chattr(_ flag: String, _ files: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        p.arguments = [flag] + files
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}
