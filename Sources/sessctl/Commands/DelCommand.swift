import ArgumentParser
import SessionKit

struct DelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "del",
        abstract: "Delete sessions, or keys inside one session.",
        discussion: "`del ID...` removes whole sessions (logging their users out). `del ID --key K...` removes keys from one session and keeps its lifetime. Exit status 3 when a session or key was not there.")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Session ids.")
    var ids: [String]

    @Option(name: .customLong("key"), help: ArgumentHelp("Delete this key from the session instead (repeatable).", valueName: "key"))
    var keys: [String] = []

    func validate() throws {
        if ids.isEmpty { throw ValidationError("name at least one session id") }
        if !keys.isEmpty && ids.count != 1 { throw ValidationError("--key works on exactly one session") }
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            if keys.isEmpty { try deleteSessions(store) } else { try deleteKeys(store) }
        }
    }

    private func deleteSessions(_ store: any SessionStore) throws {
        let results = try store.delete(ids)
        var deleted = 0, missing = 0, failed = 0
        for (id, result) in zip(ids, results) {
            switch result {
            case .success(true): deleted += 1
            case .success(false):
                missing += 1
                Terminal.warn(SessionError.notFound(store: store.displayName, id: id).description)
            case .failure(let e):
                failed += 1
                Terminal.warn(e.description)
            }
        }
        if Terminal.stdoutIsTTY { Terminal.write("deleted \(deleted) session\(deleted == 1 ? "" : "s")") }
        if failed > 0 { throw ExitCode(deleted > 0 || missing > 0 ? 4 : 1) }
        if missing > 0 { throw ExitCode(3) }
    }

    private func deleteKeys(_ store: any SessionStore) throws {
        let id = ids[0]
        var session = try store.get(id)
        var missing: [String] = []
        for key in keys where session.data.removeValue(forKey: key) == nil { missing.append(key) }
        for key in missing {
            Terminal.warn("\(store.displayName): session \(SessionError.quote(id)) has no key \(SessionError.quote(key))")
        }
        if missing.count < keys.count {
            try store.save(SessionWrite(session, mode: .update, expiry: .keep))
        }
        if !missing.isEmpty { throw ExitCode(3) }
    }
}
