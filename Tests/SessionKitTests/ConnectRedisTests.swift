import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

/// `layout=connect-redis` against a real redis-server holding what express-session and
/// connect-redis wrote (`ConnectRedisFixtures`).
final class ConnectRedisTests: RedisTestCase {
    private var server: RedisServer!

    override func setUpWithError() throws {
        server = try startServer()
        try ConnectRedisFixtures.load(into: server)
    }

    private func store(prefix: String? = nil) throws -> any SessionStore {
        let query = prefix.map { "&prefix=\($0)" } ?? ""
        return try StoreAddress.parse("redis://\(server.host):\(server.port)?layout=connect-redis\(query)").open()
    }

    private func fixture(_ name: String) -> ConnectRedisFixtures.Session {
        ConnectRedisFixtures.sessions.first { $0.name == name }!
    }

    private func stored(_ key: String) throws -> [UInt8]? {
        try connect(server).command([Array("GET".utf8), Array(key.utf8)]).bytes
    }

    private func pttl(_ key: String) throws -> Int64 { try connect(server).command("PTTL", key).int! }

    private func text(_ bytes: [UInt8]?) -> String { String(decoding: bytes ?? [], as: UTF8.self) }

    private func loaded(_ store: any SessionStore, _ id: String) throws -> Session {
        switch try store.load(id) {
        case .found(let s): return s
        case .missing: throw SessionError.unsupported(store: store.displayName, reason: "\(id) is missing")
        case .broken(let e): throw e
        }
    }

    /// The store conformance suite: a session written without a cookie gets express-session's.
    func testConformance() throws {
        let s = try startServer(extraArgs: ["--databases", "64"])
        var db = 0
        try StoreConformance(makeStore: {
            db += 1
            let c = try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db))
            _ = try c.command("SET", "cX:alpha1", #"{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"}}"#)
            return try StoreAddress.parse("redis://\(s.host):\(s.port)/\(db)?layout=connect-redis&prefix=c*[:]").open()
        }).run()
    }

    /// Every fixture session reads as connect-redis's `get` returned it, by its sid and by its
    /// cookie value in both forms; its TTL is the key's; written back unchanged, its bytes stay.
    func testFixtureSessionsReadAsConnectRedisDoesAndWriteBackByteIdentical() throws {
        var checked = 0
        for f in ConnectRedisFixtures.sessions where f.prefix != "ser:sess:" {
            let st = try store(prefix: f.prefix)
            let now = SystemTime.nowMillis()
            let s = try loaded(st, f.sid)
            XCTAssertEqual(s.id, f.sid)
            XCTAssertEqual(JSONValue.object(s.data), f.getResult, f.name)
            if f.hasTTL {
                guard case .at(let t) = s.expiry else { return XCTFail("\(f.name): no expiry") }
                XCTAssertLessThanOrEqual(t - now, f.pttlAtDump, f.name)
                XCTAssertGreaterThan(t - now, f.pttlAtDump - 120_000, f.name)
            } else {
                XCTAssertEqual(s.expiry, .never, f.name)
            }
            for form in [f.signedCookie, f.cookieInHeader].compactMap({ $0 }) {
                XCTAssertEqual(try loaded(st, form).id, f.sid, "\(f.name) as \(form)")
            }
            let ttlBefore = try pttl(f.key)
            XCTAssertEqual(try st.save([SessionWrite(s, mode: .update)]).count, 1)
            _ = try st.save([SessionWrite(s, mode: .update)])[0].get()
            XCTAssertEqual(try stored(f.key), f.stored, f.name)
            XCTAssertLessThanOrEqual(try pttl(f.key), ttlBefore, f.name)
            XCTAssertEqual(try pttl(f.key) < 0, ttlBefore < 0, f.name)
            checked += 1
        }
        XCTAssertEqual(checked, 12)
    }

    /// Keys under the prefix that are not sessions are listed as skipped, with why, and never
    /// changed; the custom serializer's values are not JSON, so none of them is a session.
    func testNonSessionKeysAreSkipped() throws {
        var sessions: [String] = [], skipped: [String: String] = [:]
        try store().scan(matching: nil, pageSize: 100, detail: .full) { page in
            sessions += page.sessions.map(\.id)
            for k in page.skipped { skipped[k.key] = k.reason }
            return .proceed
        }
        let expected = ConnectRedisFixtures.sessions.filter { $0.prefix == "sess:" }.map(\.sid)
        XCTAssertEqual(Set(sessions), Set(expected))
        XCTAssertEqual(sessions.count, 11)
        XCTAssertEqual(Set(skipped.keys), ["sess:not-a-session-hash", "sess:empty-string", "sess:json-no-cookie", "sess:not-json"], "\(skipped)")
        XCTAssertEqual(skipped["sess:json-no-cookie"], "a JSON object without express-session's cookie object")
        XCTAssertEqual(skipped["sess:not-json"], "a string that is not a JSON object")

        var serSkipped = 0
        try store(prefix: "ser:sess:").scan(matching: nil, pageSize: 100, detail: .full) { page in
            XCTAssertTrue(page.sessions.isEmpty)
            serSkipped += page.skipped.count
            return .proceed
        }
        XCTAssertEqual(serSkipped, 1)
        XCTAssertThrowsError(try store().save([SessionWrite(Session(id: "json-no-cookie", data: JSONObject(), expiry: .never), mode: .upsert)])[0].get())
        XCTAssertEqual(text(try stored("sess:json-no-cookie")), #"{"foo":"bar"}"#)
    }

    /// A changed value is what JSON.stringify writes: members where they were, new ones after,
    /// numbers as JavaScript prints them, `/` and `<` raw; the TTL stays.
    func testEditsWriteWhatJSONStringifyWrites() throws {
        let st = try store()
        let f = fixture("maxage_30d")
        var s = try loaded(st, f.sid)
        s.data["views"] = .number("4.0")
        s.data["note"] = .string("a/b <c> & \"d\"\n\u{1}\u{7f}")
        s.data["big"] = .number("1e21")
        s.data["small"] = .number("0.00000015")
        let ttl = try pttl(f.key)
        _ = try st.save([SessionWrite(s, mode: .update)])[0].get()
        let expected = text(f.stored).replacingOccurrences(of: #""views":3}"#, with: #""views":4,"big":1e+21,"note":"a/b <c> & \"d\"\n\u0001\#u{7f}","small":1.5e-7}"#)
        XCTAssertEqual(text(try stored(f.key)), expected)
        XCTAssertLessThanOrEqual(try pttl(f.key), ttl)
        XCTAssertGreaterThan(try pttl(f.key), ttl - 60_000)

        // del --key: the member goes, the rest stays byte for byte.
        var p = try loaded(st, fixture("flash").sid)
        p.data["flash"] = nil
        _ = try st.save([SessionWrite(p, mode: .update)])[0].get()
        XCTAssertEqual(
            text(try stored(fixture("flash").key)),
            text(fixture("flash").stored).components(separatedBy: #","flash""#)[0] + "}")

        // A number JavaScript cannot hold is refused; nothing changes.
        var q = try loaded(st, fixture("passport").sid)
        for bad in ["9007199254740993", "1e400"] {
            q.data["n"] = .number(bad)
            XCTAssertThrowsError(try st.save([SessionWrite(q, mode: .update)])[0].get()) { e in
                XCTAssertTrue("\(e)".contains("JavaScript number"), "\(e)")
            }
            XCTAssertEqual(try stored(fixture("passport").key), fixture("passport").stored)
        }
        // Without its cookie object express-session cannot read it.
        q.data["n"] = nil
        q.data["cookie"] = nil
        XCTAssertThrowsError(try st.save([SessionWrite(q, mode: .update)])[0].get())
    }

    /// A new expiry moves cookie.expires with the TTL (as connect-redis's set would); a cookie
    /// without expires keeps its value and gets the TTL only; persist leaves the value.
    func testExpiryKeepsCookieExpiresAndTTLTogether() throws {
        let st = try store()
        let f = fixture("maxage_30d")
        let t = SystemTime.nowMillis() + 3_600_000
        _ = try st.setExpiry([(f.sid, .at(t))])[0].get()
        let iso = Durations.rfc3339(millis: t)
        let old = try XCTUnwrap(f.raw["cookie"]?.objectValue?["expires"]?.stringValue)
        XCTAssertEqual(text(try stored(f.key)), text(f.stored).replacingOccurrences(of: old, with: iso))
        XCTAssertLessThanOrEqual(try pttl(f.key), 3_600_000)
        XCTAssertGreaterThan(try pttl(f.key), 3_500_000)
        guard case .at(let read) = try loaded(st, f.sid).expiry else { return XCTFail("no expiry") }
        XCTAssertEqual(read, t, accuracy: 1000)

        let plain = fixture("plain_no_maxage")
        _ = try st.setExpiry([(plain.sid, .at(t))])[0].get()
        XCTAssertEqual(try stored(plain.key), plain.stored)
        XCTAssertGreaterThan(try pttl(plain.key), 3_500_000)
        XCTAssertLessThanOrEqual(try pttl(plain.key), 3_600_000)

        let cookie = fixture("cookie_all_fields")
        _ = try st.setExpiry([(cookie.sid, .never)])[0].get()
        XCTAssertEqual(try stored(cookie.key), cookie.stored)
        XCTAssertEqual(try pttl(cookie.key), -1)

        // A write that changes cookie.expires moves the TTL with it.
        var s = try loaded(st, fixture("flash").sid)
        var c = s.data["cookie"]!.objectValue!
        let later = SystemTime.nowMillis() + 7_200_000
        c["expires"] = .string(Durations.rfc3339(millis: later))
        s.data["cookie"] = .object(c)
        _ = try st.save([SessionWrite(s, mode: .update)])[0].get()
        XCTAssertLessThanOrEqual(try pttl(fixture("flash").key), 7_200_000)
        XCTAssertGreaterThan(try pttl(fixture("flash").key), 7_100_000)

        // A new session is what express-session makes: cookie first, in Cookie.toJSON's order.
        var n = st.newSession(id: "fresh", expiry: .at(t))
        n.data["user_id"] = .number("42")
        _ = try st.save([SessionWrite(n, mode: .create)])[0].get()
        XCTAssertEqual(
            text(try stored("sess:fresh")), #"{"cookie":{"originalMaxAge":86400000,"expires":"\#(iso)","httpOnly":true,"path":"/"},"user_id":42}"#)
        XCTAssertGreaterThan(try pttl("sess:fresh"), 3_500_000)
    }

    /// Broken values: one clear line each, never rewritten.
    func testBrokenValuesAreReportedAndNeverRewritten() throws {
        let c = try connect(server)
        let truncated = #"{"cookie":{"originalMaxAge":null,"expires":null,"httpOn"#
        _ = try c.command("SET", "sess:truncated", truncated)
        _ = try c.command("SET", "sess:array", "[1,2]")
        _ = try c.command("SET", "sess:spaced", #"{ "cookie": {"path":"/"}, "a": 1 }"#)
        let st = try store()
        guard case .broken(let e) = try st.load("truncated") else { return XCTFail("truncated JSON read") }
        XCTAssertFalse("\(e)".contains("\n"))
        XCTAssertTrue("\(e)".contains("sess:truncated"), "\(e)")
        XCTAssertThrowsError(try st.get("array")) { XCTAssertTrue("\($0)".contains("not a JSON object"), "\($0)") }
        var s = Session(id: "truncated", data: JSONObject([("cookie", .object(JSONObject()))]), expiry: .never)
        XCTAssertThrowsError(try st.save([SessionWrite(s, mode: .upsert)])[0].get())
        s.id = "array"
        XCTAssertThrowsError(try st.save([SessionWrite(s, mode: .upsert)])[0].get())
        // Read, but other spacing than JSON.stringify's is never rewritten.
        var spaced = try loaded(st, "spaced")
        spaced.data["a"] = .number("2")
        XCTAssertThrowsError(try st.save([SessionWrite(spaced, mode: .update)])[0].get()) { XCTAssertTrue("\($0)".contains("JSON.stringify"), "\($0)") }
        XCTAssertEqual(text(try stored("sess:truncated")), truncated)
        XCTAssertEqual(text(try stored("sess:array")), "[1,2]")
        XCTAssertEqual(text(try stored("sess:spaced")), #"{ "cookie": {"path":"/"}, "a": 1 }"#)
    }

    /// Sessions do not move between express-session and another framework's store.
    func testTransferBetweenFrameworksIsRefused() throws {
        let express = SessionLayout.connectRedis.capabilities, goframe = SessionLayout.kv.capabilities
        XCTAssertEqual(express.framework, .expressSession)
        XCTAssertNotNil(express.transferRefusal(to: goframe, from: "a", to: "b"))
        XCTAssertNil(express.transferRefusal(to: express, from: "a", to: "b"))
    }

    func testJavaScriptNumbers() {
        for (literal, js) in [
            ("1.0", "1"), ("-0", "0"), ("1e21", "1e+21"), ("1e20", "100000000000000000000"), ("5e-324", "5e-324"),
            ("1.5e-7", "1.5e-7"), ("0.000001", "0.000001"), ("0.30000000000000004", "0.30000000000000004"),
            ("9007199254740992", "9007199254740992"), ("-12.50", "-12.5"), ("123456789012", "123456789012"), ("1E+2", "100")
        ] {
            XCTAssertEqual(JSJSON.number(literal), js, literal)
        }
        XCTAssertNil(JSJSON.number("9007199254740993"))
        XCTAssertNil(JSJSON.number("1e400"))
    }
}
