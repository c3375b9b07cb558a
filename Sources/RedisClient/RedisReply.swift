/// One Redis reply, copied out of hiredis into plain Swift values.
///
/// Error replies (`-ERR ...`, `-WRONGTYPE ...`) are ordinary values here (`.error`), not thrown.
public enum RedisReply: Sendable, Equatable {
    case status(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    case null
    case array([RedisReply])

    /// The text of a bulk or status reply, decoded as UTF-8 (invalid bytes become U+FFFD).
    public var string: String? {
        switch self {
        case .bulk(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .status(let text): return text
        default: return nil
        }
    }

    /// The raw bytes of a bulk or status reply.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): return bytes
        case .status(let text): return Array(text.utf8)
        default: return nil
        }
    }

    /// The value of an integer reply.
    public var int: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The elements of an array reply.
    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The message of an error reply, e.g. `WRONGTYPE Operation against a key ...`.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }

    /// True for an error reply.
    public var isError: Bool {
        if case .error = self { return true }
        return false
    }

    /// True for a null (nil) reply.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Returns the reply unchanged, or throws a `RedisError` (kind `.auth` for `NOAUTH`/`WRONGPASS`,
    /// `.server` otherwise) when it is an error reply.
    @discardableResult
    public func checked() throws -> RedisReply {
        guard case .error(let message) = self else { return self }
        if RedisErrorCode(message: message).isAuthentication {
            throw RedisError(.auth, "authentication required: \(message)")
        }
        throw RedisError(.server, "server error: \(message)")
    }
}
