import RedisClient

/// gorilla/sessions with `boj/redistore` (prefix `session_`): a STRING holding gob of
/// `map[interface{}]interface{}` or, with its JSON serializer, a JSON object; the TTL is the
/// lifetime. New sessions are gob, or JSON with `serializer=json`; each stored one keeps its own.
struct RedisRedistoreLayout: RedisGoTypedLayout {
    let core: RedisStoreCore

    var layout: SessionLayout { .redistore }

    func newSession(id: String, expiry: Expiry) -> Session {
        Session(id: id, data: JSONObject(), expiry: expiry, goTypes: core.options.jsonSerializer ? .json : .gob(RedistoreCodec.emptyValues()))
    }

    var exportLineReader: ExportLineReader? { RedisGoTyped.lineReader(.redistore) { RedisRedistoreLayout.decode($0) } }

    static func decode(_ bytes: [UInt8]) -> Result<GoStoredValue, StoredBlobProblem> {
        RedisGoTyped.reading {
            switch try RedistoreCodec.decode(bytes).get() {
            case .gob(let values): return GoStoredValue(data: try values.plainData(), goTypes: .gob(values))
            case .json(let object, let style): return GoStoredValue(data: object, goTypes: .json, style: style)
            }
        }
    }

    func summary(_ bytes: [UInt8]) -> (keys: Int?, deadline: GoTime?, problem: String?) {
        switch RedistoreCodec.decode(bytes) {
        case .success(.gob(let v)): return (v.entries.count, nil, nil)
        case .success(.json(let o, _)): return (o.count, nil, nil)
        case .failure(let p): return (nil, nil, p.reason)
        }
    }

    func encode(_ session: Session, values: GobSessionValues?, deadline: GoTime?) throws(GobError) -> [UInt8] {
        if case .json? = session.goTypes { return GoJSONEncoder.encode(session.data, style: session.escapeStyle) }
        if let values { return try RedistoreCodec.encode(values) }
        if core.options.jsonSerializer { return GoJSONEncoder.encode(session.data, style: session.escapeStyle) }
        return try RedistoreCodec.encode(try RedistoreCodec.emptyValues().merged(with: session.data))
    }

    /// The value when it changed, then the TTL.
    func commands(
        for w: SessionWrite, key: [UInt8], current: (value: RedisStoredValue, ttl: Expiry)?,
        now: Int64
    ) throws(SessionError) -> RedisWriteCommands {
        var body: [UInt8]?
        if let current, try unchanged(w.session, from: try contents(current.value, key: key)) {
            body = nil
        } else {
            body = try encode(w.session, deadline: nil)
        }
        return core.stringWrite(body, key: key, update: w.expiry, ttl: current?.ttl, now: now)
    }

    func expiryCommands(_ expiry: Expiry, key: [UInt8], current: RedisStoredValue, ttl: Expiry, now: Int64) -> [[[UInt8]]] {
        core.expiryCommands(.set(expiry), key: key, current: ttl, now: now)
    }
}
