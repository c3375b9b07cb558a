import ArgumentParser
import SessionKit

struct UndoCommand: WritingCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Take back a command that deleted or replaced sessions.",
        discussion: """
            Every command that deletes or replaces sessions (del, del --where, purge, trim, set, edit, \
            migrate --delete-source or --overwrite, import --overwrite) first keeps what it removes in the \
            trash, $XDG_STATE_HOME/sessctl/trash (else ~/.local/state/sessctl/trash), one file per operation \
            in the export format, unless --no-trash. `undo` puts back the most recent operation, or the one \
            named: a session it deleted comes back byte for byte with its remaining lifetime, one it replaced \
            is put back, one it created is removed. A session changed since (written, touched, created again \
            or deleted) is left alone and reported, unless --force; an expired one is not brought back. \
            An undo is an operation too: undo it to redo. `undo --list` shows what the trash holds (newest \
            first). The store is the one the operation changed; when its address held a password, give it \
            again with -s. The trash keeps at most trash-max-size (default 1GiB) and trash-max-age (default \
            7d) of the config file, oldest removed first.
            """)

    @Argument(help: ArgumentHelp("The operation to undo (see --list); the most recent when absent.", valueName: "id"))
    var id: String?

    @Flag(help: "List the operations in the trash, newest first.")
    var list = false

    @Flag(help: "Put back sessions changed since the operation too.")
    var force = false

    @Flag(help: "Say what would be put back; change nothing.")
    var dryRun = false

    @Option(
        name: [.short, .long],
        help: ArgumentHelp("The store the operation changed, when its address held a password (the trash keeps it hidden).", valueName: "store"))
    var store: String?

    @OptionGroup var recordOptions: RecordOptions

    var writes: Bool { !list && !dryRun }

    func validate() throws {
        if list && (id != nil || force || dryRun) { throw ValidationError("--list takes no operation, --force or --dry-run") }
        if let id, !TrashDirectory.isOperationID(id) {
            throw ValidationError("'\(id)' is not an operation id (they look like 20261206-071502-3fa9; see undo --list)")
        }
    }

    func run() throws {
        try reportingErrors {
            guard let directory = TrashDirectory.forEnvironment(Environment.all) else {
                throw SessionError.invalidArgument("no trash: neither XDG_STATE_HOME nor HOME is set")
            }
            let entries = try directory.entries().compactMap { entry in (try? TrashReader(path: entry.path)).map { (entry, $0.header) } }
                .sorted { ($0.1.time, $0.0.id) > ($1.1.time, $1.0.id) }
            if list { return printList(entries) }
            guard let (entry, header) = id.map({ id in entries.first { $0.0.id == id } }) ?? entries.first else {
                if let id { throw SessionError.invalidArgument("no operation \(id) in the trash (\(directory.path)); see undo --list") }
                Terminal.warn("the trash (\(directory.path)) holds no operation; nothing to undo")
                return
            }
            try undo(entry, header)
        }
    }

    private func printList(_ entries: [(TrashDirectory.Entry, TrashHeader)]) {
        guard !entries.isEmpty else {
            Terminal.warn("the trash holds no operation")
            return
        }
        var rows = [["ID", "TIME", "SESSIONS", "STORE", "COMMAND"]]
        for (entry, header) in entries {
            let count = TrashReader.endCount(path: entry.path).map(String.init) ?? "cut off"
            rows.append([
                header.id, Durations.rfc3339(millis: header.time), count, header.stores.map(\.name).joined(separator: ", "),
                header.command + (header.undoes.map { "  (undoes \($0))" } ?? "")
            ])
        }
        let widths = rows[0].indices.dropLast().map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            Terminal.write(zip(row, widths + [0]).map { padded($0, $1) }.joined(separator: "  "))
        }
    }

    private func undo(_ entry: TrashDirectory.Entry, _ header: TrashHeader) throws {
        let selections = try header.stores.map(selection)
        var opened: [(selection: StoreSelection, store: any SessionStore)] = []
        for s in selections { opened.append((s, try s.open().store)) }
        for (_, store) in opened where !dryRun { try store.checkWritable() }
        let trash = dryRun ? nil : try OperationTrash(stores: opened, options: recordOptions, undoes: header.id)
        defer { trash?.finish() }
        let restore = TrashRestore(
            stores: opened.map(\.store), recorders: opened.indices.map { trash?.recorder($0) }, force: force, dryRun: dryRun)
        let progress = ProgressLine()
        let notes = FailureLog(beforePrinting: { progress.clear() })
        var leftAlone: [String] = []
        restore.onNote = { id, message, failure in
            if failure {
                notes.record(id: id, message: message)
            } else if leftAlone.count < 20 {
                progress.clear()
                leftAlone.append(message)
                Terminal.warn(message)
            }
        }
        restore.onChanged = { CommandRun.current?.touch($0) }
        restore.onProgress = { r in progress.update("undo \(header.id): put back \(r.restored + r.removed)") }
        Interrupts.catchSignals()
        restore.shouldStop = { Interrupts.requested() }
        let report = try restore.run(try TrashReader(path: entry.path))
        progress.clear()
        notes.finish()
        let names = header.stores.map(\.name).joined(separator: " and ")
        var summary = "\(dryRun ? "dry run: would put back" : "put back") \(counted(report.restored, "session")) in \(names)"
        if report.removed > 0 { summary += ", \(dryRun ? "would remove" : "removed") \(counted(report.removed, "session")) it had created" }
        Terminal.warn(summary + " (undo of \(header.id): \(header.command))")
        if report.changedSince > 0 {
            let more = report.changedSince > leftAlone.count ? " (\(report.changedSince - leftAlone.count) more not listed)" : ""
            Terminal.warn(
                "note: \(counted(report.changedSince, "session")) changed since and \(report.changedSince == 1 ? "was" : "were") left alone\(more); --force puts them back")
        }
        if report.expired > 0 { Terminal.warn("note: \(counted(report.expired, "session")) expired since and \(report.expired == 1 ? "was" : "were") not brought back") }
        if report.interrupted {
            Terminal.warn("interrupted: run the same undo again to finish (what was put back is left alone then)")
            throw ExitCode(130)
        }
        if report.failed > 0 { throw ExitCode(report.restored + report.removed > 0 ? 4 : 1) }
    }

    /// How to open a store of the operation: by its config name, by its address when it held no
    /// secret, else by the -s (or SESSCTL_STORE) address, which must name the same store.
    private func selection(_ s: TrashHeader.Store) throws -> StoreSelection {
        let given = store.map { ($0, "-s/--store") } ?? Environment.value("SESSCTL_STORE").map { ($0, "SESSCTL_STORE") }
        if let (text, by) = given {
            let resolved = try StoreSelection(text, givenBy: by, maxAge: s.maxAge).resolve()
            if StoreAddress.redacted(resolved.address) == s.address { return StoreSelection(text, givenBy: by, maxAge: s.maxAge) }
        }
        if let config = s.config { return StoreSelection(config, givenBy: "the trash", maxAge: s.maxAge) }
        guard !s.secret else {
            throw SessionError.invalidArgument(
                "the operation changed \(s.name), whose address holds a password the trash does not keep: give the store again with -s")
        }
        return StoreSelection(s.address, givenBy: "the trash", maxAge: s.maxAge)
    }
}
