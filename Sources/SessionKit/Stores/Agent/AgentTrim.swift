/// What `trim` deletes from a trpc-agent-go session's events: the rules given, and which stored
/// events they delete.
///
/// A turn is every stored event sharing one non-empty `requestID`, wherever it sits in time (ids
/// can interleave); turns rank by their newest event, as a newest-first walk of the time index
/// meets each id (docs/reference/other-stores.md §4.7). Keeping the newest N turns keeps those
/// turns whole and deletes every event of every other turn; an event without a request id
/// belongs to no turn, so `keepTurns` neither counts nor deletes it. Unlike the library's
/// `TrimConversations`, the whole index is looked at at once: no batch leaves part of a turn.
public struct AgentTrimRules: Sendable, Equatable {
    /// Keep the newest N turns whole; delete every event of every other turn.
    public var keepTurns: Int?
    /// Keep the newest N events of the time index; delete the older ones.
    public var keepEvents: Int?
    /// Delete the events whose time (the index score) is before this instant (Unix milliseconds).
    public var beforeMillis: Int64?

    public init(keepTurns: Int? = nil, keepEvents: Int? = nil, beforeMillis: Int64? = nil) {
        self.keepTurns = keepTurns
        self.keepEvents = keepEvents
        self.beforeMillis = beforeMillis
    }

    public var isEmpty: Bool { keepTurns == nil && keepEvents == nil && beforeMillis == nil }
}

/// What the rules do to one session's events.
public struct AgentTrimDecision: Sendable {
    /// The events to delete, in time-index order.
    public var deleted: [AgentEvent]
    /// Events left.
    public var keptEvents: Int
    /// Turns (distinct non-empty request ids) among the events left.
    public var keptTurns: Int

    public init(deleted: [AgentEvent], keptEvents: Int, keptTurns: Int) {
        self.deleted = deleted
        self.keptEvents = keptEvents
        self.keptTurns = keptTurns
    }
}

public enum AgentTrim {
    /// The events (in time-index order, as `AgentSessionParts.events` gives them) that `rules`
    /// delete: an event goes when any rule deletes it.
    public static func decide(_ events: [AgentEvent], _ rules: AgentTrimRules) -> AgentTrimDecision {
        var goes = [Bool](repeating: false, count: events.count)
        let requestIDs = events.map { e -> String? in
            guard let r = e.requestID, !r.isEmpty else { return nil }
            return r
        }
        if let keep = rules.keepTurns {
            // Rank each turn by its newest event: the order a newest-first walk meets its id.
            var rank: [String: Int] = [:]
            for r in requestIDs.reversed() {
                if let r, rank[r] == nil { rank[r] = rank.count }
            }
            for (i, r) in requestIDs.enumerated() {
                if let r, let n = rank[r], n >= keep { goes[i] = true }
            }
        }
        if let keep = rules.keepEvents {
            for i in 0..<max(0, events.count - max(keep, 0)) { goes[i] = true }
        }
        if let before = rules.beforeMillis {
            for (i, e) in events.enumerated() {
                if let t = e.unixMillis, t < before { goes[i] = true }
            }
        }
        var deleted: [AgentEvent] = []
        var turns = Set<String>()
        var kept = 0
        for (i, e) in events.enumerated() {
            if goes[i] {
                deleted.append(e)
            } else {
                kept += 1
                if let r = requestIDs[i] { turns.insert(r) }
            }
        }
        return AgentTrimDecision(deleted: deleted, keptEvents: kept, keptTurns: turns.count)
    }
}
