import SessionKit

/// The trash file of a writing command, made before it changes anything, naming the stores it
/// changes (the trash is pruned to the configured size and age first), and ended by `finish`.
/// None with --no-trash (the command then keeps nothing, and cannot be undone).
final class OperationTrash {
    let writer: TrashWriter?

    /// Sessions the command changes in `stores` (each as opened from its selection) are kept in
    /// a new trash file, unless `options.noTrash`. Throws, before anything changes, when the
    /// trash cannot be made.
    init(stores: [(selection: StoreSelection, store: any SessionStore)], options: RecordOptions, undoes: String? = nil) throws {
        if options.noTrash {
            writer = nil
            return
        }
        guard let directory = TrashDirectory.forEnvironment(Environment.all) else {
            throw SessionError.invalidArgument(
                "no place for the trash (neither XDG_STATE_HOME nor HOME is set): set one, or give --no-trash to go on without undo; nothing was changed")
        }
        var described: [TrashHeader.Store] = []
        for (selection, store) in stores {
            let (address, named) = try selection.resolve()
            let hidden = StoreAddress.redacted(address)
            described.append(
                TrashHeader.Store(
                    name: store.displayName, address: hidden, config: named?.name, maxAge: selection.maxAge, layout: store.layout.name,
                    secret: hidden != address))
        }
        let now = SystemTime.nowMillis()
        let config = try StoreSelection.loadConfig()
        do {
            try directory.prune(maxBytes: config.trashMaxBytes, maxAgeMillis: config.trashMaxAgeMillis, now: now)
        } catch {
            Terminal.warn("warning: the trash was not pruned: \(error)")
        }
        writer = try TrashWriter(
            directory: directory, command: AuditLog.commandText(CommandRun.current?.arguments ?? ["sessctl"] + CommandLine.arguments.dropFirst()), stores: described,
            undoes: undoes, now: now)
        CommandRun.current?.trashID = writer?.header.id
    }

    /// The recorder of store number `index` (as passed to `init`); nil without a trash.
    func recorder(_ index: Int = 0) -> (any ChangeRecorder)? {
        writer?.recorder(store: index)
    }

    /// Ends the trash file; one of an operation that changed nothing is removed (and the audit
    /// log names no trash for it).
    func finish() {
        guard let writer else { return }
        writer.finish(now: SystemTime.nowMillis())
        if writer.changed == 0, CommandRun.current?.trashID == writer.header.id { CommandRun.current?.trashID = nil }
    }

    /// Writes one session (set, edit, del --key) as an operation of its own: what it replaces is
    /// kept in a trash file first (unless --no-trash), and what it left is noted after.
    static func save(_ write: SessionWrite, replacing before: Session?, in store: any SessionStore, selection: StoreSelection, options: RecordOptions) throws {
        let trash = try OperationTrash(stores: [(selection, store)], options: options)
        defer { trash.finish() }
        let recorder = trash.recorder()
        if let before { try recorder?.willChange([before]) }
        try store.save(write)
        CommandRun.current?.touch([write.session.id])
        guard let recorder, let after = try store.revisionDigests([write.session.id])[0] else { return }
        try recorder.didChange([TrashChange(id: write.session.id, kind: before == nil ? .created : .replaced, after: after)])
    }
}
