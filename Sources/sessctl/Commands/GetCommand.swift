import ArgumentParser
import SessionKit

struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print a session, or one of its keys, as JSON.",
        discussion:
            "On a terminal the JSON is indented; piped, it is compact and exactly as the app stores it. An expired session is printed with a note on stderr. A Redis hash field that is not UTF-8 text is shown with U+FFFD for each bad byte and a warning; `get ID KEY -o raw` prints its exact bytes. SCS and gorilla sessions (Go gob) show as the JSON Go's encoding/json would print; `-o typed` shows each value as {\"type\": its Go type, \"value\": ...}, nested values the same way."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, pretty, raw, typed }

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "The session id.", completion: SessionIDCompletion.kind)
    var id: String

    @Argument(help: "Print only this key's value.")
    var key: String?

    @Option(
        name: .shortAndLong,
        help:
            "json: compact, as stored; pretty: indented; raw: the exact stored bytes of KEY, no newline; typed: every value with its Go type (SCS and gorilla sessions). Default: pretty on a terminal, json when piped."
    )
    var output: Format?

    @Option(
        help: ArgumentHelp(
            "trpc-agent-go sessions: the SessionEventLimit of the read window (the events the library's GetSession returns are marked in_window).",
            valueName: "n"))
    var eventLimit = AgentEvent.defaultReadLimit

    func validate() throws {
        if output == .raw && key == nil { throw ValidationError("-o raw prints one key's stored bytes: name the KEY") }
        if eventLimit < 0 { throw ValidationError("--event-limit must be 0 or more") }
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let id = try storeOptions.sessionID(self.id, in: store)
            let session = try store.get(id)
            let now = store.clock.nowMillis()
            if let ago = SessionFormatting.expiredAgo(session.expiry, now: now) {
                Terminal.warn("note: session '\(id)' \(ago); the app no longer sees it")
            }
            let typed = output == .typed ? try session.typedData(store: store.displayName) : nil
            let value: JSONValue
            if let key {
                guard let v = typed?[key] ?? session.data[key] else {
                    Terminal.warn("\(store.displayName): session \(SessionError.quote(id)) has no key \(SessionError.quote(key))")
                    throw ExitCode(3)
                }
                if output == .raw {
                    Terminal.writeBytes(session.agent?.stateBytes(key) ?? session.rawValues[key] ?? GoJSONEncoder.encode(v, style: session.escapeStyle))
                    return
                }
                value = v
            } else if let parts = session.agent, typed == nil {
                value = AgentDocument.json(session, parts, now: now, eventLimit: eventLimit)
            } else {
                value = .object(typed ?? session.data)
            }
            for k in session.undecodableKeys where key == nil || key == k {
                Terminal.warn(
                    "warning: key \(SessionError.quote(k)) of session \(SessionError.quote(id)) is not UTF-8 text; "
                        + "each bad byte is shown as U+FFFD (get \(id) KEY -o raw prints the exact bytes)")
            }
            let pretty = output == .typed ? Terminal.stdoutIsTTY : (output ?? (Terminal.stdoutIsTTY ? .pretty : .json)) == .pretty
            Terminal.write(SessionFormatting.render(value, pretty: pretty))
        }
    }
}
