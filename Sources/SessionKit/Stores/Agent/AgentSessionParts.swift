/// One key of an agent session as stored: its role, its exact content and its expiry. For a
/// hash shared by several sessions (legacy `sess`/`sesssum`, the `sessidx` index) only the
/// session's own field is held; the user's and app's state hashes are held whole.
public struct AgentStoredKey: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        case string([UInt8])
        /// Field, value; in the order Redis gave them (compare as a map: a rehash reorders).
        case hash([(field: [UInt8], value: [UInt8])])
        /// Member, score exactly as Redis printed it; in score order.
        case zset([(member: [UInt8], score: [UInt8])])
        case set([[UInt8]])

        public static func == (a: Content, b: Content) -> Bool {
            switch (a, b) {
            case let (.string(x), .string(y)): return x == y
            case let (.hash(x), .hash(y)):
                return x.count == y.count
                    && Dictionary(x.map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a }) == Dictionary(y.map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a })
            case let (.zset(x), .zset(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.member == $1.member && $0.score == $1.score }
            case let (.set(x), .set(y)): return Set(x) == Set(y)
            default: return false
            }
        }

        /// Bytes of the content (names and values), as `list` and `stats` count a session's size.
        var byteCount: Int {
            switch self {
            case .string(let b): return b.count
            case .hash(let f): return f.reduce(0) { $0 + $1.field.count + $1.value.count }
            case .zset(let m): return m.reduce(0) { $0 + $1.member.count + 8 }
            case .set(let m): return m.reduce(0) { $0 + $1.count }
            }
        }
    }

    public var role: AgentKeyRole
    /// The track a track key belongs to.
    public var track: String?
    public var content: Content
    public var expiry: Expiry

    public init(role: AgentKeyRole, track: String? = nil, content: Content, expiry: Expiry) {
        self.role = role
        self.track = track
        self.content = content
        self.expiry = expiry
    }
}

/// One stored event, in time-index order.
public struct AgentEvent: Sendable {
    public var id: String
    /// The time index's score as Redis printed it (UnixNano as a double; seconds before v0.0.4).
    public var score: [UInt8]
    /// The event JSON as stored.
    public var json: [UInt8]
    /// The parsed event, nil when it is not a JSON object.
    public var object: JSONObject?

    public var author: String? { object?["author"]?.stringValue }
    public var requestID: String? { object?["requestID"]?.stringValue }
    public var timestamp: String? { object?["timestamp"]?.stringValue }
    /// The first choice's message (or delta) role and text, as a conversation shows them.
    public var message: (role: String?, content: String?) {
        guard case .array(let choices)? = object?["choices"], case .object(let first)? = choices.first else { return (nil, nil) }
        for part in ["message", "delta"] {
            if case .object(let m)? = first[part], let content = m["content"]?.stringValue, !content.isEmpty {
                return (m["role"]?.stringValue, content)
            }
        }
        if case .object(let m)? = first["message"] { return (m["role"]?.stringValue, nil) }
        return (nil, nil)
    }
    /// The score as Unix milliseconds (a score below 10^12 is in seconds, as v0.0.1-v0.0.3 wrote).
    public var unixMillis: Int64? {
        guard let d = Double(String(decoding: score, as: UTF8.self)), d.isFinite, abs(d) < 9.2e18 else { return nil }
        return abs(d) < 1e12 ? Int64(d * 1000) : Int64(d / 1e6)
    }
}

/// What a trpc-agent-go session holds beyond the state its `data` shows: the engine, the keys as
/// stored (exact bytes and expiries, what an export carries and an import restores), and what
/// the reader noticed. Events, summaries and tracks are read from `keys` when asked for.
public struct AgentSessionParts: Sendable {
    public var engine: AgentEngine
    public var sessionID: AgentSessionID
    public var keys: [AgentStoredKey]
    /// Entries found broken but not fatal (an index entry without an event), one line each.
    public var problems: [String] = []
    /// Legacy: how many sessions the user's `sess` hash holds (they share its TTL).
    public var sessionsSharingTTL = 1

    public init(engine: AgentEngine, sessionID: AgentSessionID, keys: [AgentStoredKey]) {
        self.engine = engine
        self.sessionID = sessionID
        self.keys = keys
    }

    public func key(_ role: AgentKeyRole, track: String? = nil) -> AgentStoredKey? {
        keys.first { $0.role == role && $0.track == track }
    }

    /// The session's own record: the HashIdx meta, or the legacy `SessionState` (its field of
    /// the user's `sess` hash).
    public var recordBytes: [UInt8]? {
        switch (engine == .hashidx ? key(.meta) : key(.sess))?.content {
        case .string(let b)?: return b
        case .hash(let f)?: return f.first?.value
        default: return nil
        }
    }

    /// The parsed record, nil when it is not a JSON object.
    public var record: JSONObject? {
        guard let bytes = recordBytes, let v = try? JSONParser.parse(bytes) else { return nil }
        return v.objectValue
    }

    /// The session's own expiry: its meta's TTL (HashIdx) or its user's `sess` hash's (legacy).
    public var expiry: Expiry { (engine == .hashidx ? key(.meta) : key(.sess))?.expiry ?? .never }

    /// Every stored event in time-index order (HashIdx: index members looked up in the event
    /// hash, an index entry without event data noted in `orphans`; legacy: the zset members).
    public var events: [AgentEvent] {
        func event(_ id: String, _ score: [UInt8], _ json: [UInt8]) -> AgentEvent {
            let object = (try? JSONParser.parse(json))?.objectValue
            return AgentEvent(id: id, score: score, json: json, object: object)
        }
        switch engine {
        case .hashidx:
            guard case .zset(let index)? = key(.evtidx)?.content else { return [] }
            var data: [[UInt8]: [UInt8]] = [:]
            if case .hash(let fields)? = key(.evtdata)?.content { for f in fields { data[f.field] = f.value } }
            return index.compactMap { m in
                data[m.member].map { event(HashFieldCodec.lossyText(m.member), m.score, $0) }
            }
        case .legacy:
            guard case .zset(let members)? = key(.event)?.content else { return [] }
            return members.map { m in
                let e = event("", m.score, m.member)
                return AgentEvent(id: e.object?["id"]?.stringValue ?? "", score: m.score, json: m.member, object: e.object)
            }
        }
    }

    /// Time-index members without event data (HashIdx).
    public var orphanEventIDs: [String] {
        guard engine == .hashidx, case .zset(let index)? = key(.evtidx)?.content else { return [] }
        var have = Set<[UInt8]>()
        if case .hash(let fields)? = key(.evtdata)?.content { for f in fields { have.insert(f.field) } }
        return index.filter { !have.contains($0.member) }.map { HashFieldCodec.lossyText($0.member) }
    }

    /// The number of stored events, without parsing them.
    public var eventCount: Int {
        switch (engine == .hashidx ? key(.evtidx) : key(.event))?.content {
        case .zset(let m)?: return m.count
        default: return 0
        }
    }

    /// The summary map (filter key -> summary), as stored.
    public var summaries: JSONValue? {
        let bytes: [UInt8]?
        switch (engine == .hashidx ? key(.sesssum) : key(.lsesssum))?.content {
        case .string(let b)?: bytes = b
        case .hash(let f)?: bytes = f.first?.value
        default: bytes = nil
        }
        return bytes.flatMap { try? JSONParser.parse($0) }
    }

    /// Each track's events in time order, as stored (JSON; text where it is not JSON).
    public var tracks: [(name: String, events: [JSONValue])] {
        var out: [(String, [JSONValue])] = []
        for k in keys where k.role == .trkidx || k.role == .track {
            guard let name = k.track, case .zset(let members) = k.content else { continue }
            var data: [[UInt8]: [UInt8]] = [:]
            if k.role == .trkidx, case .hash(let fields)? = key(.trkdata, track: name)?.content { for f in fields { data[f.field] = f.value } }
            let events = members.compactMap { m -> JSONValue? in
                guard let json = k.role == .track ? m.member : data[m.member] else { return nil }
                return (try? JSONParser.parse(json)) ?? .string(HashFieldCodec.lossyText(json))
            }
            out.append((name, events))
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// The fields of the user's (or the app's) state hash.
    func stateFields(_ role: AgentKeyRole) -> [(field: [UInt8], value: [UInt8])] {
        if case .hash(let f)? = key(role)?.content { return f }
        return []
    }

    var userStateRole: AgentKeyRole { engine == .hashidx ? .userstate : .luserstate }

    /// Bytes of every key the session owns (its record, events, summaries, tracks).
    public var byteCount: Int { keys.filter { !$0.role.isShared }.reduce(0) { $0 + $1.content.byteCount } }

    /// The last activity: the latest of `createdAt`, `updatedAt` and the newest stored event.
    public var lastActivityMillis: Int64? { lastActivity(record: record) }

    /// `lastActivityMillis` with the record already parsed.
    func lastActivity(record: JSONObject?) -> Int64? {
        var latest: Int64?
        for name in ["createdAt", "updatedAt"] {
            if let t = record?[name]?.stringValue.flatMap(Durations.parseRFC3339) { latest = max(latest ?? t, t) }
        }
        if let last = lastEventScore, let t = AgentEvent(id: "", score: last, json: [], object: nil).unixMillis { latest = max(latest ?? t, t) }
        return latest
    }

    private var lastEventScore: [UInt8]? {
        if case .zset(let m)? = (engine == .hashidx ? key(.evtidx) : key(.event))?.content { return m.last?.score }
        return nil
    }
}

extension Session {
    /// What a trpc-agent-go session keeps beyond its state (see `AgentSessionParts`); nil for a
    /// session of another layout.
    public var agent: AgentSessionParts? {
        get { agentParts?.value }
        set { agentParts = newValue.map(AgentPartsBox.init) }
    }
}

/// Keeps `Session` small: the parts live behind one reference.
final class AgentPartsBox: Sendable {
    let value: AgentSessionParts
    init(_ value: AgentSessionParts) { self.value = value }
}
