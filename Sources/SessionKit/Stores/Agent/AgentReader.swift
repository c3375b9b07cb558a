import RedisClient

/// How the keys of one agent session are read: a plan of (role, track, read command) pairs,
/// each followed by PTTL, all on the session's slot, and how their replies become its parts.
struct AgentReadPlan {
    struct Item {
        var role: AgentKeyRole
        var track: String?
        var key: [UInt8]
        /// The read: GET, HGETALL, ZRANGE 0 -1 WITHSCORES, SMEMBERS, or HGET of the session's field.
        var command: [[UInt8]]
        /// The session's field of a shared hash (`HGET`), nil for a whole key.
        var field: [UInt8]?
    }

    var items: [Item] = []

    static func read(_ role: AgentKeyRole, _ key: [UInt8], field: [UInt8]) -> [[UInt8]] {
        if role.isSessionField { return RedisStoreCore.command("HGET", key, field) }
        switch role.redisType {
        case "string": return RedisStoreCore.command("GET", key)
        case "hash": return RedisStoreCore.command("HGETALL", key)
        case "zset": return RedisStoreCore.command("ZRANGE", key, Array("0".utf8), Array("-1".utf8), Array("WITHSCORES".utf8))
        default: return RedisStoreCore.command("SMEMBERS", key)
        }
    }

    mutating func add(_ role: AgentKeyRole, track: String? = nil, keys: AgentKeys, id: AgentSessionID) {
        let key = keys.key(role, id, track: track)
        let field = Array(id.session.utf8)
        items.append(Item(role: role, track: track, key: key, command: Self.read(role, key, field: field), field: role.isSessionField ? field : nil))
    }

    /// The session's own keys on its slot (tracks and, for HashIdx, the app state come after).
    static func session(_ engine: AgentEngine, keys: AgentKeys, id: AgentSessionID) -> AgentReadPlan {
        var plan = AgentReadPlan()
        let roles: [AgentKeyRole] =
            engine == .hashidx
            ? [.meta, .evtdata, .evtidx, .sesssum, .trknames, .userstate, .sessidx]
            : [.sess, .event, .lsesssum, .trackidx, .luserstate, .appstate]
        for role in roles { plan.add(role, keys: keys, id: id) }
        return plan
    }

    /// Each track's keys, and for HashIdx the app state (another slot: `{app}`).
    static func tracks(_ engine: AgentEngine, names: [String], keys: AgentKeys, id: AgentSessionID) -> AgentReadPlan {
        var plan = AgentReadPlan()
        for name in names {
            if engine == .hashidx {
                plan.add(.trkdata, track: name, keys: keys, id: id)
                plan.add(.trkidx, track: name, keys: keys, id: id)
            } else {
                plan.add(.track, track: name, keys: keys, id: id)
            }
        }
        return plan
    }

    /// Each item's read and PTTL.
    var commands: [[[UInt8]]] {
        items.flatMap { [$0.command, RedisStoreCore.command("PTTL", $0.key)] }
    }

    /// The stored keys the replies (to `commands`) show; a key of another type than the
    /// library's, or an answer that is not what the read gives, is an error naming the key.
    func parse(_ replies: ArraySlice<RedisReply>, now: Int64, location: (([UInt8]) -> String)) -> Result<[AgentStoredKey], SessionError> {
        let r = Array(replies)
        var out: [AgentStoredKey] = []
        for (n, item) in items.enumerated() {
            let value = r[2 * n], ttl = r[2 * n + 1]
            if case .error(let message) = value {
                if RedisErrorCode(message: message) == .wrongType {
                    return .failure(
                        .corrupt(location: location(item.key), reason: "not a Redis \(item.role.redisType), as trpc-agent-go writes its \(item.role.rawValue) key; left alone"))
                }
                return .failure(.io(location: location(item.key), reason: "Redis answered: \(message)"))
            }
            guard case .integer(let pttl) = ttl, pttl != -2 else { continue }  // no such key
            let expiry: Expiry = pttl < 0 ? .never : .at(now.addingClamped(pttl))
            guard let content = Self.content(value, role: item.role, field: item.field) else {
                if value.isNull { continue }  // the shared hash has no field for this session
                return .failure(.corrupt(location: location(item.key), reason: "unexpected reply to its read"))
            }
            out.append(AgentStoredKey(role: item.role, track: item.track, content: content, expiry: expiry))
        }
        return .success(out)
    }

    static func content(_ reply: RedisReply, role: AgentKeyRole, field: [UInt8]?) -> AgentStoredKey.Content? {
        if let field {
            guard case .bulk(let b) = reply else { return nil }
            return .hash([(field: field, value: b)])
        }
        switch (role.redisType, reply) {
        case ("string", .bulk(let b)): return .string(b)
        case ("hash", .array(let a)):
            var fields: [(field: [UInt8], value: [UInt8])] = []
            fields.reserveCapacity(a.count / 2)
            var i = 0
            while i + 1 < a.count {
                guard let f = a[i].bytes, let v = a[i + 1].bytes else { return nil }
                fields.append((f, v))
                i += 2
            }
            return .hash(fields)
        case ("zset", .array(let a)):
            var members: [(member: [UInt8], score: [UInt8])] = []
            members.reserveCapacity(a.count / 2)
            var i = 0
            while i + 1 < a.count {
                guard let m = a[i].bytes, let s = a[i + 1].bytes else { return nil }
                members.append((m, s))
                i += 2
            }
            return .zset(members)
        case ("set", .array(let a)):
            let members = a.compactMap(\.bytes)
            return members.count == a.count ? .set(members) : nil
        default: return nil
        }
    }
}
