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

    private enum Pending {
        /// `new`: the write that follows creates the key.
        case new
        /// A write was reported: an `expire` right after it belongs to it.
        case wrote
        /// `hdel`: a `del` right after it means the hash emptied.
        case hdel
    }

    func changes(_ burst: [KeyspaceMessage]) throws -> [(change: SessionChange, id: String)] {
        var out: [(change: SessionChange, id: String)] = []
        var pending: (key: [UInt8], state: Pending)?

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
        flush()
        return out
    }

    /// The session id a key under the prefix names; nil for one that cannot be an id.
    private func id(_ key: [UInt8]) -> String? {
        guard key.count > prefix.count, key.starts(with: prefix), let id = String(validating: key[prefix.count...], as: UTF8.self) else { return nil }
        for u in id.unicodeScalars where u.value < 0x20 || u.value == 0x7f { return nil }
        return id
    }
}

extension RedisStore: SessionWatching {
    public func watch(
        matching pattern: String?, options: WatchOptions, shouldStop: () -> Bool,
        _ handle: (WatchSignal) throws -> ScanControl
    ) throws {
        let mapper = RedisSessionKeyChanges(prefix: core.prefixBytes, idPattern: pattern, layout: layout)
        try RedisKeyspaceWatch(core: core, mapper: mapper).run(options: options, shouldStop: shouldStop, handle)
    }
}
