import RedisClient

/// What one Redis layout says about a session kept at its key; everything else (connections,
/// ids, batches, WATCH/MULTI/EXEC, SCAN, retries) is `RedisStore`'s. A new single-key layout is
/// one type conforming to this, with the defaults below for how a key is read. A layout whose
/// session is a group of keys names them with `RedisKeyGroup` (one slot) and replaces those
/// defaults: `readCommands` and `state` for its members, `sessionKeys` for its delete.
protocol RedisSessionLayout: SessionShaping {
    var core: RedisStoreCore { get }
    var layout: SessionLayout { get }
    /// The Redis type of a session key, read with one command.
    var valueType: RedisValueType { get }

    /// The commands that read the session at `key`, sent after WATCH of `key` on its node (a
    /// group's other keys share its slot, so its node). Default: TYPE, the value, PTTL.
    func readCommands(_ key: [UInt8]) -> [[[UInt8]]]
    /// What the replies to `readCommands` say `key` holds. Default: the one-key reader.
    func state(_ replies: ArraySlice<RedisReply>, key: [UInt8], now: Int64) -> Result<RedisStoreCore.KeyState<RedisStoredValue>, SessionError>
    /// Every key of the session at `key`, which a delete removes. Default: `key` alone.
    func sessionKeys(_ key: [UInt8]) -> [[UInt8]]
    /// How a scan reads the keys of a page. Default: the value's read command and PTTL per key.
    var scanLayout: RedisStoreCore.ScanLayout { get }

    /// Why a stored value of the right type is still not one of the layout's sessions (KV: not a
    /// JSON object), nil when it is. Such a key is listed as skipped and never changed.
    func notSession(_ value: RedisStoredValue) -> String?

    /// The session a stored value holds, whose key's TTL gives `ttl`.
    func session(id: String, key: [UInt8], value: RedisStoredValue, ttl: Expiry) -> Result<Session, SessionError>

    /// A key of a scan as the layout reads it from its value's reply (`withData`: the whole session).
    func scanEntry(id: String, value: RedisReplyView, ttl: Expiry, withData: Bool) -> RedisStoreCore.ScanEntry

    /// Refuses a write the layout can never store, before anything is read.
    func check(_ write: SessionWrite) throws(SessionError)

    /// Refuses to write over a stored value the layout cannot read (it is never rewritten).
    func checkWritable(over value: RedisStoredValue, key: [UInt8]) throws(SessionError)

    /// The commands that store `write` at `key` over `current` (nil: no key yet), which its mode
    /// allows: the value's (empty when it holds what the write holds) and the lifetime's.
    func commands(
        for write: SessionWrite, key: [UInt8], current: (value: RedisStoredValue, ttl: Expiry)?,
        now: Int64
    ) throws(SessionError) -> RedisWriteCommands

    /// The commands that give an existing session the lifetime `expiry`.
    func expiryCommands(
        _ expiry: Expiry, key: [UInt8], current: RedisStoredValue, ttl: Expiry,
        now: Int64
    ) throws(SessionError) -> [[[UInt8]]]

    /// The session id an id as typed stands for (connect-redis: the sid in a signed cookie
    /// value). Default: the id itself.
    func sessionID(_ given: String) -> String

    /// How a create goes in one command with no read first, nil for none.
    var fastCreate: (any RedisFastCreate)? { get }

    /// Whether a watch reads each created or changed key to leave out keys that are not
    /// sessions (`SessionKeysOnly`): for layouts whose prefix other keys commonly share. Default:
    /// false (every key under the prefix is taken for a session, with no read per event).
    var watchReadsKeys: Bool { get }
}

/// One write as commands: the value's (empty when unchanged) and then the lifetime's.
struct RedisWriteCommands {
    var value: [[[UInt8]]] = []
    var lifetime: [[[UInt8]]] = []
}

extension RedisSessionLayout {
    func readCommands(_ key: [UInt8]) -> [[[UInt8]]] {
        [RedisStoreCore.command("TYPE", key), RedisStoreCore.command("\(valueType.readCommand)", key), RedisStoreCore.command("PTTL", key)]
    }

    /// Nothing, a key of another type or value (not a session, and why), or the value with its TTL.
    func state(_ replies: ArraySlice<RedisReply>, key: [UInt8], now: Int64) -> Result<RedisStoreCore.KeyState<RedisStoredValue>, SessionError> {
        let r = Array(replies)
        for reply in r { if case .error(let message) = reply, reply.errorCode != .wrongType { return .failure(core.replyError(message, key: key)) } }
        guard let type = RedisStoreCore.typeName(r[0]) else { return .failure(core.replyError("unexpected reply to TYPE", key: key)) }
        if type == "none" { return .success(.missing) }
        if type != valueType.name { return .success(.notSession(RedisStoreCore.wrongType(type, expected: valueType.name))) }
        guard let value = RedisStoredValue(r[1], type: valueType), let ttl = RedisStoreCore.expiry(pttl: r[2], now: now) else { return .success(.missing) }
        if let reason = notSession(value) { return .success(.notSession(reason)) }
        return .success(.stored(value, ttl))
    }

    func sessionKeys(_ key: [UInt8]) -> [[UInt8]] { [key] }
    func sessionID(_ given: String) -> String { given }

    var scanLayout: RedisStoreCore.ScanLayout {
        RedisStoreCore.readAndTTL(redisType: valueType.name, read: valueType.readCommand, entry: scanEntry)
    }

    func notSession(_ value: RedisStoredValue) -> String? { nil }
    func check(_ write: SessionWrite) throws(SessionError) {}
    func checkWritable(over value: RedisStoredValue, key: [UInt8]) throws(SessionError) {}
    var fastCreate: (any RedisFastCreate)? { nil }
    var watchReadsKeys: Bool { false }

    func newSession(id: String, expiry: Expiry) -> Session { Session(id: id, data: JSONObject(), expiry: expiry) }
    func dataAsStored(_ data: JSONObject) -> JSONObject { data }
    var exportLineReader: ExportLineReader? { nil }
}

/// SET of a session's value: `NX` for a new key (it fails where one appeared), `KEEPTTL` to keep
/// the lifetime, a plain SET (which drops the TTL) where a new lifetime follows.
func setValueCommand(_ key: [UInt8], _ body: [UInt8], exists: Bool, keepTTL: Bool) -> [[UInt8]] {
    if !exists { return RedisStoreCore.command("SET", key, body, Array("NX".utf8)) }
    if keepTTL { return RedisStoreCore.command("SET", key, body, Array("KEEPTTL".utf8)) }
    return RedisStoreCore.command("SET", key, body)
}

extension RedisStoreCore {
    /// A string session's write: SET of `body` (nil: the value stays) and the lifetime `update`
    /// asks for over the key's `ttl` (nil: no key yet).
    func stringWrite(_ body: [UInt8]?, key: [UInt8], update: ExpiryUpdate, ttl: Expiry?, now: Int64) -> RedisWriteCommands {
        var commands = RedisWriteCommands()
        if let body { commands.value = [setValueCommand(key, body, exists: ttl != nil, keepTTL: update == .keep)] }
        let rewritten = body != nil && ttl != nil && update != .keep
        commands.lifetime = expiryCommands(update, key: key, current: rewritten ? .never : ttl, now: now)
        return commands
    }
}
