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
