import ArgumentParser
import SessionKit

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Show the conversation of a trpc-agent-go session: its stored events, oldest first.",
        discussion: """
            One line per event: TIME (UTC), AUTHOR and TEXT, the first choice's message (a tool call shows as \
            [tool call NAME ARGUMENTS]; line breaks as ⏎). On a terminal the text is cut to its width, and \
            the events the library's GetSession would not return (older than its window of the last 1000 \
            events starting at a user message) are dimmed. -o ndjson prints each event exactly as stored, one \
            per line. Every stored event is shown: the library keeps them all (since v0.6.0 it only limits \
            reads). For layout=trpc stores only.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, ndjson }

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "The session id (APP/USER/SID).", completion: SessionIDCompletion.kind)
    var id: String

    @Option(help: ArgumentHelp("Only the last N events (after --since).", valueName: "n"))
    var last: Int?

    @Option(help: ArgumentHelp("Only events at or after this time: RFC 3339 (2026-03-20T10:00:00Z) or a duration ago (10m, 2h, 7d).", valueName: "time"))
    var since: String?

    @Option(name: .shortAndLong, help: "table: time, author, text; ndjson: each event as stored.")
    var output: Format = .table

    func validate() throws {
        if let last, last < 0 { throw ValidationError("--last must be 0 or more") }
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let notAgent = SessionError.unsupported(store: store.displayName, reason: "events shows trpc-agent-go sessions (layout=trpc)")
            guard store.layout == .trpc else { throw notAgent }
            let now = store.clock.nowMillis()
            let from = try since.map { text throws(SessionError) -> Int64 in
                if let t = Durations.parseRFC3339(text) { return t }
                return now.subtractingClamped(try Durations.parse(text))
            }
            let session = try store.get(try storeOptions.sessionID(id, in: store))
            guard let parts = session.agent else { throw notAgent }
            let events = parts.events
            let window = AgentEvent.readWindow(events, limit: AgentEvent.defaultReadLimit)
            var shown = Array(events.indices)
            if let from { shown = shown.filter { (Self.time(events[$0]) ?? Int64.min) >= from } }
            if let last { shown = Array(shown.suffix(last)) }
            var out: [UInt8] = []
            switch output {
            case .ndjson:
                for i in shown {
                    out += events[i].json
                    out.append(0x0a)
                }
            case .table:
                let authors = shown.map { Self.safe(events[$0].author ?? "-") }
                let authorWidth = min(max(authors.map(\.count).max() ?? 0, 6), 20)
                let width = Terminal.stdoutIsTTY ? Terminal.width : nil
                for (i, author) in zip(shown, authors) {
                    let time = Self.time(events[i]).map { Durations.shortDate(millis: $0) } ?? "-"
                    var line = time + "  " + author + String(repeating: " ", count: max(authorWidth - author.count, 0)) + "  " + Self.text(events[i])
                    if let width, line.count > width { line = String(line.prefix(max(width - 1, 0))) + "…" }
                    if !window.contains(i) { line = Terminal.paint(line, "2") }
                    out += line.utf8
                    out.append(0x0a)
                }
            }
            Terminal.writeBytes(out)
        }
    }

    /// When the event happened: its timestamp, else its time-index score.
    static func time(_ e: AgentEvent) -> Int64? {
        e.timestamp.flatMap(Durations.parseRFC3339) ?? e.unixMillis
    }

    /// One line, safe on a terminal: line breaks as ⏎, other control characters as U+FFFD.
    static func safe(_ text: String) -> String {
        var out = ""
        for u in text.unicodeScalars {
            switch u.value {
            case 0x0a: out += "⏎"
            case 0x0d: continue
            case 0x09: out += " "
            case 0..<0x20, 0x7f, 0x80..<0xa0: out += "\u{FFFD}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// The text of the event: its first choice's message, or the tool calls it makes.
    static func text(_ e: AgentEvent) -> String {
        if let content = e.message.content { return safe(content) }
        guard case .array(let choices)? = e.object?["choices"], case .object(let first)? = choices.first,
            case .object(let message)? = first["message"], case .array(let calls)? = message["tool_calls"]
        else { return e.object == nil ? "(not a JSON object)" : "" }
        let shown = calls.compactMap { call -> String? in
            guard case .object(let f)? = call.objectValue?["function"] else { return nil }
            return "[tool call \(f["name"]?.stringValue ?? "?") \(f["arguments"]?.stringValue ?? "")]"
        }
        return safe(shown.joined(separator: " "))
    }
}
