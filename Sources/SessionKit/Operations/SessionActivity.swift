/// When a session was last active: the one rule behind `list`, `count` and `find --active`,
/// `stats`' activity histogram and `top`.
///
/// - File: the header's timestamp (GoFrame rewrites it on every write and touch).
/// - trpc-agent-go: the latest of createdAt, updatedAt and the newest event (`AgentListing`).
/// - Redis KV, Hash, SCS and redistore: the app sets the key's TTL to the max age on each access
///   (gsession's `UpdateTTL`, SCS's idle timeout, gorilla's `Save`), so the last access is the
///   expiry minus the max age: the store's lifetime (`?ttl=`, else the framework's default). SCS
///   keeps only its absolute deadline in the value, not the idle timeout: give the app's
///   `IdleTimeout` as `?ttl=` when it has one; without one the TTL runs to the deadline and this
///   gives the session's start. A key without a TTL has no known activity.
public struct ActivityRule: Sendable {
    public let layout: SessionLayout
    /// The max age that a Redis session's TTL was last set to.
    public let maxAgeMillis: Int64

    public init(layout: SessionLayout, maxAgeMillis: Int64) {
        self.layout = layout
        self.maxAgeMillis = maxAgeMillis
    }

    public init(store: any SessionStore) {
        self.init(layout: store.layout, maxAgeMillis: store.defaultLifetimeMillis)
    }

    /// Unix milliseconds of the session's last activity; nil when the store cannot tell.
    public func lastActivity(_ info: SessionInfo) -> Int64? {
        lastActivity(lastWrite: info.agent?.lastActivity ?? info.lastWrite, expiry: info.expiry)
    }

    public func lastActivity(_ session: Session) -> Int64? {
        lastActivity(lastWrite: session.lastWrite, expiry: session.expiry)
    }

    private func lastActivity(lastWrite: Int64?, expiry: Expiry?) -> Int64? {
        switch layout {
        case .file, .trpc: return lastWrite
        case .kv, .hash, .scs, .redistore, .connectRedis, .php, .flaskSession:
            guard case .at(let t)? = expiry, maxAgeMillis > 0 else { return nil }
            return t.subtractingClamped(maxAgeMillis)
        }
    }

    /// Whether the session was active within `windowMillis` before `now` (`--active`).
    public func isActive(_ info: SessionInfo, within windowMillis: Int64, now: Int64) -> Bool {
        guard let last = lastActivity(info) else { return false }
        return last >= now.subtractingClamped(windowMillis)
    }

    public func isActive(_ session: Session, within windowMillis: Int64, now: Int64) -> Bool {
        guard let last = lastActivity(session) else { return false }
        return last >= now.subtractingClamped(windowMillis)
    }
}

/// How many sessions were last active within each window before now (under 1m, 1m-5m, 5m-15m,
/// 15m-1h, 1h-1d, 1d or more), and how many the store cannot tell for.
public struct ActivityHistogram: Sendable {
    /// `fromSeconds`/`toSeconds`: last active that long ago; `unknown` has neither.
    public typealias Bucket = SecondsBucket

    static let bounds: [(Int64, String)] = [(60, "1m"), (300, "5m"), (900, "15m"), (3600, "1h"), (86_400, "1d")]

    public private(set) var buckets: [Bucket]

    public init() {
        buckets = Bucket.ranges(Self.bounds) + [Bucket(label: "unknown")]
    }

    /// Counts a session last active at `last` (nil: unknown).
    public mutating func add(lastActivity last: Int64?, now: Int64) {
        guard let last else {
            buckets[buckets.count - 1].count += 1
            return
        }
        buckets[Bucket.range(of: now.subtractingClamped(last), in: Self.bounds)].count += 1
    }
}

/// `--active DURATION`: the sessions last active within a window before now.
public struct ActiveWindow: Sendable {
    public let rule: ActivityRule
    public let millis: Int64

    public init(rule: ActivityRule, millis: Int64) {
        self.rule = rule
        self.millis = millis
    }

    public func contains(_ info: SessionInfo, now: Int64) -> Bool { rule.isActive(info, within: millis, now: now) }
    public func contains(_ session: Session, now: Int64) -> Bool { rule.isActive(session, within: millis, now: now) }
}
