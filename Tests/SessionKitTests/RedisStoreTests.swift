import Foundation
import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

/// The Redis-KV and Redis-Hash stores against a real redis-server and GoFrame's fixtures.
final class RedisStoreTests: RedisTestCase {
    private let kvPrefix = "gfsess:"
    private let hashPrefix = "gfhash:"

    /// A server holding both fixture files in db 0.
    private func fixtureServer() throws -> RedisServer {
        let s = try startServer()
        try s.pipe(file: Fixtures.gsession + "/redis-kv.resp")
        try s.pipe(file: Fixtures.gsession + "/redis-hash.resp")
        return s
    }

    private func options(_ s: RedisServer, prefix: String, db: Int = 0) -> RedisStoreOptions {
        RedisStoreOptions(connection: RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db, timeout: 2000), prefix: prefix)
    }

    private func kv(_ s: RedisServer, prefix: String? = nil, db: Int = 0) throws -> RedisStore {
        try RedisStore(options: options(s, prefix: prefix ?? kvPrefix, db: db), layout: .kv, displayName: "kv-test")
    }

    private func hash(_ s: RedisServer, prefix: String? = nil, db: Int = 0) throws -> RedisStore {
        try RedisStore(options: options(s, prefix: prefix ?? hashPrefix, db: db), layout: .hash, displayName: "hash-test")
    }

    private func raw(_ s: RedisServer, db: Int = 0) throws -> RedisConnection {
        try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db))
    }

    private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    private func scanAll(_ store: any SessionStore, detail: ScanDetail = .full, pageSize: Int = 1000) throws -> (infos: [String: SessionInfo], skipped: [String: String]) {
        var infos: [String: SessionInfo] = [:]
        var skipped: [String: String] = [:]
        try store.scan(matching: nil, pageSize: pageSize, detail: detail) { page in
            for i in page.sessions { infos[i.id] = i }
            for k in page.skipped { skipped[k.key] = k.reason }
            return .proceed
        }
        return (infos, skipped)
    }

    // MARK: The conformance suite

    func testConformanceKV() throws {
        let s = try startServer(extraArgs: ["--databases", "64"])
        var db = 0
        // Glob characters in the prefix must match literally: a key that an unescaped pattern
        // would match sits beside the store in every database.
        let prefix = "gf*s[e]?\\:"
        try StoreConformance(makeStore: {
            db += 1
            let c = try self.raw(s, db: db)
            _ = try c.command("SET", "gfXse!:alpha1", "{\"decoy\":1}")
            _ = try c.command("SET", "other:key", "{\"decoy\":1}")
            return try self.kv(s, prefix: prefix, db: db)
        }).run()
    }

    func testConformanceHash() throws {
        let s = try startServer(extraArgs: ["--databases", "64"])
        var db = 0
        try StoreConformance(makeStore: {
            db += 1
            _ = try self.raw(s, db: db).command("HSET", "other:key", "decoy", "1")
            return try self.hash(s, prefix: "h:", db: db)
        }).run()
    }

    // MARK: GoFrame's fixtures

    func testEveryKVFixtureSessionReadsAsGoFrameReadsIt() throws {
        let s = try fixtureServer()
        let store = try kv(s)
        let expected = Fixtures.sessions(backend: "kv")
        XCTAssertEqual(expected.count, 11)
        let now = store.clock.nowMillis()
        let results = try store.load(expected.map(\.id))
        for (e, r) in zip(expected, results) {
            guard case .found(let session) = r else { XCTFail("\(e.id): \(r)"); continue }
            XCTAssertEqual(session.data, e.data, "data of \(e.id), number literals included")
            let left = try XCTUnwrap(session.expiry.remaining(now: now))
            XCTAssertEqual(Double(left), Double(try XCTUnwrap(e.pttlMillis)), accuracy: 30_000, "TTL of \(e.id)")
            // What we would write is what GoFrame would write.
            XCTAssertEqual(GoJSONEncoder.encode(session.data, style: session.escapeStyle), e.gfReencoded, "re-encoding of \(e.id)")
            XCTAssertEqual(session.size, e.raw["stored_body_len"].flatMap { if case .number(let n) = $0 { return Int(n) } else { return nil } })
        }
    }

    func testEveryHashFixtureSessionReadsAsGoFrameReadsIt() throws {
        let s = try fixtureServer()
        let store = try hash(s)
        let expected = Fixtures.sessions(backend: "hash")
        XCTAssertEqual(expected.count, 10)
        let now = store.clock.nowMillis()
        for e in expected {
            let session = try store.get(e.id)
            let fields = try XCTUnwrap(e.raw["fields_b64"]?.objectValue, e.id)
            XCTAssertEqual(Set(session.data.keys), Set(fields.keys), e.id)
            for (key, b64) in fields {
                let bytes = [UInt8](try XCTUnwrap(Data(base64Encoded: b64.stringValue!)))
                XCTAssertEqual(session.rawValues[key], bytes, "exact bytes of \(e.id).\(key)")
                // GoFrame's app reads every field as a string; sessctl shows objects and arrays
                // as JSON, and every other field as exactly that string.
                let gfString = try XCTUnwrap(e.data?[key]?.stringValue, "\(e.id).\(key) is a string for GoFrame")
                switch session.data[key] {
                case .string(let text)?: XCTAssertEqual(text, gfString, "\(e.id).\(key)")
                case let value?: XCTAssertEqual(value, try JSONParser.parse(Array(gfString.utf8)), "\(e.id).\(key)")
                case nil: XCTFail("\(e.id).\(key) missing")
                }
            }
            XCTAssertTrue(session.undecodableKeys.isEmpty)
            let left = try XCTUnwrap(session.expiry.remaining(now: now))
            XCTAssertEqual(Double(left), Double(try XCTUnwrap(e.pttlMillis)), accuracy: 30_000, "TTL of \(e.id)")
        }
        // Text that is JSON reads as JSON; everything else stays text, even when it looks like a number.
        let cart = try store.get("1qbncq5nyf0dn0nrszk1zwrt007uuy6u")
        XCTAssertEqual(cart.data["cart"], .array([.object(JSONObject([("qty", .number("2")), ("sku", .string("H-9"))]))]))
        XCTAssertEqual(cart.data["cart_total"], .string("12.5"))
        XCTAssertEqual(try store.get("1qbncq5nyf0dn0nrszk9467y005ulz2l").data["issued"], .string("\"2025-06-01T12:00:00Z\""))
    }

    func testScanListsExactlyTheFixtureSessionsAndSkipsOtherKeysUnderThePrefix() throws {
        let s = try fixtureServer()
        let c = try raw(s)
        // Keys under the prefixes that are not sessions, and one broken session.
        _ = try c.command("RPUSH", "gfsess:queue", "x")
        _ = try c.command("SET", "gfsess:counter", "12345")
        _ = try c.command("HSET", "gfsess:hash", "a", "b")
        _ = try c.command("SET", "gfsess:broken", "{\"user\":")
        _ = try c.command("SET", "gfhash:text", "hello")
        _ = try c.command("SADD", "gfhash:set", "a")

        for (store, backend) in [(try kv(s) as any SessionStore, "kv"), (try hash(s), "hash")] {
            let expected = Fixtures.sessions(backend: backend)
            let (infos, skipped) = try scanAll(store, pageSize: 3)
            let now = store.clock.nowMillis()
            var ids = Set(expected.map(\.id))
            if backend == "kv" { ids.insert("broken") }
            XCTAssertEqual(Set(infos.keys), ids, backend)
            for e in expected {
                let info = try XCTUnwrap(infos[e.id])
                XCTAssertNil(info.problem)
                XCTAssertEqual(info.keyCount, e.data?.count, e.id)
                XCTAssertGreaterThan(info.size, 0)
                XCTAssertEqual(Double(try XCTUnwrap(info.expiry?.remaining(now: now))), Double(e.pttlMillis!), accuracy: 30_000)
            }
            if backend == "kv" {
                XCTAssertEqual(
                    skipped,
                    [
                        "gfsess:queue": "a Redis list, not a string", "gfsess:counter": "a string that is not a JSON object",
                        "gfsess:hash": "a Redis hash, not a string"
                    ])
                XCTAssertTrue(infos["broken"]?.problem?.hasPrefix("invalid JSON at byte 8") ?? false, "\(String(describing: infos["broken"]))")
            } else {
                XCTAssertEqual(skipped, ["gfhash:text": "a Redis string, not a hash", "gfhash:set": "a Redis set, not a hash"])
            }
            // A light scan trusts the prefix: every key under it is taken for a session, unread.
            let light = try scanAll(store, detail: .ids)
            XCTAssertEqual(Set(light.infos.keys), ids.union(skipped.keys.map { String($0.dropFirst(7)) }), backend)
            XCTAssertTrue(light.infos.values.allSatisfy { $0.expiry == nil && $0.keyCount == nil })
        }
        // Nothing that is not a session was touched.
        XCTAssertEqual(try c.command("LRANGE", "gfsess:queue", "0", "-1"), .array([.bulk(b("x"))]))
        XCTAssertEqual(try c.command("GET", "gfsess:counter"), .bulk(b("12345")))
    }

    func testWithAnEmptyPrefixEveryKeyOfTheDatabaseIsConsidered() throws {
        // GoFrame's default prefix is empty: sessions share the namespace with everything else.
        let s = try fixtureServer()
        let kvIDs = Set(Fixtures.sessions(backend: "kv").compactMap(\.key))
        let hashIDs = Set(Fixtures.sessions(backend: "hash").compactMap(\.key))
        let others = ["cache:homepage", "jobs:email", "otherapp:sess:42", "counter:visits", "online:users", "leaderboard"]

        let kvScan = try scanAll(try kv(s, prefix: ""))
        // cache:homepage holds a JSON object: as a string at the top level it *is* a KV session.
        XCTAssertEqual(Set(kvScan.infos.keys), kvIDs.union(["cache:homepage"]))
        XCTAssertEqual(Set(kvScan.skipped.keys), hashIDs.union(others.filter { $0 != "cache:homepage" }))
        XCTAssertEqual(kvScan.skipped["counter:visits"], "a string that is not a JSON object")
        XCTAssertEqual(kvScan.skipped["leaderboard"], "a Redis zset, not a string")

        let hashScan = try scanAll(try hash(s, prefix: ""))
        XCTAssertEqual(Set(hashScan.infos.keys), hashIDs.union(["otherapp:sess:42"]))
        XCTAssertEqual(Set(hashScan.skipped.keys), kvIDs.union(others.filter { $0 != "otherapp:sess:42" }))

        // Without a prefix a light scan still reads every key: the type alone proves nothing there.
        let light = try scanAll(try kv(s, prefix: ""), detail: .ids)
        XCTAssertEqual(Set(light.infos.keys), kvIDs.union(["cache:homepage"]))
        XCTAssertEqual(light.skipped.count, kvScan.skipped.count)
    }

    func testScanPatternsAndEarlyStopLeaveTheConnectionUsable() throws {
        let s = try fixtureServer()
        let store = try kv(s)
        var ids: [String] = []
        try store.scan(matching: "1qbncq5nyf0dn0nrszj[!t]*", pageSize: 2, detail: .full) { page in
            ids += page.sessions.map(\.id)
            return .proceed
        }
        let all = Fixtures.sessions(backend: "kv").map(\.id)
        XCTAssertEqual(ids.sorted(), all.filter { $0.hasPrefix("1qbncq5nyf0dn0nrszj") && !$0.hasPrefix("1qbncq5nyf0dn0nrszjt") }.sorted())
        var pages = 0
        try store.scan(matching: nil, pageSize: 1, detail: .full) { _ in
            pages += 1
            return .stop
        }
        XCTAssertEqual(pages, 1)
        XCTAssertEqual(try store.get(all[0]).id, all[0], "replies still in flight were drained")
    }

    // MARK: Writing back

    func testUnchangedKVWriteBackIsByteIdenticalAndKeepsTheTTL() throws {
        let s = try fixtureServer()
        let store = try kv(s)
        let c = try raw(s)
        for e in Fixtures.sessions(backend: "kv") {
            let key = try XCTUnwrap(e.key)
            let before = try c.command("GET", key)
            let session = try store.get(e.id)
            try store.save(SessionWrite(session, mode: .update))
            try store.save(SessionWrite(session, mode: .upsert))
            XCTAssertEqual(try c.command("GET", key), before, "value of \(key)")
            // A new lifetime alone does not rewrite the value either (struct field order stays).
            let now = store.clock.nowMillis()
            try store.save(SessionWrite(session, mode: .update, expiry: .set(.at(now + 3_600_000))))
            XCTAssertEqual(try c.command("GET", key), before, "value of \(key)")
            XCTAssertEqual(Double(try XCTUnwrap(c.command("PTTL", key).int)), 3_600_000, accuracy: 5_000)
        }
    }

    func testKVEditsKeepTheTTLAndWriteGoFramesJSON() throws {
        let s = try fixtureServer()
        let store = try kv(s)
        let c = try raw(s)
        let id = "1qbncq5nyf0dn0nrszjyb9br00kmrly4"  // 30 days
        let key = "gfsess:" + id
        let pttl = try XCTUnwrap(c.command("PTTL", key).int)
        var session = try store.get(id)
        session.data["note"] = .string("<b>&</b>")
        try store.save(SessionWrite(session, mode: .update))
        XCTAssertEqual(try c.command("GET", key), .bulk(b("{\"note\":\"\\u003cb\\u003e\\u0026\\u003c/b\\u003e\",\"remember\":true,\"user_id\":3003}")))
        XCTAssertEqual(Double(try XCTUnwrap(c.command("PTTL", key).int)), Double(pttl), accuracy: 5_000, "the TTL stays")
        // No expiry stays no expiry; an explicit one replaces it.
        try store.setExpiry(id, .never)
        session = try store.get(id)
        session.data["more"] = .bool(true)
        try store.save(SessionWrite(session, mode: .update))
        XCTAssertEqual(try c.command("PTTL", key), .integer(-1))
        XCTAssertEqual(try store.get(id).expiry, .never)
        // Expiring now removes the key: Redis drops expired sessions itself.
        try store.setExpiry(id, .at(store.clock.nowMillis() - 1000))
        XCTAssertEqual(try c.command("EXISTS", key), .integer(0))
        guard case .missing = try store.load(id) else { return XCTFail("an expired session is gone") }
    }

    func testUnchangedHashWriteBackTouchesNoFieldAndEditsOnlyTheChangedOnes() throws {
        let s = try fixtureServer()
        let store = try hash(s)
        let c = try raw(s)
        for e in Fixtures.sessions(backend: "hash") {
            let key = try XCTUnwrap(e.key)
            let before = try c.command("HGETALL", key)
            let session = try store.get(e.id)
            try store.save(SessionWrite(session, mode: .update))
            try store.save(SessionWrite(session, mode: .upsert))
            XCTAssertEqual(try c.command("HGETALL", key), before, "fields of \(key)")
        }
        // One changed field: only it is written, the struct in declaration order keeps its bytes,
        // and the TTL stays (HSET does not touch it).
        let id = "1qbncq5nyf0dn0nrszkaknoz006b1hzj"
        let key = "gfhash:" + id
        let account = try c.command("HGET", key, "account")
        let pttl = try XCTUnwrap(c.command("PTTL", key).int)
        var session = try store.get(id)
        session.data["seen"] = .number("3")
        session.data["flags"] = .object(JSONObject([("b", .bool(true)), ("a", .null)]))
        session.data["off"] = .bool(false)
        session.data["nothing"] = .null
        try store.save(SessionWrite(session, mode: .update))
        XCTAssertEqual(try c.command("HGET", key, "account"), account)
        XCTAssertEqual(try c.command("HGET", key, "seen"), .bulk(b("3")))
        XCTAssertEqual(try c.command("HGET", key, "flags"), .bulk(b("{\"a\":null,\"b\":true}")))
        XCTAssertEqual(try c.command("HGET", key, "off"), .bulk(b("0")))
        XCTAssertEqual(try c.command("HGET", key, "nothing"), .bulk([]))
        XCTAssertEqual(Double(try XCTUnwrap(c.command("PTTL", key).int)), Double(pttl), accuracy: 5_000)
        // Removing a key is an HDEL of that field only.
        session = try store.get(id)
        session.data["seen"] = nil
        try store.save(SessionWrite(session, mode: .update))
        XCTAssertEqual(try c.command("HEXISTS", key, "seen"), .integer(0))
        XCTAssertEqual(try c.command("HGET", key, "account"), account)
    }

    func testAChangeByTheAppBetweenReadAndWriteIsAConflictNotOverwritten() throws {
        let s = try fixtureServer()
        // KV: the app rewrites the session after sessctl read it.
        let kvStore = try kv(s)
        let id = "1qbncq5nyf0dn0nrsziy0u2h00m0gw72"
        var mine = try kvStore.get(id)
        try s.cli(["SET", "gfsess:" + id, "{\"user_id\":3001,\"username\":\"grace\",\"cart\":1}", "KEEPTTL"])
        mine.data["by"] = .string("sessctl")
        XCTAssertThrowsError(try kvStore.save(SessionWrite(mine, mode: .update))) { e in
            XCTAssertEqual(e as? SessionError, .conflict(store: kvStore.displayName, id: id))
        }
        XCTAssertEqual(try s.cli(["GET", "gfsess:" + id]), "{\"user_id\":3001,\"username\":\"grace\",\"cart\":1}")
        // A TTL refresh by the app (GoFrame's EXPIRE loop) is not a change of the session.
        mine = try kvStore.get(id)
        try s.cli(["EXPIRE", "gfsess:" + id, "500"])
        mine.data["by"] = .string("sessctl")
        try kvStore.save(SessionWrite(mine, mode: .update))
        XCTAssertEqual(try kvStore.get(id).data["by"], .string("sessctl"))

        // Hash: the app sets a field sessctl does not even touch.
        let hashStore = try hash(s)
        let hid = "1qbncq5nyf0dn0nrszjz879s00ljlicj"
        var edit = try hashStore.get(hid)
        try s.cli(["HSET", "gfhash:" + hid, "cart", "[1]"])
        edit.data["username"] = .string("mallory")
        XCTAssertThrowsError(try hashStore.save(SessionWrite(edit, mode: .update))) { e in
            XCTAssertEqual(e as? SessionError, .conflict(store: hashStore.displayName, id: hid))
        }
        XCTAssertEqual(try s.cli(["HGET", "gfhash:" + hid, "username"]), "ivan")
        XCTAssertEqual(try s.cli(["HGET", "gfhash:" + hid, "cart"]), "[1]")
    }

    func testKeysThatAreNotSessionsAreRefusedAndNeverTouched() throws {
        let s = try fixtureServer()
        let c = try raw(s)
        _ = try c.command("RPUSH", "gfsess:list", "x")
        _ = try c.command("SET", "gfsess:number", "42")
        _ = try c.command("SET", "gfhash:text", "42")
        let now = SystemTime.nowMillis()
        for (store, id) in [(try kv(s) as any SessionStore, "list"), (try kv(s), "number"), (try hash(s), "text")] {
            guard case .broken(.notASession) = try store.load(id) else { XCTFail("\(id) must load as not a session"); continue }
            let session = Session(id: id, data: JSONObject([("a", .string("b"))]), expiry: .never)
            for mode in [WriteMode.create, .update, .upsert] {
                XCTAssertThrowsError(try store.save(SessionWrite(session, mode: mode))) { e in
                    guard case .notASession = e as? SessionError else { return XCTFail("\(id) \(mode): \(e)") }
                }
            }
            XCTAssertThrowsError(try store.delete([id])[0].get())
            XCTAssertThrowsError(try store.setExpiry([(id, .at(now + 1000))])[0].get())
            XCTAssertThrowsError(try store.setExpiry([(id, .never)])[0].get())
        }
        XCTAssertEqual(try c.command("LRANGE", "gfsess:list", "0", "-1"), .array([.bulk(b("x"))]))
        XCTAssertEqual(try c.command("GET", "gfsess:number"), .bulk(b("42")))
        XCTAssertEqual(try c.command("PTTL", "gfsess:number"), .integer(-1))
        XCTAssertEqual(try c.command("GET", "gfhash:text"), .bulk(b("42")))
    }

    func testAHashFieldThatIsNotUTF8IsShownEscapedKeptExactAndRefusedByJSONLayouts() throws {
        let s = try startServer()
        let c = try raw(s)
        let bad: [UInt8] = [0x61, 0xff, 0xfe, 0xe2, 0x82, 0x62]  // a, two bad bytes, a cut sequence, b
        _ = try c.command([b("HSET"), b("gfhash:bin"), b("token"), bad, b("user"), b("7")])
        _ = try c.command("PEXPIRE", "gfhash:bin", "60000")
        let store = try hash(s)
        var session = try store.get("bin")
        XCTAssertEqual(session.data["token"], .string("a\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}b"), "one U+FFFD per bad byte, as Go shows them")
        XCTAssertEqual(session.undecodableKeys, ["token"])
        XCTAssertEqual(session.rawValues["token"], bad)

        // Editing another field leaves the bytes alone.
        session.data["user"] = .string("8")
        try store.save(SessionWrite(session, mode: .update))
        XCTAssertEqual(try c.command("HGET", "gfhash:bin", "token"), .bulk(bad))
        XCTAssertEqual(try c.command("HGET", "gfhash:bin", "user"), .bulk(b("8")))

        // A JSON layout cannot carry the bytes: the session is refused, nothing is written.
        session = try store.get("bin")
        let kvStore = try kv(s)
        XCTAssertThrowsError(try kvStore.save(SessionWrite(session, mode: .upsert))) { e in
            let text = String(describing: e)
            XCTAssertTrue(text.contains("'token'") && text.contains("not UTF-8"), text)
        }
        XCTAssertEqual(try c.command("EXISTS", "gfsess:bin"), .integer(0))
        let dir = TempDirectory()
        let files = try FileStore(directory: dir.path)
        XCTAssertThrowsError(try files.save(SessionWrite(session, mode: .upsert)))
        // Another hash store gets the exact bytes; once the value is replaced, JSON takes it too.
        let other = try hash(s, prefix: "copy:")
        try other.save(SessionWrite(session, mode: .create))
        XCTAssertEqual(try c.command("HGET", "copy:bin", "token"), .bulk(bad))
        session.data["token"] = .string("fixed")
        try kvStore.save(SessionWrite(session, mode: .create))
        XCTAssertEqual(try kvStore.get("bin").data["token"], .string("fixed"))
    }

    func testHashFieldEncodingIsGoFrames() {
        let cases: [(JSONValue, String)] = [
            (.string("h\u{e9}llo <b>&</b>"), "h\u{e9}llo <b>&</b>"), (.number("1795239212"), "1795239212"),
            (.number("0.10000000149011612"), "0.10000000149011612"), (.bool(true), "1"), (.bool(false), "0"), (.null, ""),
            (.array([.number("1"), .number("2")]), "[1,2]"),
            (.object(JSONObject([("nick", .string("al")), ("html", .string("<"))])), "{\"html\":\"\\u003c\",\"nick\":\"al\"}")
        ]
        for (value, text) in cases { XCTAssertEqual(HashFieldCodec.encode(value), Array(text.utf8), "\(value)") }
        XCTAssertEqual(HashFieldCodec.decode(b("{\"a\":1}")).value, .object(JSONObject([("a", .number("1"))])))
        XCTAssertEqual(HashFieldCodec.decode(b("[1]")).value, .array([.number("1")]))
        for text in ["42", "true", "\"quoted\"", " [1]", "{not json}", "[", ""] {
            XCTAssertEqual(HashFieldCodec.decode(b(text)).value, .string(text), text)
        }
    }

    func testJSONObjectValidatorAgreesWithTheParser() {
        let samples = [
            "{}", " {\"a\":1,\"b\":[1,{\"c\":null}],\"d\":\"x\\u00e9\\n\"} ", "{\"a\":1,}", "{\"a\"}", "[1]", "12", "",
            "{\"a\":\"\u{1}\"}", "{\"a\":01}", "{\"a\":1}x", "{\"a\":\"\\q\"}", "{\"a\":-}", "{\"k\":1e+21,\"l\":-0.5E-3}"
        ]
        for text in samples {
            let bytes = Array(text.utf8)
            let parsed = try? JSONParser.parse(bytes)
            switch JSONObjectValidator.check(bytes) {
            case .object(let n): XCTAssertEqual(parsed?.objectValue?.count, n, text)
            case .notAnObject: XCTAssertNil(parsed?.objectValue, text)
            case .invalid: XCTAssertNil(parsed, text)
            }
        }
    }
}
