import ArgumentParser
import SessionKit

struct DelCommand: WritingCommand {
    static let configuration = CommandConfiguration(
        commandName: "del",
        abstract: "Delete sessions, or keys inside one session.",
        discussion: """
            `del ID...` removes whole sessions (logging their users out). `del ID --key K...` removes keys from \
            one session and keeps its lifetime. Exit status: see sessctl --help.

            `del --where EXPR...` deletes every session whose data matches, as `find --where` finds them \
            (e.g. --where user.id=1001 logs a user out everywhere). On a terminal it shows the count and a \
            sample and asks; elsewhere it needs --yes. Each session is deleted only if it still matches at that \
            moment: one the app changed meanwhile is read again first. --dry-run lists the ids instead.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var recordOptions: RecordOptions

    @Argument(help: "Session ids.", completion: SessionIDCompletion.kind)
    var ids: [String] = []

    @Option(name: .customLong("key"), help: ArgumentHelp("Delete this key from the session instead (repeatable).", valueName: "key"))
    var keys: [String] = []

    @Option(name: .customLong("where"), help: ArgumentHelp("Delete every session matching this condition (repeatable; all must hold; see find).", valueName: "expr"))
    var conditions: [String] = []

    @OptionGroup var agentSelection: AgentSelectionOptions

    @Flag(help: "With --where: expired sessions too.")
    var all = false

    @Flag(name: .shortAndLong, help: "With --where: delete without asking.")
    var yes = false

    @Flag(help: "Show what would be deleted; change nothing.")
    var dryRun = false

    func validate() throws {
        if ids.isEmpty && conditions.isEmpty { throw ValidationError("name at least one session id, or give --where") }
        if !ids.isEmpty && !conditions.isEmpty { throw ValidationError("give session ids or --where, not both") }
        if !keys.isEmpty && ids.count != 1 { throw ValidationError("--key works on exactly one session") }
        if all && conditions.isEmpty { throw ValidationError("--all works with --where") }
        if agentSelection.isGiven && conditions.isEmpty { throw ValidationError("--app and --user work with --where") }
    }

    var writes: Bool { !dryRun }

    func run() throws {
        try reportingErrors {
            if !conditions.isEmpty {
                let finder = SessionFinder(filter: try SessionFilter(parsing: conditions), selection: all ? .all : .live)
                try BulkDelete(
                    storeOptions: storeOptions, finder: finder, agentSelection: agentSelection, yes: yes, dryRun: dryRun,
                    command: "del --where", noun: "matching session", record: recordOptions
                ).run()
                return
            }
            let store = try storeOptions.open()
            var ids: [String] = []
            for id in self.ids { ids.append(try storeOptions.sessionID(id, in: store)) }
            if keys.isEmpty { try deleteSessions(store, ids) } else { try deleteKeys(store, ids[0]) }
        }
    }

    private func deleteSessions(_ store: any SessionStore, _ ids: [String]) throws {
        if dryRun { return try listSessions(store, ids) }
        let trash = try OperationTrash(stores: [(storeOptions.selection, store)], options: recordOptions)
        defer { trash.finish() }
        var deleted = 0, missing = 0, failed = 0
        for (id, result) in zip(ids, try delete(ids, from: store, keeping: trash.recorder())) {
            switch result {
            case .success(true):
                deleted += 1
                CommandRun.current?.touch([id])
            case .success(false):
                missing += 1
                Terminal.warn(SessionError.notFound(store: store.displayName, id: id).description)
            case .failure(let e):
                failed += 1
                Terminal.warn(e.description)
            }
        }
        if Terminal.stdoutIsTTY { Terminal.write("deleted \(counted(deleted, "session"))") }
        if failed > 0 { throw ExitCode(deleted > 0 || missing > 0 ? 4 : 1) }
        if missing > 0 { throw ExitCode(3) }
    }

    /// Deletes sessions by id. With a trash, they are read and deleted as `del --where` deletes
    /// (kept in the trash first, each deleted only while still as kept); a session that cannot
    /// be read is deleted all the same, without a copy, and said so.
    private func delete(_ ids: [String], from store: any SessionStore, keeping recorder: (any ChangeRecorder)?) throws -> [Result<Bool, SessionError>] {
        guard let recorder else { return try store.delete(ids) }
        var results = [Result<Bool, SessionError>](repeating: .success(false), count: ids.count)
        var found: [Session] = []
        var index: [String: Int] = [:]
        var unreadable: [Int] = []
        for (i, loaded) in try store.load(ids).enumerated() {
            switch loaded {
            case .found(let s) where index[s.id] != nil: break  // named twice: gone at the first
            case .found(let s) where s.revision != nil:
                found.append(s)
                index[s.id] = i
            case .found, .broken: unreadable.append(i)
            case .missing: break
            }
        }
        let outcome = try BulkDeletion.delete(found, from: store, recorder: recorder) { _ in true }
        for id in outcome.deletedIDs { results[index[id]!] = .success(true) }
        for failure in outcome.failures { results[index[failure.id]!] = .failure(failure.error) }
        for (i, result) in zip(unreadable, try store.delete(unreadable.map { ids[$0] })) {
            if case .success(true) = result { Terminal.warn("note: session \(SessionError.quote(ids[i])) could not be read, so it was deleted without a copy in the trash") }
            results[i] = result
        }
        return results
    }

    /// --dry-run: the ids that would be deleted, one a line; the missing ones as errors.
    private func listSessions(_ store: any SessionStore, _ ids: [String]) throws {
        var missing = 0, failed = 0, found = 0
        for (id, result) in zip(ids, try store.load(ids)) {
            switch result {
            case .found:
                Terminal.write(id)
                found += 1
            case .missing:
                missing += 1
                Terminal.warn(SessionError.notFound(store: store.displayName, id: id).description)
            case .broken(let e):
                if case .corrupt = e {
                    // A corrupt session is deleted by id all the same.
                    Terminal.write(id)
                    found += 1
                } else {
                    failed += 1
                    Terminal.warn(e.description)
                }
            }
        }
        Terminal.warn("dry run: would delete \(counted(found, "session")) from \(store.displayName)")
        if failed > 0 { throw ExitCode(found > 0 || missing > 0 ? 4 : 1) }
        if missing > 0 { throw ExitCode(3) }
    }

    private func deleteKeys(_ store: any SessionStore, _ id: String) throws {
        let before = try store.get(id)
        var session = before
        var missing: [String] = []
        var removed: [String] = []
        for key in keys {
            if session.data.removeValue(forKey: key) == nil { missing.append(key) } else { removed.append(key) }
        }
        for key in missing {
            Terminal.warn("\(store.displayName): session \(SessionError.quote(id)) has no key \(SessionError.quote(key))")
        }
        if dryRun {
            for key in removed { Terminal.write(key) }
            Terminal.warn("dry run: would delete \(counted(removed.count, "key")) from session \(SessionError.quote(id))")
        } else if !removed.isEmpty {
            try OperationTrash.save(SessionWrite(session, mode: .update, expiry: .keep), replacing: before, in: store, selection: storeOptions.selection, options: recordOptions)
        }
        if !missing.isEmpty { throw ExitCode(3) }
    }
}
