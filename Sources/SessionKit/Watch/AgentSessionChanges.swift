import RedisClient

/// The changes of trpc-agent-go sessions (`layout=trpc`), whose events are per session, not per
/// key: every key of a session (HashIdx meta, events, index, summary, tracks; legacy event zset,
/// tracks) maps to it, and the messages of one burst about one session are one change.
///
/// - HashIdx: the meta key's `new` is `created`, its `del`/`expired` are `deleted`/`expired`;
///   a write to any of the session's keys is `changed`. The other keys' deletions and expiries
///   go with the meta's (they are removed together) and say nothing of their own.
/// - Legacy: a session is a field of its user's `sess:{app}:user` hash, so a change of that hash
///   is told apart by reading it (`HGETALL`) and comparing its fields with what was seen before
///   (each value kept as a 64-bit fingerprint; the hashes are read once at the start): a new
///   field is `created`, a changed value `changed`, a field gone `deleted` (`expired` when the
///   whole hash expired). The session's event zset and tracks are `changed`.
/// - State shared by a user's or an app's sessions, leases and the user index name no one session
///   and are not reported.
final class AgentSessionChanges: KeyspaceSessionMapper {
    let keys: AgentKeys
    let core: RedisStoreCore
    let engines: [AgentEngine]
    let idPattern: String?
    /// Legacy user hashes: field -> fingerprint of its value.
    private var legacy: [[UInt8]: [[UInt8]: UInt64]] = [:]

    init(keys: AgentKeys, core: RedisStoreCore, engines: [AgentEngine], idPattern: String?) {
        self.keys = keys
        self.core = core
        self.engines = engines
        self.idPattern = idPattern
    }

    var keyPatterns: [[UInt8]] {
        if !keys.legacy.isEmpty { return [RedisConnection.globEscape(keys.legacy) + Array("*".utf8)] }
        var out: [[UInt8]] = []
        if engines.contains(.hashidx) { out.append(Array("hashidx:*".utf8)) }
        if engines.contains(.legacy) { out += ["sess:{*", "event:{*", "track:{*", "trackidx:{*"].map { Array($0.utf8) } }
        return out
    }

    var typeFlags: String { "$hzs" }

    func prepare() throws {
        guard engines.contains(.legacy) else { return }
        let pattern = keys.legacyPattern
        for endpoint in try core.router.masterEndpoints() {
            let connection = try RedisConnection(core.options.connection.with(endpoint: endpoint))
            var cursor: UInt64 = 0
            repeat {
                let page = try connection.scanPage(cursor: cursor, matchBytes: pattern, count: 1000, type: "hash")
                cursor = page.next
                for key in page.keys where keys.appAndUser(fromLegacyKey: key) != nil {
                    legacy[key] = Self.fields(try connection.command([Array("HGETALL".utf8), key]))
                }
            } while cursor != 0
        }
    }

    private static func fields(_ reply: RedisReply) -> [[UInt8]: UInt64] {
        guard let items = reply.array else { return [:] }
        var out: [[UInt8]: UInt64] = [:]
        var i = 0
        while i + 1 < items.count {
            if let f = items[i].bytes, let v = items[i + 1].bytes { out[f] = fingerprint(v) }
            i += 2
        }
        return out
    }

    /// FNV-1a, 64 bits.
    private static func fingerprint(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// What one burst did to each session it touched, in the order they first appear.
    private struct Tally {
        var order: [String] = []
        var created: Set<String> = []
        var touched: Set<String> = []
        var ended: [String: SessionChange] = [:]

        mutating func note(_ change: SessionChange, _ id: String) {
            if !order.contains(id) { order.append(id) }
            touched.insert(id)
            switch change {
            case .created: created.insert(id)
            case .deleted, .expired: ended[id] = change
            case .changed: break
            }
        }

        var changes: [(change: SessionChange, id: String)] {
            var out: [(change: SessionChange, id: String)] = []
            for id in order {
                if created.contains(id) { out.append((.created, id)) }
                if let end = ended[id] {
                    out.append((end, id))
                } else if !created.contains(id) {
                    out.append((.changed, id))
                }
            }
            return out
        }
    }

    func changes(_ burst: [KeyspaceMessage], source: Int, idle: Bool) throws -> [(change: SessionChange, id: String)] {
        var tally = Tally()
        var readHashes: Set<[UInt8]> = []
        for m in burst {
            guard let name = keys.name(m.key), case .role(let role) = name.kind else { continue }
            guard engines.contains(role.engine) || role == .appstate else { continue }
            switch role {
            case .meta:
                guard let id = metaID(m.key) else { continue }
                switch m.event {
                case "new": tally.note(.created, id.text)
                case "del", "rename_from", "evicted": tally.note(.deleted, id.text)
                case "expired": tally.note(.expired, id.text)
                default: tally.note(.changed, id.text)
                }
            case .evtdata, .evtidx, .sesssum, .trkdata, .trkidx, .trknames:
                if ["del", "expired", "evicted", "rename_from"].contains(m.event) { continue }
                for meta in keys.metaCandidates(name).prefix(1) {
                    if let id = metaID(meta) { tally.note(.changed, id.text) }
                }
            case .sess:
                // One read per hash and burst: it already shows every change the burst made.
                guard readHashes.insert(m.key).inserted, let (app, user) = keys.appAndUser(fromLegacyKey: m.key) else { continue }
                let before = legacy[m.key] ?? [:]
                let after: [[UInt8]: UInt64]
                if m.event == "expired" || m.event == "del" {
                    after = [:]
                } else {
                    after = Self.fields(try core.router.run(keys: [m.key]) { [[Array("HGETALL".utf8), $0]] }[0][0])
                }
                let ending: SessionChange = m.event == "expired" ? .expired : .deleted
                for (field, print) in after {
                    guard let sid = String(validating: field, as: UTF8.self) else { continue }
                    let id = AgentSessionID(app: app, user: user, session: sid).text
                    if let old = before[field] {
                        if old != print { tally.note(.changed, id) }
                    } else {
                        tally.note(.created, id)
                    }
                }
                for field in before.keys where after[field] == nil {
                    guard let sid = String(validating: field, as: UTF8.self) else { continue }
                    tally.note(ending, AgentSessionID(app: app, user: user, session: sid).text)
                }
                legacy[m.key] = after.isEmpty ? nil : after
            case .event, .track, .trackidx:
                if ["del", "expired", "evicted", "rename_from"].contains(m.event) { continue }
                if let id = legacySession(name) { tally.note(.changed, id) }
            default:
                continue
            }
        }
        guard let idPattern else { return tally.changes }
        return tally.changes.filter { Glob.matches(idPattern, $0.id) }
    }

    private func metaID(_ key: [UInt8]) -> AgentSessionID? {
        key.withUnsafeBufferPointer { keys.idFromMetaKey($0) }
    }

    /// The session a legacy `event:{app}:user:sid` (or track) key belongs to: the split of
    /// `user:sid` whose user hash holds the session (ids may hold `:`).
    private func legacySession(_ name: AgentKeyName) -> String? {
        let colon = UInt8(ascii: ":")
        guard let close = name.rest.firstRange(of: Array("}:".utf8)) else { return nil }
        let app = name.rest[..<close.lowerBound]
        let tail = Array(name.rest[close.upperBound...])
        guard let appText = String(validating: app, as: UTF8.self) else { return nil }
        for i in tail.indices where tail[i] == colon && i > 0 && i + 1 < tail.count {
            let user = tail[..<i]
            let hash = keys.legacy + Array("sess:{".utf8) + app + Array("}:".utf8) + user
            guard let fields = legacy[hash] else { continue }
            // The session id runs to the end (event) or to a track name after it (track keys).
            var end = tail.count
            while end > i + 1 {
                let sid = Array(tail[(i + 1)..<end])
                if fields[sid] != nil, let u = String(validating: user, as: UTF8.self), let s = String(validating: sid, as: UTF8.self) {
                    return AgentSessionID(app: appText, user: u, session: s).text
                }
                guard let previous = tail[(i + 1)..<end].lastIndex(of: colon) else { break }
                end = previous
            }
        }
        return nil
    }
}

extension AgentStore: SessionWatching {
    public func watch(
        matching pattern: String?, options: WatchOptions, shouldStop: () -> Bool,
        _ handle: (WatchSignal) throws -> ScanControl
    ) throws {
        let mapper = AgentSessionChanges(keys: keys, core: core, engines: engines, idPattern: pattern)
        try RedisKeyspaceWatch(core: core, mapper: mapper).run(options: options, shouldStop: shouldStop, handle)
    }
}
