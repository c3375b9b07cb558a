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
}
