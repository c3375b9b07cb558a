#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `top` shows of a store: a scan's figures (sessions alive, the most common values of a
/// path, the largest sessions, who was active lately) kept current between scans by the store's
/// watch events (created / changed / deleted / expired per minute, activity). Memory is bounded:
/// a minute of per-second counters, the sessions active in the last 15 minutes (up to
/// `activeCapacity`), and the top entries of each list.
public struct LiveFigures: Sendable {
    /// One scan of the store.
    public struct Snapshot: Sendable {
        public var time: Int64
        public var alive = 0
        /// The most common values of the `--by` path, most first (value, sessions).
        public var top: [(value: String, sessions: Int)] = []
        /// Sessions with no value at the path.
        public var withoutValue = 0
        /// Past `valueCapacity` distinct values the rest are not told apart.
        public var valuesApproximate = false
        public var largest = LargestSessions()
        /// The sessions last active within 15 minutes of `time`, with when.
        public var recent: [String: Int64] = [:]

        public init(time: Int64) { self.time = time }

        /// Reads every session of `store` once (ids matching `pattern`). `afterPage` may stop it.
        public static func take(
            _ store: any SessionStore, pattern: String?, by: WhereCondition?, largest: Int = 10, top: Int = 10,
            afterPage: () -> ScanControl = { .proceed }
        ) throws -> Snapshot {
            let now = store.clock.nowMillis()
            let rule = ActivityRule(store: store)
            var snapshot = Snapshot(time: now)
            snapshot.largest = LargestSessions(limit: largest)
            var counts: [String: Int] = [:]
            try store.scanSessions(matching: pattern, pageSize: 500) { page in
                for session in page.sessions where !session.expiry.isExpired(now: now) {
                    snapshot.alive += 1
                    snapshot.largest.add(id: session.id, size: session.size)
                    if let last = rule.lastActivity(session), last >= now.subtractingClamped(LiveFigures.recentMillis),
                        snapshot.recent.count < LiveFigures.activeCapacity
                    {
                        snapshot.recent[session.id] = last
                    }
                    guard let by else { continue }
                    let values = Set(by.valueTexts(in: session.data))
                    if values.isEmpty { snapshot.withoutValue += 1 }
                    for v in values {
                        if counts[v] != nil || counts.count < LiveFigures.valueCapacity {
                            counts[v, default: 0] += 1
                        } else {
                            snapshot.valuesApproximate = true
                        }
                    }
                }
                return afterPage()
            }
            snapshot.top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(top).map { ($0.key, $0.value) }
            return snapshot
        }
    }

    public static let recentMillis: Int64 = 15 * 60_000
    public static let activeCapacity = 200_000
    public static let valueCapacity = 10_000

    public private(set) var snapshot: Snapshot
    /// Sessions alive: the last scan's count moved by the events since.
    public private(set) var alive: Int
    /// The sessions active in the last 15 minutes, with when.
    private var recent: [String: Int64]
    /// Events per second of the last minute: [second % 60] = (second, counts by change).
    private var seconds = [(second: Int64, counts: [Int])](repeating: (-1, [0, 0, 0, 0]), count: 60)
    /// Events seen since the watch began.
    public private(set) var events = 0

    public init(_ snapshot: Snapshot) {
        self.snapshot = snapshot
        alive = snapshot.alive
        recent = snapshot.recent
    }

    /// A fresh scan replaces the scan's figures; what was seen active since stays.
    public mutating func rescanned(_ fresh: Snapshot) {
        snapshot = fresh
        alive = fresh.alive
        for (id, t) in fresh.recent where (recent[id] ?? Int64.min) < t && recent.count < Self.activeCapacity { recent[id] = t }
        snapshot.recent = [:]
    }

    public mutating func record(_ event: SessionEvent) {
        events += 1
        let second = event.time / 1000
        let slot = Int(((second % 60) + 60) % 60)
        if seconds[slot].second != second { seconds[slot] = (second, [0, 0, 0, 0]) }
        switch event.change {
        case .created:
            seconds[slot].counts[0] += 1
            alive += 1
            touch(event)
        case .changed:
            seconds[slot].counts[1] += 1
            touch(event)
        case .deleted:
            seconds[slot].counts[2] += 1
            alive = max(alive - 1, 0)
            recent[event.id] = nil
            snapshot.largest.remove(id: event.id)
        case .expired:
            seconds[slot].counts[3] += 1
            alive = max(alive - 1, 0)
            recent[event.id] = nil
            snapshot.largest.remove(id: event.id)
        }
    }

    private mutating func touch(_ event: SessionEvent) {
        if recent[event.id] != nil || recent.count < Self.activeCapacity { recent[event.id] = event.time }
    }

    /// Events of each kind in the minute before `now`.
    public func perMinute(now: Int64) -> [SessionChange: Int] {
        let current = now / 1000
        var out: [SessionChange: Int] = [:]
        for s in seconds where s.second > current - 60 && s.second <= current {
            for (i, change) in [SessionChange.created, .changed, .deleted, .expired].enumerated() { out[change, default: 0] += s.counts[i] }
        }
        return out
    }

    /// Sessions last active within `millis` before `now` (up to 15 minutes).
    public func active(within millis: Int64, now: Int64) -> Int {
        let since = now.subtractingClamped(millis)
        return recent.values.reduce(0) { $0 + ($1 >= since ? 1 : 0) }
    }

    /// Forgets the sessions not active for 15 minutes.
    public mutating func prune(now: Int64) {
        let since = now.subtractingClamped(Self.recentMillis)
        recent = recent.filter { $0.value >= since }
    }
}

/// What feeds `top`: the store's watch (when it has the ability) and a scan every so often, each
/// on a thread of its own; the view takes what came when it draws.
public final class LiveFeed: @unchecked Sendable {
    private let signals = BlockingQueue<WatchSignal>(capacity: 100_000)
    private let snapshots = BlockingQueue<LiveFigures.Snapshot>(capacity: 2)
    private var threads: [WorkerThread] = []
    /// Whether the store reports its changes as they happen.
    public let watching: Bool

    /// Starts watching `store` and scanning a handle of its own every `rescanMillis`.
    public init(store: any SessionStore, pattern: String?, by: WhereCondition?, rescanMillis: Int64) throws {
        watching = store.abilities.watching != nil
        let (signals, snapshots) = (self.signals, self.snapshots)
        if let watching = store.abilities.watching {
            let handle = HandOff(watching)
            if let t = WorkerThread({
                do {
                    try handle.value.watch(matching: pattern, options: WatchOptions(), shouldStop: { signals.isClosed }) { signal in
                        signals.push(signal) ? .proceed : .stop
                    }
                } catch {
                    _ = signals.push(.notice("the watch stopped: \(error)"))
                }
            }) {
                threads.append(t)
            }
        }
        let scanner = HandOff(try store.reopened())
        if let t = WorkerThread({
            var next = scanner.value.clock.nowMillis().addingClamped(rescanMillis)
            while !signals.isClosed {
                guard scanner.value.clock.nowMillis() >= next else {
                    _ = poll(nil, 0, 100)
                    continue
                }
                do {
                    let fresh = try LiveFigures.Snapshot.take(scanner.value, pattern: pattern, by: by) { signals.isClosed ? .stop : .proceed }
                    if !signals.isClosed { _ = snapshots.push(fresh) }
                } catch {
                    _ = signals.push(.notice("a scan failed: \(error)"))
                }
                next = scanner.value.clock.nowMillis().addingClamped(rescanMillis)
            }
        }) {
            threads.append(t)
        }
    }

    /// The signals and fresh scans that came since the last call.
    public func take() -> (signals: [WatchSignal], snapshots: [LiveFigures.Snapshot]) {
        (signals.drain(), snapshots.drain())
    }

    /// Stops the watch and the scans and waits for their threads (a watch puts back what it
    /// changed on the server).
    public func stop() {
        signals.close()
        snapshots.close()
        for t in threads { t.join() }
        threads = []
    }

    deinit { stop() }
}
