import ArgumentParser
import SessionKit

struct FindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find",
        abstract: "List the sessions whose data matches conditions.",
        discussion: """
            Each --where is PATH=VALUE, PATH!=VALUE, PATH~GLOB, PATH!~GLOB, PATH<N, PATH<=N, PATH>N, PATH>=N, \
            'PATH exists' or 'PATH !exists'; several must all hold. PATH is keys joined by dots (user.id); a \
            number steps into an array (roles.0), * is any member or element (roles.*=admin), and a backslash \
            takes the next character literally (a\\.b is the key "a.b").

            VALUE is typed as in set: JSON when it parses (1001, true, null, "1001"), else a string. Numbers \
            compare by exact value (1001 = 1001.0; integers past 2^53 stay distinct). A Redis hash stores every \
            scalar as text (numbers as written, bools as 1/0, null as empty), so on every store a stored string \
            also equals the unquoted scalar it spells: user_id=1001 finds 1001 and "1001", admin=true finds \
            true, "1" and "true". A quoted VALUE ("1001") matches strings only. <, <=, >, >= need a number and \
            hold for numbers and numeric strings. ~ matches a glob against a string, or against the JSON text \
            of another value. Every operator but !exists needs the path to be there.

            Output as list (-o table|json|ndjson|ids). Live sessions only, unless --expired or --all. The \
            store is read a page at a time, so memory stays small on any store.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .customLong("where"), help: ArgumentHelp("A condition on the session data (repeatable; all must hold).", valueName: "expr"))
    var conditions: [String] = []

    @Argument(help: "Only ids matching this glob.")
    var pattern: String?

    @OptionGroup var agentSelection: AgentSelectionOptions

    @OptionGroup var activeOption: ActiveOption

    @Option(name: .shortAndLong, help: "Output format.")
    var output: ListCommand.Format = .table

    @Option(help: "Stop after this many sessions.")
    var limit: Int?

    @Flag(help: "Only expired sessions (File stores keep them until swept).")
    var expired = false

    @Flag(help: "Live and expired sessions.")
    var all = false

    func validate() throws {
        if conditions.isEmpty && activeOption.active == nil {
            throw ValidationError("give at least one --where condition or --active (list shows every session)")
        }
        if expired && all { throw ValidationError("--expired and --all cannot be used together") }
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
        try agentSelection.check(pattern: pattern)
    }

    func run() throws {
        try reportingErrors {
            let filter = try SessionFilter(parsing: conditions)
            let store = try storeOptions.open()
            let pattern = try agentSelection.pattern(self.pattern, store: store)
            var finder = SessionFinder(filter: filter, pattern: pattern, selection: all ? .all : expired ? .expired : .live)
            finder.active = try activeOption.window(for: store)
            let now = store.clock.nowMillis()
            var printer = ListPrinter(format: output, now: now, deadlines: store.capabilities.hasDeadlines, agent: store.layout == .trpc)
            // Rows and a progress line would share a terminal: progress only when rows go elsewhere.
            let progress = ProgressLine(enabled: Terminal.stderrIsTTY && !Terminal.stdoutIsTTY)
            let limit = self.limit ?? Int.max
            var shown = 0
            let tally = try finder.run(
                scanning: store,
                visit: { matches in
                    for session in matches {
                        if shown >= limit { return .stop }
                        printer.row(SessionInfo(session))
                        shown += 1
                    }
                    printer.flush()
                    return shown >= limit ? .stop : .proceed
                },
                afterPage: { tally in
                    progress.update("checked \(tally.checked) sessions, \(tally.matched) match")
                    return Interrupts.requested() ? .stop : .proceed
                })
            progress.clear()
            try stopIfInterrupted()
            printer.finish()
            if tally.corrupt > 0 {
                Terminal.warn("note: \(counted(shown, "session")) found; " + corruptNote(tally.corrupt, ", not searched", first: tally.firstCorrupt))
            } else if Terminal.stderrIsTTY && output == .table && Terminal.stdoutIsTTY {
                Terminal.warn("\(counted(shown, "session")) found")
            }
        }
    }
}
