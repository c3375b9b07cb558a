/// What `stats` tells about trpc-agent-go sessions, from a listing scan (`SessionInfo.agent`): no
/// event data is read, and memory does not grow with the store (past `appCapacity` distinct apps
/// the rest are counted together).
public struct AgentStatistics: Sendable {
    public struct Entry: Sendable {
        public var listing: AgentListing
        public var bytes: Int
    }

    public static let appCapacity = 1000
    public private(set) var sessionsPerApp: [String: Int] = [:]
    /// Sessions of the apps beyond the first `appCapacity`.
    public private(set) var otherApps = 0
    public private(set) var events = SizeDistribution()
    public private(set) var bytes = SizeDistribution()
    public private(set) var withoutTTL = 0
    /// The largest sessions by bytes, largest first.
    public private(set) var largest: [Entry] = []
    /// The sessions idle the longest (oldest last activity first): what `purge --idle` would take first.
    public private(set) var oldestIdle: [Entry] = []
    public let largestLimit: Int

    public init(largest: Int = 5) { largestLimit = max(largest, 0) }

    public mutating func add(_ info: SessionInfo) {
        guard let agent = info.agent else { return }
        let app = agent.sessionID.app
        if sessionsPerApp[app] != nil || sessionsPerApp.count < Self.appCapacity {
            sessionsPerApp[app, default: 0] += 1
        } else {
            otherApps += 1
        }
        events.add(agent.eventCount)
        bytes.add(info.size)
        if info.expiry == .never { withoutTTL += 1 }
        let entry = Entry(listing: agent, bytes: info.size)
        func byID(_ a: Entry, _ b: Entry) -> Bool { a.listing.sessionID.text.utf8.lexicographicallyPrecedes(b.listing.sessionID.text.utf8) }
        Self.keep(entry, in: &largest, limit: largestLimit) { a, b in a.bytes != b.bytes ? a.bytes > b.bytes : byID(a, b) }
        if let last = agent.lastActivity {
            Self.keep(entry, in: &oldestIdle, limit: largestLimit) { a, b in
                let (x, y) = (a.listing.lastActivity ?? last, b.listing.lastActivity ?? last)
                return x != y ? x < y : byID(a, b)
            }
        }
    }

    /// Keeps the first `limit` entries in the order `before` gives, `entry` among them if it belongs.
    private static func keep(_ entry: Entry, in list: inout [Entry], limit: Int, by before: (Entry, Entry) -> Bool) {
        if list.count == limit {
            guard let last = list.last, before(entry, last) else { return }
            list.removeLast()
        }
        list.insert(entry, at: list.firstIndex { before(entry, $0) } ?? list.count)
    }

    /// Lists every session of `store` (ids matching `pattern`) once, without reading event data:
    /// the figures `StoreStatistics` can take from a listing (no key weights), and these.
    public static func gather(
        scanning store: any SessionStore, pattern: String? = nil, pageSize: Int = 500, largest: Int = 10,
        afterPage: (StoreStatistics) -> ScanControl = { _ in .proceed }
    ) throws -> (StoreStatistics, AgentStatistics) {
        var stats = StoreStatistics(now: store.clock.nowMillis(), largest: largest)
        stats.activityRule = ActivityRule(store: store)
        var agent = AgentStatistics()
        try store.scan(matching: pattern, pageSize: pageSize, detail: .full) { page in
            stats.skipped += page.skipped.count
            for info in page.sessions {
                if let problem = info.problem {
                    stats.corrupt += 1
                    if stats.firstCorrupt == nil { stats.firstCorrupt = problem }
                    continue
                }
                stats.add(info)
                agent.add(info)
            }
            return afterPage(stats)
        }
        return (stats, agent)
    }
}

extension StoreStatistics {
    /// Counts a session from its listing (no key weights: the listing has no data).
    public mutating func add(_ info: SessionInfo) {
        let expiry = info.expiry ?? .never
        sessions += 1
        if expiry.isExpired(now: now) { expired += 1 } else { live += 1 }
        if info.keyCount == 0 { empty += 1 }
        sizes.add(info.size)
        lifetimes.add(expiry, now: now)
        activity.add(lastActivity: activityRule?.lastActivity(info), now: now)
        largest.add(id: info.id, size: info.size)
    }
}
