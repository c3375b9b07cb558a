import Foundation
import RedisClient
import SessionKit
import TestSupport
import XCTest

/// The real binary on express-session sessions written by the real connect-redis, in a real
/// redis-server (`ConnectRedisFixtures`).
final class ConnectRedisCLITests: XCTestCase {
    private var server: RedisServer!

    override func setUpWithError() throws {
        server = try RedisServer()
        try ConnectRedisFixtures.load(into: server)
    }

    override func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    private var store: String { "redis://\(server.host):\(server.port)?layout=connect-redis" }

    private func sessctl(_ args: String...) -> SessctlRun { Sessctl.run(Array(args)) }

    private func connection() throws -> RedisConnection {
        try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: server.host, port: server.port)))
    }

    private func stored(_ key: String) throws -> String? {
        try connection().command([Array("GET".utf8), Array(key.utf8)]).bytes.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The ids of `list -o ndjson`.
    private func ids(_ r: SessctlRun) throws -> [String] {
        try r.stdoutLines.map { try XCTUnwrap(try JSONParser.parse(Array($0.utf8)).objectValue?["id"]?.stringValue) }
    }

    private func fixture(_ name: String) -> ConnectRedisFixtures.Session {
        ConnectRedisFixtures.sessions.first { $0.name == name }!
    }

    /// get by sid or cookie value shows what connect-redis's get returned; list skips the keys
    /// that are not sessions, one line each.
    func testGetAndListReadWhatConnectRedisWrote() throws {
        for f in ConnectRedisFixtures.sessions where f.prefix == "sess:" {
            for id in [f.sid, f.signedCookie, f.cookieInHeader].compactMap({ $0 }) {
                let r = sessctl("get", "-s", store, id)
                XCTAssertEqual(r.status, 0, r.stderr)
                XCTAssertEqual(try JSONParser.parse(Array(r.stdout.utf8)), f.getResult, "\(f.name) as \(id)")
            }
        }
        let list = sessctl("list", "-s", store, "-o", "ndjson")
        XCTAssertEqual(Set(try ids(list)), Set(ConnectRedisFixtures.sessions.filter { $0.prefix == "sess:" }.map(\.sid)), list.stderr)
        XCTAssertTrue(list.stderr.contains("4 non-session keys skipped, left untouched"), list.stderr)
        for (key, why) in [
            ("not-a-session-hash", "a Redis hash, not a string"), ("empty-string", "not a JSON object"),
            ("json-no-cookie", "without express-session's cookie object"), ("not-json", "not a JSON object")
        ] {
            let r = sessctl("get", "-s", store, key)
            XCTAssertEqual(r.status, 1, key)
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("'sess:\(key)' is not a session") && r.stderr.contains(why), r.stderr)
        }
        _ = try connection().command("SET", "sess:cut", #"{"cookie":{"path":"/"},"a":"#)
        let broken = sessctl("set", "-s", store, "cut", "a", "1")
        XCTAssertEqual(broken.status, 1)
        XCTAssertEqual(broken.stderr.filter { $0 == "\n" }.count, 1, broken.stderr)
        XCTAssertEqual(try stored("sess:cut"), #"{"cookie":{"path":"/"},"a":"#)
    }

    // MARK: Export and import

    /// Every session connect-redis wrote goes through export | import into another database
    /// byte for byte with its TTL (a touched session's stale cookie.expires included); each line
    /// carries the value as blob.
    func testExportImportIsByteIdentical() throws {
        let copy = ExportImportCopy(server)
        for prefix in Set(ConnectRedisFixtures.sessions.map(\.prefix)) where prefix != "ser:sess:" {
            let sessions = ConnectRedisFixtures.sessions.filter { $0.prefix == prefix }
            let lines = try copy.export(copy.store(db: 0, "layout=connect-redis&prefix=\(prefix)"))
            XCTAssertEqual(lines.count, sessions.count, prefix)
            for line in lines {
                let f = try XCTUnwrap(sessions.first { .string($0.sid) == line["id"] }, "\(line)")
                XCTAssertEqual(line["blob"]?.stringValue.flatMap(Base64.decodeStd), f.stored, f.name)
                XCTAssertNil(line["serializer"], "connect-redis has one format")
            }
            copy.import(lines, into: copy.store(db: 1, "layout=connect-redis&prefix=\(prefix)"))
            try copy.assertSameValues(sessions.map(\.key), from: 0, to: 1)
            // migrate copies the same bytes.
            let migrate = Sessctl.run(
                ["migrate", "--from", copy.store(db: 0, "layout=connect-redis&prefix=\(prefix)"), "--to", copy.store(db: 2, "layout=connect-redis&prefix=\(prefix)")])
            XCTAssertEqual(migrate.status, 0, migrate.stderr)
            try copy.assertSameValues(sessions.map(\.key), from: 0, to: 2)
        }
    }

    /// An edited line is written as JSON.stringify writes it over the stored value (members in
    /// place, a new one last); an edited cookie.expires moves the TTL, as connect-redis's set does.
    func testAnEditedExportLineIsWrittenAsConnectRedisWould() throws {
        let copy = ExportImportCopy(server)
        let f = fixture("maxage_30d"), flash = fixture("flash")
        let later = SystemTime.nowMillis() + 7_200_000
        let lines = try ExportImportCopy.editingData(try copy.export(store).filter { $0["id"] == .string(f.sid) || $0["id"] == .string(flash.sid) }) {
            id, data in
            if id == f.sid {
                data["views"] = .number("4.0")
                data["note"] = .string("a/b")
            } else if case .object(var cookie)? = data["cookie"] {
                cookie["expires"] = .string(Durations.rfc3339(millis: later))
                data["cookie"] = .object(cookie)
            }
        }
        XCTAssertEqual(lines.count, 2)
        copy.import(lines, into: copy.store(db: 2, "layout=connect-redis"))
        let edited = String(decoding: f.stored, as: UTF8.self).replacingOccurrences(of: #""views":3}"#, with: #""views":4,"note":"a/b"}"#)
        XCTAssertEqual(try copy.value(db: 2, f.key), Array(edited.utf8))
        XCTAssertEqual(Double(try XCTUnwrap(try copy.connection(db: 2).command("PTTL", f.key).int)), Double(f.pttlAtDump), accuracy: 120_000)
        let old = try XCTUnwrap(flash.raw["cookie"]?.objectValue?["expires"]?.stringValue)
        XCTAssertEqual(
            try copy.value(db: 2, flash.key), Array(String(decoding: flash.stored, as: UTF8.self).replacingOccurrences(of: old, with: Durations.rfc3339(millis: later)).utf8))
        XCTAssertEqual(Double(try XCTUnwrap(try copy.connection(db: 2).command("PTTL", flash.key).int)), 7_200_000, accuracy: 60_000)
    }

    /// A session sessctl creates is one express-session reads: its cookie as express-session
    /// writes a new one, expiring with the TTL given.
    func testANewSessionHasExpressSessionsCookieAgreeingWithItsTTL() throws {
        XCTAssertEqual(sessctl("set", "-s", store, "newsid", "user_id", "42", "--create", "--ttl", "2h").status, 0)
        let value = try XCTUnwrap(try stored("sess:newsid"))
        let cookie = try XCTUnwrap(try JSONParser.parse(Array(value.utf8)).objectValue?["cookie"]?.objectValue)
        XCTAssertTrue(value.hasPrefix(#"{"cookie":{"originalMaxAge":86400000,"expires":""#), value)
        XCTAssertTrue(value.hasSuffix(#"","httpOnly":true,"path":"/"},"user_id":42}"#), value)
        let expires = try XCTUnwrap(cookie["expires"]?.stringValue.flatMap(Durations.parseRFC3339))
        let pttl = try XCTUnwrap(try connection().command("PTTL", "sess:newsid").int)
        XCTAssertEqual(Double(expires - SystemTime.nowMillis()), Double(pttl), accuracy: 2000, "cookie.expires is the TTL's end")
        XCTAssertEqual(Double(pttl), 7_200_000, accuracy: 60_000)
    }

    // MARK: watch

    /// What connect-redis does to a session (set, touch, destroy, a TTL running out) is one event
    /// each, with the sid as sessctl shows it; keys under the prefix that are not sessions (the
    /// fixture's kinds: a hash, an empty string, JSON without a cookie, not JSON) are never reported.
    func testWatchReportsWhatConnectRedisDoesAndNothingForOtherKeys() throws {
        let c = try connection()
        _ = try c.command("CONFIG", "SET", "notify-keyspace-events", "Kg$xen")
        let w = try WatchRun(["-s", store, "--show", "userId"])
        defer { w.kill() }
        let empty = fixture("empty").stored, f = fixture("maxage_30d")
        try w.waitReady { _ = try c.command([Array("SET".utf8), Array("sess:probe".utf8), empty, Array("EX".utf8), Array("600".utf8)]) }
        let others = ["sess:hash", "sess:empty-string", "sess:json-no-cookie", "sess:not-json"]
        _ = try c.command("HSET", others[0], "field1", "v", "cookie", "{}")
        _ = try c.command("SET", others[1], "")
        _ = try c.command("SET", others[2], #"{"foo":"bar"}"#)
        _ = try c.command("SET", others[3], "this is not JSON {")
        let sid = "wAtCh8nkfKdKaPwd1EgWHjXduOXiPkNf", short = "sHoRt8nkfKdKaPwd1EgWHjXduOXiPkNf"
        func set(_ sid: String, _ value: [UInt8], seconds: Int) throws {
            _ = try c.command([Array("SET".utf8), Array("sess:\(sid)".utf8), value, Array("EX".utf8), Array(String(seconds).utf8)])
        }
        try set(sid, empty, seconds: 86400)
        try w.waitFor("created", sid)
        _ = try c.command("SET", others[2], #"{"foo":"baz"}"#, "KEEPTTL")
        _ = try c.command("EXPIRE", others[0], "600")
        try set(sid, f.stored, seconds: 2_592_000)
        _ = try c.command("EXPIRE", "sess:\(sid)", "2592000")  // touch
        try waitUntil("two changes of \(sid)") { w.seen().filter { $0 == "changed \(sid)" }.count == 2 }
        _ = try c.command("DEL", others[0], others[1], others[2])
        _ = try c.command("PEXPIRE", others[3], "1")
        _ = try c.command("DEL", "sess:\(sid)")  // destroy
        try w.waitFor("deleted", sid)
        try waitUntil("the value that is not JSON to expire") { try c.command("EXISTS", others[3]).int == 0 }
        try set(short, f.stored, seconds: 1)
        try w.waitFor("expired", short, seconds: 30)
        let r = w.stop()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(w.seen(), ["created \(sid)", "changed \(sid)", "changed \(sid)", "deleted \(sid)", "created \(short)", "expired \(short)"])
        XCTAssertEqual(w.events.filter { $0.id == sid }.map { $0.fields["userId"] }, [.null, .number("7"), .number("7"), .null])
    }

    /// set, del --key and expire write what connect-redis would; del --where removes exactly one
    /// user's sessions.
    func testWritesAndDeleteWhere() throws {
        let f = fixture("maxage_30d")
        XCTAssertEqual(sessctl("set", "-s", store, f.signedCookie, "views", "4").status, 0)
        XCTAssertEqual(try stored(f.key), String(decoding: f.stored, as: UTF8.self).replacingOccurrences(of: #""views":3"#, with: #""views":4"#))
        XCTAssertEqual(sessctl("del", "-s", store, f.sid, "--key", "userId").status, 0)
        XCTAssertEqual(try stored(f.key), String(decoding: f.stored, as: UTF8.self).replacingOccurrences(of: #""userId":7,"views":3"#, with: #""views":4"#))
        XCTAssertEqual(sessctl("expire", "-s", store, f.sid, "1h").status, 0)
        XCTAssertEqual(Double(try connection().command("PTTL", f.key).int!), 3_600_000, accuracy: 5_000)
        let value = try XCTUnwrap(try stored(f.key))
        let expires = try XCTUnwrap(try JSONParser.parse(Array(value.utf8)).objectValue?["cookie"]?.objectValue?["expires"]?.stringValue)
        XCTAssertEqual(Double(try XCTUnwrap(Durations.parseRFC3339(expires))), Double(SystemTime.nowMillis() + 3_600_000), accuracy: 5_000)

        let c = try connection()
        let cookie = #"{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},"#
        for (sid, user) in [("u42a", 42), ("u42b", 42), ("u7", 7), ("u420", 420)] {
            _ = try c.command("SET", "sess:\(sid)", cookie + #""user_id":\#(user)}"#, "EX", "3600")
        }
        let r = sessctl("del", "-s", store, "--where", "user_id=42", "--yes")
        XCTAssertEqual(r.status, 0, r.stderr)
        for (sid, gone) in [("u42a", true), ("u42b", true), ("u7", false), ("u420", false)] {
            XCTAssertEqual(try stored("sess:\(sid)") == nil, gone, sid)
        }
        XCTAssertEqual(try ids(sessctl("list", "-s", store, "-o", "ndjson")).count, 13)
        XCTAssertEqual(try stored("sess:not-json"), "this is not JSON {")
    }
}
