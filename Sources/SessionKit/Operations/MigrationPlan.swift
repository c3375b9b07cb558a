/// What a migration does with one source session, decided before anything is written: the
/// rules of product.md for moving between layouts and keeping the expiry instant.
struct PlannedSession: Sendable {
    enum Action: Sendable {
        /// Write this, expecting the target to read back with `expiry`.
        case write(SessionWrite, expiry: Expiry, capped: Bool)
        case expired
        /// No keys, and the target cannot hold an empty session.
        case empty
        case fail(MigrationFailure)
    }

    var id: String
    var action: Action
    /// The source session's revision, for deleting it only while unchanged.
    var sourceRevision: Revision?
    var size: Int
}

/// One source page, planned.
struct PlannedPage: Sendable {
    var items: [PlannedSession] = []
    var broken: [BrokenSession] = []
    var skippedKeys = 0
    var scanned = 0
}

/// Turns source sessions into writes for a target with `capabilities`.
struct MigrationPlanner: Sendable {
    let capabilities: StoreCapabilities
    let targetName: String
    let mode: WriteMode
    let clock: Clock

    func plan(_ page: SessionPage) -> PlannedPage {
        let now = clock.nowMillis()
        var out = PlannedPage(broken: page.broken, skippedKeys: page.skipped.count, scanned: page.sessions.count + page.broken.count)
        out.items.reserveCapacity(page.sessions.count)
        for session in page.sessions {
            out.items.append(PlannedSession(id: session.id, action: action(session, now: now), sourceRevision: session.revision, size: session.size))
        }
        return out
    }

    private func action(_ session: Session, now: Int64) -> PlannedSession.Action {
        if session.expiry.isExpired(now: now) { return .expired }
        if session.data.isEmpty && !capabilities.canStoreEmptySessions { return .empty }
        if !capabilities.keepsBinaryValues {
            do throws(SessionError) {
                try session.checkRepresentableAsJSON(store: targetName)
            } catch {
                return .fail(MigrationFailure(id: session.id, message: error.description))
            }
        }
        let (expiry, capped) = targetExpiry(session.expiry, now: now)
        var copy = session
        copy.revision = nil  // not read from the target
        return .write(SessionWrite(copy, mode: mode, expiry: .set(expiry)), expiry: expiry, capped: capped)
    }

    /// The same instant where the target can hold it. No expiry, or more time left than the
    /// target allows (a File store's max age), becomes the longest lifetime it allows, from now.
    func targetExpiry(_ expiry: Expiry, now: Int64) -> (Expiry, capped: Bool) {
        switch expiry {
        case .at(let t):
            if let longest = capabilities.maxLifetimeMillis, t - now > longest { return (.at(now + longest), true) }
            return (.at(t), false)
        case .never:
            if capabilities.canPersist { return (.never, false) }
            if let longest = capabilities.maxLifetimeMillis { return (.at(now + longest), true) }
            return (.never, false)
        }
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
    static func compare(_ loaded: LoadResult, written: SessionWrite, expiry: Expiry, in target: any SessionStore,
                        existing: Bool, now: Int64) -> ReadBack {
        switch loaded {
        case .missing:
            return expiry.isExpired(now: now) ? .expiredSince : .differs("is not in the target")
        case .broken(let e):
            return .differs("cannot be read back: \(e)")
        case .found(let s):
            if s.data != target.dataAsStored(written.session.data) {
                return .differs(existing ? "differs from the source's data" : "reads back with other data than was written")
            }
            switch (expiry, s.expiry) {
            case (.never, .never):
                return .same
            case (.at(let want), .at(let got)) where abs(got - want) <= 1000 || (existing && got > want):
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
