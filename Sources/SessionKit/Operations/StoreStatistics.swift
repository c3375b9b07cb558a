/// What `stats` tells about a store, gathered in one streaming pass whose memory does not grow
/// with the number of sessions: counts, a size distribution, remaining lifetimes, the keys that
/// take the most bytes and the largest sessions.
///
/// "Sessions" are the readable ones a store holds, live and expired (a File store keeps expired
/// files until they are swept); sizes, keys and the largest sessions cover all of them. Corrupt
/// sessions and skipped keys (not sessions) are only counted.
public struct StoreStatistics: Sendable {
    public var sessions = 0
    public var live = 0
    public var expired = 0
    /// Sessions without a single key.
    public var empty = 0
    public var corrupt = 0
    /// Why the first corrupt session cannot be read (store, id, reason), for a note.
    public var firstCorrupt: String?
    public var skipped = 0
    /// Bytes each session takes in the store (the stored body or value).
    public var sizes = SizeDistribution()
    public var lifetimes = LifetimeHistogram()
    /// Bytes per key across sessions: for a JSON layout the `"key":value` member as stored
    /// (Go's encoding), for a hash the field name and value.
    public var keys = KeyWeights()
    public var largest = LargestSessions()
    /// When sessions were last active (by `activityRule`; all unknown without one).
    public var activity = ActivityHistogram()
    public var activityRule: ActivityRule?
    public let now: Int64

    private var scratch: [UInt8] = []

    public init(now: Int64, largest: Int = 10, keyCapacity: Int = 2048) {
        self.now = now
        self.largest = LargestSessions(limit: largest)
        self.keys = KeyWeights(capacity: keyCapacity)
    }

    public mutating func add(_ session: Session) {
        sessions += 1
        if session.expiry.isExpired(now: now) { expired += 1 } else { live += 1 }
        if session.data.isEmpty { empty += 1 }
        sizes.add(session.size)
        lifetimes.add(session.expiry, now: now)
        activity.add(lastActivity: activityRule?.lastActivity(session), now: now)
        largest.add(id: session.id, size: session.size)
        for member in session.data {
            keys.add(member.key, bytes: memberBytes(member.key, member.value, in: session))
        }
    }

    /// The bytes one key takes in a session as stored.
    mutating func memberBytes(_ key: String, _ value: JSONValue, in session: Session) -> Int {
        if let raw = session.rawValues[key] { return key.utf8.count + raw.count }
        scratch.removeAll(keepingCapacity: true)
        GoJSONEncoder.writeString(key, style: session.escapeStyle, html: true, into: &scratch)
        scratch.append(UInt8(ascii: ":"))
        GoJSONEncoder.write(value, style: session.escapeStyle, into: &scratch)
        return scratch.count
    }

    /// Reads every session of `store` (ids matching `pattern`) once. `afterPage` sees the figures
    /// so far and may stop the pass.
    public static func gather(
        scanning store: any SessionStore, pattern: String? = nil,
        pageSize: Int = 500, largest: Int = 10,
        afterPage: (StoreStatistics) -> ScanControl = { _ in .proceed }
    ) throws -> StoreStatistics {
        var stats = StoreStatistics(now: store.clock.nowMillis(), largest: largest)
        stats.activityRule = ActivityRule(store: store)
        try store.scanSessions(matching: pattern, pageSize: pageSize) { page in
            stats.skipped += page.skipped.count
            stats.corrupt += page.broken.count
            if stats.firstCorrupt == nil { stats.firstCorrupt = page.broken.first?.error.description }
            for session in page.sessions { stats.add(session) }
            return afterPage(stats)
        }
        return stats
    }
}

/// How long sessions have left, in fixed buckets.
public struct LifetimeHistogram: Sendable {
    /// `fromSeconds`/`toSeconds`: remaining lifetime; `expired` and `no expiry` have neither.
    public typealias Bucket = SecondsBucket

    public private(set) var buckets: [Bucket]

    /// The bounds between the buckets of live sessions, in seconds.
    static let bounds: [(Int64, String)] = [(60, "1m"), (600, "10m"), (3600, "1h"), (21_600, "6h"), (86_400, "1d"), (604_800, "7d"), (2_592_000, "30d")]

    public init() {
        buckets = [Bucket(label: "expired")] + Bucket.ranges(Self.bounds) + [Bucket(label: "no expiry")]
    }

    public mutating func add(_ expiry: Expiry, now: Int64) {
        guard let left = expiry.remaining(now: now) else {
            buckets[buckets.count - 1].count += 1
            return
        }
        if left < 0 {
            buckets[0].count += 1
            return
        }
        buckets[1 + Bucket.range(of: left, in: Self.bounds)].count += 1
    }
}

/// One bucket of a histogram over durations: a range of seconds (from inclusive, to exclusive;
/// nil for an open end), or a bucket outside the ranges (neither), and its count.
public struct SecondsBucket: Sendable, Equatable {
    public let label: String
    public let fromSeconds: Int64?
    public let toSeconds: Int64?
    public internal(set) var count = 0

    init(label: String, fromSeconds: Int64? = nil, toSeconds: Int64? = nil) {
        self.label = label
        self.fromSeconds = fromSeconds
        self.toSeconds = toSeconds
    }

    /// The buckets from 0 to beyond the last of `bounds` (seconds, and how they are written):
    /// `< 1m`, `1m - 5m`, ..., `>= 1d`.
    static func ranges(_ bounds: [(Int64, String)]) -> [SecondsBucket] {
        var out: [SecondsBucket] = []
        var from: (Int64, String) = (0, "0")
        for bound in bounds {
            out.append(SecondsBucket(label: from.0 == 0 ? "< \(bound.1)" : "\(from.1) - \(bound.1)", fromSeconds: from.0, toSeconds: bound.0))
            from = bound
        }
        out.append(SecondsBucket(label: ">= \(from.1)", fromSeconds: from.0))
        return out
    }

    /// Which of `ranges(bounds)` holds a duration of `millis` (not negative).
    static func range(of millis: Int64, in bounds: [(Int64, String)]) -> Int {
        bounds.firstIndex { millis < $0.0 * 1000 } ?? bounds.count
    }
}
