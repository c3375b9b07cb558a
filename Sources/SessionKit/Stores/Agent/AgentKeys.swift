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

/// What the name of a key under the store's prefix says: which of the library's keys it is, and
/// the part of the name after the role's head (`<app>:{<user>}[:<sid>[:<track or digest>]]` for
/// HashIdx, `<app>}:<user>[:<sid>...]` for legacy).
struct AgentKeyName: Equatable {
    enum Kind: Equatable {
        case role(AgentKeyRole)
        /// A state-initialization lease (`stateinit`) of the engine.
        case lease(AgentEngine)
    }

    var kind: Kind
    var rest: [UInt8]

    /// The Redis type the library gives the key.
    var expectedType: String {
        switch kind {
        case .role(let role): return role.redisType
        case .lease: return "string"
        }
    }
}

extension AgentKeys {
    private static let hashidxHeads: [(String, AgentKeyName.Kind)] = [
        ("meta:", .role(.meta)), ("evtdata:", .role(.evtdata)), ("evtidx:time:", .role(.evtidx)), ("sesssum:", .role(.sesssum)),
        ("trkdata:", .role(.trkdata)), ("trkidx:time:", .role(.trkidx)), ("trkidx:names:", .role(.trknames)), ("sessidx:", .role(.sessidx)),
        ("userstate:", .role(.userstate)), ("stateinit:", .lease(.hashidx))
    ]
    private static let legacyHeads: [(String, AgentKeyName.Kind)] = [
        ("sess:{", .role(.sess)), ("event:{", .role(.event)), ("sesssum:{", .role(.lsesssum)), ("track:{", .role(.track)),
        ("trackidx:{", .role(.trackidx)), ("userstate:{", .role(.luserstate)), ("stateinit:{", .lease(.legacy)), ("appstate:{", .role(.appstate))
    ]

    /// The SCAN pattern that finds every key of both engines in one walk: everything under the
    /// prefix, or without one the names the library's keys can start with (`hashidx:`, `sess:`,
    /// `sesssum:`, `stateinit:`, `event:`, `track…`, `userstate:`, `appstate:`), filtered by `name`.
    var everyKeyPattern: [UInt8] {
        legacy.isEmpty ? Array("[hsetua]*".utf8) : RedisConnection.globEscape(legacy) + Array("*".utf8)
    }

    /// What `key`'s name says, or nil for a key the library does not name this way.
    func name(_ key: [UInt8]) -> AgentKeyName? {
        let f = hashidx + [UInt8(ascii: ":")]
        if key.starts(with: f) {
            let tail = key[f.count...]
            for (head, kind) in Self.hashidxHeads where tail.starts(with: head.utf8) {
                let rest = Array(tail.dropFirst(head.utf8.count))
                return rest.isEmpty ? nil : AgentKeyName(kind: kind, rest: rest)
            }
            return nil
        }
        guard key.starts(with: legacy) else { return nil }
        let tail = key[legacy.count...]
        for (head, kind) in Self.legacyHeads where tail.starts(with: head.utf8) {
            let rest = Array(tail.dropFirst(head.utf8.count))
            return rest.isEmpty ? nil : AgentKeyName(kind: kind, rest: rest)
        }
        return nil
    }

    /// The meta key of a HashIdx session whose `<app>:{<user>}:<sid>` is `userAndSession`.
    func metaKey(_ userAndSession: some Collection<UInt8>) -> [UInt8] { hashidx + Array(":meta:".utf8) + userAndSession }

    /// The meta key of session `field` listed in the index hash `indexKey` (`F:sessidx:<app>:{<user>}`).
    func metaKey(index indexKey: [UInt8], field: [UInt8]) -> [UInt8]? {
        let head = hashidx + Array(":sessidx:".utf8)
        guard indexKey.starts(with: head) else { return nil }
        return metaKey(indexKey[head.count...] + [UInt8(ascii: ":")] + field)
    }

    /// The meta keys a HashIdx key of one session may belong to: one, or for a track's keys one
    /// per place its `<sid>:<track>` could split (ids and track names may hold `:`), nearest
    /// first; a lease's digest never holds `:`. Empty for a key that names no session.
    func metaCandidates(_ name: AgentKeyName) -> [[UInt8]] {
        let colon = UInt8(ascii: ":")
        switch name.kind {
        case .role(.evtdata), .role(.evtidx), .role(.sesssum), .role(.trknames):
            return [metaKey(name.rest)]
        case .lease(.hashidx):
            guard let last = name.rest.lastIndex(of: colon), last > 0 else { return [] }
            return [metaKey(name.rest[..<last])]
        case .role(.trkdata), .role(.trkidx):
            // <app>:{<user>}:<sid>:<track>: the session id starts after the first `}:`.
            guard let tag = name.rest.firstRange(of: Array("}:".utf8)) else { return [] }
            let sidStart = tag.upperBound
            var out: [[UInt8]] = []
            for i in name.rest.indices.reversed() where i > sidStart && name.rest[i] == colon && i + 1 < name.rest.count {
                out.append(metaKey(name.rest[..<i]))
                if out.count == 16 { break }
            }
            return out
        default:
            return []
        }
    }

    /// The (user hash, session field) pairs a legacy lease `stateinit:{<app>}:<user>:<sid>:<digest>`
    /// may belong to: one per place `<user>:<sid>` could split.
    func legacyLeaseSessions(_ name: AgentKeyName) -> [(key: [UInt8], field: [UInt8])] {
        let colon = UInt8(ascii: ":")
        guard case .lease(.legacy) = name.kind, let last = name.rest.lastIndex(of: colon), let close = name.rest.firstRange(of: Array("}:".utf8)) else { return [] }
        let app = name.rest[..<close.lowerBound]
        let userAndSession = name.rest[close.upperBound..<last]
        guard !app.isEmpty else { return [] }
        var out: [(key: [UInt8], field: [UInt8])] = []
        for i in userAndSession.indices.reversed() where userAndSession[i] == colon && i > userAndSession.startIndex && i + 1 < userAndSession.endIndex {
            out.append((legacy + Array("sess:{".utf8) + app + Array("}:".utf8) + userAndSession[..<i], Array(userAndSession[(i + 1)...])))
            if out.count == 16 { break }
        }
        return out
    }
}
