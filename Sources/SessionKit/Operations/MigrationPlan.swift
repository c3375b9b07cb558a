/// What a write of a migration expects, beside the write itself.
struct WritePlan: Sendable {
    /// The expiry the copy must read back with.
    var expiry: Expiry
    /// The source session's revision, for deleting it only while unchanged.
    var sourceRevision: Revision?
    /// Its stored size in the source.
    var size: Int
}

/// One source page, planned: the writes to make (with their plans, index for index) and the
/// sessions settled without a write.
struct PlannedPage: Sendable {
    var writes: [SessionWrite] = []
    var plans: [WritePlan] = []
    var expired = 0
    /// No keys, and the target cannot hold an empty session.
    var empty = 0
    var capped = 0
    var failures: [MigrationFailure] = []
    var skippedKeys = 0
    var scanned = 0
}

/// Turns source sessions into writes for a target with `capabilities`.
struct MigrationPlanner: Sendable {
    let capabilities: StoreCapabilities
    let targetName: String
    let mode: WriteMode
    let clock: Clock
    /// The target's reading of export lines (an import), if it has one.
    var lineReader: ExportLineReader? = nil

    /// Takes the page apart (sessions are moved, not copied: a page holds thousands).
    func plan(_ page: consuming SessionPage) -> PlannedPage {
        let now = clock.nowMillis()
        var out = PlannedPage(skippedKeys: page.skipped.count, scanned: page.sessions.count + page.broken.count)
        out.failures = page.broken.map { MigrationFailure(id: $0.id, message: $0.error.description) }
        out.writes.reserveCapacity(page.sessions.count)
        out.plans.reserveCapacity(page.sessions.count)
        while var session = page.sessions.popLast() {
            if session.expiry.isExpired(now: now) {
                out.expired += 1
                continue
            }
            if let blob = session.storedBlob, !blob.isRead, let lineReader {
                do throws(SessionError) {
                    try lineReader.prepare(&session)
                } catch {
                    out.failures.append(MigrationFailure(id: session.id, message: error.description))
                    continue
                }
            }
            if session.keyCount == 0 && !capabilities.canStoreEmptySessions {
                out.empty += 1
                continue
            }
            if !capabilities.keepsBinaryValues {
                do throws(SessionError) {
                    try session.checkRepresentableAsJSON(store: targetName)
                } catch {
                    out.failures.append(MigrationFailure(id: session.id, message: error.description))
                    continue
                }
            }
            if !capabilities.storesJSONText { _ = session.data }  // parsed here, on the reading thread, not by the writer
            let (expiry, capped) = targetExpiry(session.expiry, now: now)
            if capped { out.capped += 1 }
            let revision = session.revision
            session.revision = nil  // not read from the target
            out.plans.append(WritePlan(expiry: expiry, sourceRevision: revision, size: session.size))
            out.writes.append(SessionWrite(session, mode: mode, expiry: .set(expiry)))
        }
        return out
    }

    /// The same instant, always (a File store writes the timestamp that expires then, even one
    /// in the future). No expiry, where the target cannot keep a session without one, becomes
    /// the lifetime a new session gets there (a File store's max age), from now.
    func targetExpiry(_ expiry: Expiry, now: Int64) -> (Expiry, capped: Bool) {
        guard expiry == .never, !capabilities.canPersist, let lifetime = capabilities.newSessionLifetimeMillis else { return (expiry, false) }
        return (.at(now.addingClamped(lifetime)), true)
    }
}

/// How a session read back from the target compares with what was written.
enum ReadBack {
    case same
    /// Gone: it expired between the write and the read.
    case expiredSince
    case differs(String)

    /// Verifies a copy: the data as the target stores it, and the expiry within a second. For a
    /// session that was already in the target (`existing`), a later expiry also passes: the app
    /// may have refreshed it since.
    static func compare(
        _ loaded: LoadResult, written: SessionWrite, expiry: Expiry, in target: any SessionStore,
        existing: Bool, now: Int64
    ) -> ReadBack {
        switch loaded {
        case .missing:
            return expiry.isExpired(now: now) ? .expiredSince : .differs("is not in the target")
        case .broken(let e):
            return .differs("cannot be read back: \(e)")
        case .found(let s):
            if s.data != target.dataAsStored(written.session.data) {
                return .differs(existing ? "differs from the source's data" : "reads back with other data than was written")
            }
            if let wrote = written.session.agent, let got = s.agent, let difference = wrote.conversationDifference(from: got) {
                return .differs(difference)
            }
            switch (expiry, s.expiry) {
            case (.never, .never):
                return .same
            case (.at(let want), .at(let got)) where got.subtractingClamped(want).magnitude <= 1000 || (existing && got > want):
                return .same
            case (.at, .never) where existing:
                return .same
            default:
                return .differs("reads back expiring \(describe(s.expiry)) instead of \(describe(expiry))")
            }
        }
    }

    private static func describe(_ e: Expiry) -> String {
        switch e {
        case .never: return "never"
        case .at(let t): return "at " + Durations.rfc3339(millis: t)
        }
    }
}
