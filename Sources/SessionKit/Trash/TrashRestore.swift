/// Puts back what one operation recorded in its trash file (`undo`), block by block:
/// - a session it removed comes back as it was, with the same expiry instant (so with its
///   remaining lifetime), where no session has its id now;
/// - a session it replaced is put back when it is still exactly as the operation left it;
/// - a session it created is removed while it is still as the operation left it.
/// One that changed since (written, touched, created again or deleted) is left alone and
/// reported, unless `force`; an expired one is never brought back. What the restore itself
/// removes or replaces goes to `recorders` first, so an undo can be undone.
public final class TrashRestore {
    public struct Report: Sendable, Equatable {
        /// Removed or replaced sessions put back.
        public var restored = 0
        /// Sessions the operation created, removed again.
        public var removed = 0
        /// Left alone: changed after the operation.
        public var changedSince = 0
        /// Expired since: not brought back.
        public var expired = 0
        /// Created by the operation and gone since.
        public var alreadyGone = 0
        public var failed = 0
        public var interrupted = false
        public init() {}
    }

    /// Each session left alone (`failure` false) or that could not be put back, with why.
    public var onNote: (_ id: String?, _ message: String, _ failure: Bool) -> Void = { _, _, _ in }
    /// The counts so far, after each block.
    public var onProgress: (Report) -> Void = { _ in }
    /// The ids of the sessions put back or removed, after each block.
    public var onChanged: ([String]) -> Void = { _ in }
    /// Polled after each block; true stops there.
    public var shouldStop: () -> Bool = { false }

    private let stores: [any SessionStore]
    private let recorders: [(any ChangeRecorder)?]
    private let force: Bool
    private let dryRun: Bool
    private let clock: Clock

    /// `stores[i]` is store `i` of the trash file's header; `recorders[i]` (the undo's own trash)
    /// keeps what is removed or replaced there.
    public init(stores: [any SessionStore], recorders: [(any ChangeRecorder)?], force: Bool, dryRun: Bool, clock: Clock = .system) {
        precondition(stores.count == recorders.count)
        self.stores = stores
        self.recorders = recorders
        self.force = force
        self.dryRun = dryRun
        self.clock = clock
    }

    public func run(_ reader: TrashReader) throws -> Report {
        var report = Report()
        try reader.blocks { block in
            try restore(block, into: &report)
            onProgress(report)
            if shouldStop() {
                report.interrupted = true
                return .stop
            }
            return .proceed
        }
        return report
    }

    private func restore(_ block: TrashBlock, into report: inout Report) throws {
        for e in block.damaged { fail(nil, e.description, &report) }
        try restoreKeys(block, into: &report)
        guard !block.changes.isEmpty else { return }
        let store = stores[block.store]
        let now = clock.nowMillis()
        var creates: [Session] = []
        var overwrites: [(before: Session, current: Session)] = []
        var removals: [Session] = []
        for (change, loaded) in zip(block.changes, try store.load(block.changes.map(\.id))) {
            let id = change.id
            let current: Session?
            switch loaded {
            case .found(let s): current = s
            case .missing: current = nil
            case .broken(let e):
                fail(id, e.description, &report)
                continue
            }
            if change.kind == .created {
                guard let current else {
                    report.alreadyGone += 1
                    continue
                }
                if force || RevisionDigest.of(current) == change.after {
                    removals.append(current)
                } else {
                    leftAlone(id, "changed since the operation created it", store, &report)
                }
                continue
            }
            guard let before = block.before[id] else {
                fail(id, "\(store.displayName): session \(SessionError.quote(id)): the trash file holds no copy of it", &report)
                continue
            }
            if before.expiry.isExpired(now: now) {
                report.expired += 1
                continue
            }
            let unchanged = change.kind == .removed ? current == nil : current.flatMap(RevisionDigest.of) == change.after
            if !unchanged && !force {
                let why =
                    current == nil ? "was deleted since" : change.kind == .removed ? "was created again since" : "was changed since"
                leftAlone(id, why, store, &report)
                continue
            }
            if let current { overwrites.append((before, current)) } else { creates.append(before) }
        }
        if dryRun {
            report.removed += removals.count
            report.restored += creates.count + overwrites.count
            return
        }
        let recorder = recorders[block.store]
        try recorder?.willChange(removals + overwrites.map(\.current))
        var changes: [TrashChange] = []
        try remove(removals, from: store, &report, &changes)
        try write(creates, overwrites, to: store, now: now, &report, &changes)
        try recorder?.didChange(changes)
        onChanged(changes.map(\.id))
    }

    /// Keys that are no session's, removed by `check --fix`: put back where nothing is there now.
    /// (What this puts back is not kept for another undo: it was left behind by the app.)
    private func restoreKeys(_ block: TrashBlock, into report: inout Report) throws {
        guard !block.removedKeys.isEmpty else { return }
        let store = stores[block.store]
        guard let maintenance = store.abilities.agentMaintenance else {
            return fail(nil, "\(store.displayName): cannot put back keys that are no session's (not a trpc-agent-go store)", &report)
        }
        let keys = block.removedKeys.compactMap { block.keysBefore[$0] }
        if keys.count < block.removedKeys.count { fail(nil, "\(store.displayName): the trash file holds no copy of some removed keys", &report) }
        if dryRun {
            report.restored += keys.count
            return
        }
        for (k, result) in zip(keys, try maintenance.restore(keys)) {
            let name = SessionError.quote(String(decoding: k.key, as: UTF8.self))
            switch result {
            case .success(true): report.restored += 1
            case .success(false):
                report.changedSince += 1
                onNote(nil, "\(store.displayName): key \(name) is there again (or expired); left alone", false)
            case .failure(let e): fail(nil, e.description, &report)
            }
        }
    }

    private func remove(_ sessions: [Session], from store: any SessionStore, _ report: inout Report, _ changes: inout [TrashChange]) throws {
        let items = sessions.compactMap { s in s.revision.map { (id: s.id, revision: $0) } }
        for (item, result) in zip(items, try store.delete(unchanged: items)) {
            switch result {
            case .success(true):
                report.removed += 1
                changes.append(.removed(item.id))
            case .success(false): report.alreadyGone += 1
            case .failure(.conflict): leftAlone(item.id, "changed while the undo ran", store, &report)
            case .failure(let e): fail(item.id, e.description, &report)
            }
        }
    }

    private func write(
        _ creates: [Session], _ overwrites: [(before: Session, current: Session)], to store: any SessionStore, now: Int64,
        _ report: inout Report, _ changes: inout [TrashChange]
    ) throws {
        guard !creates.isEmpty || !overwrites.isEmpty else { return }
        let replacing = Set(overwrites.map(\.current.id))
        let planner = MigrationPlanner(
            capabilities: store.capabilities, targetName: store.displayName, mode: .create, clock: clock, lineReader: store.exportLineReader)
        let planned = planner.plan(SessionPage(sessions: creates + overwrites.map(\.before)))
        report.expired += planned.expired
        for f in planned.failures { fail(f.id, f.message, &report) }
        var writes = planned.writes
        // Put back whole, as an import with --overwrite writes (the exact stored bytes), just
        // after it was found still as the operation left it.
        for i in writes.indices where replacing.contains(writes[i].session.id) { writes[i].mode = .upsert }
        var done: [(id: String, created: Bool)] = []
        for (w, result) in zip(writes, try store.save(writes)) {
            let id = w.session.id
            switch result {
            case .success: done.append((id, w.mode == .create))
            case .failure(.alreadyExists): leftAlone(id, "was created again while the undo ran", store, &report)
            case .failure(.conflict): leftAlone(id, "changed while the undo ran", store, &report)
            case .failure(let e): fail(id, e.description, &report)
            }
        }
        report.restored += done.count
        for (item, digest) in zip(done, try store.revisionDigests(done.map(\.id))) {
            guard let digest else { continue }  // gone again (expired) at once: nothing to undo later
            changes.append(TrashChange(id: item.id, kind: item.created ? .created : .replaced, after: digest))
        }
    }

    private func leftAlone(_ id: String, _ why: String, _ store: any SessionStore, _ report: inout Report) {
        report.changedSince += 1
        onNote(id, "\(store.displayName): session \(SessionError.quote(id)) \(why); left alone (--force puts it back all the same)", false)
    }

    private func fail(_ id: String?, _ message: String, _ report: inout Report) {
        report.failed += 1
        onNote(id, message, true)
    }
}
