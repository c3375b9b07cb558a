import ArgumentParser
import SessionKit

/// The flow `del --where` and `purge --expired` share: with --dry-run, list what would go;
/// without --yes, ask on a terminal (count and a sample first) and refuse elsewhere; then delete
/// page by page as the store is read, each session only if it still qualifies at that moment.
struct BulkDelete {
    let storeOptions: StoreOptions
    var finder: SessionFinder
    /// --app/--user (del --where): narrows the finder's pattern on a trpc store.
    var agentSelection: AgentSelectionOptions? = nil
    let yes: Bool
    let dryRun: Bool
    /// The command as named in messages, e.g. `del --where`.
    let command: String
    /// What is deleted, e.g. `matching session`.
    let noun: String

    func run() throws {
        let store = try storeOptions.open()
        var narrowed = self
        if let agentSelection { narrowed.finder.pattern = try agentSelection.pattern(finder.pattern, store: store) }
        try narrowed.run(store)
    }

    private func run(_ store: any SessionStore) throws {
        if !dryRun {
            try store.checkWritable()
            if !yes && !Confirmation.canAsk {
                throw SessionError.invalidArgument(
                    "\(command): not on a terminal, so not asking: add --yes to delete every \(noun) (--dry-run lists them); nothing was deleted")
            }
        }
        let worker = try storeOptions.open()
        if dryRun { return try list(store, worker) }
        if !yes {
            switch try confirm(store, worker) {
            case .accepted: break
            case .nothingToDo: return
            case .declined:
                Terminal.warn("nothing was deleted")
                throw ExitCode(1)
            }
        }
        try delete(store, worker)
    }

    private func list(_ store: any SessionStore, _ worker: any SessionStore) throws {
        var printer = ListPrinter(format: .ids, now: store.clock.nowMillis())
        let tally = try finder.run(
            scanning: store,
            visit: { matches in
                for s in matches { printer.row(SessionInfo(s)) }
                printer.flush()
                return .proceed
            }, afterPage: { _ in Interrupts.requested() ? .stop : .proceed })
        try stopIfInterrupted()
        printer.finish()
        Terminal.warn("dry run: would delete \(counted(tally.matched, noun)) from \(store.displayName)")
        noteCorrupt(tally)
    }

    private enum Answer { case accepted, declined, nothingToDo }

    private func confirm(_ store: any SessionStore, _ worker: any SessionStore) throws -> Answer {
        var sample: [SessionInfo] = []
        let progress = ProgressLine()
        let tally = try finder.run(
            scanning: store,
            visit: { matches in
                for s in matches.prefix(5 - sample.count) { sample.append(SessionInfo(s)) }
                return .proceed
            },
            afterPage: { tally in
                progress.update("checked \(tally.checked) sessions, \(tally.matched) to delete")
                return Interrupts.requested() ? .stop : .proceed
            })
        progress.clear()
        try stopIfInterrupted()
        noteCorrupt(tally)
        if tally.matched == 0 {
            Terminal.warn("no \(noun) in \(store.displayName); nothing to delete")
            return .nothingToDo
        }
        let now = store.clock.nowMillis()
        var text = "\(counted(tally.matched, noun)) in \(store.displayName):\n"
        for info in sample {
            let id = SessionError.quote(info.id).dropFirst().dropLast()
            text += "  \(id)  \(counted(info.keyCount ?? 0, "key")), \(info.size) bytes, \(SessionFormatting.lifetime(info.expiry, now: now))\n"
        }
        if tally.matched > sample.count { text += "  ... and \(tally.matched - sample.count) more\n" }
        Terminal.writeError(text)
        return Confirmation.ask("Delete \(tally.matched == 1 ? "it" : "them")?") ? .accepted : .declined
    }

    /// Deletes page by page; Ctrl-C or SIGTERM stops after the page in hand and says how many
    /// sessions were deleted before (exit status 130).
    private func delete(_ store: any SessionStore, _ worker: any SessionStore) throws {
        Interrupts.catchSignals()
        var total = BulkDeletion.Outcome()
        let progress = ProgressLine()
        let failures = FailureLog(beforePrinting: { progress.clear() })
        let tally = try finder.run(
            scanning: store,
            visit: { matches in
                let outcome = try BulkDeletion.delete(matches, from: worker) { finder.selects($0, now: worker.clock.nowMillis()) }
                total.deleted += outcome.deleted
                total.vanished += outcome.vanished
                total.spared += outcome.spared
                for failure in outcome.failures { failures.record(id: failure.id, message: failure.error.description) }
                return .proceed
            },
            afterPage: { tally in
                progress.update("checked \(tally.checked) sessions, deleted \(total.deleted)")
                return Interrupts.requested() ? .stop : .proceed
            })
        progress.clear()
        failures.finish()
        let interrupted = Interrupts.requested()
        if Terminal.stdoutIsTTY && !interrupted { Terminal.write("deleted \(counted(total.deleted, "session"))") }
        if total.spared > 0 {
            Terminal.warn("note: \(counted(total.spared, "session")) changed meanwhile and no longer qualified; left alone")
        }
        noteCorrupt(tally)
        if interrupted {
            Terminal.warn(
                "interrupted: \(counted(total.deleted, "session")) deleted before the interruption; "
                    + "run the same command again to delete the rest")
            throw ExitCode(130)
        }
        if failures.count > 0 { throw ExitCode(total.deleted > 0 ? 4 : 1) }
    }

    private func noteCorrupt(_ tally: SessionFinder.Tally) {
        if tally.corrupt > 0 {
            Terminal.warn("note: " + corruptNote(tally.corrupt, " and \(tally.corrupt == 1 ? "was" : "were") left alone", first: tally.firstCorrupt))
        }
    }
}
