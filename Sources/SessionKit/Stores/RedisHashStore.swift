import RedisClient

/// GoFrame's `StorageRedisHashTable`: a Redis HASH at `prefix + id`, one field per session key,
/// each value written as GoFrame writes it (`HashFieldCodec`), with the Redis TTL as the lifetime.
///
/// A write changes only the fields whose value changed (HSET, then HDEL of removed keys), so the
/// TTL stays and every other field keeps its exact bytes; it runs under WATCH/MULTI/EXEC and is
/// refused when any field changed since the session was read. Redis has no empty hash, so an
/// empty session cannot be stored. Values come back as text (strings, or objects and arrays
/// when the text is one), as the app itself reads them.
public final class RedisHashStore: SessionStore, SessionShaping, SessionCounting, RetryReporting {
    let core: RedisStoreCore

    public var displayName: String { core.displayName }
    public var clock: Clock { core.clock }
public var capabilities: StoreCapabilities { layout.capabilities }
    public var defaultLifetimeMillis: Int64 { core.options.defaultLifetimeMillis }
    public var options: RedisStoreOptions { core.options }
    public var layout: SessionLayout { .hash }

    /// Set once the server (or the user's ACL) refused `RESTORE`: creates then take the general path.
    private var restoreRefused = false
    /// What the store had to do beyond sending commands (redirections, retries, failovers), for reports.
    public var routerStats: RedisRouterStats { core.router.stats }

    /// Connects (within the options' timeout) and authenticates.
    public init(options: RedisStoreOptions, displayName: String, clock: Clock = .system) throws(SessionError) {
        core = try RedisStoreCore(options: options, displayName: displayName, clock: clock)
    }

    public var retrySummary: String? { core.router.stats.summary }
    public var abilities: StoreAbilities { StoreAbilities(shaping: self, counting: self, retries: self) }

    public func reopened() throws(SessionError) -> any SessionStore {
        try RedisHashStore(options: core.options, displayName: core.displayName, clock: core.clock)
    }

    /// Every scalar as the text GoFrame writes for it, read back as a hash field reads.
    public func dataAsStored(_ data: JSONObject) -> JSONObject {
        JSONObject(data.map { ($0.key, HashFieldCodec.asStored($0.value)) })
    }

    public func newSession(id: String, expiry: Expiry) -> Session { Session(id: id, data: JSONObject(), expiry: expiry) }

    public var exportLineReader: ExportLineReader? { nil }

    public func validate(id: String) throws(SessionError) {
        try core.validate(id: id)
    }

    // MARK: A key's state

    private typealias Field = HashFieldCodec.Field

    private typealias State = RedisStoreCore.KeyState<[Field]>

    private static func readCommands(_ key: [UInt8]) -> [[[UInt8]]] {
        [RedisStoreCore.command("TYPE", key), RedisStoreCore.command("HGETALL", key), RedisStoreCore.command("PTTL", key)]
    }

    private static func fields(_ reply: RedisReply) -> [Field]? {
        guard case .array(let items) = reply, items.count % 2 == 0 else { return nil }
        var fields: [Field] = []
        fields.reserveCapacity(items.count / 2)
        var i = 0
        while i < items.count {
            guard case .bulk(let name) = items[i], case .bulk(let value) = items[i + 1] else { return nil }
            fields.append(Field(name: name, value: value))
            i += 2
        }
        return fields
    }

    private func state(_ replies: ArraySlice<RedisReply>, key: [UInt8], now: Int64) -> Result<State, SessionError> {
        let r = Array(replies)
        for reply in r { if case .error(let message) = reply, !message.hasPrefix("WRONGTYPE") { return .failure(core.replyError(message, key: key)) } }
        guard let type = RedisStoreCore.typeName(r[0]) else { return .failure(core.replyError("unexpected reply to TYPE", key: key)) }
        if type == "none" { return .success(.missing) }
        if type != "hash" { return .success(.notSession(RedisStoreCore.wrongType(type, expected: "hash"))) }
        guard let fields = Self.fields(r[1]), !fields.isEmpty, let expiry = RedisStoreCore.expiry(pttl: r[2], now: now) else { return .success(.missing) }
        return .success(.stored(fields, expiry))
    }

    /// The fields in byte order of their names, each length-prefixed: the revision of a hash.
    private static func revisionBytes(_ fields: [Field]) -> [UInt8] {
        var out: [UInt8] = []
        for f in fields.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) {
            for part in [f.name, f.value] {
                let n = UInt32(truncatingIfNeeded: part.count)
                out += [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
                out += part
            }
        }
        return out
    }

    private func session(id: String, fields: [Field], expiry: Expiry) -> Session {
        let read = HashFieldCodec.decode(fields: fields)
        var session = Session(id: id, data: read.data, expiry: expiry, size: read.size,
                              revision: Revision(Self.revisionBytes(fields), data: read.data),
                              rawValues: read.rawValues, undecodableKeys: read.undecodableKeys)
        session.rawNames = read.rawNames
        return session
    }

    // MARK: Reading

    public func scan(matching pattern: String?, pageSize: Int, detail: ScanDetail, _ visit: (ScanPage) throws -> ScanControl) throws {
        try core.scan(pattern: pattern, pageSize: pageSize, detail: detail, layout: scanLayout) { try visit($0.scanPage) }
    }

    public func scanSessions(matching pattern: String?, pageSize: Int, _ visit: (SessionPage) throws -> ScanControl) throws {
        try core.scan(pattern: pattern, pageSize: pageSize, detail: .full, withData: true, layout: scanLayout) { try visit($0.sessionPage) }
    }

    /// HGETALL and PTTL per key.
    private var scanLayout: RedisStoreCore.ScanLayout {
        RedisStoreCore.readAndTTL(redisType: "hash", read: "HGETALL") { [self] id, fields, expiry, withData in
            guard fields.count > 0 else { return .gone }
            if withData {
                var list: [Field] = []
                list.reserveCapacity(fields.count / 2)
                var i = 0
                while i + 1 < fields.count {
                    list.append(Field(name: Array(fields[i].bytes), value: Array(fields[i + 1].bytes)))
                    i += 2
                }
                return .loaded(session(id: id, fields: list, expiry: expiry))
            }
            var size = 0
            for i in 0..<fields.count { size += fields[i].bytes.count }
            return .session(SessionInfo(id: id, size: size, keyCount: fields.count / 2, expiry: expiry, lastWrite: nil))
       }
    }

    public func estimatedCount(matching pattern: String?) throws -> Int? {
        try core.estimatedCount(matching: pattern, layout: scanLayout)
    }

    public func load(_ ids: [String]) throws -> [LoadResult] {
        try core.load(ids, read: Self.readCommands, state: state) { id, _, fields, expiry in
            .success(session(id: id, fields: fields, expiry: expiry))
        }
    }

    // MARK: Writing

    /// A create (or an upsert of a session that turns out to be new) is one `RESTORE key ttl
    /// payload` of the hash GoFrame would write (`RedisDumpPayload`), pipelined for the whole
    /// batch with no read first: the server creates the hash with its TTL in one step, only where
    /// no key exists, so the app never sees a session half-written or without its TTL, and one
    /// that appeared meanwhile is never merged into. Whatever exists already, every update, and
    /// everything once the server refuses `RESTORE`, goes through the general path: read under
    /// WATCH, decide, MULTI/EXEC.
    public func save(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] {
        var results = [Result<Void, SessionError>?](repeating: nil, count: writes.count)
        var fast: [(index: Int, key: [UInt8], payload: [UInt8], ttl: Int64)] = []
        let now = clock.nowMillis()
        if !restoreRefused {
            for i in RedisStoreCore.creatable(writes) {
                let w = writes[i]
                if w.session.keyCount == 0 { continue }
                if (try? validate(id: w.session.id)) == nil { continue }
                let ttl: Int64
                switch core.newKeyLifetime(w.expiry, now: now) {
                case .millis(let ms): ttl = ms
                case .none: ttl = 0  // RESTORE's "no expiry"
                case .passed: continue
                }
                fast.append((i, core.key(w.session.id), Self.dumpPayload(w.session), ttl))
            }
        }
        var refused = false
        try core.pipelined(fast.count, key: { fast[$0].key }, format: { n, buffer in
            let item = fast[n]
            buffer.begin(4)
            buffer.argument("RESTORE")
            buffer.argument(item.key)
            buffer.argument(RedisStoreCore.number(item.ttl))
            buffer.argument(item.payload)
        }, reply: { n, reply in
            if reply.isStatus {
                results[fast[n].index] = .success(())
            } else if reply.isError, !reply.bytes.starts(with: "BUSYKEY".utf8) {
                let message = String(decoding: reply.bytes, as: UTF8.self)
                if message.hasPrefix("NOAUTH") || message.hasPrefix("WRONGPASS") {
                    results[fast[n].index] = .failure(core.replyError(message, key: fast[n].key))
                } else {
                    refused = true  // no RESTORE here (an ACL, a proxy): the general path does it
                }
            }  // BUSYKEY: the key exists; the general path says what it holds, or replaces it
        })
        if refused { restoreRefused = true }
        let rest = writes.indices.filter { results[$0] == nil }
        if rest.isEmpty { return results.map { $0! } }
        for (i, r) in zip(rest, try transactSave(rest.map { writes[$0] })) { results[i] = r }
        return results.map { $0! }
    }

    /// The session as the `RESTORE` payload of its hash, each field as `fieldBytes` gives it.
    private static func dumpPayload(_ session: Session) -> [UInt8] {
        var payload = RedisDumpPayload(hashFields: session.data.count, capacity: session.size + 8 * session.data.count)
        for (key, value) in session.data {
            if let name = session.rawNames[key] {
                payload.append(name)
            } else {
                var name = key
                name.withUTF8 { payload.append($0) }
            }
            if !session.rawValues.isEmpty, let raw = session.rawValues[key], HashFieldCodec.decode(raw).value == value {
                payload.append(raw)
            } else {
                HashFieldCodec.withEncoded(value, style: session.escapeStyle) { payload.append($0) }
            }
        }
        return payload.finished()
    }

    /// The bytes a key's value is stored as: the exact bytes read from a hash while the value is
    /// unchanged, else GoFrame's encoding.
    private static func fieldBytes(_ session: Session, key: String, value: JSONValue) -> [UInt8] {
        if let raw = session.rawValues[key], HashFieldCodec.decode(raw).value == value { return raw }
        return HashFieldCodec.encode(value, style: session.escapeStyle)
    }

    private func transactSave(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] {
        try batch(writes.map(\.session.id)) { i, key, state, now in
            let w = writes[i]
            let id = w.session.id
            if w.session.keyCount == 0 {
                return .done(.failure(.unsupported(store: displayName,
                    reason: "session \(SessionError.quote(id)) has no keys, and a Redis hash cannot be empty; delete the session instead")))
            }
            var current: (fields: [Field], expiry: Expiry)?
            switch state {
            case .notSession(let reason):
                return core.notSession(key, reason)
            case .missing: current = nil
            case .stored(let fields, let expiry): current = (fields, expiry)
            }
            switch w.mode {
            case .create:
                if current != nil { return .done(.failure(.alreadyExists(store: displayName, id: id))) }
            case .update:
                guard let current else { return .done(.failure(.notFound(store: displayName, id: id))) }
                if let rev = w.session.revision, !Bytes.equal(rev.bytes, Self.revisionBytes(current.fields)) {
                    return .done(.failure(.conflict(store: displayName, id: id)))
                }
            case .upsert:
                break
            }
            let fieldWrites = Self.fieldCommands(w.session, key: key, current: current?.fields ?? [])
            let commands = fieldWrites + core.expiryCommands(w.expiry, key: key, current: current?.expiry, now: now)
            if commands.isEmpty { return .done(.success(())) }
            return .write(commands, finish: { [core] replies in
                if let e = core.firstError(replies, key: key) { return .failure(e) }
                return .success(())
            }, applied: fieldWrites.isEmpty ? nil : { replies in
                // Every field is as the write leaves it: the write happened.
                if case .success(.stored(let fields, _)) = self.state(replies, key: key, now: self.clock.nowMillis()),
                    Self.fieldCommands(w.session, key: key, current: fields).isEmpty
                {
                    return .success(())
                }
                return nil
            })
        }
    }

    /// HSET of the keys whose value changed or is new, then HDEL of the keys that are gone (in
    /// that order, so the hash never empties and loses its TTL on the way).
    private static func fieldCommands(_ session: Session, key: [UInt8], current: [Field]) -> [[[UInt8]]] {
        var existing: [String: Field] = [:]
        for f in current { existing[HashFieldCodec.decodeName(f.name).key] = f }
        var set = RedisStoreCore.command("HSET", key)
        for (name, value) in session.data {
            let bytes = fieldBytes(session, key: name, value: value)
            if let old = existing[name], Bytes.equal(old.value, bytes) || HashFieldCodec.decode(old.value).value == value {
                continue  // unchanged: never touched
            }
            set += [existing[name]?.name ?? session.rawNames[name] ?? Array(name.utf8), bytes]
        }
        var del = RedisStoreCore.command("HDEL", key)
        for (name, field) in existing where session.data[name] == nil { del.append(field.name) }
        var commands: [[[UInt8]]] = []
        if set.count > 2 { commands.append(set) }
        if del.count > 2 { commands.append(del) }
        return commands
    }

    public func delete(_ ids: [String]) throws -> [Result<Bool, SessionError>] {
        try core.delete(ids, read: Self.readCommands, state: state)
    }

    public func delete(unchanged sessions: [(id: String, revision: Revision)]) throws -> [Result<Bool, SessionError>] {
        try core.delete(unchanged: sessions, read: Self.readCommands, state: state, revision: Self.revisionBytes)
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
