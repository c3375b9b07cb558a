import Foundation
import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

/// `Migration` between real stores: GoFrame's fixtures through every layout and back, dry runs,
/// verification, broken sessions, and `--delete-source`.
final class MigrationTests: RedisTestCase {
    private var dirs: [TempDirectory] = []

    override func tearDown() {
        dirs.removeAll()
        super.tearDown()
    }

    // MARK: Helpers

    private func tempDir() -> TempDirectory {
        let d = TempDirectory("sessctl-migrate")
        dirs.append(d)
        return d
    }

    private func kv(_ s: RedisServer, prefix: String = "gfsess:", db: Int = 0) throws -> RedisStore {
        try RedisStore(options: options(s, prefix: prefix, db: db), layout: .kv, displayName: "kv:\(prefix)\(db)")
    }

    private func hash(_ s: RedisServer, prefix: String = "gfhash:", db: Int = 0) throws -> RedisStore {
        try RedisStore(options: options(s, prefix: prefix, db: db), layout: .hash, displayName: "hash:\(prefix)\(db)")
    }

    private func options(_ s: RedisServer, prefix: String, db: Int) -> RedisStoreOptions {
        RedisStoreOptions(connection: RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db, timeout: 5000), prefix: prefix)
    }

    private func file(_ dir: TempDirectory, maxAge: Int64 = 86_400_000) throws -> FileStore {
        try FileStore(directory: dir.path, options: FileStore.Options(maxAgeMillis: maxAge), displayName: "file:\(dir.path)")
    }

    private func raw(_ s: RedisServer, db: Int = 0) throws -> RedisConnection {
        try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db))
    }

    /// Runs a migration and collects its failures.
    private func migrate(
        _ source: any SessionStore, _ target: any SessionStore, _ options: MigrationOptions = MigrationOptions(),
        pattern: String? = nil
    ) throws -> (MigrationReport, [MigrationFailure]) {
        let m = Migration(target: target, options: options)
        var failures: [MigrationFailure] = []
        m.onFailure = { failures.append($0) }
        let report = try m.run(from: StoreSessions(source, pattern: pattern), deletingFrom: options.deleteSource ? try source.reopened() : nil)
        return (report, failures)
    }

    private func value(_ c: RedisConnection, _ key: String) throws -> [UInt8]? {
        if case .bulk(let b) = try c.command("GET", key) { return b }
        return nil
    }

    private func fields(_ c: RedisConnection, _ key: String) throws -> [String: [UInt8]] {
        guard case .array(let items) = try c.command("HGETALL", key) else { return [:] }
        var out: [String: [UInt8]] = [:]
        var i = 0
        while i + 1 < items.count {
            out[String(decoding: items[i].bytes ?? [], as: UTF8.self)] = items[i + 1].bytes ?? []
            i += 2
        }
        return out
    }

    private func pttl(_ c: RedisConnection, _ key: String) throws -> Int64 {
        try c.command("PTTL", key).int ?? -3
    }

    /// Every key of a database with its type, value and whether it has a TTL.
    private func snapshot(_ s: RedisServer, db: Int = 0) throws -> [String: String] {
        let c = try raw(s, db: db)
        var out: [String: String] = [:]
        var cursor: UInt64 = 0
        repeat {
            let (next, keys) = try c.parseScanReply(try c.command(RedisConnection.scanCommand(cursor: cursor, matchBytes: nil, count: 1000)))
            for k in keys {
                let key = String(decoding: k, as: UTF8.self)
                let type = try c.command("TYPE", key).string ?? "?"
                var v = type
                if type == "string" { v += " " + String(decoding: try value(c, key) ?? [], as: UTF8.self) }
                if type == "hash" {
                    v += " " + (try fields(c, key)).sorted { $0.key < $1.key }.map { "\($0.key)=\(String(decoding: $0.value, as: UTF8.self))" }.joined(separator: "&")
                }
                out[key] = v + (try pttl(c, key) > 0 ? " ttl" : " no-ttl")
            }
            cursor = next
        } while cursor != 0
        return out
    }

    private func fileSnapshot(_ dir: TempDirectory) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for n in dir.names() { out[n] = dir.read(n) }
        return out
    }

    /// The fixture File store copied with its headers moved to now, and the fixture sessions
    /// that are live there.
    private func fixtureFileStore() -> (TempDirectory, shift: Int64, live: [Fixtures.Expected]) {
        let dir = tempDir()
        let shift = Fixtures.copyFileStore("file", to: dir, now: SystemTime.nowMillis())
        let live = Fixtures.sessions(backend: "file").filter { !$0.encrypted && $0.expired == false }
        return (dir, shift, live)
    }

    private func fixtureRedis() throws -> RedisServer {
        let s = try startServer()
        try s.pipe(file: Fixtures.gsession + "/redis-kv.resp")
        try s.pipe(file: Fixtures.gsession + "/redis-hash.resp")
        return s
    }

    // MARK: Test 1: every layout and back

    func testFileFixturesGoToKVAndBackByteIdenticalWithTheSameExpiry() throws {
        let (dir, shift, live) = fixtureFileStore()
        let s = try startServer()
        let (toKV, f1) = try migrate(try file(dir), try kv(s))
        XCTAssertEqual(f1, [])
        XCTAssertEqual(toKV.copied, live.count)
        XCTAssertEqual(toKV.expired, 2, "the two expired fixture sessions are counted, not copied")
        let c = try raw(s)
        let now = SystemTime.nowMillis()
        for e in live {
            XCTAssertEqual(try value(c, "gfsess:" + e.id), e.gfReencoded, "\(e.id): KV holds what GoFrame would write")
            let expiresAt = try XCTUnwrap(e.timestampMillis) + shift + 86_400_000
            XCTAssertEqual(Double(try pttl(c, "gfsess:" + e.id)), Double(expiresAt - now), accuracy: 1000, "\(e.id): TTL = ts + max age - now")
        }

        let back = tempDir()
        let (toFile, f2) = try migrate(try kv(s), try file(back))
        XCTAssertEqual(f2, [])
        XCTAssertEqual(toFile.copied, live.count)
        for e in live {
            let bytes = try XCTUnwrap(back.read(e.id + ".session"), e.id)
            XCTAssertEqual(Array(bytes[8...]), e.gfReencoded, "\(e.id): the body GoFrame would write")
            let ts = try XCTUnwrap(GSessionFileCodec.readTimestamp(bytes))
            XCTAssertEqual(Double(ts), Double(try XCTUnwrap(e.timestampMillis) + shift), accuracy: 1000, "\(e.id): the same expiry instant")
        }
        XCTAssertEqual(back.names().count, live.count, "nothing else in the directory (no temp files)")
    }

    func testKVFixturesGoToFileAndBackWithTheSameTTL() throws {
        let s = try fixtureRedis()
        let sessions = Fixtures.sessions(backend: "kv")
        let c0 = try raw(s)
        var ttls: [String: Int64] = [:]
        for e in sessions { ttls[e.id] = try pttl(c0, "gfsess:" + e.id) }

        // A File store whose max age covers the 30-day remember-me session keeps every instant.
        let dir = tempDir()
        let (toFile, f1) = try migrate(try kv(s), try file(dir, maxAge: 31 * 86_400_000))
        XCTAssertEqual(f1, [])
        XCTAssertEqual(toFile.copied, sessions.count)
        XCTAssertEqual(toFile.lifetimeCapped, 0)
        for e in sessions {
            XCTAssertEqual(Array(try XCTUnwrap(dir.read(e.id + ".session"))[8...]), e.gfReencoded, e.id)
        }
        let (toKV, f2) = try migrate(try file(dir, maxAge: 31 * 86_400_000), try kv(s, db: 1))
        XCTAssertEqual(f2, [])
        XCTAssertEqual(toKV.copied, sessions.count)
        let c1 = try raw(s, db: 1)
        for e in sessions {
            XCTAssertEqual(try value(c1, "gfsess:" + e.id), e.gfReencoded, "\(e.id): byte-identical after KV -> File -> KV")
            XCTAssertEqual(Double(try pttl(c1, "gfsess:" + e.id)), Double(ttls[e.id]!), accuracy: 1000, "\(e.id): the same expiry instant")
        }

        // With GoFrame's 24h max age the 30-day session keeps its instant too: its timestamp lies
        // 29 days in the future. Only a session with no expiry at all gets "now" (and a warning).
        _ = try c0.command("SET", "gfsess:forever", #"{"n":1}"#)
        let short = tempDir()
        let (toShort, f3) = try migrate(try kv(s), try file(short))
        XCTAssertEqual(f3, [])
        XCTAssertEqual(toShort.lifetimeCapped, 1)
        let now = SystemTime.nowMillis()
        for e in sessions {
            let ts = try XCTUnwrap(GSessionFileCodec.readTimestamp(try XCTUnwrap(short.read(e.id + ".session"))))
            XCTAssertEqual(Double(ts + 86_400_000 - now), Double(ttls[e.id]!), accuracy: 2000, "\(e.id): the same expiry instant")
        }
        let rememberMe = try XCTUnwrap(GSessionFileCodec.readTimestamp(try XCTUnwrap(short.read("1qbncq5nyf0dn0nrszjyb9br00kmrly4.session"))))
        XCTAssertGreaterThan(rememberMe, now + 28 * 86_400_000, "a header in the future")
        let forever = try XCTUnwrap(GSessionFileCodec.readTimestamp(try XCTUnwrap(short.read("forever.session"))))
        XCTAssertEqual(Double(forever), Double(now), accuracy: 2000)
        // File (24h) -> KV -> File keeps every header within a second, the future ones included.
        let (_, f4) = try migrate(try file(short), try kv(s, db: 2))
        XCTAssertEqual(f4, [])
        let again = tempDir()
        let (roundTrip, f5) = try migrate(try kv(s, db: 2), try file(again))
        XCTAssertEqual(f5, [])
        XCTAssertEqual(roundTrip.lifetimeCapped, 0)
        for name in short.names() {
            let before = try XCTUnwrap(GSessionFileCodec.readTimestamp(try XCTUnwrap(short.read(name))))
            let after = try XCTUnwrap(GSessionFileCodec.readTimestamp(try XCTUnwrap(again.read(name))), name)
            XCTAssertEqual(Double(after), Double(before), accuracy: 1000, name)
        }
    }

    /// What GoFrame's Hash storage writes for a value (its Redis adapter and go-redis): strings
    /// raw, numbers as their text, bools 1/0, nil empty, maps and slices as JSON.
    private func goFrameHashField(_ v: JSONValue, style: JSONEscapeStyle) -> [UInt8] {
        switch v {
        case .string(let s): return Array(s.utf8)
        case .number(let n): return Array(n.utf8)
        case .bool(let b): return Array((b ? "1" : "0").utf8)
        case .null: return []
        case .object, .array: return GoJSONEncoder.encode(v, style: style)
        }
    }

    func testKVToHashWritesEveryFieldAsGoFramesHashStorage() throws {
        let s = try fixtureRedis()
        let (report, failures) = try migrate(try kv(s), try hash(s, prefix: "moved:"))
        XCTAssertEqual(failures, [])
        let sessions = Fixtures.sessions(backend: "kv")
        let empty = sessions.filter { $0.data?.isEmpty == true }
        XCTAssertEqual(empty.count, 1)
        XCTAssertEqual(report.emptySkipped, 1, "an empty session cannot become a hash: skipped and counted")
        XCTAssertEqual(report.copied, sessions.count - 1)
        let c = try raw(s)
        for e in sessions where e.data?.isEmpty == false {
            let stored = try XCTUnwrap(try value(c, "gfsess:" + e.id))
            let style = try JSONParser.parseDocument(stored).style
            var expected: [String: [UInt8]] = [:]
            for (k, v) in try XCTUnwrap(e.data) { expected[k] = goFrameHashField(v, style: style) }
            XCTAssertEqual(try fields(c, "moved:" + e.id), expected, e.id)
            XCTAssertEqual(Double(try pttl(c, "moved:" + e.id)), Double(try pttl(c, "gfsess:" + e.id)), accuracy: 1000)
        }
        XCTAssertEqual(try c.command("EXISTS", "moved:" + empty[0].id).int, 0)
    }

    func testHashFixturesGoToFileAndBackWithEveryField() throws {
        let s = try fixtureRedis()
        let c = try raw(s)
        let sessions = Fixtures.sessions(backend: "hash")
        var before: [String: [String: [UInt8]]] = [:]
        for e in sessions { before[e.id] = try fields(c, "gfhash:" + e.id) }
        // A field that is not UTF-8 text cannot enter a JSON layout: that session fails alone.
        _ = try c.command([Array("HSET".utf8), Array("gfhash:binary-one".utf8), Array("raw".utf8), [0xff, 0xfe, 0x41], Array("ok".utf8), Array("yes".utf8)])
        _ = try c.command("PEXPIRE", "gfhash:binary-one", "600000")

        let dir = tempDir()
        let (toFile, f1) = try migrate(try hash(s), try file(dir))
        XCTAssertEqual(toFile.copied, sessions.count)
        XCTAssertEqual(toFile.failed, 1)
        XCTAssertEqual(f1.count, 1)
        XCTAssertEqual(f1.first?.id, "binary-one")
        XCTAssertTrue(
            f1.first?.message.contains("'binary-one'") == true && f1.first?.message.contains("'raw'") == true && f1.first?.message.contains("UTF-8") == true,
            f1.first?.message ?? "")
        XCTAssertNil(dir.read("binary-one.session"), "nothing written for it")

        let (toHash, f2) = try migrate(try file(dir), try hash(s, prefix: "back:"))
        XCTAssertEqual(f2, [])
        XCTAssertEqual(toHash.copied, sessions.count)
        for e in sessions {
            let after = try fields(c, "back:" + e.id)
            XCTAssertEqual(Set(after.keys), Set(before[e.id]!.keys), e.id)
            for (k, old) in before[e.id]! {
                let new = try XCTUnwrap(after[k])
                if let first = old.first, first == UInt8(ascii: "{") || first == UInt8(ascii: "["), let oldJSON = try? JSONParser.parse(old) {
                    XCTAssertEqual(try JSONParser.parse(new), oldJSON, "\(e.id).\(k): equal as JSON")
                } else {
                    XCTAssertEqual(new, old, "\(e.id).\(k): byte-identical")
                }
            }
            XCTAssertEqual(Double(try pttl(c, "back:" + e.id)), Double(try pttl(c, "gfhash:" + e.id)), accuracy: 1000, e.id)
        }

        // Hash to hash keeps the bytes JSON cannot carry.
        let (direct, f3) = try migrate(try hash(s), try hash(s, prefix: "copy:"), pattern: "binary-*")
        XCTAssertEqual(f3, [])
        XCTAssertEqual(direct.copied, 1)
        XCTAssertEqual(try fields(c, "copy:binary-one")["raw"], [0xff, 0xfe, 0x41])
    }

    /// Found by `scripts/fuzz.sh hash`: a field that is a JSON array but holds a byte that is not
    /// UTF-8 showed as a string, which reads back as an array once written, so a verified copy
    /// or a move failed its read-back check.
    func testHashToHashMovesAJSONFieldWithBytesThatAreNotUTF8() throws {
        let s = try startServer()
        let c = try raw(s)
        let cart = Array("[{\"sku\":\"H".utf8) + [0xff] + Array("\"}]".utf8)
        _ = try c.command([Array("HSET".utf8), Array("gfhash:odd".utf8), Array("cart".utf8), cart])
        _ = try c.command("PEXPIRE", "gfhash:odd", "600000")
        let shown = try hash(s).get("odd")
        XCTAssertEqual(shown.data["cart"], .array([.object(JSONObject([("sku", .string("H\u{FFFD}"))]))]))
        XCTAssertEqual(shown.undecodableKeys, ["cart"])

        let (report, failures) = try migrate(try hash(s), try hash(s, prefix: "copy:"), MigrationOptions(deleteSource: true))
        XCTAssertEqual(failures, [])
        XCTAssertEqual(report.copied, 1)
        XCTAssertEqual(try fields(c, "copy:odd")["cart"], cart, "the exact bytes")
        XCTAssertEqual(try c.command("EXISTS", "gfhash:odd").int, 0, "moved")
    }

    /// Found by `scripts/fuzz.sh hash`: when a field whose name is not UTF-8 and a later one
    /// whose name is text show as the same key, the key showed the later field's value but kept
    /// the earlier name, so a copy wrote that value under the other field's name.
    func testHashToHashCopyOfFieldsThatShowAsOneKeyWritesTheShownField() throws {
        let s = try startServer()
        let c = try raw(s)
        let text = Array("k\u{FFFD}".utf8)
        _ = try c.command([Array("HSET".utf8), Array("gfhash:twin".utf8), [UInt8(ascii: "k"), 0xff], Array("old".utf8), text, Array("new".utf8)])
        _ = try c.command("PEXPIRE", "gfhash:twin", "600000")
        XCTAssertEqual(try hash(s).get("twin").data["k\u{FFFD}"], .string("new"), "the later field, as Redis lists them")

        let (report, failures) = try migrate(try hash(s), try hash(s, prefix: "copy:"), MigrationOptions(verify: true))
        XCTAssertEqual(failures, [])
        XCTAssertEqual(report.copied, 1)
        guard case .array(let items) = try c.command("HGETALL", "copy:twin") else { return XCTFail("no copy") }
        XCTAssertEqual(items.map { $0.bytes ?? [] }, [text, Array("new".utf8)])
    }

    func testEncryptedFileStoreGoesToKVDecrypted() throws {
        let dir = tempDir()
        Fixtures.copyFileStore("file-crypto", to: dir, now: SystemTime.nowMillis())
        let source = try FileStore(directory: dir.path, options: FileStore.Options(cipher: try GSessionCipher()))
        let s = try startServer()
        let (report, failures) = try migrate(source, try kv(s))
        XCTAssertEqual(failures, [])
        let encrypted = Fixtures.sessions(backend: "file").filter(\.encrypted)
        XCTAssertEqual(report.copied, encrypted.count)
        let c = try raw(s)
        for e in encrypted { XCTAssertEqual(try value(c, "gfsess:" + e.id), e.gfReencoded, e.id) }
    }

    func testRedisToRedisKeepsNoExpiryAndTheRemainingTTL() throws {
        let s = try startServer()
        let c = try raw(s)
        _ = try c.command("SET", "a:forever", "{\"k\":1}")
        _ = try c.command("SET", "a:soon", "{\"k\":2}", "PX", "90000")
        let (report, _) = try migrate(try kv(s, prefix: "a:"), try hash(s, prefix: "b:"))
        XCTAssertEqual(report.copied, 2)
        XCTAssertEqual(try pttl(c, "b:forever"), -1, "no expiry stays no expiry")
        XCTAssertEqual(Double(try pttl(c, "b:soon")), 90_000, accuracy: 1000)
    }

    // MARK: Test 3: dry run, verification, broken sessions

    func testDryRunWritesNothing() throws {
        let (dir, _, live) = fixtureFileStore()
        let s = try startServer()
        // One session is there already, and a key that is not a session sits where another would go.
        _ = try migrate(try file(dir), try kv(s), pattern: live[0].id)
        _ = try raw(s).command("RPUSH", "gfsess:" + live[1].id, "not a session")
        let before = try snapshot(s)
        let files = fileSnapshot(dir)
        let (report, failures) = try migrate(try file(dir), try kv(s), MigrationOptions(dryRun: true))
        XCTAssertEqual(try snapshot(s), before, "the target is unchanged")
        XCTAssertEqual(fileSnapshot(dir), files, "the source is unchanged")
        XCTAssertTrue(report.dryRun)
        XCTAssertEqual(report.copied, live.count - 2, "would copy")
        XCTAssertEqual(report.skippedExisting, 1)
        XCTAssertEqual(report.failed, 1)
        XCTAssertTrue(failures.first?.message.contains("not a session") == true, "\(failures)")
        XCTAssertEqual(report.expired, 2)

        // Into a File store too.
        let target = tempDir()
        let (fileReport, _) = try migrate(try kv(s), try file(target), MigrationOptions(dryRun: true))
        XCTAssertEqual(fileReport.copied, 1)
        XCTAssertEqual(target.names(), [])
        // The real run does what the dry run said.
        let (real, _) = try migrate(try file(dir), try kv(s))
        XCTAssertEqual([real.copied, real.skippedExisting, real.failed, real.expired], [report.copied, report.skippedExisting, report.failed, report.expired])
    }

    func testVerifyCatchesACorruptedWriteAndDeleteSourceKeepsIt() throws {
        let (dir, _, live) = fixtureFileStore()
        let s = try startServer()
        let victims = Set(live.prefix(3).map(\.id))
        let target = CorruptingStore(try kv(s), corrupt: victims)
        let before = fileSnapshot(dir)
        let (report, failures) = try migrate(try file(dir), target, MigrationOptions(verify: true, batchSize: 4))
        XCTAssertEqual(report.failed, 3)
        XCTAssertEqual(report.copied, live.count - 3)
        XCTAssertEqual(report.verified, live.count - 3)
        XCTAssertEqual(Set(failures.compactMap(\.id)), victims)
        for f in failures { XCTAssertTrue(f.message.contains("failed verification"), f.message) }
        XCTAssertEqual(fileSnapshot(dir), before, "verification alone never touches the source")

        // With --delete-source the corrupted copies' sources stay; every verified one goes.
        let s2 = try startServer()
        let (moved, moveFailures) = try migrate(
            try file(dir), CorruptingStore(try kv(s2), corrupt: victims),
            MigrationOptions(deleteSource: true, batchSize: 4))
        XCTAssertEqual(moved.failed, 3, "\(moveFailures)")
        XCTAssertEqual(moved.deleted, live.count - 3)
        XCTAssertEqual(
            Set(dir.names()), Set(victims.map { $0 + ".session" } + ["1qbncq5nyf0dn0nrszirtnac000tp60h.session", "1qbncq5nyf0dn0nrszispx1d00q6qw1q.session"]),
            "left in the source: the three whose copy failed verification, and the two expired ones")
        for v in victims { XCTAssertEqual(dir.read(v + ".session"), before[v + ".session"], "unchanged") }
    }

    func testDeleteSourceKeepsASessionThatChangedAfterItWasCopied() throws {
        let (dir, _, live) = fixtureFileStore()
        let s = try startServer()
        let changed = live[0].id
        let source = try file(dir)
        let m = Migration(target: try kv(s), options: MigrationOptions(deleteSource: true))
        var failures: [MigrationFailure] = []
        m.onFailure = { failures.append($0) }
        // The app writes the session between its copy and its removal.
        let deleter = TouchingBeforeDelete(try source.reopened(), touch: changed, in: dir)
        let report = try m.run(from: StoreSessions(source), deletingFrom: deleter)
        XCTAssertEqual(report.keptInSource, 1)
        XCTAssertEqual(report.deleted, live.count - 1)
        XCTAssertEqual(failures.map(\.id), [changed])
        XCTAssertTrue(failures[0].message.contains("changed after it was copied"), failures[0].message)
        XCTAssertNotNil(dir.read(changed + ".session"))
    }

    func testCorruptSourceSessionsAreReportedAndTheRestCopied() throws {
        let (dir, _, live) = fixtureFileStore()
        dir.write("badjson.session", GSessionFileCodec.header(SystemTime.nowMillis()) + Array("{\"a\":".utf8))
        dir.write("tiny.session", [1, 2, 3])
        dir.write("array.session", GSessionFileCodec.header(SystemTime.nowMillis()) + Array("[1,2]".utf8))
        let s = try startServer()
        let (report, failures) = try migrate(try file(dir), try kv(s))
        XCTAssertEqual(report.failed, 3)
        XCTAssertEqual(report.copied, live.count)
        XCTAssertEqual(Set(failures.compactMap(\.id)), ["badjson", "tiny", "array"])
        for f in failures { XCTAssertTrue(f.message.contains(dir.path + "/" + f.id! + ".session"), "names the file: \(f.message)") }
        XCTAssertEqual(try raw(s).command("DBSIZE").int, Int64(live.count))
    }

    func testSmallBatchesAndARerunCopyEverySessionOnce() throws {
        let s = try startServer()
        let source = try kv(s, prefix: "src:")
        let now = SystemTime.nowMillis()
        let all = (0..<300).map { Session(id: "s\($0)", data: JSONObject([("n", .number(String($0)))]), expiry: .at(now + 3_600_000)) }
        for r in try source.save(all.map { SessionWrite($0, mode: .create, expiry: .set($0.expiry)) }) { try r.get() }
        let target = try hash(s, prefix: "dst:")
        // Half of them are there already, as an interrupted run leaves them.
        let (first, _) = try migrate(source, target, MigrationOptions(batchSize: 7), pattern: "s1*")
        let (second, failures) = try migrate(source, target, MigrationOptions(verify: true, batchSize: 7))
        XCTAssertEqual(failures, [])
        XCTAssertEqual(second.copied + second.skippedExisting, 300)
        XCTAssertEqual(second.skippedExisting, first.copied)
        XCTAssertEqual(second.verified, second.copied)
        var ids: [String] = []
        try target.scan(matching: nil, pageSize: 50) { page in
            ids += page.sessions.map(\.id)
            return .proceed
        }
        XCTAssertEqual(ids.sorted(), all.map(\.id).sorted())
    }

    func testAStoreFailingPartWayAbortsWithWhatWasDone() throws {
        let s = try startServer()
        let source = try kv(s, prefix: "src:")
        for r in try source.save((0..<50).map { SessionWrite(Session(id: "s\($0)", data: JSONObject([("n", .number("1"))]), expiry: .never), mode: .create) }) { try r.get() }
        let target = FailingStore(try kv(s, prefix: "dst:"), failAfter: 2)
        let m = Migration(target: target, options: MigrationOptions(batchSize: 10))
        XCTAssertThrowsError(try m.run(from: StoreSessions(source))) { e in
            guard let aborted = e as? MigrationAborted else { return XCTFail("\(e)") }
            XCTAssertGreaterThan(aborted.report.copied, 0)
            XCTAssertLessThan(aborted.report.copied, 50)
            XCTAssertEqual(try? target.estimatedCount(matching: nil), aborted.report.copied, "the report counts what is in the target")
            XCTAssertTrue(aborted.error.description.contains("went away"), aborted.error.description)
        }
    }

    func testHashCreatesOfEverySizeReadBackExactly() throws {
        XCTAssertEqual(CRC64.redis(Array("123456789".utf8)), 0xe9c6_d914_c4b8_d9ca, "Redis' CRC-64 check value")
        func bitwise(_ bytes: [UInt8]) -> UInt64 {
            var crc: UInt64 = 0
            for b in bytes {
                crc ^= UInt64(b)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x95ac_9329_ac4b_c9b5 : crc >> 1 }
            }
            return crc
        }
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ n) }
            XCTAssertEqual(CRC64.redis(bytes), bitwise(bytes), "\(n) bytes")
        }
        let s = try startServer()
        let store = try hash(s)
        var data = JSONObject()
        for i in 0..<100 { data["k\(i)"] = .string(String(repeating: "v", count: i)) }
        data["big"] = .string(String(repeating: "x", count: 20_000))
        data["unicode"] = .string("héllo \u{2028} 👋")
        data["nested"] = .object(JSONObject([("a", .array([.number("1"), .bool(true), .null]))]))
        let now = SystemTime.nowMillis()
        let results = try store.save([
            SessionWrite(Session(id: "many", data: data, expiry: .never), mode: .create, expiry: .set(.at(now + 120_000))),
            SessionWrite(Session(id: "one", data: JSONObject([("n", .number("7"))]), expiry: .never), mode: .create, expiry: .set(.never))
        ])
        for r in results { try r.get() }
        guard case .found(let many) = try store.load("many"), case .found(let one) = try store.load("one") else { return XCTFail("both created") }
        XCTAssertEqual(many.data, store.dataAsStored(data))
        XCTAssertEqual(Double(try XCTUnwrap(many.expiry.remaining(now: now))), 120_000, accuracy: 1000)
        XCTAssertEqual(one.data, JSONObject([("n", .string("7"))]))
        XCTAssertEqual(one.expiry, .never)
        XCTAssertEqual(try fields(try raw(s), "gfhash:many")["nested"], Array("{\"a\":[1,true,null]}".utf8))
    }

    func testHashCreatesWithoutRestoreTakeTheGeneralPath() throws {
        let s = try startServer()
        _ = try raw(s).command("ACL", "SETUSER", "app", "on", ">app-pw", "~*", "+@all", "-restore")
        let options = RedisStoreOptions(
            connection: RedisConnectOptions(
                endpoint: .tcp(host: s.host, port: s.port), username: "app",
                password: "app-pw", timeout: 5000), prefix: "h:")
        let store = try RedisStore(options: options, layout: .hash, displayName: "hash-acl")
        let source = try kv(s, prefix: "k:")
        for i in 0..<30 { _ = try raw(s).command("SET", "k:s\(i)", "{\"n\":\(i)}", "PX", "600000") }
        let (report, failures) = try migrate(source, store, MigrationOptions(verify: true, batchSize: 8))
        XCTAssertEqual(failures, [])
        XCTAssertEqual(report.copied, 30)
        XCTAssertEqual(report.verified, 30)
        XCTAssertEqual(try fields(try raw(s), "h:s7"), ["n": Array("7".utf8)])
        XCTAssertEqual(Double(try pttl(try raw(s), "h:s7")), 600_000, accuracy: 2000)
    }

    func testExportLinesReadBackAsTheSameSessions() throws {
        let data = JSONObject([("n", .number("1e+21")), ("s", .string("<b>\u{8}</b>")), ("o", .object(JSONObject([("a", .array([.null]))])))])
        let session = Session(
            id: "x1", data: data, expiry: .at(1_795_240_858_123), escapeStyle: .legacy,
            rawValues: ["bin": [0xff, 0x41]], undecodableKeys: [])
        var withRaw = session
        withRaw.data["bin"] = HashFieldCodec.decode([0xff, 0x41]).value
        withRaw.undecodableKeys = ["bin"]
        var line: [UInt8] = []
        SessionNDJSON.append(withRaw, layout: .hash, to: &line)
        XCTAssertEqual(
            String(decoding: line, as: UTF8.self),
            "{\"data\":{\"bin\":\"\u{FFFD}A\",\"n\":1e+21,\"o\":{\"a\":[null]},\"s\":\"\\u003cb\\u003e\\u0008\\u003c/b\\u003e\"},"
                + "\"expires_at\":\"2026-11-21T06:00:58.123Z\",\"id\":\"x1\",\"layout\":\"hash\",\"raw\":{\"bin\":\"/0E=\"}}\n")
        let back = try SessionNDJSON.parse(Array(line.dropLast()), location: "test")
        XCTAssertEqual(back.id, "x1")
        XCTAssertEqual(back.data, withRaw.data)
        XCTAssertEqual(back.expiry, .at(1_795_240_858_123))
        XCTAssertEqual(back.escapeStyle, .legacy)
        XCTAssertEqual(back.rawValues["bin"], [0xff, 0x41])
        XCTAssertEqual(back.keysWithUndecodableValues, ["bin"])
        XCTAssertEqual(Durations.parseRFC3339("2026-11-21T07:00:58.1234+01:00"), 1_795_240_858_123)
        XCTAssertEqual(Durations.parseRFC3339("1970-01-01T00:00:00Z"), 0)
        XCTAssertNil(Durations.parseRFC3339("2026-11-21 06:00:58Z"))
        XCTAssertThrowsError(try SessionNDJSON.parse(Array("{\"id\":\"a\",\"data\":{}}".utf8), location: "stdin: line 3")) { e in
            XCTAssertTrue("\(e)".hasPrefix("stdin: line 3: no \"expires_at\""), "\(e)")
        }
        XCTAssertEqual(Base64.decodeStd(Base64.std(Array(0...255))), Array(0...255))
    }
}

/// A target whose writes of some sessions lose a key on the way: what `--verify` must catch.
private final class CorruptingStore: ForwardingStore {
    let victims: Set<String>

    init(_ store: any SessionStore, corrupt victims: Set<String>) {
        self.victims = victims
        super.init(store)
    }

    override func save(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] {
        try base.save(
            writes.map { w in
                guard victims.contains(w.session.id) else { return w }
                var bad = w
                bad.session.data["corrupted"] = .bool(true)
                return bad
            })
    }
}

/// A target that goes away after some batches.
private final class FailingStore: ForwardingStore {
    var left: Int

    init(_ store: any SessionStore, failAfter batches: Int) {
        left = batches
        super.init(store)
    }

    override func save(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] {
        if left == 0 { throw SessionError.storeUnavailable(store: displayName, reason: "the server went away") }
        left -= 1
        return try base.save(writes)
    }
}

/// A source handle that rewrites one file (as the app would) just before removing it.
private final class TouchingBeforeDelete: ForwardingStore {
    let id: String
    let dir: TempDirectory

    init(_ store: any SessionStore, touch id: String, in dir: TempDirectory) {
        self.id = id
        self.dir = dir
        super.init(store)
    }

    override func delete(unchanged sessions: [(id: String, revision: Revision)]) throws -> [Result<Bool, SessionError>] {
        if sessions.contains(where: { $0.id == id }), var bytes = dir.read(id + ".session") {
            bytes.replaceSubrange(0..<8, with: GSessionFileCodec.header(SystemTime.nowMillis() + 5))
            dir.write(id + ".session", bytes)
        }
        return try base.delete(unchanged: sessions)
    }
}

/// A store that passes everything to another; subclasses change one thing.
private class ForwardingStore: SessionStore {
    let base: any SessionStore
    init(_ base: any SessionStore) { self.base = base }

    var displayName: String { base.displayName }
    var layout: SessionLayout { base.layout }
    var capabilities: StoreCapabilities { base.capabilities }
    var clock: Clock { base.clock }
    var defaultLifetimeMillis: Int64 { base.defaultLifetimeMillis }
    func validate(id: String) throws(SessionError) { try base.validate(id: id) }
    func scan(matching pattern: String?, pageSize: Int, detail: ScanDetail, _ visit: (ScanPage) throws -> ScanControl) throws {
        try base.scan(matching: pattern, pageSize: pageSize, detail: detail, visit)
    }
    func scanSessions(matching pattern: String?, pageSize: Int, _ visit: (SessionPage) throws -> ScanControl) throws {
        try base.scanSessions(matching: pattern, pageSize: pageSize, visit)
    }
    func load(_ ids: [String]) throws -> [LoadResult] { try base.load(ids) }
    func save(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] { try base.save(writes) }
    func delete(_ ids: [String]) throws -> [Result<Bool, SessionError>] { try base.delete(ids) }
    func delete(unchanged sessions: [(id: String, revision: Revision)]) throws -> [Result<Bool, SessionError>] {
        try base.delete(unchanged: sessions)
    }
    func setExpiry(_ changes: [(id: String, expiry: Expiry)]) throws -> [Result<Bool, SessionError>] { try base.setExpiry(changes) }
    func reopened() throws(SessionError) -> any SessionStore { try base.reopened() }
    var abilities: StoreAbilities { base.abilities }
}
