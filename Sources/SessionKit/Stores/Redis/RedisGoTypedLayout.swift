import RedisClient

/// What the layouts of Go apps that keep typed values in a Redis STRING share (SCS, redistore).
/// Values keep their Go types through every write (see `GoTypes`); a session whose value is
/// unchanged keeps its exact bytes. A value that is not what the layout's codec writes (JSON where
/// gob belongs, another gob type, a cut-off blob) is listed with the reason and never rewritten;
/// it can still be deleted.
protocol RedisGoTypedLayout: RedisSessionLayout {
    /// A stored value read as the layout's codec wrote it.
    static func decode(_ bytes: [UInt8]) -> Result<GoStoredValue, StoredBlobProblem>
    /// The key count, deadline and problem of a value, for listings (without building JSON).
    func summary(_ bytes: [UInt8]) -> (keys: Int?, deadline: GoTime?, problem: String?)
    /// The bytes of a session that is not stored as it was read: its typed `values` (nil: none
    /// yet, e.g. a session from a File store) laid over `data`.
    func encode(_ session: Session, values: GobSessionValues?, deadline: GoTime?) throws(GobError) -> [UInt8]
}

/// A Go-typed value as read.
struct GoStoredValue {
    var data: JSONObject
    var goTypes: GoTypes
    var deadline: GoTime?
    var style: JSONEscapeStyle = .modern

    var gobValues: GobSessionValues? {
        if case .gob(let v) = goTypes { return v }
        return nil
    }
}

extension RedisGoTypedLayout {
    var valueType: RedisValueType { .string }

    /// SCS: the session ends at the earlier of its Deadline and its TTL.
    static func expiry(ttl: Expiry, deadline: GoTime?) -> Expiry {
        guard let deadline else { return ttl }
        switch ttl {
        case .never: return .at(deadline.unixMillis)
        case .at(let t): return .at(min(t, deadline.unixMillis))
        }
    }

    func corrupt(_ key: [UInt8], _ problem: StoredBlobProblem) -> SessionError {
        .corrupt(location: core.location(key), reason: problem.reason)
    }

    /// The session stored at `key` with the Redis TTL `ttl`, with its exact bytes kept.
    func session(id: String, key: [UInt8], value: RedisStoredValue, ttl: Expiry) -> Result<Session, SessionError> {
        let bytes = value.bytes
        switch Self.decode(bytes) {
        case .failure(let p):
            return .failure(corrupt(key, p))
        case .success(let c):
            var session = Session(
                id: id, data: c.data, expiry: Self.expiry(ttl: ttl, deadline: c.deadline), size: bytes.count,
                escapeStyle: c.style, revision: Revision(bytes, data: c.data), goTypes: c.goTypes, deadline: c.deadline)
            var blob = StoredBlob(layout: layout, serializer: c.gobValues == nil ? "json" : "gob", bytes: bytes, location: core.displayName)
            blob.holds = StoredBlob.Holds(data: c.data, values: c.gobValues, deadline: c.deadline)
            session.storedBlob = blob
            return .success(session)
        }
    }

    /// GET's reply.
    func scanEntry(id: String, value: RedisReplyView, ttl: Expiry, withData: Bool) -> RedisStoreCore.ScanEntry {
        guard value.isBulk else { return .gone }
        let bytes = Array(value.bytes)
        if withData {
            switch session(id: id, key: core.key(id), value: .string(bytes), ttl: ttl) {
            case .success(let s): return .loaded(s)
            case .failure(let e): return .broken(e)
            }
        }
        let s = summary(bytes)
        return .session(
            SessionInfo(
                id: id, size: bytes.count, keyCount: s.keys, expiry: Self.expiry(ttl: ttl, deadline: s.deadline),
                lastWrite: nil, problem: s.problem, deadline: s.deadline?.unixMillis))
    }

    func checkWritable(over value: RedisStoredValue, key: [UInt8]) throws(SessionError) {
        _ = try contents(value, key: key)
    }

    /// The stored value decoded, refusing one that is not ours: it is never rewritten.
    func contents(_ value: RedisStoredValue, key: [UInt8]) throws(SessionError) -> GoStoredValue {
        switch Self.decode(value.bytes) {
        case .failure(let p): throw corrupt(key, p)
        case .success(let c): return c
        }
    }

    /// The bytes for a session: those it was read as while it holds what they hold, else its typed
    /// values (an import's exported typed view gives every value its Go type back) encoded.
    func encode(_ session: Session, deadline: GoTime?) throws(SessionError) -> [UInt8] {
        var values = try session.resolvedGobValues(store: core.displayName)
        if let blob = session.storedBlob, blob.layout == layout,
            let bytes = blob.verbatim(data: session.data, values: values, deadline: layout == .scs ? deadline : nil)
        {
            return bytes  // a value of this layout, unchanged: its exact bytes
        }
        if values == nil, session.goTypes == nil, let view = session.typedImport {
            var typed = newSession(id: session.id, expiry: session.expiry)
            try typed.replaceTyped(view, store: core.displayName)
            if case .json? = typed.goTypes { return GoJSONEncoder.encode(typed.data, style: session.escapeStyle) }
            values = try typed.resolvedGobValues(store: core.displayName)
        }
        do {
            return try encode(session, values: values, deadline: deadline)
        } catch {
            throw SessionError.invalidArgument("\(core.displayName): session \(SessionError.quote(session.id)): \(error); nothing was written")
        }
    }

    /// Whether `session` holds what `current` holds (so its bytes can stay).
    func unchanged(_ session: Session, from current: GoStoredValue) throws(SessionError) -> Bool {
        switch (current.goTypes, session.goTypes) {
        case (.gob(let old), _):
            guard case .gob? = session.goTypes, let now = try session.resolvedGobValues(store: core.displayName) else { return false }
            return now.entries == old.entries
        case (.json, .json?), (.json, nil):
            return session.data == current.data
        default:
            return false
        }
    }
}
