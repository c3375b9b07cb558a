import Foundation
import RedisClient
import SessionKit

/// The trpc-agent-go fixture sets in `../shared/fixtures/trpc-agent` (hand-made "shared" set, in
/// the library's shapes) and `trpc-agent-real` (written by the real library): their Redis state
/// (`sessions.resp`), every key as dumped, and what each session holds.
///
/// The two sets use some of the same key names (`sess:{chat}:u7`, `appstate:{chat}`, ...): load
/// them into different databases, or one at a time. Nothing in them is relative to today: TTLs
/// are PTTLs, loaded as they were read.
public struct AgentFixtureSet: Sendable {
    public let name: String
    public let directory: String
    /// `sessions.resp`, as it is.
    public let resp: [UInt8]
    /// Every key of the set, as dumped (shared: `expected.json` `keys`; real: `keys.json`).
    public let keys: [AgentFixtureKey]
    public let sessions: [AgentFixtureSession]

    public static let shared = AgentFixtureSet(directory: "trpc-agent", name: "shared")
    public static let real = AgentFixtureSet(directory: "trpc-agent-real", name: "real")
    public static let all = [shared, real]

    init(directory name: String, name setName: String) {
        self.name = setName
        directory = Fixtures.shared + "/fixtures/" + name
        resp = Self.read(directory + "/sessions.resp")
        guard case .object(let document)? = try? JSONParser.parse(Self.read(directory + "/expected.json")) else { fatalError("cannot read \(directory)/expected.json") }
        let keyItems: [JSONValue]
        if case .array(let items)? = document["keys"] {
            keyItems = items
        } else if case .array(let items)? = try? JSONParser.parse(Self.read(directory + "/keys.json")) {
            keyItems = items
        } else {
            fatalError("no keys in \(directory)")
        }
        keys = keyItems.map { AgentFixtureKey($0.objectValue!) }
        let byName = Dictionary(keys.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        guard case .array(let items)? = document["sessions"] else { fatalError("no sessions in \(directory)") }
        sessions = items.map { AgentFixtureSession($0.objectValue!, keys: byName) }
    }

    private static func read(_ path: String) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { fatalError("cannot read \(path)") }
        return [UInt8](data)
    }

    /// The key prefixes (`WithKeyPrefix`) the set's sessions were written with.
    public var prefixes: [String] { Array(Set(sessions.map(\.prefix))).sorted() }

    public func key(_ name: String) -> AgentFixtureKey? { keys.first { $0.key == Array(name.utf8) } }

    /// Every command of `sessions.resp` (`DEL`, `SET`/`HSET`/`ZADD`/`SADD`, `PEXPIRE`), its
    /// arguments as bytes.
    public var commands: [[[UInt8]]] {
        var out: [[[UInt8]]] = []
        var i = 0
        func line() -> Int {
            let start = i
            while !(resp[i] == 13 && resp[i + 1] == 10) { i += 1 }
            defer { i += 2 }
            return Int(String(decoding: resp[start..<i], as: UTF8.self))!
        }
        while i < resp.count {
            precondition(resp[i] == UInt8(ascii: "*"), "sessions.resp: an array expected at byte \(i)")
            i += 1
            var args: [[UInt8]] = []
            for _ in 0..<line() {
                precondition(resp[i] == UInt8(ascii: "$"), "sessions.resp: a bulk string expected at byte \(i)")
                i += 1
                let n = line()
                args.append(Array(resp[i..<(i + n)]))
                i += n + 2
            }
            out.append(args)
        }
        return out
    }

    /// Pipes `sessions.resp`, byte for byte, into database `db` of `server`.
    public func load(into server: RedisServer, db: Int = 0) throws {
        var select = RedisCommandBuffer()
        select.begin(2)
        select.argument(Array("SELECT".utf8))
        select.argument(Array(String(db).utf8))
        try server.pipe(bytes: select.bytes + resp)
    }

    /// Writes the set into `cluster`, every key's commands to its slot's master.
    public func load(into cluster: TestCluster) throws {
        var byKey: [[UInt8]: [UInt8]] = [:]
        var order: [[UInt8]] = []
        for args in commands {
            var buffer = RedisCommandBuffer()
            buffer.begin(args.count)
            for a in args { buffer.argument(a) }
            if byKey[args[1]] == nil { order.append(args[1]) }
            byKey[args[1], default: []] += buffer.bytes
        }
        try cluster.load(keys: order) { byKey[$0]! }
    }

    /// Deletes the set's keys from `cluster` (and nothing else).
    public func unload(from cluster: TestCluster) throws {
        try cluster.load(keys: keys.map(\.key)) { key in
            var buffer = RedisCommandBuffer()
            buffer.begin(2)
            buffer.argument(Array("DEL".utf8))
            buffer.argument(key)
            return buffer.bytes
        }
    }
}

/// One key as the set's dump shows it: its type, PTTL at dump time, and its exact content.
public struct AgentFixtureKey: Sendable {
    public let key: [UInt8]
    public var name: String { String(decoding: key, as: UTF8.self) }
    /// `string`, `hash`, `zset` or `set`.
    public let type: String
    /// -1: no TTL.
    public let pttlMillis: Int64
    /// STRING.
    public let value: [UInt8]?
    /// HASH, in the dump's order.
    public let fields: [(field: [UInt8], value: [UInt8])]
    /// ZSET, in ZRANGE order, scores as Redis printed them.
    public let members: [(member: [UInt8], score: String)]
    /// SET.
    public let setMembers: [[UInt8]]

    init(_ o: JSONObject) {
        key = Array(o["key"]!.stringValue!.utf8)
        type = o["type"]!.stringValue!
        if case .number(let n)? = o["pttl_ms"] { pttlMillis = Int64(n)! } else { pttlMillis = -1 }
        value = o["value"].map(Self.bytes)
        var fields: [(field: [UInt8], value: [UInt8])] = []
        switch o["fields"] {
        case .object(let map)?: fields = map.map { (Array($0.key.utf8), Self.bytes($0.value)) }  // shared set: field -> {text, b64}
        case .array(let list)?: fields = list.map { (Self.bytes($0.objectValue!["field"]!), Self.bytes($0.objectValue!["value"]!)) }
        default: break
        }
        self.fields = fields
        var members: [(member: [UInt8], score: String)] = []
        var setMembers: [[UInt8]] = []
        if case .array(let list)? = o["members"] {
            for m in list {
                if type == "zset" {
                    members.append((Self.bytes(m.objectValue!["member"]!), m.objectValue!["score"]!.stringValue!))
                } else {
                    setMembers.append(Self.bytes(m))
                }
            }
        }
        self.members = members
        self.setMembers = setMembers
    }

    /// `{"text": ...}` or `{"text": null, "b64": ...}` (the shared set gives both).
    static func bytes(_ v: JSONValue) -> [UInt8] {
        let o = v.objectValue!
        if case .string(let b64)? = o["b64"] { return Base64.decodeStd(b64)! }
        return Array(o["text"]!.stringValue!.utf8)
    }

    /// The hash's field `name`.
    public func field(_ name: [UInt8]) -> [UInt8]? { fields.first { $0.field == name }?.value }
}

/// One session of a set, and what it holds as stored.
public struct AgentFixtureSession: Sendable {
    /// The real set's `name`; the shared set's session id.
    public let name: String
    /// `hashidx` or `legacy`.
    public let engine: String
    public let prefix: String
    public let app: String
    public let user: String
    public let sessionID: String
    /// The merged state (own keys, `user:<k>`, `app:<k>`) with the exact bytes stored; nil for
    /// a JSON `null`.
    public let state: [String: [UInt8]?]
    /// The real set: the merged state the library's `GetSession` returned (user state bytes that
    /// are not UTF-8 come back with U+FFFD there); nil for the shared set.
    public let libraryState: [String: [UInt8]?]?
    /// Ids of the stored events, in time-index order (legacy: the ids inside the JSON members).
    public let eventIDs: [String]
    /// The real set: the ids `GetSession` returned (after its read window); nil for the shared set.
    public let libraryEventIDs: [String]?
    /// The stored summary map (filter key -> summary); nil when none is stored.
    public let summaries: JSONValue?
    /// Each track's events (TrackEvent JSON) in time order.
    public let tracks: [String: [JSONValue]]
    /// The shared set: role -> key name of every key the session reads (user and app state
    /// included); empty for the real set.
    public let keyNames: [String: String]

    /// `APP/USER/SID` as sessctl names it.
    public var id: String { AgentSessionID(app: app, user: user, session: sessionID).text }

    /// `""` or `<prefix>:`.
    public var legacyHead: String { prefix.isEmpty ? "" : prefix + ":" }
    /// The user's state hash the session's engine reads.
    public var userStateKey: String {
        engine == "hashidx" ? legacyHead + "hashidx:userstate:\(app):{\(user)}" : legacyHead + "userstate:{\(app)}:\(user)"
    }
    public var appStateKey: String { legacyHead + "appstate:{\(app)}" }

    init(_ o: JSONObject, keys: [[UInt8]: AgentFixtureKey]) {
        func s(_ name: String) -> String { o[name]!.stringValue! }
        engine = s("engine")
        prefix = s("key_prefix")
        app = s("app")
        user = s("user")
        sessionID = s("session_id")
        name = o["name"]?.stringValue ?? sessionID
        let head = prefix.isEmpty ? "" : prefix + ":"
        let userKey = engine == "hashidx" ? head + "hashidx:userstate:\(app):{\(user)}" : head + "userstate:{\(app)}:\(user)"
        func stored(_ name: String) -> AgentFixtureKey? { keys[Array(name.utf8)] }
        // User and app state: exact bytes from the dump.
        var state: [String: [UInt8]?] = [:]
        for f in stored(userKey)?.fields ?? [] { state["user:" + String(decoding: f.field, as: UTF8.self)] = f.value }
        for f in stored(head + "appstate:{\(app)}")?.fields ?? [] { state["app:" + String(decoding: f.field, as: UTF8.self)] = f.value }
        var tracks: [String: [JSONValue]] = [:]
        if case .object(let session)? = o["get_session"]?.objectValue?["session"] {
            // The real set: what the library returned, and the stored keys for the rest.
            var library: [String: [UInt8]?] = [:]
            for (k, v) in session["stateB64"]?.objectValue ?? JSONObject() { library.updateValue(v.stringValue.map { Base64.decodeStd($0)! }, forKey: k) }
            for (k, v) in library where !k.hasPrefix("user:") && !k.hasPrefix("app:") { state.updateValue(v, forKey: k) }
            libraryState = library
            if case .array(let events)? = session["events"] { libraryEventIDs = events.map { $0.objectValue!["id"]!.stringValue! } } else { libraryEventIDs = [] }
            for (track, events) in session["tracks"]?.objectValue ?? JSONObject() {
                if case .array(let list) = events { tracks[track] = list }
            }
            let sid = Array(sessionID.utf8)
            let summary: [UInt8]?
            if engine == "hashidx" {
                eventIDs = stored(head + "hashidx:evtidx:time:\(app):{\(user)}:\(sessionID)")?.members.map { String(decoding: $0.member, as: UTF8.self) } ?? []
                summary = stored(head + "hashidx:sesssum:\(app):{\(user)}:\(sessionID)")?.value
            } else {
                eventIDs = (stored(head + "event:{\(app)}:\(user):\(sessionID)")?.members ?? []).map {
                    (try? JSONParser.parse($0.member))?.objectValue?["id"]?.stringValue ?? ""
                }
                summary = stored(head + "sesssum:{\(app)}:\(user)")?.field(sid)
            }
            summaries = summary.map { try! JSONParser.parse($0) }
            keyNames = [:]
        } else {
            // The shared set: everything is in the entry.
            libraryState = nil
            libraryEventIDs = nil
            for (k, v) in o["state"]?.objectValue ?? JSONObject() {
                let entry = v.objectValue!
                state.updateValue(entry["null"] == .bool(true) ? nil : Base64.decodeStd(entry["b64"]!.stringValue!)!, forKey: k)
            }
            if case .array(let events)? = o["events"] { eventIDs = events.map { $0.objectValue!["id"]!.stringValue! } } else { eventIDs = [] }
            summaries = o["summaries"]
            for (k, v) in o where k.hasPrefix("track_events:") {
                if case .array(let list) = v { tracks[String(k.dropFirst("track_events:".count))] = list.map { $0.objectValue!["json"]! } }
            }
            var names: [String: String] = [:]
            for (role, key) in o["keys"]?.objectValue ?? JSONObject() { if let k = key.stringValue { names[role] = k } }
            keyNames = names
        }
        self.state = state
        self.tracks = tracks
    }
}
