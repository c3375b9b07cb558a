import ArgumentParser
import SessionKit

struct TrimCommand: WritingCommand {
    static let configuration = CommandConfiguration(
        commandName: "trim",
        abstract: "Delete old events of trpc-agent-go sessions (layout=trpc), keeping whole turns.",
        discussion: """
            trim ID --keep-turns N keeps the newest N turns of the session and deletes every other event that \
            belongs to a turn. A turn is every stored event sharing one non-empty requestID, wherever it sits in \
            time (request ids can interleave); turns rank by their newest event; a kept turn is kept whole. \
            Events with an empty or no requestID belong to no turn: --keep-turns neither counts nor deletes them. \
            Unlike the library's TrimConversations, the whole time index is looked at at once, so no turn is \
            left half deleted.

            --keep-events N keeps the newest N events of the time index. --before TIME deletes the events older \
            than TIME: an RFC 3339 time (2026-03-20T10:00:00Z, to the millisecond) or a duration ago (30d, 12h). \
            The rules combine: an event goes when any rule given deletes it.

            Events are deleted from the event hash and the time index together (HashIdx: HDEL evtdata and \
            ZREM evtidx; legacy: ZREM of the event from the session's event zset), each session in one \
            WATCH/MULTI/EXEC on its slot: an event the app appends meanwhile makes sessctl read the session \
            again and decide again, so nothing newer than what it decided on is deleted. Every key keeps its \
            TTL (a key left empty disappears). The session's record, state, summaries and tracks are left \
            alone: track data is not trimmed. Each session trimmed is reported with the events deleted and \
            the turns kept; --dry-run lists instead, per session, each event that would go (id, request id, \
            timestamp) and writes nothing.

            trim --all trims every session (an id glob PATTERN narrows them), trim --where EXPR... those \
            whose data matches (as find --where); page by page, each session checked again when it changed \
            meanwhile. On a terminal they show the count and a sample and ask; elsewhere they need --yes. \
            Ctrl-C stops after the page in hand (exit status 130). Exit status: 0 done, 1 error, 3 a session \
            id not found, 4 some sessions failed and others were trimmed.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var recordOptions: RecordOptions

    @Argument(help: ArgumentHelp("Session ids; with --all or --where, one id glob PATTERN.", valueName: "id"), completion: SessionIDCompletion.kind)
    var targets: [String] = []

    @Option(help: ArgumentHelp("Keep the newest N turns (events sharing a request id), whole.", valueName: "N"))
    var keepTurns: Int?

    @Option(help: ArgumentHelp("Keep the newest N events.", valueName: "N"))
    var keepEvents: Int?

    @Option(help: ArgumentHelp("Delete the events older than TIME (RFC 3339, or a duration ago: 30d).", valueName: "time"))
    var before: String?

    @Flag(help: "Trim every session (or every one matching PATTERN).")
    var all = false

    @Option(name: .customLong("where"), help: ArgumentHelp("Trim every session matching this condition (repeatable; all must hold; see find).", valueName: "expr"))
    var conditions: [String] = []

    @Flag(name: .shortAndLong, help: "With --all or --where: trim without asking.")
    var yes = false

    @Flag(help: "List what would be deleted; change nothing.")
    var dryRun = false

    private var bulk: Bool { all || !conditions.isEmpty }

    func validate() throws {
        if keepTurns == nil && keepEvents == nil && before == nil { throw ValidationError("say what to keep: --keep-turns N, --keep-events N or --before TIME") }
        if let n = keepTurns, n < 0 { throw ValidationError("--keep-turns must be 0 or more") }
        if let n = keepEvents, n < 0 { throw ValidationError("--keep-events must be 0 or more") }
        if all && !conditions.isEmpty { throw ValidationError("give --all or --where, not both") }
        if !bulk && targets.isEmpty { throw ValidationError("name at least one session id, or give --all or --where") }
        if bulk && targets.count > 1 { throw ValidationError("with --all or --where, give at most one id glob PATTERN") }
    }

    var writes: Bool { !dryRun }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            guard let trimming = store.abilities.trimming else {
                throw SessionError.unsupported(store: store.displayName, reason: "trim works on trpc-agent-go sessions (layout=trpc)")
            }
            let rules = try self.rules(now: store.clock.nowMillis())
            if bulk {
                let finder = SessionFinder(filter: try SessionFilter(parsing: conditions), pattern: targets.first, selection: .live, pageSize: 200)
                try BulkTrim(storeOptions: storeOptions, finder: finder, rules: rules, yes: yes, dryRun: dryRun, record: recordOptions).run(store)
            } else {
                try trimSessions(store, trimming, rules)
            }
        }
    }

    private func rules(now: Int64) throws(SessionError) -> AgentTrimRules {
        var rules = AgentTrimRules(keepTurns: keepTurns, keepEvents: keepEvents)
        if let before {
            if let t = Durations.parseRFC3339(before) {
                rules.beforeMillis = t
            } else {
                do throws(SessionError) {
                    rules.beforeMillis = now.subtractingClamped(try Durations.parse(before))
                } catch {
                    throw SessionError.invalidArgument("invalid --before '\(before)': give an RFC 3339 time (2026-03-20T10:00:00Z) or a duration ago (30d, 12h)")
                }
            }
        }
        return rules
    }

    /// `trim ID...`: each session trimmed (or listed), one line each.
    private func trimSessions(_ store: any SessionStore, _ trimming: any EventTrimming, _ rules: AgentTrimRules) throws {
        if !dryRun { try store.checkWritable() }
        var plans: [AgentTrimPlan] = []
        var missing = 0, failed = 0
        for (id, result) in zip(targets, try store.load(targets)) {
            switch result {
            case .found(let s): plans.append(AgentTrimPlan(session: s, rules: rules))
            case .missing:
                missing += 1
                Terminal.warn(SessionError.notFound(store: store.displayName, id: id).description)
            case .broken(let e):
                failed += 1
                Terminal.warn(e.description)
            }
        }
        var done = 0
        if dryRun {
            for plan in plans { TrimReport.listing(plan.session.id, BulkTrim.decision(plan.session, rules)) }
            done = plans.count
        } else if !plans.isEmpty {
            let trash = try OperationTrash(stores: [(storeOptions.selection, store)], options: recordOptions)
            defer { trash.finish() }
            for (plan, result) in zip(plans, try trimming.trim(plans, recorder: trash.recorder(), stillQualifies: { _ in true })) {
                switch result {
                case .trimmed(let d, _):
                    done += 1
                    if !d.deleted.isEmpty { CommandRun.current?.touch([plan.session.id]) }
                    Terminal.write(TrimReport.line(plan.session.id, d))
                case .vanished, .spared:
                    missing += 1
                    Terminal.warn(SessionError.notFound(store: store.displayName, id: plan.session.id).description)
                case .failed(let e):
                    failed += 1
                    Terminal.warn(e.description)
                }
            }
        }
        if failed > 0 { throw ExitCode(done > 0 || missing > 0 ? 4 : 1) }
        if missing > 0 { throw ExitCode(3) }
    }
}

/// How trim reports a session.
enum TrimReport {
    static func line(_ id: String, _ d: AgentTrimDecision, dryRun: Bool = false) -> String {
        "\(id): \(dryRun ? "would delete" : "deleted") \(counted(d.deleted.count, "event")), \(dryRun ? "keep" : "kept") \(counted(d.keptTurns, "turn")) (\(counted(d.keptEvents, "event")))"
    }

    /// The session's line and each event that would go: id, request id (`-`: none), timestamp.
    static func listing(_ id: String, _ d: AgentTrimDecision) {
        var text = line(id, d, dryRun: true)
        for e in d.deleted {
            let rid = e.requestID.flatMap { $0.isEmpty ? nil : $0 } ?? "-"
            let time = e.timestamp ?? e.unixMillis.map { Durations.rfc3339(millis: $0) } ?? "-"
            text += "\n  \(e.id)  \(rid)  \(time)"
        }
        Terminal.write(text)
    }
}

/// `trim --all` and `trim --where`: as `BulkDelete` does for deletes, with --dry-run list; without
/// --yes ask on a terminal (count and a sample first) and refuse elsewhere; then trim page by page.
struct BulkTrim {
    let storeOptions: StoreOptions
    let finder: SessionFinder
    let rules: AgentTrimRules
    let yes: Bool
    let dryRun: Bool
    let record: RecordOptions

    private var command: String { finder.filter.conditions.isEmpty ? "trim --all" : "trim --where" }

    func run(_ store: any SessionStore) throws {
        if dryRun { return try list(store) }
        try store.checkWritable()
        if !yes && !Confirmation.canAsk {
            throw Confirmation.cannotAsk(
                "\(command): not on a terminal, so not asking: add --yes to trim every session it finds (--dry-run lists what goes); nothing was deleted")
        }
        let worker = try storeOptions.open()
        guard let trimming = worker.abilities.trimming else { return }
        if !yes {
            guard try confirm(store) else { return }
        }
        try trim(store, worker, trimming)
    }

    /// What trim would delete from a session.
    static func decision(_ session: Session, _ rules: AgentTrimRules) -> AgentTrimDecision {
        AgentTrim.decide(session.agent?.events ?? [], rules)
    }

    /// The sessions of a page that would lose events, with what they would lose.
    private func trimmable(_ matches: [Session]) -> [(Session, AgentTrimDecision)] {
        matches.compactMap { s in
            let d = Self.decision(s, rules)
            return d.deleted.isEmpty ? nil : (s, d)
        }
    }

    private func list(_ store: any SessionStore) throws {
        var sessions = 0, events = 0
        let tally = try finder.run(
            scanning: store,
            visit: { matches in
                for (s, d) in trimmable(matches) {
                    TrimReport.listing(s.id, d)
                    sessions += 1
                    events += d.deleted.count
                }
                return .proceed
            }, afterPage: { _ in Interrupts.requested() ? .stop : .proceed })
        try stopIfInterrupted()
        Terminal.warn(
            "dry run: would delete \(counted(events, "event")) from \(counted(sessions, "session")) of \(counted(tally.checked, "session")) checked in \(store.displayName)")
        tally.noteCorrupt()
    }

    /// Counts what would go, shows a sample and asks; false: nothing to do, or declined (exit 1).
    private func confirm(_ store: any SessionStore) throws -> Bool {
        var sample: [String] = []
        var sessions = 0, events = 0
        let progress = ProgressLine()
        let tally = try finder.run(
            scanning: store,
            visit: { matches in
                for (s, d) in trimmable(matches) {
                    sessions += 1
                    events += d.deleted.count
                    if sample.count < 5 { sample.append(TrimReport.line(s.id, d, dryRun: true)) }
                }
                return .proceed
            },
            afterPage: { tally in
                progress.update("checked \(tally.checked) sessions, \(events) events in \(sessions) to trim")
                return Interrupts.requested() ? .stop : .proceed
            })
        progress.clear()
        try stopIfInterrupted()
        tally.noteCorrupt()
        if sessions == 0 {
            Terminal.warn("no events to delete in \(store.displayName)")
            return false
        }
        var text = "\(counted(events, "event")) to delete from \(counted(sessions, "session")) in \(store.displayName):\n"
        for line in sample { text += "  \(line)\n" }
        if sessions > sample.count { text += "  ... and \(sessions - sample.count) more\n" }
        Terminal.writeError(text)
        if Confirmation.ask("Delete \(events == 1 ? "it" : "them")?") { return true }
        Terminal.warn("nothing was deleted")
        throw ExitCode(1)
    }

    /// Trims page by page; Ctrl-C or SIGTERM stops after the page in hand (exit status 130).
    private func trim(_ store: any SessionStore, _ worker: any SessionStore, _ trimming: any EventTrimming) throws {
        Interrupts.catchSignals()
        let trash = try OperationTrash(stores: [(storeOptions.selection, worker)], options: record)
        defer { trash.finish() }
        var trimmed = 0, events = 0, spared = 0
        let progress = ProgressLine()
        let failures = FailureLog(beforePrinting: { progress.clear() })
        let tally = try finder.run(
            scanning: store,
            visit: { matches in
                let plans = matches.map { AgentTrimPlan(session: $0, rules: rules) }
                let results = try trimming.trim(plans, recorder: trash.recorder(), stillQualifies: { finder.selects($0, now: worker.clock.nowMillis()) })
                var lines: [String] = []
                for (plan, result) in zip(plans, results) {
                    switch result {
                    case .trimmed(let d, _) where !d.deleted.isEmpty:
                        trimmed += 1
                        CommandRun.current?.touch([plan.session.id])
                        events += d.deleted.count
                        lines.append(TrimReport.line(plan.session.id, d))
                    case .trimmed, .vanished: break
                    case .spared: spared += 1
                    case .failed(let e): failures.record(id: plan.session.id, message: e.description)
                    }
                }
                if !lines.isEmpty {
                    progress.clear()
                    Terminal.write(lines.joined(separator: "\n"))
                }
                return .proceed
            },
            afterPage: { tally in
                progress.update("checked \(tally.checked) sessions, deleted \(events) events from \(trimmed)")
                return Interrupts.requested() ? .stop : .proceed
            })
        progress.clear()
        failures.finish()
        let interrupted = Interrupts.requested()
        if !interrupted { Terminal.warn("deleted \(counted(events, "event")) from \(counted(trimmed, "session")) (\(tally.checked) checked)") }
        if spared > 0 { Terminal.warn("note: \(counted(spared, "session")) changed meanwhile and no longer matched; left alone") }
        tally.noteCorrupt()
        if interrupted {
            Terminal.warn(
                "interrupted: \(counted(events, "event")) deleted from \(counted(trimmed, "session")) before the interruption; run the same command again to trim the rest")
            throw ExitCode(130)
        }
        if failures.count > 0 { throw ExitCode(trimmed > 0 ? 4 : 1) }
    }
}
