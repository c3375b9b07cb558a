/// What `list` shows of an agent session.
public struct AgentListing: Sendable {
    public var sessionID: AgentSessionID
    public var engine: AgentEngine
    public var eventCount: Int
    /// Keys of its own state plus its user's (the app's are the same for every session of the app).
    public var stateKeys: Int
    /// The latest of `createdAt`, `updatedAt` and its newest event, in Unix milliseconds.
    public var lastActivity: Int64?

    public init(sessionID: AgentSessionID, engine: AgentEngine, eventCount: Int, stateKeys: Int, lastActivity: Int64?) {
        self.sessionID = sessionID
        self.engine = engine
        self.eventCount = eventCount
        self.stateKeys = stateKeys
        self.lastActivity = lastActivity
    }

    init(_ parts: AgentSessionParts) {
        let own = parts.record?["state"]?.objectValue?.count ?? 0
        self.init(
            sessionID: parts.sessionID, engine: parts.engine, eventCount: parts.eventCount,
            stateKeys: own + parts.stateFields(parts.userStateRole).count, lastActivity: parts.lastActivityMillis)
    }
}

/// How an agent session's state values (bytes: `StateMap` is `map[string][]byte`) show as JSON
/// and go back to bytes.
///
/// Bytes that are a JSON document show as that JSON (apps store JSON: `"cats"` shows as the
/// string cats); other UTF-8 text as a string; anything else as `{"$base64": "..."}`. A nil value
/// (stored as JSON `null` in the meta) shows as `null`. Written back, a value that was not
/// changed keeps its exact bytes; a changed one is stored as its JSON text, except a string
/// set on a key that held plain text (not JSON), which stays plain text, and a `{"$base64"}`
/// object, which is stored as the bytes it holds.
public enum AgentStateValue {
    public static let base64Marker = "$base64"

    public static func decode(_ bytes: [UInt8]?) -> JSONValue {
        guard let bytes else { return .null }
        if let v = try? JSONParser.parse(bytes) { return v }
        if let text = String(validating: bytes, as: UTF8.self) { return .string(text) }
        var marked = JSONObject()
        marked[base64Marker] = .string(Base64.std(bytes))
        return .object(marked)
    }

    /// Whether the bytes show as plain text (not JSON, but UTF-8).
    static func isPlainText(_ bytes: [UInt8]) -> Bool {
        (try? JSONParser.parse(bytes)) == nil && String(validating: bytes, as: UTF8.self) != nil
    }

    /// The bytes `value` is stored as, given the bytes the key held before (nil: new key); nil
    /// for JSON `null` (Go's nil slice). Throws for a `$base64` object whose text is not base64.
    public static func encode(_ value: JSONValue, previous: [UInt8]?) throws(SessionError) -> [UInt8]? {
        switch value {
        case .null:
            return nil
        case .object(let o) where o.count == 1 && o[base64Marker] != nil:
            guard case .string(let text)? = o[base64Marker], let bytes = Base64.decodeStd(text) else {
                throw SessionError.invalidArgument("a {\"\(base64Marker)\": ...} value must hold standard base64 text")
            }
            return bytes
        case .string(let s) where previous.map(isPlainText) ?? false:
            return Array(s.utf8)
        default:
            return GoJSONEncoder.encode(value)
        }
    }
}
