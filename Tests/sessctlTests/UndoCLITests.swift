import Foundation
import RedisClient
import SessionKit
import TestSupport
import XCTest

/// `sessctl undo`: what destructive commands keep in the trash comes back, through the real
/// binary, on real stores.
final class UndoCLITests: RedisTestCase {
    typealias Sess = AgentEventSession

    /// One store under test: where it is, how to fill it with `n` sessions of which half match
    /// `condition`, and what it holds, byte for byte, with each key's remaining lifetime.
    private struct Subject {
        var name: String
        var address: String
        var condition: String
        var fill: (Int) throws -> Void
        var snapshot: () throws -> [String: Stored]
    }

    struct Stored: Equatable {
        var content: [UInt8]
        /// When the key expires (Unix ms, from its PTTL when read); nil for none (a File
        /// session's lifetime is in its bytes).
        var expiresAt: Int64?

        static func == (a: Stored, b: Stored) -> Bool { a.content == b.content && (a.expiresAt == nil) == (b.expiresAt == nil) }
    }

    private static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    private var state = TempDirectory("sessctl-undo-state")
    private var env: [String: String] { ["XDG_STATE_HOME": state.path] }

    private func sessctl(_ args: String...) -> SessctlRun { Sessctl.run(args, env: env, deadline: 600) }

    // MARK: Snapshots

    /// Every key of the connection's database with its exact content, whatever its type, and
    /// when it expires (a page of keys read in one pipeline).
    static func redisSnapshot(_ c: RedisConnection) throws -> [String: Stored] {
        func cmd(_ words: String..., key: [UInt8]) -> [[UInt8]] { [Array(words[0].utf8), key] + words.dropFirst().map { Array($0.utf8) } }
        var out: [String: Stored] = [:]
        var cursor = "0"
        repeat {
            let reply = try c.command("SCAN", cursor, "COUNT", "1000").array!
            cursor = reply[0].string!
            let keys = reply[1].array!.compactMap(\.bytes)
            let types = try c.pipeline(keys.map { cmd("TYPE", key: $0) }).map { $0.string ?? "" }
            let reads: [[[UInt8]]] = zip(keys, types).flatMap { key, type -> [[[UInt8]]] in
                let read: [[UInt8]]
                switch type {
                case "string": read = cmd("GET", key: key)
                case "hash": read = cmd("HGETALL", key: key)
                case "zset": read = cmd("ZRANGE", "0", "-1", "WITHSCORES", key: key)
                case "set": read = cmd("SMEMBERS", key: key)
                default: read = cmd("LRANGE", "0", "-1", key: key)
                }
                return [read, cmd("PTTL", key: key)]
            }
            let replies = try c.pipeline(reads)
            let now = nowMillis()
            for (n, (key, type)) in zip(keys, types).enumerated() {
                let value = replies[2 * n], ttl = replies[2 * n + 1].int!
                var content = Array(type.utf8) + [0]
                switch type {
                case "string": content += value.bytes ?? []
                case "hash":
                    let flat = (value.array ?? []).map { $0.bytes ?? [] }
                    let pairs = stride(from: 0, to: flat.count, by: 2).map { [flat[$0], flat[$0 + 1]] }
                    content += pairs.sorted { $0[0].lexicographicallyPrecedes($1[0]) }.flatMap { $0[0] + [0] + $0[1] + [0] }
                case "set": content += (value.array ?? []).map { $0.bytes ?? [] }.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 + [0] }
                default: content += (value.array ?? []).flatMap { ($0.bytes ?? []) + [0] }
                }
                out[String(decoding: key, as: UTF8.self)] = Stored(content: content, expiresAt: ttl >= 0 ? now + ttl : nil)
            }
        } while cursor != "0"
        return out
    }

    static func fileSnapshot(_ dir: String) throws -> [String: Stored] {
        var out: [String: Stored] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            out[name] = Stored(content: [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))), expiresAt: nil)
        }
        return out
    }

    /// Each key of `before` is in `after` with the same bytes and, when it has a TTL, one that
    /// ends within `slack` ms of when it ended before.
    private func assertSame(_ after: [String: Stored], _ before: [String: Stored], slack: Int64 = 2000, _ label: String) {
        XCTAssertEqual(Set(after.keys), Set(before.keys), "\(label): the same keys")
        var differing = 0, drifted = 0
        for (key, b) in before {
            guard let a = after[key] else { continue }
            if a != b { differing += 1 }
            if let t0 = b.expiresAt, let t1 = a.expiresAt, abs(t1 - t0) > slack { drifted += 1 }
        }
        XCTAssertEqual(differing, 0, "\(label): keys whose bytes or expiry kind differ")
        XCTAssertEqual(drifted, 0, "\(label): keys whose expiry is not within \(slack) ms of what it was")
    }

    // MARK: Subjects

    private func goFrameSession(_ i: Int) -> JSONObject {
        JSONObject([("user_id", .number(String(i % 2))), ("cart", .array([.number(String(i)), .string("é \(i)")])), ("name", .string("user \(i)"))])
    }

    private func saveAll(_ address: String, _ n: Int, _ make: (any SessionStore, Int, Int64) throws -> Session) throws {
        let store = try StoreAddress.parse(address).open()
        let now = store.clock.nowMillis()
        for start in stride(from: 0, to: n, by: 1000) {
            let writes = try (start..<min(n, start + 1000)).map { SessionWrite(try make(store, $0, now), mode: .create) }
            for r in try store.save(writes) { try r.get() }
        }
    }

    private func subjects(_ server: RedisServer, _ c: RedisConnection, _ dir: TempDirectory) -> [Subject] {
        let base = "redis://\(server.host):\(server.port)"
        func db(_ n: Int) -> RedisConnection { let k = try! connect(server); _ = try! k.command("SELECT", String(n)); return k }
        let goFrame: (String) -> (Int) throws -> Void = { address in
            { n in
                try self.saveAll(address, n) { _, i, now in Session(id: "s\(i)", data: self.goFrameSession(i), expiry: .at(now + 3_600_000 + Int64(i) * 1000)) }
            }
        }
        let kv = db(1), hash = db(2), scs = db(3)
        return [
            Subject(name: "file", address: dir.path + "?ttl=2h", condition: "user_id=1", fill: goFrame(dir.path + "?ttl=2h"), snapshot: { try Self.fileSnapshot(dir.path) }),
            Subject(name: "kv", address: base + "/1?layout=kv", condition: "user_id=1", fill: goFrame(base + "/1?layout=kv"), snapshot: { try Self.redisSnapshot(kv) }),
            Subject(name: "hash", address: base + "/2?layout=hash", condition: "user_id=1", fill: goFrame(base + "/2?layout=hash"), snapshot: { try Self.redisSnapshot(hash) }),
            Subject(
                name: "scs", address: base + "/3?layout=scs", condition: "user_id=1",
                fill: { n in
                    try self.saveAll(base + "/3?layout=scs", n) { store, i, now in
                        var s = store.newSession(id: "t\(i)", expiry: .at(now + 3_600_000 + Int64(i) * 1000))
                        _ = try s.setValue("user_id", to: .number(String(i % 2)), typeName: "int", store: store.displayName)
                        _ = try s.setValue("name", to: .string("user \(i)"), typeName: nil, store: store.displayName)
                        return s
                    }
                }, snapshot: { try Self.redisSnapshot(scs) }),
            Subject(
                name: "trpc", address: base + "/0?layout=trpc", condition: "app=gone",
                fill: { n in
                    for (first, app) in [(0, "gone"), (n / 2, "kept")] {
                        _ = try c.command("EVAL", Sess.generator, "0", String(first), String(n / 2), "3", "2", "3600000", app)
                    }
                }, snapshot: { try Self.redisSnapshot(c) })
        ]
    }

    // MARK: del --where, then undo

    /// `del --where` of half the sessions on File, KV, Hash, SCS and trpc-agent-go stores, then
    /// `undo`: every key back byte for byte with its remaining lifetime, the other half never
    /// touched; peak memory of both commands does not grow with the count.
    func testDelWhereThenUndoRestoresEverySessionByteForByteInFlatMemory() throws {
        let server = try startServer()
        let c = try connect(server)
        for size in [2000, 20000] {
            let dirs = TempDirectory()
            _ = try c.command("FLUSHALL")
            for subject in subjects(server, c, dirs) {
                let label = "\(subject.name) \(size)"
                try subject.fill(size)
                let before = try subject.snapshot()
                XCTAssertFalse(before.isEmpty, label)

                let del = try Sessctl.peakMemory(["del", "-s", subject.address, "--where", subject.condition, "--yes"], env: env)
                XCTAssertEqual(del.status, 0, label)
                let during = try subject.snapshot()
                let gone = Set(before.keys).subtracting(during.keys)
                XCTAssertEqual(gone.count, size / 2 * (subject.name == "trpc" ? 3 : 1), "\(label): every key of half the sessions deleted")
                XCTAssertEqual(during.count + gone.count, before.count, "\(label): nothing added")
                assertSame(during, before.filter { !gone.contains($0.key) }, "\(label): the sessions not deleted")

                let undo = try Sessctl.peakMemory(["undo"], env: env)
                XCTAssertEqual(undo.status, 0, label)
                assertSame(try subject.snapshot(), before, "\(label) after undo")
                peaks[label] = (del.peakKiB, undo.peakKiB)
            }
        }
        for subject in ["file", "kv", "hash", "scs", "trpc"] {
            print(
                "undo memory \(subject): del --where \(peaks["\(subject) 2000"]?.0 ?? 0) / \(peaks["\(subject) 20000"]?.0 ?? 0) KiB, undo \(peaks["\(subject) 2000"]?.1 ?? 0) / \(peaks["\(subject) 20000"]?.1 ?? 0) KiB (1000 / 10000 sessions)"
            )
            guard let small = peaks["\(subject) 2000"], let large = peaks["\(subject) 20000"] else { continue }
            // Ten times the sessions, the same memory: pages, not the store, are held.
            XCTAssertLessThan(large.0, small.0 + small.0 / 4 + 8192, "\(subject): del --where peak \(small.0) KiB for 1000 sessions, \(large.0) KiB for 10000")
            XCTAssertLessThan(large.1, small.1 + small.1 / 4 + 8192, "\(subject): undo peak \(small.1) KiB for 1000 sessions, \(large.1) KiB for 10000")
        }
    }

    private var peaks: [String: (Int, Int)] = [:]

    // MARK: Changed since

    private func kvStore(_ server: RedisServer, db: Int) -> String { "redis://\(server.host):\(server.port)/\(db)?layout=kv" }

    /// A session the app wrote again after the operation is left alone and reported (and put back
    /// with --force); an undo is undone by the next undo; an expired session is not brought back.
    func testASessionChangedSinceIsLeftAloneAndReportedAndAnUndoCanBeUndone() throws {
        let server = try startServer()
        let c = try connect(server)
        let store = kvStore(server, db: 0)
        for id in ["a", "b", "c"] { _ = try c.command("SET", id, #"{"user_id":1,"n":"\#(id)"}"#, "PX", "3600000") }
        _ = try c.command("SET", "short", #"{"user_id":1}"#, "PX", "1500")
        let before = try Self.redisSnapshot(c).filter { $0.key != "short" }

        let del = sessctl("del", "-s", store, "a", "b", "c", "short")
        XCTAssertEqual(del.status, 0, del.stderr)
        // The app logs b in again meanwhile; short expires.
        _ = try c.command("SET", "b", #"{"user_id":1,"n":"new login"}"#, "PX", "3600000")
        let appB = try Self.redisSnapshot(c)["b"]
        let deadline = Date().addingTimeInterval(10)
        while Self.nowMillis() < (before["a"]!.expiresAt! - 3_600_000 + 2000) && Date() < deadline { usleep(50_000) }

        let undo = sessctl("undo")
        XCTAssertEqual(undo.status, 0, undo.stderr)
        XCTAssertTrue(undo.stderr.contains("session 'b' was created again since; left alone"), undo.stderr)
        XCTAssertTrue(undo.stderr.contains("put back 2 sessions"), undo.stderr)
        XCTAssertTrue(undo.stderr.contains("1 session expired since and was not brought back"), undo.stderr)
        var now = try Self.redisSnapshot(c)
        XCTAssertEqual(now["b"], appB, "the app's b is not overwritten")
        XCTAssertNil(now["short"], "an expired session is not brought back to life")
        assertSame(now.filter { $0.key != "b" }, before.filter { $0.key != "b" }, "a and c are back")

        // Undo of the undo: a and c go again (b, which the undo did not touch, stays); and again.
        let redo = sessctl("undo")
        XCTAssertEqual(redo.status, 0, redo.stderr)
        XCTAssertEqual(Set(try Self.redisSnapshot(c).keys), ["b"])
        let again = sessctl("undo")
        XCTAssertEqual(again.status, 0, again.stderr)
        now = try Self.redisSnapshot(c)
        assertSame(now.filter { $0.key != "b" }, before.filter { $0.key != "b" }, "a and c are back again")

        // A replaced session the app changed since: left alone, unless --force.
        let set = sessctl("set", "-s", store, "a", "n", "\"by operator\"")
        XCTAssertEqual(set.status, 0, set.stderr)
        let list = sessctl("undo", "--list")
        XCTAssertEqual(list.status, 0, list.stderr)
        let setID = try XCTUnwrap(list.stdoutLines.dropFirst().first?.split(separator: " ").first.map(String.init))
        XCTAssertTrue(list.stdoutLines[1].contains("sessctl set -s") && list.stdoutLines[1].contains(" a n "), list.stdout)
        _ = try c.command("SET", "a", #"{"user_id":1,"n":"app wrote this"}"#, "KEEPTTL")
        let refused = sessctl("undo")
        XCTAssertEqual(refused.status, 0, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("session 'a' was changed since; left alone"), refused.stderr)
        XCTAssertEqual(try c.command("GET", "a").string, #"{"user_id":1,"n":"app wrote this"}"#)
        let forced = sessctl("undo", setID, "--force")
        XCTAssertEqual(forced.status, 0, forced.stderr)
        assertSame(try Self.redisSnapshot(c).filter { $0.key == "a" }, before.filter { $0.key == "a" }, "--force puts a back")

        let unknown = sessctl("undo", "20990101-000000-abcd")
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.hasPrefix("sessctl: no operation 20990101-000000-abcd in the trash"), unknown.stderr)
        XCTAssertEqual(sessctl("undo", "../../etc/passwd").status, 64)
    }

    // MARK: Each destructive command

    /// `purge --idle` and `trim` (trpc-agent-go), `migrate --delete-source` and `import
    /// --overwrite` (KV): each undone, the store then as it was before, key for key.
    func testPurgeTrimMigrateAndImportAreEachUndone() throws {
        let server = try startServer()
        let c = try connect(server)
        let agents = "redis://\(server.host):\(server.port)/0?layout=trpc"
        _ = try c.command("EVAL", Sess.generator, "0", "0", "20", "12", "2", "3600000", "chat")
        // Five sessions the user is active in now (an edit sets their updatedAt); the rest idle since the generator's March.
        for n in 0..<5 { XCTAssertEqual(sessctl("set", "-s", agents, "chat/u\(n)/s\(n)", "topic", "\"t\(n)\"").status, 0) }
        var before = try Self.redisSnapshot(c)
        let purge = sessctl("purge", "-s", agents, "--idle", "1d", "--yes")
        XCTAssertEqual(purge.status, 0, purge.stderr)
        XCTAssertEqual(try Self.redisSnapshot(c).count, 5 * 3, "15 idle sessions purged")
        XCTAssertEqual(sessctl("undo").status, 0)
        assertSame(try Self.redisSnapshot(c), before, "purge --idle undone")

        let trim = sessctl("trim", "-s", agents, "--all", "--keep-turns", "2", "--yes")
        XCTAssertEqual(trim.status, 0, trim.stderr)
        XCTAssertEqual(try c.command("HLEN", "hashidx:evtdata:chat:{u7}:s7").int, 4)
        let undoTrim = sessctl("undo")
        XCTAssertEqual(undoTrim.status, 0, undoTrim.stderr)
        assertSame(try Self.redisSnapshot(c), before, "trim undone")

        // migrate --delete-source from db 1 to db 2: the source comes back (the copies stay).
        let source = try connect(server), target = try connect(server), imports = try connect(server)
        _ = try source.command("SELECT", "1")
        _ = try target.command("SELECT", "2")
        _ = try imports.command("SELECT", "3")
        for n in 0..<300 { _ = try source.command("SET", "m\(n)", #"{"n":\#(n)}"#, "PX", String(3_600_000 + n)) }
        before = try Self.redisSnapshot(source)
        let migrate = sessctl("migrate", "--from", kvStore(server, db: 1), "--to", kvStore(server, db: 2), "--delete-source", "--yes")
        XCTAssertEqual(migrate.status, 0, migrate.stderr)
        XCTAssertEqual(try Self.redisSnapshot(source).count, 0)
        XCTAssertEqual(sessctl("undo").status, 0)
        assertSame(try Self.redisSnapshot(source), before, "migrate --delete-source undone")
        assertSame(try Self.redisSnapshot(target), before, "the copies stay")

        // import --overwrite over 50 sessions, creating 10: undo puts the 50 back and removes the 10.
        for n in 0..<50 { _ = try imports.command("SET", "i\(n)", #"{"v":"old \#(n)"}"#, "PX", "3600000") }
        before = try Self.redisSnapshot(imports)
        let expires = Durations.rfc3339(millis: Self.nowMillis() + 7_200_000)
        let lines = (0..<60).map { #"{"data":{"v":"new \#($0)"},"expires_at":"\#(expires)","id":"i\#($0)","layout":"kv"}"# }.joined(separator: "\n")
        let imported = Sessctl.run(["import", "-s", kvStore(server, db: 3), "--overwrite"], env: env, input: lines + "\n")
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertEqual(try imports.command("GET", "i7").string, #"{"v":"new 7"}"#)
        XCTAssertEqual(try Self.redisSnapshot(imports).count, 60)
        let undoImport = sessctl("undo")
        XCTAssertEqual(undoImport.status, 0, undoImport.stderr)
        XCTAssertTrue(undoImport.stderr.contains("put back 50 sessions") && undoImport.stderr.contains("removed 10 sessions it had created"), undoImport.stderr)
        assertSame(try Self.redisSnapshot(imports), before, "import --overwrite undone")
    }

    /// What `check --fix` removes (keys that are no session's, index fields, time-index members)
    /// comes back with `undo`, each with its content and expiry.
    func testCheckFixIsUndone() throws {
        let server = try startServer()
        let c = try connect(server)
        let store = "redis://\(server.host):\(server.port)/0?layout=trpc"
        _ = try c.command("EVAL", Sess.generator, "0", "0", "4", "3", "1", "3600000", "chat")
        for command in [
            ["HSET", "hashidx:evtdata:chat:{u-gone}:s9", "e1", "{}"], ["PEXPIRE", "hashidx:evtdata:chat:{u-gone}:s9", "600000"],
            ["ZADD", "hashidx:evtidx:time:chat:{u-gone}:s9", "1", "e1"],
            ["HSET", "hashidx:sessidx:chat:{u0}", "gone", #"{"createdAt":"2026-03-20T02:00:00Z"}"#],
            ["ZADD", "hashidx:evtidx:time:chat:{u1}:s1", "5", "ghost"],
            ["SET", "hashidx:stateinit:chat:{u42}:gone:\(String(repeating: "0f", count: 32))", "tok"]
        ] {
            _ = try c.command(command.map { Array($0.utf8) })
        }
        let before = try Self.redisSnapshot(c)
        let fix = sessctl("check", "-s", store, "--fix", "--yes")
        XCTAssertEqual(fix.status, 0, fix.stdout + fix.stderr)
        let after = try Self.redisSnapshot(c)
        XCTAssertNil(after["hashidx:evtdata:chat:{u-gone}:s9"])
        XCTAssertNil(after["hashidx:sessidx:chat:{u0}"])
        XCTAssertNotEqual(after["hashidx:evtidx:time:chat:{u1}:s1"], before["hashidx:evtidx:time:chat:{u1}:s1"])
        let undo = sessctl("undo")
        XCTAssertEqual(undo.status, 0, undo.stderr)
        assertSame(try Self.redisSnapshot(c), before, "check --fix undone")
        XCTAssertEqual(sessctl("check", "-s", store).status, 5, "the problems are back")
    }

    // MARK: A full disk

    /// The trash cannot be written (a full file system): nothing is deleted, and one line says why.
    func testAFullDiskWhileWritingTheTrashDeletesNothing() throws {
        let server = try startServer()
        let c = try connect(server)
        for n in 0..<3000 { _ = try c.command("SET", "s\(n)", #"{"user_id":1,"pad":"\#(String(repeating: "x", count: 100))"}"#, "PX", "3600000") }
        let before = try Self.redisSnapshot(c)
        let args = ["del", "-s", kvStore(server, db: 0), "--where", "user_id=1", "--yes"]
        // A 64 KiB tmpfs over the state directory, in a mount namespace of the run's own; where
        // that is not allowed, a 64 KiB file size limit (the write fails with EFBIG instead).
        let mounted = Self.shell(
            #"mount -t tmpfs -o size=64k tmpfs "$XDG_STATE_HOME" && exec "$@""#, args, wrapper: ["unshare", "-m"], env: env)
        // sessctl did not run when unshare or mount was refused (no CAP_SYS_ADMIN).
        let ran = mounted.stderr.hasPrefix("sessctl:") || mounted.status == 0
        let run = ran ? mounted : Self.shell(#"ulimit -f 64; exec "$@""#, args, wrapper: [], env: env)
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
        XCTAssertTrue(
            run.stderr.contains("cannot write the trash file") && (run.stderr.contains("No space left on device") || run.stderr.contains("File too large")),
            run.stderr)
        XCTAssertTrue(run.stderr.contains("nothing was changed from here on"), run.stderr)
        assertSame(try Self.redisSnapshot(c), before, "nothing deleted")
    }

    /// Runs `sh -c script sessctl ARGS...` (under `wrapper`), with the tests' clean environment.
    private static func shell(_ script: String, _ args: [String], wrapper: [String], env: [String: String]) -> SessctlRun {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = wrapper + ["sh", "-c", script, "sh", Sessctl.binary] + args
        p.environment = Sessctl.environment(env)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return SessctlRun(status: -1, stdout: "", stderr: "\(error)") }
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return SessctlRun(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}
