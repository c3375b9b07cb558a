import RedisClient

/// The changes of sessions that are one key each (`RedisStore`: kv, hash, scs, redistore), read
/// from a burst of keyspace messages command by command. One command's messages come together
/// and in order, so:
///
/// - `new` then the write (`set`, `hset`, `restore`…) is one `created`; a write alone is `changed`;
/// - an `expire` right after the write of the same key is the same command (`SET … EX`); alone it
///   is `changed` (the app refreshed the lifetime), as is `persist`;
/// - `del` (also `UNLINK`), `rename_from` and `evicted` are `deleted` (a `hdel` that emptied the
///   hash comes right before its `del`: one `deleted`; a `hdel` alone is `changed`);
/// - `expired` is `expired`.
final class RedisSessionKeyChanges: KeyspaceSessionMapper {
    let prefix: [UInt8]
    let keyPatterns: [[UInt8]]
    let typeFlags: String

    init(prefix: [UInt8], idPattern: String?, layout: SessionLayout) {
        self.prefix = prefix
        keyPatterns = [RedisConnection.globEscape(prefix) + RedisStoreCore.redisGlob(idPattern ?? "*")]
        typeFlags = layout == .hash ? "h" : "$"
    }

    func prepare() throws {}

    /// How long an `expire` that comes next in a later burst still counts as part of the write
    /// before it, in seconds.
    static let writeHold = 0.02

    private enum Pending {
        /// `new`: the write that follows creates the key.
        case new
        /// A write was reported: an `expire` right after it belongs to it.
        case wrote
        /// `hdel`: a `del` right after it means the hash emptied.
        case hdel
    }

    /// What each subscriber's last message left undecided; it carries over to its next burst, as
    /// a burst may end between the messages of one command.
    /// A write's marker is kept only briefly: an `expire` that comes later is the app's own.
    private var held: [Int: (key: [UInt8], state: Pending, at: Double)] = [:]

    func changes(_ burst: [KeyspaceMessage], source: Int, idle: Bool) throws -> [(change: SessionChange, id: String)] {
        var out: [(change: SessionChange, id: String)] = []
        var pending: (key: [UInt8], state: Pending)?
        if let h = held.removeValue(forKey: source), h.state != .wrote || SystemTime.monotonicSeconds() - h.at < Self.writeHold {
            pending = (h.key, h.state)
        }

        func flush() {
            guard let p = pending else { return }
            pending = nil
            switch p.state {
            case .new: emit(.created, p.key)
            case .hdel: emit(.changed, p.key)
            case .wrote: break
            }
        }
        func emit(_ change: SessionChange, _ key: [UInt8]) {
            if let id = id(key) { out.append((change, id)) }
        }

        for m in burst {
            let same = pending?.key == m.key
            switch m.event {
            case "new":
                flush()
                pending = (m.key, .new)
            case "expire", "persist":
                if same, case .wrote? = pending?.state {
                    pending = nil
                } else if same, case .new? = pending?.state {
                    pending = nil
                    emit(.created, m.key)
                } else {
                    flush()
                    emit(.changed, m.key)
                }
            case "hdel":
                flush()
                pending = (m.key, .hdel)
            case "del", "rename_from", "evicted":
                if !(same && pending?.state == .hdel) { flush() }
                pending = nil
                emit(.deleted, m.key)
            case "expired":
                flush()
                emit(.expired, m.key)
            default:  // a write: set, hset, restore, rename_to, setrange…
                if same, case .new? = pending?.state {
                    emit(.created, m.key)
                } else {
                    flush()
                    emit(.changed, m.key)
                }
                pending = (m.key, .wrote)
            }
        }
        // `new` is always followed by its write, which may be in the next burst; a `hdel` is
        // followed by `del` at once when it emptied the hash, so once idle it stands alone.
        // A write's marker carries over for `writeHold`: a busy server writes a command's messages
        // in parts when the socket is full, and the `expire` of a `SET … PX` may come a moment later.
        if let p = pending, p.state == .new || p.state == .wrote || (p.state == .hdel && !idle) {
            held[source] = (p.key, p.state, SystemTime.monotonicSeconds())
        } else {
            flush()
        }
        return out
    }

    /// The session id a key under the prefix names; nil for one that cannot be an id.
    private func id(_ key: [UInt8]) -> String? {
        guard key.count > prefix.count, key.starts(with: prefix), let id = String(validating: key[prefix.count...], as: UTF8.self) else { return nil }
        for u in id.unicodeScalars where u.value < 0x20 || u.value == 0x7f { return nil }
        return id
    }
}

/// The changes of `base` for keys that hold sessions only, for layouts whose prefix other keys
/// share (connect-redis's `sess:`, phpredis's `_LOCK` keys, Flask-Session's `session:`): the keys
/// of a burst's `created` and `changed` are read (one pipeline), and one that is not a session
/// (of another type, or a value the layout does not take for one) is left out and remembered, so
/// its later changes, deletion and expiry are left out too. A key that cannot be told (gone
/// before it was read, a read that failed) keeps its change unless it is remembered.
final class SessionKeysOnly: KeyspaceSessionMapper {
    let base: any KeyspaceSessionMapper
    /// What these ids' keys hold: true for something that is not a session, false for a
    /// session; no entry for a key that is gone.
    let classify: ([String]) throws -> [String: Bool]
    /// Ids seen holding something else, at most `remembered` (then forgotten at once).
    private var foreign = Set<String>()
    static let remembered = 100_000

    init(_ base: any KeyspaceSessionMapper, classify: @escaping ([String]) throws -> [String: Bool]) {
        self.base = base
        self.classify = classify
    }

    var keyPatterns: [[UInt8]] { base.keyPatterns }
    var typeFlags: String { base.typeFlags }
    func prepare() throws { try base.prepare() }

    func changes(_ burst: [KeyspaceMessage], source: Int, idle: Bool) throws -> [(change: SessionChange, id: String)] {
        let changes = try base.changes(burst, source: source, idle: idle)
        let written = Set(changes.filter { $0.change == .created || $0.change == .changed }.map(\.id))
        let held = written.isEmpty ? [:] : ((try? classify(Array(written))) ?? [:])
        return changes.filter { change, id in
            switch (change, held[id]) {
            case (.created, true?), (.changed, true?):
                if !foreign.contains(id) && foreign.count >= Self.remembered { foreign.removeAll() }
                foreign.insert(id)
                return false
            case (.created, false?), (.changed, false?):
                foreign.remove(id)
                return true
            case (.created, nil), (.changed, nil):
                return !foreign.contains(id)
            case (.deleted, _), (.expired, _):
                return foreign.remove(id) == nil
            }
        }
    }
}

extension RedisStore: SessionWatching {
    public func watch(
        matching pattern: String?, options: WatchOptions, shouldStop: () -> Bool,
        _ handle: (WatchSignal) throws -> ScanControl
    ) throws {
        var mapper: any KeyspaceSessionMapper = RedisSessionKeyChanges(prefix: core.prefixBytes, idPattern: pattern, layout: layout)
        if codec.watchReadsKeys {
            mapper = SessionKeysOnly(mapper) { [core, codec] ids in
                let keys = ids.map(core.key)
                let replies = try core.read(keys, codec.readCommands)
                let now = core.clock.nowMillis()
                var held: [String: Bool] = [:]
                for (n, id) in ids.enumerated() {
                    switch codec.state(replies[n], key: keys[n], now: now) {
                    case .success(.notSession): held[id] = true
                    case .success(.stored): held[id] = false
                    case .success(.missing), .failure: break
                    }
                }
                return held
            }
        }
        try RedisKeyspaceWatch(core: core, mapper: mapper).run(options: options, shouldStop: shouldStop, handle)
    }
}
