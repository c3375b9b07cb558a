/// What became of one optimistic transaction.
public enum RedisTransactionOutcome: Equatable {
    /// EXEC ran the queued commands: their replies, in order.
    case committed([RedisReply])
    /// A watched key changed before EXEC: nothing was written.
    case changed
    /// A queued command was refused (EXECABORT), with the first refusal: nothing was written.
    case refused(String)
    /// The writes may or may not have happened: the connection failed after EXEC was sent, or
    /// the master's replica did not confirm them before a failover (Sentinel). Read the keys
    /// again to find out.
    case unknown
}

extension RedisRouter {
    /// Connections per node for a batch of many units (a cluster's slots): each carries one unit
    /// per round trip, so together they multiply what a node gets through.
    static let lanesPerNode = 8
    /// Units waiting on a node for each connection beyond the first.
    static let unitsPerExtraLane = 16

    /// Runs optimistic transactions on `keys` (distinct): for each unit of keys that can be
    /// watched together, WATCH them and send each key's `reads`; `decide` gets the unit (indices
    /// into `keys`) and each key's read replies and returns the writes to queue (none: nothing
    /// to do); they run in MULTI/EXEC on the same connection, and `settle` gets the outcome and
    /// returns the indices to read and decide again (e.g. after `.changed` or `.unknown`).
    ///
    /// Outside a cluster that is one unit and two round trips. In a cluster each slot is a unit;
    /// each node gets up to `lanesPerNode` connections, on each the units are chained (the commit
    /// of one unit and the reads of the next share a flight), and all nodes work at once. MOVED,
    /// ASK (ASKING before WATCH, each read and MULTI), TRYAGAIN and CLUSTERDOWN send the unit again
    /// before anything was written. With Sentinel, EXEC is followed by `WAIT 1` when the master
    /// has a replica: writes the replica did not take may be lost in a failover, so they come back
    /// as `.unknown` and the master is looked up again.
    public func transact(
        keys: [[UInt8]],
        reads: ([UInt8]) -> [[[UInt8]]],
        decide: (_ unit: [Int], _ replies: [ArraySlice<RedisReply>]) -> [[[UInt8]]],
        settle: (_ unit: [Int], _ outcome: RedisTransactionOutcome) -> [Int]
    ) throws {
        guard !keys.isEmpty else { return }
        let run = TransactionRun(self, keys: keys, readCommands: keys.map(reads))
        while true {
            try run.route()
            let lanes = run.lanesWithWork()
            if lanes.isEmpty {
                if run.waiting.isEmpty { return }
                try run.waitForWaitingUnits()
                continue
            }
            try run.send(lanes)
            let movedBefore = stats.moved
            let trouble = try run.receive(lanes, decide: decide, settle: settle)
            try run.recover(lanes, trouble, settle: settle)
            try run.checkProgress(movedBefore: movedBefore)
        }
    }

    /// The error of an operation whose retries ran out of time.
    func unsettled(_ attempt: Attempt) -> RedisError {
        RedisError(.server, "the cluster did not settle within \(options.timeout) ms: \(attempt.lastProblem)")
    }
}
