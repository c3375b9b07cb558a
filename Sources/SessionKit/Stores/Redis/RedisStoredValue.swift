import RedisClient

/// The Redis types a session key can have, with the command that reads one.
enum RedisValueType {
    case string
    case hash

    var name: String { self == .string ? "string" : "hash" }
    var readCommand: StaticString { self == .string ? "GET" : "HGETALL" }
}

/// A session key's value as read: a string's bytes or a hash's fields.
enum RedisStoredValue {
    case string([UInt8])
    case hash([HashFieldCodec.Field])

    /// The bytes of a string (empty for a hash).
    var bytes: [UInt8] {
        if case .string(let bytes) = self { return bytes }
        return []
    }

    /// The fields of a hash (none for a string).
    var fields: [HashFieldCodec.Field] {
        if case .hash(let fields) = self { return fields }
        return []
    }

    /// The exact stored state, to tell whether it changed: a string's bytes; a hash's fields in
    /// byte order of their names, each length-prefixed.
    var revision: [UInt8] {
        switch self {
        case .string(let bytes): return bytes
        case .hash(let fields):
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
    }

    /// The value in a reply to `type`'s read command; nil for none (the key went meanwhile).
    init?(_ reply: RedisReply, type: RedisValueType) {
        switch type {
        case .string:
            guard case .bulk(let bytes) = reply else { return nil }
            self = .string(bytes)
        case .hash:
            guard case .array(let items) = reply, items.count % 2 == 0, !items.isEmpty else { return nil }
            var fields: [HashFieldCodec.Field] = []
            fields.reserveCapacity(items.count / 2)
            var i = 0
            while i < items.count {
                guard case .bulk(let name) = items[i], case .bulk(let value) = items[i + 1] else { return nil }
                fields.append(HashFieldCodec.Field(name: name, value: value))
                i += 2
            }
            self = .hash(fields)
        }
    }
}
