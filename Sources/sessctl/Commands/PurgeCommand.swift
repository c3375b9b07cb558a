import ArgumentParser
import SessionKit

struct PurgeCommand: WritingCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Remove expired sessions from a File store, or idle ones from a File or trpc-agent-go store.",
        discussion: """
            purge --expired does what GoFrame's hourly sweep does, even while the app is down: it removes \
            every session file whose timestamp plus the max age (--max-age, ?ttl=, default 24h) lies in the \
            past. Corrupt files and files that are not sessions are never removed; temp files that a killed sessctl \
            write left behind (..sessctl-*.tmp, over an hour old, never a name a session can have) are. Each file is checked again \
            just before it goes, so a session the app revived meanwhile stays. On a terminal it shows the count \
            and a sample and asks; elsewhere it needs --yes. --dry-run lists the ids instead.

            Redis removes expired keys itself, so on a Redis store there is never anything to purge --expired: \
            purge says so and exits 0.

            purge --idle DURATION removes the sessions whose last activity lies further back: on a File store \
            the last write or touch (its timestamp), on a trpc-agent-go store (layout=trpc) the latest of \
            createdAt, updatedAt and its newest event (an agent session with no TTL otherwise lives forever). \
            The same rails: count and sample first, --dry-run, --yes; a session that became active meanwhile \
            (a new event, a state change) is read again and kept.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var recordOptions: RecordOptions

    @Argument(help: "Only ids matching this glob.")
    var pattern: String?

    @OptionGroup var agentSelection: AgentSelectionOptions

    @Flag(help: "Remove the sessions that have expired.")
    var expired = false

    @Option(help: ArgumentHelp("Remove the sessions not active for this long (File and trpc-agent-go stores): 90s, 30m, 7d.", valueName: "duration"))
    var idle: String?

    @Flag(name: .shortAndLong, help: "Delete without asking.")
    var yes = false

    @Flag(help: "List what would be removed; change nothing.")
    var dryRun = false

    func validate() throws {
        if expired == (idle != nil) { throw ValidationError("say what to purge: --expired or --idle DURATION") }
        try agentSelection.check(pattern: pattern)
    }

    var writes: Bool { !dryRun }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            if let idle {
                let millis = try Durations.parse(idle)
                guard store.layout == .file || store.layout == .trpc else {
                    throw SessionError.invalidArgument(
                        "purge --idle: \(store.displayName) does not record when a session was last active (File and trpc-agent-go stores do); nothing was deleted")
                }
                var finder = SessionFinder(filter: SessionFilter([]), pattern: try agentSelection.pattern(pattern, store: store))
                finder.idleMillis = millis
                try BulkDelete(storeOptions: storeOptions, finder: finder, yes: yes, dryRun: dryRun, command: "purge --idle", noun: "idle session", record: recordOptions).run()
                return
            }
            guard store.capabilities.keepsExpiredSessions else {
                Terminal.warn("\(store.displayName): nothing to purge: Redis removes expired sessions itself, each key at the end of its TTL")
                return
            }
            let finder = SessionFinder(filter: SessionFilter([]), pattern: pattern, selection: .expired)
            try BulkDelete(
                storeOptions: storeOptions, finder: finder, yes: yes, dryRun: dryRun,
                command: "purge --expired", noun: "expired session", record: recordOptions
            ).run()
            // What killed writes of sessctl's own left behind goes too: it is never a session.
            if let leftovers = store.abilities.leftovers, case let left = try leftovers.leftoverTempFiles(remove: !dryRun), !left.isEmpty {
                let what = counted(left.count, "leftover temp file") + " of interrupted sessctl writes (..sessctl-*.tmp, over an hour old)"
                Terminal.warn(dryRun ? "dry run: would remove \(what)" : "removed \(what)")
            }
        }
    }
}
