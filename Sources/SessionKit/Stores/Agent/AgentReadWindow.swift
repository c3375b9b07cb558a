/// The events trpc-agent-go's `GetSession` returns of a session (docs/reference/other-stores.md
/// §4.6): the last `SessionEventLimit` stored events, then from the first user message on; none
/// when that window holds no user message. Every stored event stays in Redis either way.
extension AgentEvent {
    /// The library's default `SessionEventLimit`.
    public static let defaultReadLimit = 1000

    /// A message the user wrote: authored by `user`, or its first choice's message has role `user`.
    public var isUserMessage: Bool {
        if author == "user" { return true }
        guard case .array(let choices)? = object?["choices"], case .object(let first)? = choices.first,
            case .object(let message)? = first["message"]
        else { return false }
        return message["role"]?.stringValue == "user"
    }

    /// The positions in `events` (time-index order) that a read with `limit` returns.
    public static func readWindow(_ events: [AgentEvent], limit: Int) -> Range<Int> {
        let start = events.count - min(max(limit, 0), events.count)
        guard let first = events[start...].firstIndex(where: \.isUserMessage) else { return events.endIndex..<events.endIndex }
        return first..<events.endIndex
    }
}

extension AgentSessionParts {
    /// The exact bytes of a state key as `Session.data` names it (own key, `user:<k>`, `app:<k>`),
    /// nil when there is no such key or its value is nil.
    public func stateBytes(_ key: String) -> [UInt8]? {
        // As `Session.data` merges them: user and app state win over an own key of the same name.
        for (prefix, role) in [("app:", AgentKeyRole.appstate), ("user:", userStateRole)] where key.hasPrefix(prefix) {
            let name = String(key.dropFirst(prefix.count))
            if let f = stateFields(role).last(where: { HashFieldCodec.lossyText($0.field) == name }) { return f.value }
        }
        guard case .string(let text)? = record?["state"]?.objectValue?[key] else { return nil }
        return Base64.decodeStd(text)
    }
}
