import RedisClient

/// Flask-Session 0.8's `RedisSessionInterface` (prefix `session:`): a STRING holding
/// `dict(session)` as msgpack or JSON (legacy pickles read only), the TTL being
/// `PERMANENT_SESSION_LIFETIME` (31 days). Each stored session keeps its format; new sessions
/// and edited pickles are msgpack, or JSON with `serializer=json`; an unchanged session keeps
/// its bytes (a pickle too, through a migration or an export). A value Flask could not read
/// back is refused; a broken one is listed with its reason and never rewritten.
struct RedisFlaskSessionLayout: RedisSessionLayout {
    let core: RedisStoreCore

    var layout: SessionLayout { .flaskSession }
    var valueType: RedisValueType { .string }
    /// Other keys share the prefix (see `SessionKeysOnly`).
    var watchReadsKeys: Bool { true }

    func dataAsStored(_ data: JSONObject) -> JSONObject { FlaskSessionCodec.normalized(data) }

    var newFormat: FlaskSessionFormat { core.options.jsonSerializer ? .json : .msgpack }

    /// A line's blob, read as Flask-Session reads a value (msgpack, JSON or a legacy pickle).
    var exportLineReader: ExportLineReader? {
        RedisStoredBlob.lineReader(.flaskSession) { bytes in FlaskSessionCodec.decode(bytes).map { ($0.data, $0.format.rawValue) } }
    }

    /// The session a value holds, with the value kept as its stored blob.
    private func session(id: String, bytes: [UInt8], stored: FlaskStoredSession, ttl: Expiry) -> Session {
        let data = stored.data
        var session = Session(id: id, data: data, expiry: ttl, size: bytes.count, revision: Revision(bytes, data: data))
        session.storedBlob = RedisStoredBlob.read(bytes, layout: .flaskSession, serializer: stored.format.rawValue, data: data, location: core.displayName)
        return session
    }

    func notSession(_ value: RedisStoredValue) -> String? {
        if case .failure(let p) = FlaskSessionCodec.decode(value.bytes), p.kind == .foreign { return p.reason }
        return nil
    }

    func session(id: String, key: [UInt8], value: RedisStoredValue, ttl: Expiry) -> Result<Session, SessionError> {
        let bytes = value.bytes
        switch FlaskSessionCodec.decode(bytes) {
        case .failure(let p): return .failure(.corrupt(location: core.location(key), reason: p.reason))
        case .success(let stored):
            return .success(session(id: id, bytes: bytes, stored: stored, ttl: ttl))
        }
    }

    func scanEntry(id: String, value: RedisReplyView, ttl: Expiry, withData: Bool) -> RedisStoreCore.ScanEntry {
        guard value.isBulk else { return .gone }
        let bytes = Array(value.bytes)
        switch FlaskSessionCodec.decode(bytes) {
        case .failure(let p) where p.kind == .foreign:
            return .skipped(p.reason)
        case .failure(let p):
            if withData { return .broken(.corrupt(location: core.location(core.key(id)), reason: p.reason)) }
            return .session(SessionInfo(id: id, size: bytes.count, keyCount: nil, expiry: ttl, lastWrite: nil, problem: p.reason))
        case .success(let stored):
            if withData { return .loaded(session(id: id, bytes: bytes, stored: stored, ttl: ttl)) }
            return .session(SessionInfo(id: id, size: bytes.count, keyCount: stored.entries.count, expiry: ttl, lastWrite: nil))
        }
    }

    func checkWritable(over value: RedisStoredValue, key: [UInt8]) throws(SessionError) {
        _ = try stored(value, key: key)
    }

    private func stored(_ value: RedisStoredValue, key: [UInt8]) throws(SessionError) -> FlaskStoredSession {
        switch FlaskSessionCodec.decode(value.bytes) {
        case .failure(let p): throw SessionError.corrupt(location: core.location(key), reason: p.reason)
        case .success(let s): return s
        }
    }

    /// The value when it changed (as Flask-Session writes it), then the TTL.
    func commands(
        for w: SessionWrite, key: [UInt8], current: (value: RedisStoredValue, ttl: Expiry)?,
        now: Int64
    ) throws(SessionError) -> RedisWriteCommands {
        let old = try current.map { c throws(SessionError) in try stored(c.value, key: key) }
        var body: [UInt8]?
        if let bytes = w.session.storedBlob?.bytes(of: .flaskSession, holding: w.session.data) {
            body = current?.value.bytes == bytes ? nil : bytes  // the value it was read as (a pickle too)
        } else if let old, old.data == w.session.data {
            body = nil
        } else {
            try w.session.checkRepresentableAsJSON(store: core.displayName)
            // Over the value the session was read as (a load, a migration, an export line), else the key's.
            var over = old
            if let blob = w.session.storedBlob, blob.layout == .flaskSession, blob.bytes != current?.value.bytes {
                over = (try? FlaskSessionCodec.decode(blob.bytes).get()) ?? old
            }
            do {
                body = try FlaskSessionCodec.encode(w.session.data, over: over, format: newFormat)
            } catch {
                throw SessionError.unsupported(
                    store: core.displayName,
                    reason: "session \(SessionError.quote(w.session.id)): \(error), which Flask-Session cannot read back; nothing was written")
            }
        }
        return core.stringWrite(body, key: key, update: w.expiry, ttl: current?.ttl, now: now)
    }

    func expiryCommands(_ expiry: Expiry, key: [UInt8], current: RedisStoredValue, ttl: Expiry, now: Int64) -> [[[UInt8]]] {
        core.expiryCommands(.set(expiry), key: key, current: ttl, now: now)
    }
}
