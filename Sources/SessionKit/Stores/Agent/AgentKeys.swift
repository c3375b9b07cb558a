import RedisClient

/// Which of trpc-agent-go's two Redis engines holds a session.
public enum AgentEngine: String, Sendable, CaseIterable {
    /// HashIdx (v1.7.0+): a meta string, an event hash and time index, summaries, tracks per session,
    /// all tagged with the user `{user}`.
    case hashidx
    /// The legacy "zset" engine: one `sess:{app}:user` hash for every session of a user, an event
    /// zset per session, all tagged with the app `{app}`.
    case legacy
}

/// The role of one key (or one hash field) of an agent session, named as the library names it.
public enum AgentKeyRole: String, Sendable, CaseIterable {
    // HashIdx
    case meta, evtdata, evtidx, sesssum, trkdata, trkidx, trknames, sessidx
    // Legacy
    case sess, event, lsesssum, track, trackidx, luserstate
    // Both
    case userstate, appstate

    /// A hash shared with other sessions, of which the session owns one field (its id).
    var isSessionField: Bool { self == .sess || self == .lsesssum || self == .sessidx }
    /// A hash shared with the user's or app's other sessions, whose every field the session sees.
    var isShared: Bool { self == .userstate || self == .luserstate || self == .appstate }
    /// A key of one track (named by the track).
    var isTrack: Bool { self == .trkdata || self == .trkidx || self == .track }

    /// The Redis type the library gives the key.
    var redisType: String {
        switch self {
        case .meta, .sesssum: return "string"
        case .evtdata, .trkdata, .sessidx, .sess, .lsesssum, .luserstate, .userstate, .appstate: return "hash"
        case .evtidx, .trkidx, .event, .track: return "zset"
        case .trknames, .trackidx: return "set"
        }
    }

    /// The engine whose key this is (`appstate` is shared by both; it counts as HashIdx's here).
    var engine: AgentEngine {
        switch self {
        case .sess, .event, .lsesssum, .track, .trackidx, .luserstate: return .legacy
        default: return .hashidx
        }
    }
}

/// The Redis key names of agent sessions under one `WithKeyPrefix`, exactly as the library builds
/// them (see docs/reference/other-stores.md §4.2, §4.3).
struct AgentKeys: Sendable {
    /// `hashidx`, or `<prefix>:hashidx`.
    let hashidx: [UInt8]
    /// Empty, or `<prefix>:`.
    let legacy: [UInt8]

    init(prefix: String) {
        legacy = prefix.isEmpty ? [] : Array(prefix.utf8) + [UInt8(ascii: ":")]
        hashidx = legacy + Array("hashidx".utf8)
    }

    private static func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// `:<app>:{<user>}` after a HashIdx role.
    private func userPart(_ id: AgentSessionID) -> [UInt8] { Self.b(":\(id.app):{\(id.user)}") }

    /// The key of `role` for session `id` (`track` names a track's key; legacy hashes shared by
    /// the user's sessions have no session id in their name).
    func key(_ role: AgentKeyRole, _ id: AgentSessionID, track: String? = nil) -> [UInt8] {
        let sid = Self.b(":\(id.session)")
        let trackPart = Self.b(":\(track ?? "")")
        switch role {
        case .meta: return hashidx + Self.b(":meta") + userPart(id) + sid
        case .evtdata: return hashidx + Self.b(":evtdata") + userPart(id) + sid
        case .evtidx: return hashidx + Self.b(":evtidx:time") + userPart(id) + sid
        case .sesssum: return hashidx + Self.b(":sesssum") + userPart(id) + sid
        case .trkdata: return hashidx + Self.b(":trkdata") + userPart(id) + sid + trackPart
        case .trkidx: return hashidx + Self.b(":trkidx:time") + userPart(id) + sid + trackPart
        case .trknames: return hashidx + Self.b(":trkidx:names") + userPart(id) + sid
        case .sessidx: return hashidx + Self.b(":sessidx") + userPart(id)
        case .userstate: return hashidx + Self.b(":userstate") + userPart(id)
        case .appstate: return legacy + Self.b("appstate:{\(id.app)}")
        case .sess: return legacy + Self.b("sess:{\(id.app)}:\(id.user)")
        case .event: return legacy + Self.b("event:{\(id.app)}:\(id.user)") + sid
        case .lsesssum: return legacy + Self.b("sesssum:{\(id.app)}:\(id.user)")
        case .track: return legacy + Self.b("track:{\(id.app)}:\(id.user)") + sid + trackPart
        case .trackidx: return legacy + Self.b("trackidx:{\(id.app)}:\(id.user)") + sid
        case .luserstate: return legacy + Self.b("userstate:{\(id.app)}:\(id.user)")
        }
    }

    /// The key a session of `engine` is found by: its meta (HashIdx) or its user's hash (legacy).
    func anchor(_ engine: AgentEngine, _ id: AgentSessionID) -> [UInt8] {
        key(engine == .hashidx ? .meta : .sess, id)
    }

    /// SCAN patterns of every session's anchor key.
    var metaPattern: [UInt8] { RedisConnection.globEscape(hashidx) + Self.b(":meta:*") }
    var legacyPattern: [UInt8] { RedisConnection.globEscape(legacy) + Self.b("sess:{*") }

    /// What a HashIdx meta key's name says of its session, when it can be read unambiguously
    /// (the ids inside the meta JSON are the truth; this serves counting and ids-only listing).
    func idFromMetaKey(_ key: UnsafeBufferPointer<UInt8>) -> AgentSessionID? {
        let head = hashidx + Self.b(":meta:")
        guard key.count > head.count, key.starts(with: head) else { return nil }
        guard let rest = String(validating: UnsafeBufferPointer(rebasing: key[head.count...]), as: UTF8.self) else { return nil }
        // <app>:{<user>}:<sid>, taken apart only when `:{` and `}:` each occur once.
        let open = rest.ranges(of: ":{"), close = rest.ranges(of: "}:")
        guard open.count == 1, close.count == 1, open[0].upperBound <= close[0].lowerBound else { return nil }
        let app = String(rest[..<open[0].lowerBound]), user = String(rest[open[0].upperBound..<close[0].lowerBound])
        let sid = String(rest[close[0].upperBound...])
        guard !app.isEmpty, !user.isEmpty, !sid.isEmpty else { return nil }
        return AgentSessionID(app: app, user: user, session: sid)
    }

    /// The app and user a legacy `sess:{<app>}:<user>` key names (the app ends at the first `}:`,
    /// as its hash tag does).
    func appAndUser(fromLegacyKey key: [UInt8]) -> (app: String, user: String)? {
        let head = legacy + Self.b("sess:{")
        guard key.count > head.count, key.starts(with: head), let rest = String(validating: key[head.count...], as: UTF8.self) else { return nil }
        guard let close = rest.firstRange(of: "}:") else { return nil }
        let app = String(rest[..<close.lowerBound]), user = String(rest[close.upperBound...])
        guard !app.isEmpty, !user.isEmpty else { return nil }
        return (app, user)
    }
}
