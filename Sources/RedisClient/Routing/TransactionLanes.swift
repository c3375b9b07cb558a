extension RedisRouter.TransactionRun {
    /// A group of keys that share WATCH/MULTI/EXEC: all the keys outside a cluster, the keys of
    /// one hash slot in a cluster (its unit of atomicity).
    struct Unit {
        var items: [Int]
        /// Run on this node with ASKING (after an ASK reply), instead of the slot's master.
        var ask: RedisEndpoint?
        /// Not before this instant (after TRYAGAIN or CLUSTERDOWN).
        var notBefore: Int64 = 0
    }

    /// A commit sent in a round: the unit, its writes, and how many replicas must confirm them.
    typealias SentCommit = (unit: Unit, writes: [[[UInt8]]], confirm: Int)

    /// One connection to a node and what is in flight on it: the commit of the unit it read
    /// last, then the reads of the next.
    final class Lane {
        let node: RedisNode
        let number: Int
        var commit: (unit: Unit, writes: [[[UInt8]]])?
        var reading: Unit?
        /// Keys are still watched on the connection without a commit to end it.
        var unwatch = false
        // This round:
        var sentCommit: SentCommit?
        var sentRead: Unit?
        var sentUnwatch = false
        var connection: RedisConnection?
        var count = 0
        var failure: RedisError?

        init(_ node: RedisNode, number: Int) {
            self.node = node
            self.number = number
        }

        /// Forgets the last round: the unit it took to read is the one to send now.
        func startRound() {
            sentCommit = nil
            sentUnwatch = false
            sentRead = reading
            reading = nil
            failure = nil
        }
    }

    /// A node's units waiting for a lane, and its lanes.
    final class NodeWork {
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

        /// The lanes with something to send this round: each takes at most one unit to read;
        /// lanes with a commit go out in any case. The node gets another connection (up to
        /// `lanesPerNode`) only for a queue that keeps it busy.
        func lanesWithWork(lanesPerNode: Int) -> [Lane] {
            let wanted = min(lanesPerNode, max(lanes.count, 1 + queued / RedisRouter.unitsPerExtraLane))
            var active: [Lane] = []
            var n = 0
            while n < wanted && (n < lanes.count || hasQueued) {
                if n == lanes.count { lanes.append(Lane(node, number: n)) }
                let l = lanes[n]
                if l.reading == nil && hasQueued { l.reading = pop() }
                if l.commit != nil || l.reading != nil { active.append(l) }
                n += 1
            }
            return active
        }

        /// The units this node had and did not send, to be routed again: its connections are
        /// gone, so nothing decided on them may be committed.
        func takeBack() -> [Unit] {
            var back: [Unit] = []
            for l in lanes {
                if let (unit, _) = l.commit { back.append(Unit(items: unit.items)) }
                if let unit = l.reading { back.append(Unit(items: unit.items)) }
                l.commit = nil
                l.reading = nil
                l.unwatch = false
            }
            while hasQueued { back.append(Unit(items: pop().items)) }
            return back
        }
    }

    /// Reads a lane's replies in the order its flight sent the commands.
    struct ReplyCursor {
        private let replies: [RedisReply]
        private var index = 0

        init(_ replies: [RedisReply]) { self.replies = replies }

        mutating func next() -> RedisReply {
            defer { index += 1 }
            return replies[index]
        }

        mutating func next(_ count: Int) -> ArraySlice<RedisReply> {
            defer { index += count }
            return replies[index..<(index + count)]
        }

        /// Passes over the reply to an ASKING or UNWATCH.
        mutating func skip() { index += 1 }
    }
}
