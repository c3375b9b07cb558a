import ArgumentParser
import SessionKit

struct CheckCommand: WritingCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Find what trpc-agent-go left behind or broke in Redis, and remove what is safe to.",
        discussion: """
            For layout=trpc. One SCAN of the keys under the store's prefix, each classified by its name, then \
            batched reads. Reports, by kind, a count and a few example keys: event data, time index, summary \
            and track keys whose session meta is gone (event_data_without_meta); user session index entries \
            whose session is gone (index_entries_without_session); state-initialization leases whose session is \
            gone or that have no TTL (leftover_stateinit_leases); time-index members with no event data \
            (orphan_event_ids); keys of another Redis type than the library writes (wrong_type_keys) and metas \
            that are not JSON (meta_not_json). It also counts the sessions still in the legacy engine: \
            WithCompatMode(CompatModeNone) is safe once there are none, as the library then stops reading them.

            --fix removes the first four kinds: it shows the plan, asks on a terminal and needs --yes elsewhere. \
            Each removal is made only while it is still left behind (read again under WATCH); keys of the \
            wrong type and metas that are not JSON are never touched. -o json prints one JSON document.

            Exit status: 0 nothing found (or everything found was fixed); 5 problems found (without --fix), or \
            left after --fix (the kinds it never touches, or removals that changed their mind); 1 error or a \
            declined fix; 4 some removals failed and others were made; 130 interrupted.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    /// The exit status of a check that found problems (and of --fix that left some).
    static let problemsFound: Int32 = 5

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var recordOptions: RecordOptions

    @Flag(help: "Remove what is safe to remove (asks first; --yes elsewhere).")
    var fix = false

    @Flag(name: .shortAndLong, help: "With --fix: remove without asking.")
    var yes = false

    @Option(name: .shortAndLong, help: "Output format.")
    var output: Format = .text

    @Option(help: "How many example keys of each kind to show.")
    var examples = 3

    func validate() throws {
        if examples < 0 { throw ValidationError("--examples must be 0 or more") }
        if yes && !fix { throw ValidationError("--yes goes with --fix") }
    }

    var writes: Bool { fix }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            guard let maintenance = store.abilities.agentMaintenance else {
                throw SessionError.unsupported(store: store.displayName, reason: "check is for trpc-agent-go sessions (layout=trpc)")
            }
            if fix {
                try store.checkWritable()
                if !yes && !Confirmation.canAsk {
                    throw Confirmation.cannotAsk(
                        "check --fix: not on a terminal, so not asking: add --yes to remove what check finds (check alone shows it); nothing was changed")
                }
            }
            Interrupts.catchSignals()
            let progress = ProgressLine()
            let report = try maintenance.check(
                examples: examples,
                afterPage: { seen in
                    progress.update("checked \(seen) keys")
                    return Interrupts.requested() ? .stop : .proceed
                })
            progress.clear()
            try stopIfInterrupted()
            guard fix, report.fixableProblems > 0 else {
                print(report, store: store.displayName, fixed: nil)
                if fix { Terminal.warn("nothing to fix") }
                if report.problems > 0 { throw ExitCode(Self.problemsFound) }
                return
            }
            if output == .text { Terminal.write(text(report, store: store.displayName, fixed: nil)) }
            if !yes {
                var plan = "--fix will remove, each only if it is still left behind when read again:\n"
                for kind in AgentCheckReport.Kind.allCases where kind.fixable && report.tally(kind).count > 0 {
                    plan += "  \(report.tally(kind).count) \(kind.summary)\n"
                }
                Terminal.writeError(plan)
                guard Confirmation.ask("Remove them?") else {
                    Terminal.warn("nothing was changed")
                    throw ExitCode(1)
                }
            }
            let trash = try OperationTrash(stores: [(storeOptions.selection, store)], options: recordOptions)
            defer { trash.finish() }
            let outcome = try maintenance.repair(report, recorder: trash.recorder())
            CommandRun.current?.touched += outcome.fixedTotal
            switch output {
            case .json: print(report, store: store.displayName, fixed: outcome)
            case .text: Terminal.write(fixText(outcome))
            }
            for failure in outcome.failures { Terminal.warn(failure) }
            if !outcome.failures.isEmpty { throw ExitCode(outcome.fixedTotal > 0 ? 4 : 1) }
            let left = report.problems - report.fixableProblems + outcome.spared
            if left > 0 { throw ExitCode(Self.problemsFound) }
        }
    }

    private func print(_ report: AgentCheckReport, store: String, fixed: AgentRepairOutcome?) {
        switch output {
        case .json: Terminal.write(SessionFormatting.render(json(report, store: store, fixed: fixed), pretty: false))
        case .text: Terminal.write(text(report, store: store, fixed: fixed))
        }
    }

    func text(_ r: AgentCheckReport, store: String, fixed: AgentRepairOutcome?) -> String {
        var lines = ["\(store): checked \(counted(r.keysScanned, "key"))"]
        for kind in AgentCheckReport.Kind.allCases {
            let t = r.tally(kind)
            guard t.count > 0 else { continue }
            lines.append("\(t.count) \(kind.summary) [\(kind.rawValue)\(kind.fixable ? ", --fix removes" : "")]")
            lines += t.examples.map { "    \($0)" }
        }
        if r.problems == 0 { lines.append("no problems found") }
        if r.legacySessions > 0 {
            lines.append("\(counted(r.legacySessions, "legacy session")) left: CompatModeNone is not safe yet (the library would stop reading them)")
        } else {
            lines.append("no legacy sessions left: CompatModeNone is safe")
        }
        if let fixed { lines.append(fixText(fixed)) }
        return lines.joined(separator: "\n")
    }

    func fixText(_ o: AgentRepairOutcome) -> String {
        var lines = ["fixed \(o.fixedTotal)"]
        for kind in AgentCheckReport.Kind.allCases where (o.fixed[kind] ?? 0) > 0 { lines.append("  \(o.fixed[kind]!) \(kind.rawValue)") }
        if o.spared > 0 { lines.append("left alone: \(o.spared) no longer left behind when read again") }
        return lines.joined(separator: "\n")
    }

    func json(_ r: AgentCheckReport, store: String, fixed: AgentRepairOutcome?) -> JSONValue {
        func n(_ v: Int) -> JSONValue { .number(String(v)) }
        var findings = JSONObject()
        for kind in AgentCheckReport.Kind.allCases {
            let t = r.tally(kind)
            findings[kind.rawValue] = .object(
                JSONObject([("count", n(t.count)), ("fixable", .bool(kind.fixable)), ("examples", .array(t.examples.map(JSONValue.string)))]))
        }
        var o = JSONObject([
            ("store", .string(store)), ("keys_scanned", n(r.keysScanned)), ("problems", n(r.problems)), ("fixable", n(r.fixableProblems)),
            ("findings", .object(findings)), ("legacy_sessions", n(r.legacySessions)), ("compat_mode_none_safe", .bool(r.compatModeNoneSafe))
        ])
        if let fixed {
            var byKind = JSONObject()
            for kind in AgentCheckReport.Kind.allCases where kind.fixable { byKind[kind.rawValue] = n(fixed.fixed[kind] ?? 0) }
            o["fix"] = .object(JSONObject([("fixed", .object(byKind)), ("spared", n(fixed.spared)), ("failures", .array(fixed.failures.map(JSONValue.string)))]))
        }
        return .object(o)
    }
}
