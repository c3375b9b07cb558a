import RedisClient

/// GoFrame's `StorageRedis`: a Redis STRING holding the session's JSON object exactly as Go's
/// `encoding/json` writes it, with the Redis TTL as the session's lifetime. Writes keep the TTL
/// with `SET ... KEEPTTL` (Redis 6.0 or newer). A string that is not a JSON object is not a session.
struct RedisKVLayout: RedisSessionLayout, RedisFastCreate {
    let core: RedisStoreCore

    var layout: SessionLayout { .kv }
    var valueType: RedisValueType { .string }
    var fastCreate: (any RedisFastCreate)? { self }

    static let notAnObject = "a string that is not a JSON object"

    func notSession(_ value: RedisStoredValue) -> String? {
        if case .notAnObject = Self.shape(value.bytes) { return Self.notAnObject }
        return nil
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

    /// The JSON object of a value; `key` names it in errors.
    private func decode(_ bytes: [UInt8], key: () -> [UInt8]) -> Result<(JSONObject, JSONEscapeStyle), SessionError> {
        do {
            let (value, style) = try JSONParser.parseDocument(bytes)
            guard case .object(let object) = value else {
                return .failure(.notASession(store: core.displayName, key: RedisStoreCore.text(key()), reason: Self.notAnObject))
            }
            return .success((object, style))
        } catch {
            return .failure(.corrupt(location: core.location(key()), reason: error.describing("the value")))
        }
    }

    /// The session a value holds: kept as its text when that is exactly Go's JSON (parsed only if
    /// someone looks), else parsed now.
    func session(id: String, key: [UInt8], value: RedisStoredValue, ttl: Expiry) -> Result<Session, SessionError> {
        session(id: id, bytes: value.bytes, ttl: ttl) { key }
    }

    private func session(id: String, bytes: [UInt8], ttl: Expiry, key: () -> [UInt8]) -> Result<Session, SessionError> {
        if let canonical = GoJSONCanonical.check(bytes[...]) {
            return .success(
                Session(
                    id: id, canonicalJSON: bytes[...], members: canonical.members, style: canonical.style,
                    expiry: ttl, size: bytes.count, revision: Revision(bytes)))
        }
        return decode(bytes, key: key).map { data, style in
            Session(id: id, data: data, expiry: ttl, size: bytes.count, escapeStyle: style, revision: Revision(bytes, data: data))
        }
    }

    /// GET's reply. (Whatever command touches a key first pays most of the cost; one MGET per
    /// page was measured slower, and STRLEN is hardly cheaper than GET.)
    func scanEntry(id: String, value: RedisReplyView, ttl: Expiry, withData: Bool) -> RedisStoreCore.ScanEntry {
        guard value.isBulk else { return .gone }
        if withData {
            let bytes = Array(value.bytes)
            if notSession(.string(bytes)) != nil { return .skipped(Self.notAnObject) }
            switch session(id: id, bytes: bytes, ttl: ttl, key: { core.key(id) }) {
            case .success(let s): return .loaded(s)
            case .failure(let e): return .broken(e)
            }
        }
        let bytes = value.bytes
        switch JSONObjectValidator.check(bytes) {
        case .object(let members):
            return .session(SessionInfo(id: id, size: bytes.count, keyCount: members, expiry: ttl, lastWrite: nil))
        case .notAnObject:
            return .skipped(Self.notAnObject)
        case .invalid(let e):
            return .session(SessionInfo(id: id, size: bytes.count, keyCount: nil, expiry: ttl, lastWrite: nil, problem: e.describing("the value")))
        }
    }

    // MARK: Writing

    /// Unchanged data keeps its stored bytes: only the lifetime may change.
    func commands(
        for w: SessionWrite, key: [UInt8], current: (value: RedisStoredValue, ttl: Expiry)?,
        now: Int64
    ) throws(SessionError) -> RedisWriteCommands {
        var body: [UInt8]?
        if let current, let old = data(of: current.value.bytes, read: w.session.revision, key: key), old == w.session.data {
            body = nil
        } else {
            let json = w.session.canonicalJSON.map(Array.init) ?? GoJSONEncoder.encode(w.session.data, style: w.session.escapeStyle)
            try w.session.checkRepresentableAsJSON(store: core.displayName)
            try w.session.checkReadable(store: core.displayName, json: json)
            body = json
        }
        return core.stringWrite(body, key: key, update: w.expiry, ttl: current?.ttl, now: now)
    }

    /// The data a stored value holds: what was read a moment ago need not be decoded again.
    private func data(of bytes: [UInt8], read revision: Revision?, key: [UInt8]) -> JSONObject? {
        if let revision, Bytes.equal(revision.bytes, bytes), let data = revision.data { return data }
        return try? decode(bytes, key: { key }).get().0
    }

    func expiryCommands(_ expiry: Expiry, key: [UInt8], current: RedisStoredValue, ttl: Expiry, now: Int64) -> [[[UInt8]]] {
        core.expiryCommands(.set(expiry), key: key, current: ttl, now: now)
    }

    // MARK: The fast create: SET key json NX [PX ttl]

    func admits(_ write: SessionWrite) throws(SessionError) -> Bool {
        try write.session.checkRepresentableAsJSON(store: core.displayName)
        try write.session.checkReadable(store: core.displayName)
        return true
    }

    func format(_ write: SessionWrite, prefix: [UInt8], ttl: Int64?, into buffer: inout RedisCommandBuffer, scratch: inout [UInt8]) {
        buffer.begin(ttl == nil ? 4 : 6)
        buffer.argument("SET")
        var id = write.session.id
        id.withUTF8 { buffer.argument(prefix, $0) }
        if let text = write.session.canonicalJSON {
            buffer.argument(text)  // already as Go writes it
        } else {
            scratch.removeAll(keepingCapacity: true)
            GoJSONEncoder.write(write.session.data, style: write.session.escapeStyle, into: &scratch)
            buffer.argument(scratch)
        }
        buffer.argument("NX")
        if let ttl {
            buffer.argument("PX")
            buffer.argument(RedisStoreCore.number(ttl))
        }
    }

    func outcome(_ reply: RedisReplyView) -> RedisFastCreateOutcome {
        if reply.isStatus { return .created }
        if reply.isError { return .failed(String(decoding: reply.bytes, as: UTF8.self)) }
        return .exists
    }
}
