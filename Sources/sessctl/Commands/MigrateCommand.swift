import ArgumentParser
import SessionKit

struct MigrateCommand: WritingCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy every live session from one store to another, keeping ids and expiry instants.",
        discussion: """
            Works between any two stores (File, Redis-KV, Redis-Hash), e.g. \
            sessctl migrate --from /tmp/gsessions/default --to 'redis://127.0.0.1:6379/0?prefix=gfsess:'. \
            Each session keeps its id, its data and the instant it expires: File to Redis gets the TTL (timestamp \
            + max age - now); Redis to File gets the timestamp that expires at the same instant, even one \
            in the future when more time is left than the max age (a session with no expiry at all gets the \
            timestamp now, and is counted in a warning); Redis to Redis keeps the remaining TTL, and no expiry stays \
            no expiry. Expired sessions are counted, not copied. Between layouts: a Redis-Hash field becomes \
            a string unless its text is a JSON object or array; writing into a hash follows GoFrame's \
            encoding (strings raw, numbers as their text, true/false as 1/0, null as empty, objects and \
            arrays as JSON); a session with no keys cannot go into a hash and is skipped and counted; \
            a hash field that is not UTF-8 text cannot go into a JSON layout, and that session fails \
            alone with its id and the reason.

            A session the target already has is left alone and counted (--skip-existing, the default), \
            or replaced (--overwrite). Every write creates or replaces one whole session in one step, \
            so the migration is safe to interrupt (Ctrl-C, kill -9, the target going away): the source \
            is never changed, and running the same command again finishes the job with every session in \
            the target once. --delete-source removes each source session only after its copy was read \
            back equal, and only while it is still as it was read; it needs --yes when there is no \
            terminal to ask on.

            Progress goes to stderr when it is a terminal; the summary (copied, skipped existing, \
            expired, failed, bytes, seconds) to stdout. When a Redis connection had to retry (MOVED or ASK \
            redirections in a cluster, a failover, a lost connection, transactions of unknown outcome \
            checked again), one line per store on stderr says what, e.g. \
            retried (target redis+cluster://...): 37 MOVED redirects, 1 failover. Exit status: see sessctl --help.
            """)

    @Option(help: ArgumentHelp("The store to copy from: an address or a store named in the config file, as for -s.", valueName: "store"))
    var from: String

    @Option(help: ArgumentHelp("The store to copy into: an address or a store named in the config file, as for -s.", valueName: "store"))
    var to: String

    @Option(name: .long, help: ArgumentHelp("The app's session max age, for File stores on either side (default 24h; same as ?ttl=).", valueName: "duration"))
    var maxAge: String?

    @OptionGroup var copy: CopyOptions

    @OptionGroup var recordOptions: RecordOptions

    @Flag(help: "Remove each source session once its copy was read back equal (implies --verify).")
    var deleteSource = false

    @Flag(help: "Do not ask before --delete-source.")
    var yes = false

    var writes: Bool { !copy.dryRun }

    func run() throws {
        try reportingErrors {
            let sourceSelection = StoreSelection(from, givenBy: "--from", maxAge: maxAge)
            let targetSelection = StoreSelection(to, givenBy: "--to", maxAge: maxAge)
            let (sourceAddress, source) = try sourceSelection.open()
            let (targetAddress, target) = try targetSelection.open()
            if sourceAddress.overlaps(targetAddress) {
                throw SessionError.invalidArgument(
                    "\(source.displayName) and \(target.displayName) hold the same sessions "
                        + "(the same directory, or the same Redis database with one prefix starting with the other): "
                        + "a migration between them would read its own writes")
            }
            if let refusal = source.capabilities.transferRefusal(to: target.capabilities, from: source.displayName, to: target.displayName) {
                throw SessionError.invalidArgument(refusal)
            }
            let deleting = deleteSource && !copy.dryRun
            if deleting { try confirmDeletion(source: source.displayName, target: target.displayName) }
            let migration = Migration(target: target, options: copy.migrationOptions(deleteSource: deleteSource))
            // What --overwrite replaces in the target (store 0) and --delete-source removes from
            // the source (store 1) is kept for undo.
            let trash =
                (deleting || copy.overwrite) && !copy.dryRun
                ? try OperationTrash(stores: [(targetSelection, target), (sourceSelection, source)], options: recordOptions) : nil
            defer { trash?.finish() }
            if copy.overwrite { migration.targetRecorder = trash?.recorder(0) }
            if deleting { migration.sourceRecorder = trash?.recorder(1) }
            let total = Terminal.stderrIsTTY ? SessionCountEstimate(source, pattern: copy.pattern) : nil
            let runner = MigrationRunner("migrate", migration: migration, total: total)
            try runner.run(from: StoreSessions(source, pattern: copy.pattern), deletingFrom: deleting ? try source.reopened() : nil)
        }
    }

    /// Says what will be removed, and asks on a terminal unless --yes.
    private func confirmDeletion(source: String, target: String) throws {
        let what = copy.pattern.map { "every session matching \(SessionError.quote($0))" } ?? "every session"
        let plan = "--delete-source: \(what) will be removed from \(source) once its copy in \(target) is verified"
        if yes {
            Terminal.warn(plan)
            return
        }
        guard Confirmation.canAsk else {
            throw Confirmation.cannotAsk("\(plan); add --yes to confirm (there is no terminal to ask on)")
        }
        guard Confirmation.ask("sessctl: \(plan). Go on?") else {
            Terminal.warn("nothing was done")
            throw ExitCode(1)
        }
    }
}
