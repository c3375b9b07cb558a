import SessionKit

/// What `get ID` prints of a trpc-agent-go session: its identity and times, its merged state,
/// every stored event (marked whether the library's `GetSession` returns it), summaries, tracks
/// and what the reader found broken.
enum AgentDocument {
    static func json(_ session: Session, _ parts: AgentSessionParts, now: Int64, eventLimit: Int) -> JSONValue {
        func text(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        let id = parts.sessionID
        let record = parts.record
        let events = parts.events
        let window = AgentEvent.readWindow(events, limit: eventLimit)
        var listed: [JSONValue] = []
        listed.reserveCapacity(events.count)
        for (i, e) in events.enumerated() {
            let message = e.message
            listed.append(
                .object(
                    JSONObject([
                        ("id", .string(e.id)), ("author", text(e.author)), ("request_id", text(e.requestID)),
                        ("timestamp", text(e.timestamp)), ("role", text(message.role)), ("content", text(message.content)),
                        ("in_window", .bool(window.contains(i))),
                        ("event", e.object.map(JSONValue.object) ?? .string(String(decoding: e.json, as: UTF8.self)))
                    ])))
        }
        var tracks = JSONObject()
        for t in parts.tracks { tracks[t.name] = .array(t.events) }
        var o = JSONObject([
            ("id", .string(session.id)), ("app", .string(id.app)), ("user", .string(id.user)), ("session", .string(id.session)),
            ("engine", .string(parts.engine.rawValue)),
            ("created_at", text(record?["createdAt"]?.stringValue)), ("updated_at", text(record?["updatedAt"]?.stringValue)),
            ("state", .object(session.data)), ("events", .array(listed)),
            ("read_window", .object(JSONObject([("limit", .number(String(eventLimit))), ("returned", .number(String(window.count)))]))),
            ("summaries", parts.summaries ?? .null), ("tracks", .object(tracks)),
            ("problems", .array(parts.problems.map(JSONValue.string)))
        ])
        let listing = SessionFormatting.json(SessionInfo(session), now: now).objectValue
        o["expires_at"] = listing?["expires_at"] ?? .null
        o["ttl_seconds"] = listing?["ttl_seconds"] ?? .null
        return .object(o)
    }
}
