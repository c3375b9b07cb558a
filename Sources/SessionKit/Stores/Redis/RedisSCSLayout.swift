import RedisClient

/// SCS's `redisstore`/`goredisstore` (prefix `scs:session:`): a STRING holding gob of
/// `{Deadline, Values}`. The session ends at the earlier of the Deadline and the key's TTL, and
/// a new lifetime rewrites both (SCS would undo a TTL change alone at the next request).
struct RedisSCSLayout: RedisGoTypedLayout {
    let core: RedisStoreCore

    var layout: SessionLayout { .scs }

    private var noExpiry: SessionError {
        .unsupported(store: core.displayName, reason: "an SCS session always has a deadline; it cannot live without an expiry")
    }

    func newSession(id: String, expiry: Expiry) -> Session {
        Session(id: id, data: JSONObject(), expiry: expiry, goTypes: .gob(SCSCodec.emptyValues()))
    }

    var exportLineReader: ExportLineReader? { RedisGoTyped.lineReader(.scs) { RedisSCSLayout.decode($0) } }

    static func decode(_ bytes: [UInt8]) -> Result<GoStoredValue, StoredBlobProblem> {
        RedisGoTyped.reading {
            let c = try SCSCodec.decode(bytes).get()
            return GoStoredValue(data: try c.values.plainData(), goTypes: .gob(c.values), deadline: c.deadline)
        }
    }

    func summary(_ bytes: [UInt8]) -> (keys: Int?, deadline: GoTime?, problem: String?) {
        switch SCSCodec.decode(bytes) {
        case .success(let c): return (c.values.entries.count, c.deadline, nil)
        case .failure(let p): return (nil, nil, p.reason)
        }
    }

    func encode(_ session: Session, values: GobSessionValues?, deadline: GoTime?) throws(GobError) -> [UInt8] {
        if let values { return try SCSCodec.encode(values, deadline: deadline) }
        return try SCSCodec.encode(try SCSCodec.emptyValues().merged(with: session.data), deadline: deadline)
    }

    /// The Deadline inside the value and the TTL go together.
    func commands(
        for w: SessionWrite, key: [UInt8], current: (value: RedisStoredValue, ttl: Expiry)?,
        now: Int64
    ) throws(SessionError) -> RedisWriteCommands {
        let stored = try current.map { c throws(SessionError) in try contents(c.value, key: key) }
        let deadline: GoTime?
        var ttl: Int64?
        switch (w.expiry, stored) {
        case (.set(.never), _):
            throw noExpiry
        case (.set(.at(let t)), let stored):
            if let own = w.session.deadline, stored == nil || w.session.revision == nil {
                // A session moved here (new, or replacing one with --overwrite) keeps its own
                // deadline; the TTL is the lifetime it had left.
                deadline = own
                ttl = min(t, own.unixMillis)
            } else {
                deadline = GoTime(unixMillis: t)
                ttl = t
            }
        case (.keep, let stored?):
            deadline = stored.deadline
        case (.keep, nil):
            deadline = w.session.deadline ?? GoTime(unixMillis: now.addingClamped(core.options.defaultLifetimeMillis))
            ttl = deadline!.unixMillis
        }
        if let stored, ttl == nil, try unchanged(w.session, from: stored) { return RedisWriteCommands() }
        let body = try encode(w.session, deadline: deadline)
        return RedisWriteCommands(
            value: [setValueCommand(key, body, exists: stored != nil, keepTTL: ttl == nil)],
            // SCS's PEXPIREAT: a deadline already past removes the key.
            lifetime: ttl.map { core.expiryCommands(.set(.at($0)), key: key, current: nil, now: now) } ?? [])
    }

    func expiryCommands(_ expiry: Expiry, key: [UInt8], current: RedisStoredValue, ttl: Expiry, now: Int64) throws(SessionError) -> [[[UInt8]]] {
        guard case .at(let t) = expiry else { throw noExpiry }
        let values = try contents(current, key: key).gobValues!
        do {
            return [RedisStoreCore.command("SET", key, try SCSCodec.encode(values, deadline: GoTime(unixMillis: t)))]
                + core.expiryCommands(.set(.at(t)), key: key, current: nil, now: now)
        } catch {
            throw SessionError.invalidArgument(
                "\(core.displayName): session \(SessionError.quote(String(decoding: key.dropFirst(core.prefixBytes.count), as: UTF8.self))): \(error); nothing was written")
        }
    }
}
