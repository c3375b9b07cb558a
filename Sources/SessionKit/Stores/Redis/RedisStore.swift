import RedisClient

/// A store of sessions in Redis, one key per session at `prefix + id`, in any of the layouts
/// (`RedisKVLayout`, `RedisHashLayout`, `RedisSCSLayout`, `RedisRedistoreLayout`), which say how
/// a session is read from and written to its key; this says the rest, once for all of them.
///
/// Writes keep the TTL unless a new expiry is asked for, and run under WATCH/MULTI/EXEC so a
/// change the app makes between read and write is never overwritten; a create takes the
/// layout's fast path when it has one. A key under the prefix that does not hold one of the
/// layout's sessions is listed as skipped and never changed.
public final class RedisStore: SessionStore, SessionCounting, RetryReporting {
    let core: RedisStoreCore
    let codec: any RedisSessionLayout
    /// Set once the server (or the user's ACL) refused the fast create: creates then take the general path.
    private var fastCreateRefused = false

    public var layout: SessionLayout { codec.layout }
    public var displayName: String { core.displayName }
    public var clock: Clock { core.clock }
    public var capabilities: StoreCapabilities { layout.capabilities }
    public var defaultLifetimeMillis: Int64 { core.options.defaultLifetimeMillis }
    /// What the store had to do beyond sending commands (redirections, retries, failovers), for reports.
    public var retrySummary: String? { core.router.stats.summary }
    public var abilities: StoreAbilities {
        var a = StoreAbilities(shaping: codec, counting: self, retries: self)
        a.watching = self
        return a
    }

    /// Connects (within the options' timeout) and authenticates. `layout` is one of the Redis
    /// layouts (not `.file`).
    public init(options: RedisStoreOptions, layout: SessionLayout, displayName: String, clock: Clock = .system) throws(SessionError) {
        core = try RedisStoreCore(options: options, displayName: displayName, clock: clock)
        switch layout {
        case .kv: codec = RedisKVLayout(core: core)
        case .hash: codec = RedisHashLayout(core: core)
        case .scs: codec = RedisSCSLayout(core: core)
        case .redistore: codec = RedisRedistoreLayout(core: core)
        case .connectRedis: codec = RedisConnectRedisLayout(core: core)
        case .php: codec = RedisPHPLayout(core: core)
        case .flaskSession: codec = RedisFlaskSessionLayout(core: core)
        case .file, .trpc: preconditionFailure("\(layout) is not a one-key Redis layout")
        }
    }

    public func reopened() throws(SessionError) -> any SessionStore {
        try RedisStore(options: core.options, layout: layout, displayName: core.displayName, clock: core.clock)
    }

    public func validate(id: String) throws(SessionError) {
        try core.validate(id: codec.sessionID(id))
    }

    // MARK: Reading

    public func scan(matching pattern: String?, pageSize: Int, detail: ScanDetail, _ visit: (ScanPage) throws -> ScanControl) throws {
        try core.scan(pattern: pattern, pageSize: pageSize, detail: detail, layout: codec.scanLayout) { try visit($0.scanPage) }
    }

    public func scanSessions(matching pattern: String?, pageSize: Int, _ visit: (SessionPage) throws -> ScanControl) throws {
        try core.scan(pattern: pattern, pageSize: pageSize, detail: .full, withData: true, layout: codec.scanLayout) { try visit($0.sessionPage) }
    }

    public func estimatedCount(matching pattern: String?) throws -> Int? {
        try core.estimatedCount(matching: pattern, layout: codec.scanLayout)
    }

    public func load(_ ids: [String]) throws -> [LoadResult] {
        try core.load(ids.map(codec.sessionID), read: codec.readCommands, state: codec.state) { id, key, value, ttl in
            codec.session(id: id, key: key, value: value, ttl: ttl)
        }
    }

    // MARK: Writing

    /// Creates take the layout's fast path first, when it has one; whatever it leaves, and every
    /// other write, goes through the general path: read under WATCH, decide, MULTI/EXEC.
    public func save(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] {
        var results = [Result<Void, SessionError>?](repeating: nil, count: writes.count)
        if let fast = codec.fastCreate, !fastCreateRefused {
            try createFast(writes, fast, into: &results)
        }
        let rest = writes.indices.filter { results[$0] == nil }
        for (i, r) in zip(rest, try transactSave(rest.map { writes[$0] })) { results[i] = r }
        return results.map { $0! }
    }

    /// The creates (and upserts of sessions that turn out to be new) the fast path takes,
    /// pipelined for the whole batch: atomic on the server, no read first, and never a moment
    /// without the TTL. An item it does not settle stays nil.
    private func createFast(
        _ writes: [SessionWrite], _ fast: any RedisFastCreate,
        into results: inout [Result<Void, SessionError>?]
    ) throws(SessionError) {
        var items: [(index: Int, ttl: Int64?)] = []
        let now = clock.nowMillis()
        for i in RedisStoreCore.creatable(writes) {
            do throws(SessionError) {
                try validate(id: writes[i].session.id)
                try codec.check(writes[i])
                guard try fast.admits(writes[i]) else { continue }
            } catch {
                results[i] = .failure(error)
                continue
            }
            switch core.newKeyLifetime(writes[i].expiry, now: now) {
            case .millis(let ms): items.append((i, ms))
            case .none: items.append((i, nil))
            case .passed: continue
            }
        }
        var scratch: [UInt8] = []  // one reused buffer for the values
        scratch.reserveCapacity(1024)
        var refused = false
        let prefix = core.prefixBytes
        try core.pipelined(
            items.count, key: { core.key(writes[items[$0].index].session.id) },
            format: { n, buffer in
                fast.format(writes[items[n].index], prefix: prefix, ttl: items[n].ttl, into: &buffer, scratch: &scratch)
            },
            reply: { n, reply in
                let i = items[n].index
                switch fast.outcome(reply) {
                case .created: results[i] = .success(())
                case .exists: break
                case .failed(let message): results[i] = .failure(core.replyError(message, key: core.key(writes[i].session.id)))
                case .unavailable: refused = true
                }
            })
        if refused { fastCreateRefused = true }
    }

    private func transactSave(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] {
        if writes.isEmpty { return [] }
        return try batch(writes.map(\.session.id)) { i, key, state, now in
            let w = writes[i]
            var current: (value: RedisStoredValue, ttl: Expiry)?
            do throws(SessionError) {
                try codec.check(w)
                switch state {
                case .notSession(let reason): return core.notSession(key, reason)
                case .missing: current = nil
                case .stored(let value, let ttl):
                    try codec.checkWritable(over: value, key: key)
                    current = (value, ttl)
                }
                if let refusal = w.modeRefusal(current: current.map { c in { c.value.revision } }, store: displayName) { throw refusal }
                let commands = try codec.commands(for: w, key: key, current: current, now: now)
                return writeStep(w, key: key, commands, creating: current == nil)
            } catch {
                return .done(.failure(error))
            }
        }
    }

    /// The step that runs a write's commands. After an outcome that is unknown, the write is
    /// there when the key, read again, needs no value commands for it (its lifetime was set in
    /// the same transaction).
    private func writeStep(_ w: SessionWrite, key: [UInt8], _ commands: RedisWriteCommands, creating: Bool) -> RedisStoreCore.Step<Void> {
        if commands.value.isEmpty && commands.lifetime.isEmpty { return .done(.success(())) }
        let store = displayName, id = w.session.id
        return .write(
            commands.value + commands.lifetime,
            finish: { [core] replies in
                if let e = core.firstError(replies, key: key) { return .failure(e) }
                if creating, replies.first?.isNull == true { return .failure(.alreadyExists(store: store, id: id)) }
                return .success(())
            },
            applied: commands.value.isEmpty
                ? nil
                : { [self] replies in
                    guard case .success(.stored(let value, let ttl)) = codec.state(replies, key: key, now: clock.nowMillis()),
                        let again = try? codec.commands(for: w, key: key, current: (value, ttl), now: clock.nowMillis()), again.value.isEmpty
                    else { return nil }
                    return .success(())
                })
    }

    public func delete(_ ids: [String]) throws -> [Result<Bool, SessionError>] {
        try core.delete(ids.map(codec.sessionID), read: codec.readCommands, state: codec.state, keys: codec.sessionKeys)
    }

    public func delete(unchanged sessions: [(id: String, revision: Revision)]) throws -> [Result<Bool, SessionError>] {
        try core.delete(
            unchanged: sessions.map { (codec.sessionID($0.id), $0.revision) }, read: codec.readCommands, state: codec.state, keys: codec.sessionKeys, revision: \.revision)
    }

    public func setExpiry(_ changes: [(id: String, expiry: Expiry)]) throws -> [Result<Bool, SessionError>] {
        try batch(changes.map(\.id)) { i, key, state, now in
            switch state {
            case .missing: return .done(.success(false))
            case .notSession(let reason): return core.notSession(key, reason)
            case .stored(let value, let ttl):
                do throws(SessionError) {
                    return core.expiryStep(try codec.expiryCommands(changes[i].expiry, key: key, current: value, ttl: ttl, now: now), key: key)
                } catch {
                    return .done(.failure(error))
                }
            }
        }
    }

    private func batch<Out>(
        _ ids: [String], _ decide: (Int, [UInt8], RedisStoreCore.KeyState<RedisStoredValue>, Int64) -> RedisStoreCore.Step<Out>
    ) throws -> [Result<Out, SessionError>] {
        try core.batch(ids.map(codec.sessionID), read: codec.readCommands, state: codec.state, decide: decide)
    }
}
