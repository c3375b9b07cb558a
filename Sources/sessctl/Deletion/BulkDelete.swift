import ArgumentParser
import SessionKit

/// The flow `del --where`, `purge` and a bulk `expire` share: with --dry-run, list what would
/// change; without --yes, ask on a terminal (count and a sample first) and refuse elsewhere; then
/// delete (or give a new lifetime) page by page as the store is read, each session only if it
/// still qualifies at that moment.
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
    /// Give each session this much more life from now instead of deleting it (bulk `expire`).
    var expireAfterMillis: Int64? = nil
    /// --no-trash: what is deleted is not kept for undo.
    var record = RecordOptions()

    /// The verb in messages: `delete` or `expire`, and its past.
    private var verb: (base: String, past: String) { expireAfterMillis == nil ? ("delete", "deleted") : ("give a new lifetime to", "given a new lifetime") }

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
                throw Confirmation.cannotAsk(
                    "\(command): not on a terminal, so not asking: add --yes to \(verb.base) every \(noun) (--dry-run lists them); nothing was \(expireAfterMillis == nil ? "deleted" : "changed")"
                )
            }
        }
        let worker = try storeOptions.open()
        if dryRun { return try list(store, worker) }
        if !yes {
            switch try confirm(store, worker) {
            case .accepted: break
            case .nothingToDo: return
            case .declined:
                Terminal.warn(expireAfterMillis == nil ? "nothing was deleted" : "nothing was changed")
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
        Terminal.warn("dry run: would \(verb.base) \(counted(tally.matched, noun)) in \(store.displayName)")
        tally.noteCorrupt()
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
                progress.update("checked \(tally.checked) sessions, \(tally.matched) to change")
                return Interrupts.requested() ? .stop : .proceed
            })
        progress.clear()
        try stopIfInterrupted()
        tally.noteCorrupt()
        if tally.matched == 0 {
            Terminal.warn("no \(noun) in \(store.displayName); nothing to \(expireAfterMillis == nil ? "delete" : "do")")
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
        let what = expireAfterMillis.map { "Give \(tally.matched == 1 ? "it" : "them") \(Durations.format(millis: $0)) to live" } ?? "Delete \(tally.matched == 1 ? "it" : "them")"
        return Confirmation.ask(what + "?") ? .accepted : .declined
    }

    /// Deletes page by page; Ctrl-C or SIGTERM stops after the page in hand and says how many
    /// sessions were deleted before (exit status 130).
    private func delete(_ store: any SessionStore, _ worker: any SessionStore) throws {
        Interrupts.catchSignals()
        // A new lifetime removes nothing: only deletes are kept for undo.
        let trash = expireAfterMillis == nil ? try OperationTrash(stores: [(storeOptions.selection, worker)], options: record) : nil
        defer { trash?.finish() }
        let recorder = trash?.recorder()
        var total = BulkDeletion.Outcome()
        let progress = ProgressLine()
        let failures = FailureLog(beforePrinting: { progress.clear() })
        let tally = try finder.run(
            scanning: store,
            visit: { matches in
                let outcome = try change(matches, worker, recorder)
                total.deleted += outcome.deleted
                total.vanished += outcome.vanished
                total.spared += outcome.spared
                for failure in outcome.failures { failures.record(id: failure.id, message: failure.error.description) }
                return .proceed
            },
            afterPage: { tally in
                progress.update("checked \(tally.checked) sessions, \(verb.past) \(total.deleted)")
                return Interrupts.requested() ? .stop : .proceed
            })
        progress.clear()
        failures.finish()
        let interrupted = Interrupts.requested()
        if Terminal.stdoutIsTTY && !interrupted { Terminal.write("\(verb.past) \(counted(total.deleted, "session"))") }
        if total.spared > 0 {
            Terminal.warn("note: \(counted(total.spared, "session")) changed meanwhile and no longer qualified; left alone")
        }
        tally.noteCorrupt()
        if interrupted {
            Terminal.warn(
                "interrupted: \(counted(total.deleted, "session")) \(verb.past) before the interruption; "
                    + "run the same command again to \(expireAfterMillis == nil ? "delete" : "change") the rest")
            throw ExitCode(130)
        }
        if failures.count > 0 { throw ExitCode(total.deleted > 0 ? 4 : 1) }
    }

    /// Deletes a page's matches as read, or gives those that still qualify, read again now, their new lifetime.
    private func change(_ matches: [Session], _ worker: any SessionStore, _ recorder: (any ChangeRecorder)?) throws -> BulkDeletion.Outcome {
        guard let millis = expireAfterMillis else {
            let outcome = try BulkDeletion.delete(matches, from: worker, recorder: recorder) { finder.selects($0, now: worker.clock.nowMillis()) }
            CommandRun.current?.touch(outcome.deletedIDs)
            return outcome
        }
        var outcome = BulkDeletion.Outcome()
        let now = worker.clock.nowMillis()
        var still: [String] = []
        for (session, loaded) in zip(matches, try worker.load(matches.map(\.id))) {
            switch loaded {
            case .found(let s) where finder.selects(s, now: now): still.append(s.id)
            case .found: outcome.spared += 1
            case .missing: outcome.vanished += 1
            case .broken(let e): outcome.failures.append((session.id, e))
            }
        }
        for (id, result) in zip(still, try worker.setExpiry(still.map { ($0, .at(now.addingClamped(millis))) })) {
            switch result {
            case .success(true): outcome.deleted += 1
            case .success(false): outcome.vanished += 1
            case .failure(let e): outcome.failures.append((id, e))
            }
        }
        return outcome
    }

}

extension SessionFinder.Tally {
    /// One line on stderr about the sessions that could not be read and were left alone.
    func noteCorrupt() {
        if corrupt > 0 {
            Terminal.warn("note: " + corruptNote(corrupt, " and \(corrupt == 1 ? "was" : "were") left alone", first: firstCorrupt))
        }
    }
}
