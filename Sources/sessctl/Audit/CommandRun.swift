import ArgumentParser
import SessionKit

/// A command that may change a store. Its runs that do (`writes`) are recorded: what it is
/// about to remove or replace goes to the trash first (unless --no-trash), and one line
/// goes to the audit log when it ends.
protocol WritingCommand: ParsableCommand {
    /// Whether this run may change the store (false for a dry run, or `check` without --fix).
    var writes: Bool { get }
    var recordOptions: RecordOptions { get }
}

/// The options of every writing command about its record.
struct RecordOptions: ParsableArguments {
    @Flag(name: .long, help: "Do not keep what this command removes or replaces in the trash (no undo).")
    var noTrash = false

    @Flag(name: .long, help: "Also send the audit log's line for this command to syslog (also audit-syslog = true in the config file).")
    var auditSyslog = false
}

/// What one run of a writing command did, filled in as it goes; the audit log's line is made
/// from it when the command ends. `current` is set only while a writing command runs.
final class CommandRun {
    nonisolated(unsafe) static var current: CommandRun?

    /// The command line as given (secrets are masked when it is written out).
    let arguments: [String]
    /// The store written to, as named in messages (password hidden); the last one named.
    var store: String?
    /// How many sessions were changed (deleted, replaced, restored, trimmed, ...).
    var touched = 0
    /// The first `idLimit` of them.
    private(set) var ids: [String] = []
    /// The trash file's operation id, when the run kept one.
    var trashID: String?
    /// The run was refused (a read-only store, a confirmation not given): its outcome is `refused`.
    var refused = false
    /// The stores opened so far, by the option that named them (`-s/--store`, `--from`, `--to`).
    private var storesNamed: [(option: String, name: String)] = []

    static let idLimit = 100

    init(arguments: [String]) {
        self.arguments = arguments
    }

    /// Notes a store as it is opened (`StoreSelection.open`): `store` becomes its name, or for two
    /// stores named by different options (migrate's --from and --to) both, `A -> B`.
    func named(_ name: String, by option: String) {
        if let i = storesNamed.firstIndex(where: { $0.option == option }) {
            storesNamed[i].name = name
        } else {
            storesNamed.append((option, name))
        }
        store = storesNamed.map(\.name).joined(separator: " -> ")
    }

    /// Counts sessions changed, keeping the first ids.
    func touch<S: Sequence<String>>(_ changed: S) {
        for id in changed {
            touched += 1
            if ids.count < Self.idLimit { ids.append(id) }
        }
    }
}
