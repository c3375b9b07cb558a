import ArgumentParser
import SessionKit

struct ExpireCommand: WritingCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "Give a session, or every session that matches, a new remaining lifetime.",
        discussion:
            "The data is not touched. `expire ID 0` makes the session expire now (the app stops seeing it; a File store keeps the file until it is swept or purged). An SCS session gets the new lifetime both as the Deadline inside its value and as its TTL (SCS would undo a TTL change alone at the app's next request). A trpc-agent-go session gets it on every key of its own (meta, events, index, summaries, tracks); its user's and app's state and the user session index keep theirs. In the legacy engine all sessions of a user share one TTL (their user hash): changing it for some of them is refused; give them all the same expiry in one command (--app and --user).\n\nIn bulk: `expire --where EXPR... DURATION`, `expire --all DURATION`, or `--app`/`--user` (trpc-agent-go), with `--no-ttl-only` for the sessions that have no expiry yet (trpc-agent-go's default: they live forever). On a terminal it shows the count and a sample and asks; elsewhere it needs --yes; --dry-run lists the ids. Each session is read again just before it changes and left alone if it no longer matches."
    )

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var recordOptions: RecordOptions

    @Argument(
        help: ArgumentHelp("ID DURATION; in bulk DURATION alone. The remaining lifetime: seconds, or 90s, 30m, 1h30m, 7d.", valueName: "id-and-duration"),
        completion: SessionIDCompletion.kind)
    var arguments: [String] = []

    @Option(name: .customLong("where"), help: ArgumentHelp("Every session matching this condition (repeatable; all must hold; see find).", valueName: "expr"))
    var conditions: [String] = []

    @Flag(help: "Every live session (narrowed by --where, --app, --user, --no-ttl-only).")
    var all = false

    @OptionGroup var agentSelection: AgentSelectionOptions

    @Flag(help: "Only sessions without an expiry.")
    var noTTLOnly = false

    @Flag(name: .shortAndLong, help: "In bulk: change without asking.")
    var yes = false

    @Flag(help: "In bulk: list what would change; change nothing.")
    var dryRun = false

    private var isBulk: Bool { !conditions.isEmpty || all || agentSelection.isGiven || noTTLOnly }

    func validate() throws {
        if isBulk {
            guard arguments.count == 1 else { throw ValidationError("in bulk (--where, --all, --app, --user, --no-ttl-only) give the DURATION alone") }
        } else {
            guard arguments.count == 2 else { throw ValidationError("give a session id and a duration (or --where/--all with a duration)") }
            if yes || dryRun { throw ValidationError("--yes and --dry-run are for a bulk expire") }
        }
    }

    var writes: Bool { !dryRun }

    func run() throws {
        try reportingErrors {
            let millis = try Durations.parse(arguments.last!)
            if isBulk {
                let store = try storeOptions.open()
                var finder = SessionFinder(filter: try SessionFilter(parsing: conditions), pattern: try agentSelection.pattern(nil, store: store))
                finder.withoutExpiryOnly = noTTLOnly
                var bulk = BulkDelete(
                    storeOptions: storeOptions, finder: finder, yes: yes, dryRun: dryRun, command: "expire",
                    noun: noTTLOnly ? "unexpiring session" : "matching session")
                bulk.expireAfterMillis = millis
                try bulk.run()
                return
            }
            let store = try storeOptions.open()
            let id = try storeOptions.sessionID(arguments[0], in: store)
            try store.setExpiry(id, .at(store.clock.nowMillis().addingClamped(millis)))
            CommandRun.current?.touch([id])
        }
    }
}

struct TTLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ttl",
        abstract: "Print a session's remaining lifetime.",
        discussion:
            "On a terminal: a duration and the instant (for an SCS session also its Deadline; it ends at the earlier of the Deadline and the TTL). Piped: whole seconds (-1 for no expiry, 0 once expired)."
    )

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "The session id.", completion: SessionIDCompletion.kind)
    var id: String

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let session = try store.get(try storeOptions.sessionID(id, in: store))
            let now = store.clock.nowMillis()
            if let agent = session.agent, agent.engine == .legacy, agent.sessionsSharingTTL > 1 {
                Terminal.warn(
                    "note: trpc-agent-go's legacy engine keeps one TTL for all \(agent.sessionsSharingTTL) sessions of user '\(agent.sessionID.user)' (their user hash): this is theirs too"
                )
            }
            switch session.expiry {
            case .never:
                Terminal.write(Terminal.stdoutIsTTY ? "no expiry" : "-1")
            case .at(let t):
                if let ago = SessionFormatting.expiredAgo(session.expiry, now: now) { Terminal.warn("note: session '\(id)' \(ago)") }
                if Terminal.stdoutIsTTY {
                    let deadline = session.deadline.map { "; deadline \($0.rfc3339)" } ?? ""
                    Terminal.write("\(SessionFormatting.lifetime(session.expiry, now: now)) (at \(Durations.rfc3339(millis: t))\(deadline))")
                } else {
                    Terminal.write(String(SessionFormatting.secondsLeft(t.subtractingClamped(now))))
                }
            }
        }
    }
}
