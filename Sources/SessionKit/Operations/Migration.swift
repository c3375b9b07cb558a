/// Copies every live session from a source (a store, or an export stream) into a target store,
/// keeping each id, its data (converted between layouts as product.md says) and its expiry
/// instant. Expired sessions are counted, not copied; a session the target cannot take fails
/// alone, with its id and the reason.
///
/// It streams: the source is read a page at a time on a thread of its own, planned there, and
/// handed over through a queue two pages deep, while this thread writes the page before in one
/// batch (pipelined on Redis). Memory stays a few pages whatever the store size.
///
/// It is safe to stop at any moment. Nothing in the source changes, except with `deleteSource`,
/// which removes a source session only after its copy was read back equal, and only while it is
/// still exactly as it was read. Every write creates or replaces one whole session in one step
/// (a link or rename for a file; `SET ... NX PX`, `RESTORE` or one MULTI/EXEC for Redis, the TTL
/// included), so a run killed part-way
/// leaves each session either copied or not, never half; running the same migration again
/// skips what is there and copies the rest, so every session ends up in the target once.
public final class Migration {
    public let target: any SessionStore
    public let options: MigrationOptions
    public let clock: Clock

    /// Each session that could not be copied, verified or removed, as it happens.
    public var onFailure: (MigrationFailure) -> Void = { _ in }
    /// The counts so far, after each page.
    public var onProgress: (MigrationReport) -> Void = { _ in }
    /// Polled after each page; true stops the migration there (`MigrationReport.interrupted`).
    public var shouldStop: () -> Bool = { false }
    /// The trash of the target: with `--overwrite`, each session about to be replaced goes there
    /// first (and is then replaced only while still as kept), and each copy made is noted.
    public var targetRecorder: (any ChangeRecorder)?
    /// The trash of the source: with `deleteSource`, each session goes there before it is removed.
    public var sourceRecorder: (any ChangeRecorder)?

    public init(target: any SessionStore, options: MigrationOptions, clock: Clock = .system) {
        self.target = target
        self.options = options
        self.clock = clock
    }

    private enum Flow: Sendable {
        case page(PlannedPage)
        case finished
        case failed(SessionError)
    }

    /// Runs the migration from `source`. With `deleteSource`, `sourceStore` is a handle of its own
    /// on the source store (`reopened()`), used to remove verified copies while the scan goes on.
    /// Throws `MigrationAborted` when a store fails part-way.
    public func run(from source: any SessionSource, deletingFrom sourceStore: (any SessionStore)? = nil) throws -> MigrationReport {
        precondition(!options.deleteSource || options.dryRun || sourceStore != nil, "deleteSource needs a handle on the source store")
        // A store seen read-only refuses before anything is read, not at its first write.
        if !options.dryRun {
            for store in [target, sourceStore] { try store?.checkWritable() }
        }
        let start = SystemTime.monotonicSeconds()
        var report = MigrationReport(dryRun: options.dryRun)
        let planner = MigrationPlanner(
            capabilities: target.capabilities, targetName: target.displayName,
            mode: options.existing == .skip ? .create : .upsert, clock: clock,
            lineReader: target.exportLineReader)
        let queue = BlockingQueue<Flow>(capacity: 2)
        let reader = HandOff(source)
        let pageSize = options.batchSize
        guard
            let producer = WorkerThread({
                do {
                    try reader.value.sessionPages(pageSize: pageSize) { page in
                        queue.push(.page(planner.plan(page))) ? .proceed : .stop
                    }
                    _ = queue.push(.finished)
                } catch {
                    _ = queue.push(.failed(Migration.sessionError(error, location: reader.value.displayName)))
                }
            })
        else {
            throw SessionError.io(location: source.displayName, reason: "cannot start a thread to read it")
        }
        var fatal: SessionError?
        loop: while let flow = queue.pop() {
            switch flow {
            case .page(let page):
                do {
                    try process(page, into: &report, deletingFrom: sourceStore)
                } catch {
                    fatal = Migration.sessionError(error, location: target.displayName)
                    break loop
                }
            case .finished:
                break loop
            case .failed(let error):
                fatal = error
                break loop
            }
            report.seconds = SystemTime.monotonicSeconds() - start
            onProgress(report)
            if shouldStop() {
                report.interrupted = true
                break loop
            }
        }
        queue.close()  // the reader stops at its next page
        producer.join()
        report.seconds = SystemTime.monotonicSeconds() - start
        if let fatal {
            // Nothing was read: the one line of the error says it all.
            if report.scanned == 0 && report.copied == 0 { throw fatal }
            throw MigrationAborted(error: fatal, report: report)
        }
        return report
    }

    static func sessionError(_ error: any Error, location: String) -> SessionError {
        if let e = error as? SessionError { return e }
        return .io(location: location, reason: "\(error)")
    }

    // MARK: One page

    private func process(_ page: PlannedPage, into report: inout MigrationReport, deletingFrom sourceStore: (any SessionStore)?) throws {
        report.scanned += page.scanned
        report.skippedKeys += page.skippedKeys
        report.expired += page.expired
        report.emptySkipped += page.empty
        report.lifetimeCapped += page.capped
        for f in page.failures { fail(f, &report) }
        var writes = page.writes, plans = page.plans
        guard !writes.isEmpty else { return }
        if options.dryRun { return try predict(writes, plans, into: &report) }

        var replaced: Set<Int> = []
        if let targetRecorder, options.existing == .overwrite { replaced = try keepReplaced(&writes, &plans, in: targetRecorder, &report) }
        let results = try target.save(writes)
        var check: [(n: Int, existing: Bool)] = []
        var made: [Int] = []
        for (n, result) in results.enumerated() {
            switch result {
            case .success:
                made.append(n)
                report.copied += 1
                report.bytes += Int64(plans[n].size)
                if options.verify || options.deleteSource { check.append((n, false)) }
            case .failure(.alreadyExists):
                report.skippedExisting += 1
                // A copy left by an earlier, interrupted run: the source goes once it is proven there.
                if options.deleteSource { check.append((n, true)) }
            case .failure(let error):
                fail(writes[n].session.id, error.description, &report)
            }
        }
        if let targetRecorder, !made.isEmpty {
            let digests = try target.revisionDigests(made.map { writes[$0].session.id })
            try targetRecorder.didChange(
                zip(made, digests).compactMap { n, digest in
                    digest.map { TrashChange(id: writes[n].session.id, kind: replaced.contains(n) ? .replaced : .created, after: $0) }
                })
        }
        guard !check.isEmpty else { return }

        let loaded = try target.load(check.map { writes[$0.n].session.id })
        let now = clock.nowMillis()
        var proven: [Int] = []
        for (c, result) in zip(check, loaded) {
            let (n, existing) = c
            switch ReadBack.compare(result, written: writes[n], expiry: plans[n].expiry, in: target, existing: existing, now: now) {
            case .same:
                if !existing { report.verified += 1 }
                proven.append(n)
            case .expiredSince:
                report.copied -= 1
                report.bytes -= Int64(plans[n].size)
                report.expired += 1
            case .differs(let why):
                let id = writes[n].session.id
                if existing {
                    fail(
                        id,
                        "\(target.displayName): session \(SessionError.quote(id)) is already there and \(why); "
                            + "the source session was kept (--overwrite replaces it)", &report)
                } else {
                    report.copied -= 1
                    report.bytes -= Int64(plans[n].size)
                    fail(id, "\(target.displayName): session \(SessionError.quote(id)) failed verification: it \(why)", &report)
                }
            }
        }
        guard options.deleteSource, let sourceStore else { return }
        let removable = proven.compactMap { n in plans[n].sourceRevision.map { (id: writes[n].session.id, revision: $0) } }
        guard !removable.isEmpty else { return }
        try sourceRecorder?.willChange(proven.filter { plans[$0].sourceRevision != nil }.map { writes[$0].session })
        var removed: [TrashChange] = []
        for (item, result) in zip(removable, try sourceStore.delete(unchanged: removable)) {
            switch result {
            case .success(true):
                report.deleted += 1
                removed.append(.removed(item.id))
            case .success(false): break  // gone already
            case .failure(.conflict):
                report.keptInSource += 1
                onFailure(
                    MigrationFailure(
                        id: item.id,
                        message: "\(sourceStore.displayName): session \(SessionError.quote(item.id)) "
                            + "changed after it was copied; it was kept in the source (run again with --overwrite to copy it again)"))
            case .failure(let error):
                report.keptInSource += 1
                onFailure(MigrationFailure(id: item.id, message: error.description))
            }
        }
        try sourceRecorder?.didChange(removed)
    }

    /// With `--overwrite` and a trash: the sessions the target has under the page's ids go to the
    /// trash, read just before the page is written (each replaced whole, as without a trash, so
    /// the copy is the source's exact bytes); where there was none the write only creates one.
    /// The indexes of the replacing writes.
    private func keepReplaced(
        _ writes: inout [SessionWrite], _ plans: inout [WritePlan], in recorder: any ChangeRecorder, _ report: inout MigrationReport
    ) throws -> Set<Int> {
        var kept: [Session] = []
        var refused: Set<Int> = []
        for (n, loaded) in try target.load(writes.map(\.session.id)).enumerated() {
            switch loaded {
            case .missing:
                writes[n].mode = .create
            case .found(let current):
                kept.append(current)
            case .broken(let e):
                refused.insert(n)
                fail(writes[n].session.id, "\(e.description); it was not replaced: the trash cannot keep a session it cannot read (--no-trash replaces it)", &report)
            }
        }
        try recorder.willChange(kept)
        if !refused.isEmpty {
            writes = writes.enumerated().filter { !refused.contains($0.offset) }.map(\.element)
            plans = plans.enumerated().filter { !refused.contains($0.offset) }.map(\.element)
        }
        return Set(writes.indices.filter { writes[$0].mode != .create })
    }

    /// A dry run: what the target holds under each id says what a write would do.
    private func predict(_ writes: [SessionWrite], _ plans: [WritePlan], into report: inout MigrationReport) throws {
        let overwrite = options.existing == .overwrite
        for (n, result) in try target.load(writes.map(\.session.id)).enumerated() {
            var exists: Bool
            switch result {
            case .missing: exists = false
            case .found: exists = true
            case .broken(let error):
                switch error {
                case .notASession, .invalidID, .io, .storeUnavailable, .unsupported:
                    fail(writes[n].session.id, error.description, &report)
                    continue
                default:
                    exists = true  // a corrupt session is still one the target has
                }
            }
            if exists && !overwrite {
                report.skippedExisting += 1
            } else {
                report.copied += 1
                report.bytes += Int64(plans[n].size)
            }
        }
    }

    private func fail(_ id: String?, _ message: String, _ report: inout MigrationReport) {
        fail(MigrationFailure(id: id, message: message), &report)
    }

    private func fail(_ failure: MigrationFailure, _ report: inout MigrationReport) {
        report.failed += 1
        onFailure(failure)
    }
}
