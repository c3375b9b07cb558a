import ArgumentParser
import SessionKit

struct ReindexCommand: WritingCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the user session index of trpc-agent-go HashIdx sessions.",
        discussion: """
            For layout=trpc. trpc-agent-go's WithEnableUserSessionIndex keeps each user's session ids in a hash \
            (F:sessidx:<app>:{<user>}), but only for sessions created while it was on: older ones are missing, \
            and entries of deleted or expired sessions stay until ListSessions drops them. reindex adds every \
            live HashIdx session to its user's index as the library writes the entry ({"createdAt":"…"}, the \
            meta's own createdAt text; the index never gets a TTL) and drops entries whose session meta is gone, \
            for every user with a HashIdx session or an index hash. Each user's index changes in one transaction \
            under WATCH of it and the metas read, so a session the app creates or deletes meanwhile is read and \
            decided again. --dry-run reports the same counts and examples and changes nothing.

            Exit status: 0 done (or nothing to do); 1 error; 4 some users' indexes could not be changed (listed); \
            130 interrupted.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var recordOptions: RecordOptions

    @Flag(help: "Report what would be added and dropped; change nothing.")
    var dryRun = false

    @Option(name: .shortAndLong, help: "Output format.")
    var output: Format = .text

    @Option(help: "How many examples of each count to show.")
    var examples = 3

    func validate() throws {
        if examples < 0 { throw ValidationError("--examples must be 0 or more") }
    }

    var writes: Bool { !dryRun }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            guard let maintenance = store.abilities.agentMaintenance else {
                throw SessionError.unsupported(store: store.displayName, reason: "reindex is for trpc-agent-go sessions (layout=trpc)")
            }
            Interrupts.catchSignals()
            let progress = ProgressLine()
            let report = try maintenance.reindex(
                write: !dryRun, examples: examples,
                afterPage: { seen in
                    progress.update("scanned \(seen) keys")
                    return Interrupts.requested() ? .stop : .proceed
                })
            progress.clear()
            switch output {
            case .json: Terminal.write(SessionFormatting.render(json(report, store: store.displayName), pretty: false))
            case .text: Terminal.write(text(report, store: store.displayName))
            }
            for failure in report.failures { Terminal.warn(failure) }
            if Interrupts.requested() {
                Terminal.warn("interrupted: what is listed was \(dryRun || !report.written ? "found" : "done") before the interruption; run it again to finish")
                throw ExitCode(130)
            }
            if !report.failures.isEmpty { throw ExitCode(report.added.count + report.dropped.count > 0 ? 4 : 1) }
        }
    }

    func text(_ r: AgentReindexReport, store: String) -> String {
        let verb = r.written ? ("added", "dropped") : ("would add", "would drop")
        var lines = [
            "\(store): \(counted(r.users, "user")); \(verb.0) \(counted(r.added.count, "session")) to their index, "
                + "\(verb.1) \(r.dropped.count) index entr\(r.dropped.count == 1 ? "y" : "ies") whose session is gone"
        ]
        lines += r.added.examples.map { "  add   \($0)" }
        lines += r.dropped.examples.map { "  drop  \($0)" }
        if r.skipped.count > 0 {
            lines.append("left alone: \(r.skipped.count)")
            lines += r.skipped.examples.map { "  \($0)" }
        }
        if !r.written { lines.append(dryRun ? "dry run: nothing was changed" : "nothing was changed") }
        return lines.joined(separator: "\n")
    }

    static func tally(_ t: AgentTally) -> JSONValue {
        .object(JSONObject([("count", .number(String(t.count))), ("examples", .array(t.examples.map(JSONValue.string)))]))
    }

    func json(_ r: AgentReindexReport, store: String) -> JSONValue {
        .object(
            JSONObject([
                ("store", .string(store)), ("dry_run", .bool(dryRun)), ("written", .bool(r.written)), ("users", .number(String(r.users))),
                ("added", Self.tally(r.added)), ("dropped", Self.tally(r.dropped)), ("skipped", Self.tally(r.skipped)),
                ("failures", .array(r.failures.map(JSONValue.string)))
            ]))
    }
}
