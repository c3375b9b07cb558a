import Foundation
import SessionKit

/// The express-session + connect-redis fixture set in `../shared/fixtures/connect-redis`: keys
/// written by the real libraries (`sessions.resp`) and what connect-redis read back
/// (`expected.json`, README there).
public enum ConnectRedisFixtures {
    public static let directory = Fixtures.shared + "/fixtures/connect-redis"

    public static let document: JSONObject = {
        let bytes = [UInt8](FileManager.default.contents(atPath: directory + "/expected.json") ?? Data())
        guard case .object(let o)? = try? JSONParser.parse(bytes) else { fatalError("cannot read \(directory)/expected.json") }
        return o
    }()

    /// One session of `expected.json`.
    public struct Session {
        public let raw: JSONObject
        public var name: String { raw["name"]!.stringValue! }
        public var key: String { raw["key"]!.stringValue! }
        public var sid: String { raw["sid"]!.stringValue! }
        public var prefix: String { raw["prefix"]!.stringValue! }
        public var stored: [UInt8] { Array(raw["stored_value"]!.stringValue!.utf8) }
        public var hasTTL: Bool { raw["has_ttl"] == .bool(true) }
        public var pttlAtDump: Int64 { raw["pttl_at_dump_ms"].flatMap { if case .number(let n) = $0 { return Int64(n) } else { return nil } }! }
        /// What connect-redis's `get` returned.
        public var getResult: JSONValue? { raw["get_result"] }
        public var signedCookie: String { raw["signed_cookie_value"]!.stringValue! }
        /// The cookie's value as the Set-Cookie header carried it (URL-encoded).
        public var cookieInHeader: String? {
            guard case .array(let requests)? = raw["requests"], case .array(let cookies)? = requests.first?.objectValue?["set_cookie"] else { return nil }
            return cookies.first?.objectValue?["value_in_header"]?.stringValue
        }
    }

    public static var sessions: [Session] {
        guard case .array(let items)? = document["sessions"] else { return [] }
        return items.compactMap { $0.objectValue.map(Session.init) }
    }

    /// The keys of `non_session_keys`.
    public static var nonSessionKeys: [String] {
        guard case .array(let items)? = document["non_session_keys"] else { return [] }
        return items.compactMap { $0.objectValue?["key"]?.stringValue }
    }

    /// Loads every key into `server` (each TTL counts from now).
    public static func load(into server: RedisServer) throws {
        _ = try server.pipe(file: directory + "/sessions.resp")
    }
}
