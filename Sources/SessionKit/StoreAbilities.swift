/// What a store can do beyond the core `SessionStore` protocol, each ability a value it hands out
/// (nil: it cannot). Commands ask for an ability here instead of asking which class a store is.
///
/// A decorator passes its base's abilities on as one value (`refusingWrites` for the read-only
/// view), so an ability added here reaches every caller through every decorator; one that writes
/// must be wrapped in `refusingWrites`.
public struct StoreAbilities {
    /// Sessions as the layout makes them (Go-typed containers, a hash's text values, export lines).
    public var shaping: (any SessionShaping)?
    /// A fast estimate of how many sessions match.
    public var counting: (any SessionCounting)?
    /// What the store's connection had to retry.
    public var retries: (any RetryReporting)?
    /// Leftovers of interrupted writes that are never sessions (File's temp files).
    public var leftovers: (any LeftoverSweeping)?
    /// Deleting old events of trpc-agent-go sessions (`trim`).
    public var trimming: (any EventTrimming)?
    /// Changes to sessions as they happen (`watch`, `top`).
    public var watching: (any SessionWatching)?
    /// The error every write gets (a read-only view); nil for a store that writes.
    public var writeRefusal: SessionError?
    /// Upkeep of trpc-agent-go's keys: the user session index rebuilt, leftovers found and removed.
    public var agentMaintenance: (any AgentMaintenance)?

    public init(
        shaping: (any SessionShaping)? = nil, counting: (any SessionCounting)? = nil,
        retries: (any RetryReporting)? = nil, leftovers: (any LeftoverSweeping)? = nil,
        trimming: (any EventTrimming)? = nil
    ) {
        self.shaping = shaping
        self.counting = counting
        self.retries = retries
        self.leftovers = leftovers
        self.trimming = trimming
    }

    /// The same abilities with every write refused with `refusal`; reading ones stay as they are.
    public func refusingWrites(_ refusal: SessionError) -> StoreAbilities {
        var copy = self
        copy.writeRefusal = refusal
        copy.leftovers = leftovers.map { ReadOnlyLeftovers(base: $0, refusal: refusal) }
        copy.agentMaintenance = agentMaintenance.map { ReadOnlyAgentMaintenance(base: $0, refusal: refusal) }
        copy.trimming = trimming.map { _ in ReadOnlyTrimming(refusal: refusal) }
        copy.watching = watching.map { ReadOnlyWatching(base: $0, refusal: refusal) }
        return copy
    }
}

/// How a layout makes and reads back sessions, where that differs from plain JSON data.
public protocol SessionShaping {
    /// A session with no keys yet (with the typed container of a Go-typed layout), to be filled
    /// and saved with `.create`.
    func newSession(id: String, expiry: Expiry) -> Session
    /// The data as the store gives it back once it has written it (every scalar as its text for
    /// a Redis hash).
    func dataAsStored(_ data: JSONObject) -> JSONObject
    /// What the store makes of a session read from an export line before an import writes it
    /// (a Go layout reads the line's `blob`, see `SessionNDJSON`); nil for lines as they are. It
    /// runs on the thread that reads the lines.
    var exportLineReader: ExportLineReader? { get }
}

/// About how many sessions match `pattern`, when the store can tell much faster than by reading
/// them (a directory listing, a scan of key names); nil when it cannot. For progress lines: it may
/// count expired sessions and keys that turn out not to be sessions.
public protocol SessionCounting {
    func estimatedCount(matching pattern: String?) throws -> Int?
    /// Exactly how many live sessions match `pattern`, when the store can count them much faster
    /// than a scan hands them over one by one (a server-side count); nil when it cannot.
    func serverSideCount(matching pattern: String?) throws -> Int?
}

extension SessionCounting {
    public func serverSideCount(matching pattern: String?) throws -> Int? { nil }
}

/// What the store's connection had to retry since it was opened (redirections followed,
/// failovers recovered from, writes of unknown outcome checked again), in one line for people,
/// e.g. `37 MOVED redirects, 1 failover`; nil when nothing was retried. Long operations report it
/// at their end.
public protocol RetryReporting {
    var retrySummary: String? { get }
}

/// Files or keys that interrupted writes of sessctl's own left behind, which are never sessions.
public protocol LeftoverSweeping {
    /// The leftovers' names, removed when `remove` is true.
    func leftoverTempFiles(remove: Bool) throws -> [String]
}

/// Leftovers seen read-only: listed as they are, never removed.
struct ReadOnlyLeftovers: LeftoverSweeping {
    let base: any LeftoverSweeping
    let refusal: SessionError

    func leftoverTempFiles(remove: Bool) throws -> [String] {
        if remove { throw refusal }
        return try base.leftoverTempFiles(remove: false)
    }
}

/// Deleting old events from sessions whose events are stored apart from their data (trpc-agent-go
/// sessions: see `AgentStore.trim`).
public protocol EventTrimming {
    /// Trims each session while it is still as planned; what it is about to change goes to
    /// `recorder` (the trash) first.
    func trim(_ plans: [AgentTrimPlan], recorder: (any ChangeRecorder)?, stillQualifies: (Session) -> Bool) throws -> [AgentTrimResult]
}

/// Trimming seen read-only: refused.
struct ReadOnlyTrimming: EventTrimming {
    let refusal: SessionError

    func trim(_ plans: [AgentTrimPlan], recorder: (any ChangeRecorder)?, stillQualifies: (Session) -> Bool) throws -> [AgentTrimResult] {
        throw refusal
    }
}

/// Watching seen read-only: it reads as it is, but never changes the server's settings
/// (`--enable-notifications` is refused).
struct ReadOnlyWatching: SessionWatching {
    let base: any SessionWatching
    let refusal: SessionError

    func watch(
        matching pattern: String?, options: WatchOptions, shouldStop: () -> Bool,
        _ handle: (WatchSignal) throws -> ScanControl
    ) throws {
        if options.enableNotifications { throw refusal }
        try base.watch(matching: pattern, options: options, shouldStop: shouldStop, handle)
    }
}
