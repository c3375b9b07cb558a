import RedisClient

/// GoFrame's `StorageRedis`: a Redis STRING at `prefix + id` holding the session's JSON object
/// exactly as Go's `encoding/json` writes it, with the Redis TTL as the session's lifetime.
///
/// Writes keep the TTL (`SET ... KEEPTTL`, so Redis 6.0 or newer) unless a new expiry is asked
/// for, and run under WATCH/MULTI/EXEC so a change the app makes between read and write is never
/// overwritten. A key under the prefix that holds anything but a JSON object is not a session
/// and is never changed.
public final class RedisKVStore: SessionStore, SessionCounting, RetryReporting {
    let core: RedisStoreCore

    public var displayName: String { core.displayName }
    public var clock: Clock { core.clock }
    public var capabilities: StoreCapabilities { layout.capabilities }
    public var defaultLifetimeMillis: Int64 { core.options.defaultLifetimeMillis }
    public var options: RedisStoreOptions { core.options }
    public var layout: SessionLayout { .kv }
    /// What the store had to do beyond sending commands (redirections, retries, failovers), for reports.
    public var routerStats: RedisRouterStats { core.router.stats }

    /// Connects (within the options' timeout) and authenticates.
    public init(options: RedisStoreOptions, displayName: String, clock: Clock = .system) throws(SessionError) {
        core = try RedisStoreCore(options: options, displayName: displayName, clock: clock)
    }

    public var retrySummary: String? { core.router.stats.summary }
    public var abilities: StoreAbilities { StoreAbilities(counting: self, retries: self) }

    public func reopened() throws(SessionError) -> any SessionStore {
        try RedisKVStore(options: core.options, displayName: core.displayName, clock: core.clock)
    }

    public func validate(id: String) throws(SessionError) {
        try core.validate(id: id)
    }

    // MARK: A key's state

    private typealias State = RedisStoreCore.KeyState<[UInt8]>

    private static func readCommands(_ key: [UInt8]) -> [[[UInt8]]] {
        [RedisStoreCore.command("TYPE", key), RedisStoreCore.command("GET", key), RedisStoreCore.command("PTTL", key)]
    }

    private func state(_ replies: ArraySlice<RedisReply>, key: [UInt8], now: Int64) -> Result<State, SessionError> {
        let r = Array(replies)
        for reply in r { if case .error(let message) = reply, !message.hasPrefix("WRONGTYPE") { return .failure(core.replyError(message, key: key)) } }
        guard let type = RedisStoreCore.typeName(r[0]) else { return .failure(core.replyError("unexpected reply to TYPE", key: key)) }
        if type == "none" { return .success(.missing) }
        if type != "string" { return .success(.notSession(RedisStoreCore.wrongType(type, expected: "string"))) }
        guard case .bulk(let bytes) = r[1], let expiry = RedisStoreCore.expiry(pttl: r[2], now: now) else { return .success(.missing) }
        if case .notAnObject = Self.shape(bytes) { return .success(.notSession("a string that is not a JSON object")) }
        return .success(.stored(bytes, expiry))
    }

    /// Whether a value is meant as a session: only its first byte after whitespace is looked at.
    private static func shape(_ bytes: [UInt8]) -> JSONObjectValidator.Verdict {
        for b in bytes {
            switch b {
            case 0x20, 0x09, 0x0a, 0x0d: continue
            case UInt8(ascii: "{"): return .object(members: 0)
            default: return .notAnObject
            }
        }
        return .notAnObject
    }

    private func decode(_ bytes: [UInt8], key: [UInt8]) -> Result<(JSONObject, JSONEscapeStyle), SessionError> {
        do {
            let (value, style) = try JSONParser.parseDocument(bytes)
            guard case .object(let object) = value else {
                return .failure(.notASession(store: displayName, key: RedisStoreCore.text(key), reason: "a string that is not a JSON object"))
            }
            return .success((object, style))
        } catch {
            return .failure(.corrupt(location: core.location(key), reason: error.describing("the value")))
        }
    }

    /// The session a value holds: kept as its text when that is exactly Go's JSON (parsed only if
    /// someone looks), else parsed now.
    private func session(id: String, bytes: [UInt8], expiry: Expiry, key: [UInt8]?) -> Result<Session, SessionError> {
        if let canonical = GoJSONCanonical.check(bytes[...]) {
            return .success(Session(id: id, canonicalJSON: bytes[...], members: canonical.members, style: canonical.style,
                                    expiry: expiry, size: bytes.count, revision: Revision(bytes)))
        }
        switch decode(bytes, key: key ?? core.key(id)) {
        case .success(let (data, style)):
            return .success(Session(id: id, data: data, expiry: expiry, size: bytes.count, escapeStyle: style, revision: Revision(bytes, data: data)))
        case .failure(let e):
            return .failure(e)
        }
    }

    // MARK: Reading

    public func scan(matching pattern: String?, pageSize: Int, detail: ScanDetail, _ visit: (ScanPage) throws -> ScanControl) throws {
        try core.scan(pattern: pattern, pageSize: pageSize, detail: detail, layout: scanLayout) { try visit($0.scanPage) }
    }

    public func scanSessions(matching pattern: String?, pageSize: Int, _ visit: (SessionPage) throws -> ScanControl) throws {
        try core.scan(pattern: pattern, pageSize: pageSize, detail: .full, withData: true, layout: scanLayout) { try visit($0.sessionPage) }
    }

    /// GET and PTTL per key. (Whatever command touches a key first pays most of the cost; one
    /// MGET per page was measured slower, and STRLEN is hardly cheaper than GET.)
    private var scanLayout: RedisStoreCore.ScanLayout {
        RedisStoreCore.readAndTTL(redisType: "string", read: "GET") { [self] id, value, expiry, withData in
            guard value.isBulk else { return .gone }
            if withData {
                let bytes = Array(value.bytes)
                if case .notAnObject = Self.shape(bytes) { return .skipped("a string that is not a JSON object") }
                switch session(id: id, bytes: bytes, expiry: expiry, key: nil) {
                case .success(let s): return .loaded(s)
                case .failure(let e): return .broken(e)
                }
            }
            let bytes = value.bytes
            switch JSONObjectValidator.check(bytes) {
            case .object(let members):
                return .session(SessionInfo(id: id, size: bytes.count, keyCount: members, expiry: expiry, lastWrite: nil))
            case .notAnObject:
                return .skipped("a string that is not a JSON object")
            case .invalid(let e):
                return .session(SessionInfo(id: id, size: bytes.count, keyCount: nil, expiry: expiry, lastWrite: nil,
                                            problem: e.describing("the value")))
            }
       }
    }

    public func estimatedCount(matching pattern: String?) throws -> Int? {
        try core.estimatedCount(matching: pattern, layout: scanLayout)
    }

    public func load(_ ids: [String]) throws -> [LoadResult] {
        try core.load(ids, read: Self.readCommands, state: state) { id, key, bytes, expiry in
            session(id: id, bytes: bytes, expiry: expiry, key: key)
        }
    }

    // MARK: Writing

    /// A create (or an upsert of a session that turns out to be new) is one `SET key json NX`
    /// with its expiry (`PX`), pipelined for the whole batch: atomic on the server, no read
    /// first, and never a moment without the TTL. Whatever `NX` refuses, and every update, goes
    /// through the general path: read under WATCH, decide, MULTI/EXEC.
    public func save(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] {
        var results = [Result<Void, SessionError>?](repeating: nil, count: writes.count)
        var fast: [(index: Int, ttl: Int64?)] = []
        let now = clock.nowMillis()
        for i in RedisStoreCore.creatable(writes) {
            do throws(SessionError) {
                try validate(id: writes[i].session.id)
                try writes[i].session.checkRepresentableAsJSON(store: displayName)
                try writes[i].session.checkReadable(store: displayName)
            } catch {
                results[i] = .failure(error)
                continue
            }
            switch core.newKeyLifetime(writes[i].expiry, now: now) {
            case .millis(let ms): fast.append((i, ms))
            case .none: fast.append((i, nil))
            case .passed: continue
            }
        }
        var body: [UInt8] = []  // each session's JSON, in one reused buffer
        body.reserveCapacity(1024)
        let prefix = core.prefixBytes
        try writes.withUnsafeBufferPointer { writes in
            try core.pipelined(fast.count, key: { core.key(writes[fast[$0].index].session.id) }, format: { n, buffer in
                let (i, ttl) = fast[n]
                buffer.begin(ttl == nil ? 4 : 6)
                buffer.argument("SET")
                var id = writes[i].session.id
                id.withUTF8 { buffer.argument(prefix, $0) }
                if let text = writes[i].session.canonicalJSON {
                    buffer.argument(text)  // already as Go writes it
                } else {
                    body.removeAll(keepingCapacity: true)
                    GoJSONEncoder.write(writes[i].session.data, style: writes[i].session.escapeStyle, into: &body)
                    buffer.argument(body)
                }
                buffer.argument("NX")
                if let ttl {
                    buffer.argument("PX")
                    buffer.argument(RedisStoreCore.number(ttl))
                }
            }, reply: { n, reply in
                let i = fast[n].index
                if reply.isStatus {
                    results[i] = .success(())
                } else if reply.isError {
                    results[i] = .failure(core.replyError(String(decoding: reply.bytes, as: UTF8.self), key: core.key(writes[i].session.id)))
                }  // nil: the key exists; the general path says what it holds, or replaces it
            })
        }
        let rest = writes.indices.filter { results[$0] == nil }
        if rest.isEmpty { return results.map { $0! } }
        for (i, r) in zip(rest, try transactSave(rest.map { writes[$0] })) { results[i] = r }
        return results.map { $0! }
    }

    private func transactSave(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] {
        try batch(writes.map(\.session.id)) { i, key, state, now in
            let w = writes[i]
            let id = w.session.id
            var current: (bytes: [UInt8], expiry: Expiry, data: JSONObject?)?
            switch state {
            case .notSession(let reason):
                return core.notSession(key, reason)
            case .missing:
                current = nil
            case .stored(let bytes, let expiry):
                let data: JSONObject?
                if let rev = w.session.revision, Bytes.equal(rev.bytes, bytes), let d = rev.data {
                    data = d  // what was read a moment ago need not be decoded again
                } else {
                    data = try? decode(bytes, key: key).get().0
                }
                current = (bytes, expiry, data)
            }
            switch w.mode {
            case .create:
                if current != nil { return .done(.failure(.alreadyExists(store: displayName, id: id))) }
            case .update:
                guard let current else { return .done(.failure(.notFound(store: displayName, id: id))) }
                if let rev = w.session.revision, !Bytes.equal(rev.bytes, current.bytes) {
                    return .done(.failure(.conflict(store: displayName, id: id)))
                }
            case .upsert:
                break
            }
            var commands: [[[UInt8]]] = []
            var written: [UInt8]?
            if let current, let old = current.data, old == w.session.data {
                // Unchanged data keeps its stored bytes: only the lifetime may change.
            } else {
                let body = w.session.canonicalJSON.map(Array.init) ?? GoJSONEncoder.encode(w.session.data, style: w.session.escapeStyle)
                do throws(SessionError) {
                    try w.session.checkRepresentableAsJSON(store: displayName)
                    try w.session.checkReadable(store: displayName, json: body)
                } catch {
                    return .done(.failure(error))
                }
                written = body
                if current == nil {
                    commands.append(RedisStoreCore.command("SET", key, body, Array("NX".utf8)))
                } else if w.expiry == .keep {
                    commands.append(RedisStoreCore.command("SET", key, body, Array("KEEPTTL".utf8)))
                } else {
                    commands.append(RedisStoreCore.command("SET", key, body))  // a plain SET drops the TTL
                }
            }
            let rewritten = !commands.isEmpty && current != nil && w.expiry != .keep
            commands += core.expiryCommands(w.expiry, key: key, current: rewritten ? .never : current?.expiry, now: now)
            if commands.isEmpty { return .done(.success(())) }
            let store = displayName
            return .write(commands, finish: { [core] replies in
                if let e = core.firstError(replies, key: key) { return .failure(e) }
                if current == nil, replies.first?.isNull == true { return .failure(.alreadyExists(store: store, id: id)) }
                return .success(())
            }, applied: written.map { body in
                { replies in
                    // The value is there: the write happened (its lifetime was set with it).
                    if case .success(.stored(let bytes, _)) = self.state(replies, key: key, now: self.clock.nowMillis()), Bytes.equal(bytes, body) {
                        return .success(())
                    }
                    return nil
                }
            })
        }
    }

    public func delete(_ ids: [String]) throws -> [Result<Bool, SessionError>] {
        try core.delete(ids, read: Self.readCommands, state: state)
    }

    public func delete(unchanged sessions: [(id: String, revision: Revision)]) throws -> [Result<Bool, SessionError>] {
        try core.delete(unchanged: sessions, read: Self.readCommands, state: state, revision: { $0 })
    }

    public func setExpiry(_ changes: [(id: String, expiry: Expiry)]) throws -> [Result<Bool, SessionError>] {
        try core.setExpiry(changes, read: Self.readCommands, state: state)
    }

    private func batch<Out>(
        _ ids: [String], _ decide: (Int, [UInt8], State, Int64) -> RedisStoreCore.Step<Out>
    ) throws -> [Result<Out, SessionError>] {
        try core.batch(ids, read: Self.readCommands, state: state, decide: decide)
    }
}
