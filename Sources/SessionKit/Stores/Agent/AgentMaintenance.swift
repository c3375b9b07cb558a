/// Upkeep of trpc-agent-go's Redis keys that the library leaves to its users: the user session
/// index rebuilt (sessions created before it was turned on are missing from it), and the keys a
/// crash, a TTL or an old version left behind found (`check`) and removed where that is safe.
public protocol AgentMaintenance {
    /// Adds every live HashIdx session missing from its user's index hash, as the library writes
    /// the entry, and drops index entries whose session is gone: each user's index in one
    /// transaction. With `write` false, says what it would do and changes nothing. `afterPage`
    /// (keys seen so far) may stop the scan.
    func reindex(write: Bool, examples: Int, afterPage: (Int) -> ScanControl) throws -> AgentReindexReport
    /// One walk of the keyspace under the prefix: what is left behind or broken, by kind.
    func check(examples: Int, afterPage: (Int) -> ScanControl) throws -> AgentCheckReport
    /// Removes what `report` found that is safe to remove, each only while it still is what
    /// the check found (read again under WATCH); keys of the wrong type and metas that are not
    /// JSON are never touched.
    /// What it removes goes to `recorder` (the trash) first, each removed only while still as kept.
    func repair(_ report: AgentCheckReport, recorder: (any ChangeRecorder)?) throws -> AgentRepairOutcome
    /// Puts back what a repair removed (`undo`), each only where nothing is there now: a whole
    /// key that does not exist (with its expiry; not one expired since), fields and members
    /// the key lacks. False where something is there (or it expired): left alone.
    func restore(_ removed: [RemovedKey]) throws -> [Result<Bool, SessionError>]
}

/// The maintenance of a read-only view: reading as the store does, every write refused.
struct ReadOnlyAgentMaintenance: AgentMaintenance {
    let base: any AgentMaintenance
    let refusal: SessionError

    func reindex(write: Bool, examples: Int, afterPage: (Int) -> ScanControl) throws -> AgentReindexReport {
        if write { throw refusal }
        return try base.reindex(write: false, examples: examples, afterPage: afterPage)
    }

    func check(examples: Int, afterPage: (Int) -> ScanControl) throws -> AgentCheckReport {
        try base.check(examples: examples, afterPage: afterPage)
    }

    func repair(_ report: AgentCheckReport, recorder: (any ChangeRecorder)?) throws -> AgentRepairOutcome { throw refusal }

    func restore(_ removed: [RemovedKey]) throws -> [Result<Bool, SessionError>] { throw refusal }
}

/// A count and the first few examples of it.
public struct AgentTally: Sendable, Equatable {
    public var count = 0
    public var examples: [String] = []

    public init() {}

    mutating func add(_ example: @autoclosure () -> String, limit: Int, count n: Int = 1) {
        count += n
        if examples.count < limit { examples.append(example()) }
    }
}
