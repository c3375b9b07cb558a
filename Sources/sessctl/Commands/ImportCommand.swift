import ArgumentParser
import SessionKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

struct ImportCommand: WritingCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write sessions exported as NDJSON into a store.",
        discussion: """
            Reads the lines `sessctl export` writes (see there for the format) from FILE or standard input \
            and writes each session into the store, with the same options and guarantees as migrate: each \
            keeps its id, data and expiry instant, expired ones are counted and not copied, a session the \
            store already has is skipped and counted (--skip-existing, the default) or replaced \
            (--overwrite), and a run that was interrupted finishes when run again on the same input. \
            `sessctl export -s A | sessctl import -s B` does what `sessctl migrate --from A --to B` does. \
            A line that is not a session fails alone, named by its line number. Sessions do not move between \
            frameworks: when the first session line names a layout of another framework (an SCS export into a \
            GoFrame store, say) nothing is imported, and a later such line fails alone. Exit status: see sessctl --help.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var recordOptions: RecordOptions

    @Argument(help: ArgumentHelp("The export to read; standard input when absent or -.", valueName: "file"))
    var file: String?

    @OptionGroup var copy: CopyOptions

    var writes: Bool { !copy.dryRun }

    func run() throws {
        try reportingErrors {
            let target = try storeOptions.open()
            var fd: Int32 = 0
            var name = "stdin"
            if let file, file != "-" {
                fd = open(file, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    throw SessionError.io(location: file, reason: "cannot open: \(String(cString: strerror(errno)))")
                }
                name = file
            }
            defer { if fd != 0 { close(fd) } }
            let migration = Migration(target: target, options: copy.migrationOptions())
            // What --overwrite replaces is kept for undo (and the sessions it creates noted).
            let trash = copy.overwrite && !copy.dryRun ? try OperationTrash(stores: [(storeOptions.selection, target)], options: recordOptions) : nil
            defer { trash?.finish() }
            migration.targetRecorder = trash?.recorder()
            let runner = MigrationRunner("import", migration: migration, total: nil)
            try runner.run(
                from: NDJSONSessions(
                    fd: fd, displayName: name, pattern: copy.pattern,
                    target: (target.displayName, target.capabilities.framework)), deletingFrom: nil)
        }
    }
}
