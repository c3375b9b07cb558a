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
    /// A group of keys that share WATCH/MULTI/EXEC: all the keys outside a cluster, the keys of
    /// one hash slot in a cluster (its unit of atomicity).
    private struct Unit {
        var items: [Int]
        /// Run on this node with ASKING (after an ASK reply), instead of the slot's master.
        var ask: RedisEndpoint?
        /// Not before this instant (after TRYAGAIN or CLUSTERDOWN).
        var notBefore: Int64 = 0
    }

    /// One connection to a node and what is in flight on it: the commit of the unit it read
    /// last, then the reads of the next.
    private final class Lane {
        let node: RedisNode
        let number: Int
        var commit: (unit: Unit, writes: [[[UInt8]]])?
        var reading: Unit?
        /// Keys are still watched on the connection without a commit to end it.
        var unwatch = false
        // This round:
        var sentCommit: (unit: Unit, writes: [[[UInt8]]], confirm: Int)?
        var sentRead: Unit?
        var sentUnwatch = false
        var connection: RedisConnection?
        var count = 0
        var failure: RedisError?

        init(_ node: RedisNode, number: Int) {
            self.node = node
            self.number = number
        }
    }

    /// A node's units waiting for a lane, and its lanes.
    private final class NodeWork {
        let node: RedisNode
        var queue: [Unit] = []
        var head = 0
        var lanes: [Lane] = []
        init(_ node: RedisNode) { self.node = node }

        var hasQueued: Bool { head < queue.count }
        var queued: Int { queue.count - head }

        func pop() -> Unit {
            let u = queue[head]
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            return u
        }
    }

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
        let readCommands = keys.map(reads)
        var fresh = units(Array(keys.indices), keys: keys)
        var waiting: [Unit] = []
        var work: [ObjectIdentifier: NodeWork] = [:]
        var order: [NodeWork] = []
        var attempt = Attempt(timeout: options.timeout)
        var rounds = 0
        let asking: [UInt8] = Array("ASKING".utf8)
        let lanesPerNode = topology.isCluster ? Self.lanesPerNode : 1

        func nodeWork(_ node: RedisNode) -> NodeWork {
            if let w = work[ObjectIdentifier(node)] { return w }
            let w = NodeWork(node)
            work[ObjectIdentifier(node)] = w
            order.append(w)
            return w
        }
        /// What a node had and did not send goes back to be routed again: its connections are
        /// gone, so nothing decided on them may be committed.
        func reset(_ w: NodeWork) {
            for l in w.lanes {
                if let (unit, _) = l.commit { fresh.append(Unit(items: unit.items)) }
                if let unit = l.reading { fresh.append(Unit(items: unit.items)) }
                l.commit = nil
                l.reading = nil
                l.unwatch = false
            }
            while w.hasQueued { fresh.append(Unit(items: w.pop().items)) }
        }

        while true {
            // Route the new units and those whose wait is over, each once.
            let now = Monotonic.now()
            var earliest = Int64.max
            var stillWaiting: [Unit] = []
            for unit in waiting {
                if unit.notBefore > now {
                    stillWaiting.append(unit)
                    earliest = min(earliest, unit.notBefore)
                } else {
                    fresh.append(unit)
                }
            }
            waiting = stillWaiting
            for var unit in fresh {
                let target: RedisNode?
                if let ask = unit.ask { target = topology.node(at: ask) } else { target = try topology.node(forSlot: slot(keys[unit.items[0]])) }
                guard let node = target else {
                    attempt.lastProblem = "a hash slot is not served by any master"
                    stats.retried += 1
                    unit.notBefore = now + attempt.pause
                    attempt.pause = min(attempt.pause * 2, 200)
                    waiting.append(unit)
                    earliest = min(earliest, unit.notBefore)
                    continue
                }
                nodeWork(node).queue.append(unit)
            }
            fresh = []

            // Each lane takes at most one unit to read; lanes with a commit go out in any case. A
            // node gets another connection only for a queue that keeps it busy.
            var active: [Lane] = []
            for w in order {
                let wanted = min(lanesPerNode, max(w.lanes.count, 1 + w.queued / Self.unitsPerExtraLane))
                var n = 0
                while n < wanted && (n < w.lanes.count || w.hasQueued) {
                    if n == w.lanes.count { w.lanes.append(Lane(w.node, number: n)) }
                    let l = w.lanes[n]
                    if l.reading == nil && w.hasQueued { l.reading = w.pop() }
                    if l.commit != nil || l.reading != nil { active.append(l) }
                    n += 1
                }
            }
            if active.isEmpty {
                if waiting.isEmpty { return }
                if now > attempt.deadline {
                    throw RedisError(.server, "the cluster did not settle within \(options.timeout) ms: \(attempt.lastProblem)")
                }
                Monotonic.sleep(milliseconds: min(max(earliest - now, 1), 200))
                try? topology.refresh(deadline: attempt.deadline)
                continue
            }

            // Send every lane its flight.
            for l in active {
                l.sentCommit = nil
                l.sentUnwatch = false
                l.sentRead = l.reading
                l.reading = nil
                l.failure = nil
                var buffer = RedisCommandBuffer()
                if let (unit, writes) = l.commit {
                    let confirm = topology.confirmations(for: l.node)
                    if unit.ask != nil { buffer.command([asking]) }
                    buffer.command([Array("MULTI".utf8)])
                    for w in writes { buffer.command(w) }
                    buffer.command([Array("EXEC".utf8)])
                    if confirm > 0 {
                        buffer.command([Array("WAIT".utf8), Array(String(confirm).utf8), Array(String(max(options.timeout / 2, 1)).utf8)])
                    }
                    l.sentCommit = (unit, writes, confirm)
                    l.commit = nil
                    l.unwatch = false
                } else if l.unwatch || l.sentRead != nil {
                    // Every WATCH follows an EXEC or an UNWATCH in its flight: keys left watched
                    // by an earlier call (whose last unit needed no write) would pile up on the
                    // connection, each WATCH then costs the server a walk of them all, and a
                    // change to one of them would abort a later EXEC for nothing.
                    buffer.command([Array("UNWATCH".utf8)])
                    l.unwatch = false
                    l.sentUnwatch = true
                }
                if let unit = l.sentRead {
                    if unit.ask != nil { buffer.command([asking]) }
                    buffer.command([Array("WATCH".utf8)] + unit.items.map { keys[$0] })
                    for i in unit.items {
                        for args in readCommands[i] {
                            if unit.ask != nil { buffer.command([asking]) }
                            buffer.command(args)
                        }
                    }
                }
                l.count = buffer.count
                do {
                    let connection = try l.node.connection(lane: l.number)
                    l.connection = connection
                    try connection.send(buffer)
                } catch let error as RedisError {
                    l.failure = error
                }
            }

            // Read the replies, lane by lane.
            let movedBefore = stats.moved
            var unconfirmed: [Lane] = []
            var readOnly: [(Lane, String)] = []
            var fatal: RedisError?
            for l in active where l.failure == nil {
                let replies: [RedisReply]
                do {
                    replies = try l.connection!.receive(l.count)
                } catch let error as RedisError {
                    l.failure = error
                    continue
                }
                var i = l.sentUnwatch ? 1 : 0
                if let (unit, writes, confirm) = l.sentCommit {
                    if unit.ask != nil { i += 1 }
                    let multi = replies[i]
                    let queued = replies[(i + 1)..<(i + 1 + writes.count)]
                    i += 1 + writes.count
                    let exec = replies[i]
                    i += 1
                    var wait: RedisReply?
                    if confirm > 0 {
                        wait = replies[i]
                        i += 1
                    }
                    var outcome: RedisTransactionOutcome?
                    switch exec {
                    case .null:
                        outcome = .changed
                    case .array(let results):
                        if let wait, (wait.int ?? 0) < Int64(confirm) {
                            outcome = .unknown
                            unconfirmed.append(l)
                        } else {
                            outcome = .committed(results)
                        }
                    case .error(let message):
                        let refusals = [multi] + Array(queued) + [exec]
                        if let redirect = refusals.lazy.compactMap({ RedisRedirect($0) }).first {
                            // Refused before anything ran: send the unit again.
                            requeue(unit, after: redirect, fresh: &fresh, waiting: &waiting, &attempt)
                        } else if let readonly = refusals.first(where: { $0.errorCode == .readOnly })?.errorMessage {
                            fresh.append(Unit(items: unit.items))
                            readOnly.append((l, readonly))
                        } else {
                            let first = queued.lazy.compactMap { $0.errorMessage }.first ?? multi.errorMessage ?? message
                            outcome = .refused(first)
                        }
                    default:
                        outcome = .refused("unexpected reply to EXEC")
                    }
                    if let outcome {
                        if outcome == .unknown { stats.uncertain += 1 }
                        attempt.progressed()
                        let again = settle(unit.items, outcome)
                        if !again.isEmpty { fresh += units(again, keys: keys) }
                    }
                }
                if let unit = l.sentRead {
                    if unit.ask != nil { i += 1 }
                    let watch = replies[i]
                    i += 1
                    var perKey: [ArraySlice<RedisReply>] = []
                    perKey.reserveCapacity(unit.items.count)
                    var redirect = RedisRedirect(watch)
                    for item in unit.items {
                        var mine: [RedisReply] = []
                        mine.reserveCapacity(readCommands[item].count)
                        for _ in readCommands[item] {
                            if unit.ask != nil { i += 1 }
                            if redirect == nil { redirect = RedisRedirect(replies[i]) }
                            mine.append(replies[i])
                            i += 1
                        }
                        perKey.append(mine[...])
                    }
                    if let redirect {
                        l.unwatch = true
                        requeue(unit, after: redirect, fresh: &fresh, waiting: &waiting, &attempt)
                    } else if case .error(let message) = watch {
                        fatal = fatal ?? RedisError([.noAuth, .noPerm].contains(watch.errorCode) ? .auth : .server,
                                                    "WATCH failed on \(l.node.endpoint): \(message)")
                        l.unwatch = true
                    } else {
                        let writes = decide(unit.items, perKey)
                        if writes.isEmpty {
                            l.unwatch = true
                            attempt.progressed()
                        } else {
                            l.commit = (unit, writes)
                        }
                    }
                }
            }

            // Lanes that failed: what they were reading goes back to be routed; what they were
            // committing has an unknown outcome; the node's other lanes start again too.
            var failedNodes: [(NodeWork, RedisError)] = []
            for l in active {
                guard let error = l.failure else { continue }
                l.connection = nil
                if let unit = l.sentRead { fresh.append(Unit(items: unit.items)) }
                if let (unit, _, _) = l.sentCommit {
                    stats.uncertain += 1
                    let again = settle(unit.items, .unknown)
                    if !again.isEmpty { fresh += units(again, keys: keys) }
                }
                let w = nodeWork(l.node)
                if !failedNodes.contains(where: { $0.0 === w }) { failedNodes.append((w, error)) }
            }
            for (w, error) in failedNodes {
                reset(w)
                try recover(.connection(error), on: w.node, &attempt)
            }
            for l in unconfirmed where l.failure == nil {
                let w = nodeWork(l.node)
                reset(w)
                try recover(.unconfirmed, on: w.node, &attempt)
            }
            for (l, message) in readOnly where l.failure == nil {
                let w = nodeWork(l.node)
                reset(w)
                try recover(.readOnly(message), on: w.node, &attempt)
            }
            if let fatal {
                for w in order { w.node.drop() }
                throw fatal
            }
            if stats.moved > movedBefore {
                rounds += 1
                if rounds > Self.maxRounds {
                    throw RedisError(.server, "writes were redirected more than \(Self.maxRounds) times (\(attempt.lastProblem))")
                }
                refreshAfterMoved(rounds: rounds, &attempt)
            }
            if Monotonic.now() > attempt.deadline && !(fresh.isEmpty && waiting.isEmpty) {
                throw RedisError(.server, "the cluster did not settle within \(options.timeout) ms: \(attempt.lastProblem)")
            }
        }
    }

    /// Sends a unit again after a redirect: to the new owner (MOVED), the importing node (ASK),
    /// or the same slot later (TRYAGAIN, CLUSTERDOWN).
    private func requeue(_ unit: Unit, after redirect: RedisRedirect, fresh: inout [Unit], waiting: inout [Unit], _ attempt: inout Attempt) {
        var next = Unit(items: unit.items)
        switch redirect {
        case .moved(let slot, let endpoint):
            topology.moved(slot: slot, to: endpoint)
            stats.moved += 1
            attempt.lastProblem = "MOVED \(slot) \(endpoint)"
        case .ask(let slot, let endpoint):
            stats.asked += 1
            attempt.lastProblem = "ASK \(slot) \(endpoint)"
            if unit.ask == endpoint {
                // Asked to ask the same node again: the migration is under way; wait a little.
                next.notBefore = Monotonic.now() + attempt.pause
                attempt.pause = min(attempt.pause * 2, 200)
            }
            next.ask = endpoint
        case .tryAgain(let message):
            stats.retried += 1
            attempt.lastProblem = message
            next.notBefore = Monotonic.now() + attempt.pause
            attempt.pause = min(attempt.pause * 2, 200)
        }
        if next.notBefore > 0 { waiting.append(next) } else { fresh.append(next) }
    }

    /// The units of `items`: one outside a cluster; one per hash slot in a cluster.
    private func units(_ items: [Int], keys: [[UInt8]]) -> [Unit] {
        guard topology.isCluster else { return [Unit(items: items)] }
        var bySlot: [Int: Int] = [:]
        var out: [Unit] = []
        for i in items {
            let s = ClusterSlots.slot(of: keys[i])
            if let u = bySlot[s] {
                out[u].items.append(i)
            } else {
                bySlot[s] = out.count
                out.append(Unit(items: [i]))
            }
        }
        return out
    }
}
