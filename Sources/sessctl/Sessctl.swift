import ArgumentParser
import SessionKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

@main
struct Sessctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessctl",
        abstract: "See and fix the sessions your web apps keep.",
        discussion: """
            Opens a GoFrame gsession store (a directory of session files, or Redis with a string or a hash \
            per session), the Redis store of a Go app using SCS or gorilla/sessions with redistore (gob \
            blobs), or trpc-agent-go's Redis agent sessions (layout=trpc), and lists, inspects, edits, expires and deletes its sessions. Name the store with \
            -s/--store or SESSCTL_STORE (file:DIR, redis://[user[:password]@]host[:port][/db]?prefix=&layout=kv|hash|scs|redistore|trpc|connect-redis|php|flask-session, \
            redis+unix:///path.sock?db=&prefix=&layout=, redis+cluster://host:port[,host:port...], \
            redis+sentinel://host:port[,...]/MASTER[/db]; rediss:// or tls=1 with ca=, cert=, key=, sni=, insecure=1), \
            or use GoFrame's default directory $TMPDIR/gsessions/default. SESSCTL_REDIS_PASSWORD and \
            SESSCTL_SENTINEL_PASSWORD keep passwords off the command line.

            Every run of a command that writes leaves one line in the audit log ($XDG_STATE_HOME/sessctl/audit.log, \
            passwords hidden): see sessctl audit.

            --read-only (or SESSCTL_READ_ONLY=1) refuses every write. Bulk deletes (del --where, purge) ask on \
            a terminal and need --yes elsewhere; --dry-run shows what they would do.

            Exit status, of every command: 0 success; 1 error (a bad or unreachable store, a store that failed \
            part-way, a refused write or confirmation: nothing, or not everything, was done); 3 not found \
            (get, set, del, edit, expire, ttl or persist of a session or key that is not there); 4 partial \
            failure (some sessions of a bulk operation failed and others were done: del of several ids, \
            del --where, purge, migrate, import, export); 64 usage error (an unknown option, a missing or \
            invalid argument); 130 interrupted (Ctrl-C, or SIGTERM during a long command, which stops after \
            the batch in hand and says what was done; run it again to finish).
            """,
        version: "\(BuildInfo.version) (commit \(BuildInfo.commit))",
        subcommands: [
            ListCommand.self, GetCommand.self, EventsCommand.self, SetCommand.self, DelCommand.self, EditCommand.self,
            ExpireCommand.self, TTLCommand.self, PersistCommand.self, CountCommand.self,
            FindCommand.self, WatchCommand.self, TopCommand.self, StatsCommand.self, PurgeCommand.self, TrimCommand.self, ReindexCommand.self, CheckCommand.self,
            MigrateCommand.self, ExportCommand.self, ImportCommand.self, UndoCommand.self, AuditCommand.self, ShellCommand.self, StoresCommand.self
        ]
    )

    static func main() {
        // A file size limit makes a write fail (EFBIG), said in one line, instead of killing the process.
        signal(SIGXFSZ, SIG_IGN)
        let typed = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(StoreOptions.hoistGlobalOptions(typed))
            try CommandRun.run(&command, words: ["sessctl"] + typed)
        } catch {
            exit(withError: error)
        }
    }
}
