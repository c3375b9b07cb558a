import RedisClient

/// GoFrame's `StorageRedisHashTable`: a Redis HASH with one field per session key, each value
/// stored as the text GoFrame writes for it, with the Redis TTL as the lifetime. Values come back
/// as text (parsed as JSON when the text is one), as the app itself reads them; every field keeps
/// its exact bytes while its value is unchanged.
struct RedisHashLayout: RedisSessionLayout, RedisFastCreate {
    let core: RedisStoreCore

    var layout: SessionLayout { .hash }
    var valueType: RedisValueType { .hash }
    var fastCreate: (any RedisFastCreate)? { self }

    private typealias Field = HashFieldCodec.Field

    /// Every scalar as the text GoFrame writes for it, read back as a hash field reads.
    func dataAsStored(_ data: JSONObject) -> JSONObject {
        JSONObject(data.map { ($0.key, HashFieldCodec.asStored($0.value)) })
    }

    func session(id: String, key: [UInt8], value: RedisStoredValue, ttl: Expiry) -> Result<Session, SessionError> {
        .success(session(id: id, fields: value.fields, ttl: ttl))
    }

    private func session(id: String, fields: [Field], ttl: Expiry) -> Session {
        let read = HashFieldCodec.decode(fields: fields)
        var session = Session(
            id: id, data: read.data, expiry: ttl, size: read.size,
            revision: Revision(RedisStoredValue.hash(fields).revision, data: read.data),
            rawValues: read.rawValues, undecodableKeys: read.undecodableKeys)
        session.rawNames = read.rawNames
        return session
    }

    /// HGETALL's reply.
    func scanEntry(id: String, value fields: RedisReplyView, ttl: Expiry, withData: Bool) -> RedisStoreCore.ScanEntry {
        guard fields.count > 0 else { return .gone }
        if withData {
            var list: [Field] = []
            list.reserveCapacity(fields.count / 2)
            var i = 0
            while i + 1 < fields.count {
                list.append(Field(name: Array(fields[i].bytes), value: Array(fields[i + 1].bytes)))
                i += 2
            }
            return .loaded(session(id: id, fields: list, ttl: ttl))
        }
        var size = 0
        for i in 0..<fields.count { size += fields[i].bytes.count }
        return .session(SessionInfo(id: id, size: size, keyCount: fields.count / 2, expiry: ttl, lastWrite: nil))
    }

    // MARK: Writing

    func check(_ write: SessionWrite) throws(SessionError) {
        if write.session.keyCount == 0 {
            throw SessionError.unsupported(
                store: core.displayName,
                reason: "session \(SessionError.quote(write.session.id)) has no keys, and a Redis hash cannot be empty; delete the session instead")
        }
    }

    func commands(
        for w: SessionWrite, key: [UInt8], current: (value: RedisStoredValue, ttl: Expiry)?,
        now: Int64
    ) -> RedisWriteCommands {
        RedisWriteCommands(
            value: Self.fieldCommands(w.session, key: key, current: current?.value.fields ?? []),
            lifetime: core.expiryCommands(w.expiry, key: key, current: current?.ttl, now: now))
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

    /// The bytes a key's value is stored as: the exact bytes read from a hash while the value is
    /// unchanged, else GoFrame's encoding.
    private static func fieldBytes(_ session: Session, key: String, value: JSONValue) -> [UInt8] {
        if let raw = session.rawValues[key], HashFieldCodec.decode(raw).value == value { return raw }
        return HashFieldCodec.encode(value, style: session.escapeStyle)
    }

    func expiryCommands(_ expiry: Expiry, key: [UInt8], current: RedisStoredValue, ttl: Expiry, now: Int64) -> [[[UInt8]]] {
        core.expiryCommands(.set(expiry), key: key, current: ttl, now: now)
    }

    // MARK: The fast create: RESTORE key ttl payload

    /// The server creates the hash GoFrame would write (`RedisDumpPayload`) with its TTL in one
    /// step, only where no key exists, so the app never sees a session half-written or without
    /// its TTL, and one that appeared meanwhile is never merged into.
    func admits(_ write: SessionWrite) -> Bool { true }

    func format(_ write: SessionWrite, prefix: [UInt8], ttl: Int64?, into buffer: inout RedisCommandBuffer, scratch: inout [UInt8]) {
        buffer.begin(4)
        buffer.argument("RESTORE")
        buffer.argument(prefix + Array(write.session.id.utf8))
        buffer.argument(RedisStoreCore.number(ttl ?? 0))  // 0: RESTORE's "no expiry"
        buffer.argument(Self.dumpPayload(write.session))
    }

    func outcome(_ reply: RedisReplyView) -> RedisFastCreateOutcome {
        if reply.isStatus { return .created }
        guard let code = reply.errorCode, code != .busyKey else { return .exists }
        if code.isAuthentication { return .failed(String(decoding: reply.bytes, as: UTF8.self)) }
        return .unavailable
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
}
