/// Streams the sessions of a store that satisfy a filter: the scan names the sessions a page
/// at a time and a second handle on the same store loads each page's in one batch, so memory
/// stays bounded by a page however large the store is. Backs `find`, `del --where` and `purge`.
public struct SessionFinder: Sendable {
    /// Which sessions count, by their expiry.
    public enum Selection: Sendable {
        /// Live sessions only (what the app sees).
        case live
        /// Expired sessions only (File stores keep them until swept).
        case expired
        case all
    }

    /// What a run saw.
    public struct Tally: Sendable, Equatable {
        /// Sessions whose data was checked against the filter.
        public var checked = 0
        public var matched = 0
        /// Sessions that cannot be read, so were never checked.
        public var corrupt = 0
        /// Why the first of them cannot be read (store, id, reason), for a note.
        public var firstCorrupt: String?
        /// Keys under the store's namespace that are not sessions.
        public var skipped = 0
        /// Sessions left out for their expiry.
        public var notSelected = 0
        public init() {}
    }

    public var filter: SessionFilter
    /// A glob over ids, as `list` takes.
    public var pattern: String?
    public var selection: Selection
    /// Sessions per scan page and per load batch.
    public var pageSize: Int
    /// Only sessions whose last activity (`Session.lastWrite`) lies more than this long before
    /// now (`purge --idle`); a session whose store does not record it never qualifies.
    public var idleMillis: Int64?
    /// Only sessions without an expiry (`expire --no-ttl-only`).
    public var withoutExpiryOnly = false
    /// Only sessions last active within this window (`find --active`).
    public var active: ActiveWindow?

    public init(filter: SessionFilter, pattern: String? = nil, selection: Selection = .live, pageSize: Int = 500) {
        self.filter = filter
        self.pattern = pattern
        self.selection = selection
        self.pageSize = pageSize
    }

    /// Whether the expiry selection keeps a session with this expiry at `now`.
    public func selects(expiry: Expiry, now: Int64) -> Bool {
        switch selection {
        case .all: return true
        case .live: return !expiry.isExpired(now: now)
        case .expired: return expiry.isExpired(now: now)
        }
    }

    /// Whether a freshly loaded session is one this finder finds.
    public func selects(_ session: Session, now: Int64) -> Bool {
        selects(expiry: session.expiry, now: now) && filter.matches(session) && qualifies(session, now: now)
    }

    /// The rules beyond expiry and filter: idle long enough, without an expiry.
    private func qualifies(_ session: Session, now: Int64) -> Bool {
        if withoutExpiryOnly && session.expiry != .never { return false }
        if let active, !active.contains(session, now: now) { return false }
        if let idleMillis {
            guard let last = session.lastWrite, last < now.subtractingClamped(idleMillis) else { return false }
        }
        return true
    }

    /// Reads `store` page by page (each session once) and hands `visit` the matches of each page.
    /// `afterPage` sees the tally after every page and may stop the run; so may `visit`. Neither
    /// may call `store` itself (a scan may hold its connection): work goes through a second handle.
    @discardableResult
    public func run(
        scanning store: any SessionStore, visit: ([Session]) throws -> ScanControl,
        afterPage: (Tally) -> ScanControl = { _ in .proceed }
    ) throws -> Tally {
        var tally = Tally()
        let now = store.clock.nowMillis()
        try store.scanSessions(matching: pattern, pageSize: pageSize) { page in
            tally.skipped += page.skipped.count
            tally.corrupt += page.broken.count
            if tally.firstCorrupt == nil { tally.firstCorrupt = page.broken.first?.error.description }
            var matches: [Session] = []
            for session in page.sessions {
                guard selects(expiry: session.expiry, now: now) else {
                    tally.notSelected += 1
                    continue
                }
                tally.checked += 1
                if filter.matches(session) && qualifies(session, now: now) { matches.append(session) }
            }
            tally.matched += matches.count
            if !matches.isEmpty, try visit(matches) == .stop { return .stop }
            return afterPage(tally)
        }
        return tally
    }
}
