extension RedisRouter {
    /// One call of `transact`: its units of keys on their way through the nodes' queues and
    /// lanes, round after round. Each step of a round is one method; `transact` runs them.
    final class TransactionRun {
        typealias Decide = (_ unit: [Int], _ replies: [ArraySlice<RedisReply>]) -> [[[UInt8]]]
        typealias Settle = (_ unit: [Int], _ outcome: RedisTransactionOutcome) -> [Int]

        /// What went wrong in a round beyond a lane's connection, dealt with after its replies.
        struct Trouble {
            /// Lanes whose master's replica did not confirm the writes (Sentinel).
            var unconfirmed: [Lane] = []
            /// Lanes whose node refused a write with READONLY, with the message.
            var readOnly: [(Lane, String)] = []
            /// A refused WATCH (e.g. NOPERM): the call ends with it.
            var fatal: RedisError?
        }

        private static let asking = Array("ASKING".utf8)
        private static let multi = Array("MULTI".utf8)
        private static let exec = Array("EXEC".utf8)
        private static let wait = Array("WAIT".utf8)
        private static let unwatch = Array("UNWATCH".utf8)
        private static let watch = Array("WATCH".utf8)

        private let router: RedisRouter
        private let keys: [[UInt8]]
        private let readCommands: [[[[UInt8]]]]
        private let lanesPerNode: Int
        /// Units to route (new, sent back, or done waiting).
        private var fresh: [Unit] = []
        /// Units that wait for their `notBefore` (TRYAGAIN, CLUSTERDOWN, a slot without a master).
        private(set) var waiting: [Unit] = []
        private var work: [ObjectIdentifier: NodeWork] = [:]
        private var order: [NodeWork] = []
        private var attempt: Attempt
        private var rounds = 0

        init(_ router: RedisRouter, keys: [[UInt8]], readCommands: [[[[UInt8]]]]) {
            self.router = router
            self.keys = keys
            self.readCommands = readCommands
            lanesPerNode = router.topology.isCluster ? RedisRouter.lanesPerNode : 1
            attempt = Attempt(timeout: router.options.timeout)
            fresh = units(Array(keys.indices))
        }

        // MARK: Routing

        /// Routes the new units and those whose wait is over, each once: to the queue of the
        /// node that serves their slot, or of the node an ASK named. A unit whose slot no
        /// master serves waits, with backoff.
        func route() throws {
            let now = Monotonic.now()
            fresh += waiting.filter { $0.notBefore <= now }
            waiting.removeAll { $0.notBefore <= now }
            for var unit in fresh {
                let target: RedisNode?
                if let ask = unit.ask {
                    target = router.topology.node(at: ask)
                } else {
                    target = try router.topology.node(forSlot: router.slot(keys[unit.items[0]]))
                }
                guard let node = target else {
                    attempt.lastProblem = "a hash slot is not served by any master"
                    router.stats.retried += 1
                    unit.notBefore = now + attempt.pause
                    attempt.pause = min(attempt.pause * 2, 200)
                    waiting.append(unit)
                    continue
                }
                nodeWork(node).queue.append(unit)
            }
            fresh = []
        }

        /// The lanes of every node with something to send this round.
        func lanesWithWork() -> [Lane] {
            order.flatMap { $0.lanesWithWork(lanesPerNode: lanesPerNode) }
        }

        /// Nothing to send: sleeps until the earliest waiting unit is due (200 ms at most) and
        /// reads the topology again, or throws once the time for retries is up.
        func waitForWaitingUnits() throws {
            let now = Monotonic.now()
            if now > attempt.deadline { throw router.unsettled(attempt) }
            let earliest = waiting.lazy.map(\.notBefore).min() ?? now
            Monotonic.sleep(milliseconds: min(max(earliest - now, 1), 200))
            try? router.topology.refresh(deadline: attempt.deadline)
        }

        // MARK: Sending

        /// Sends every lane its flight; a lane whose connection fails keeps the error.
        func send(_ lanes: [Lane]) throws {
            for l in lanes {
                let buffer = flight(for: l)
                l.count = buffer.count
                do {
                    let connection = try l.node.connection(lane: l.number)
                    l.connection = connection
                    try connection.send(buffer)
                } catch let error as RedisError {
                    l.failure = error
                }
            }
        }

        /// A lane's flight: the commit it holds (or an UNWATCH), then the reads of its next unit.
        private func flight(for l: Lane) -> RedisCommandBuffer {
            l.startRound()
            var buffer = RedisCommandBuffer()
            if let (unit, writes) = l.commit {
                let confirm = router.topology.confirmations(for: l.node)
                appendCommit(unit, writes, confirm: confirm, to: &buffer)
                l.sentCommit = (unit, writes, confirm)
                l.commit = nil
                l.unwatch = false
            } else if l.unwatch || l.sentRead != nil {
                // Every WATCH follows an EXEC or an UNWATCH in its flight: keys left watched
                // by an earlier call (whose last unit needed no write) would pile up on the
                // connection, each WATCH then costs the server a walk of them all, and a
                // change to one of them would abort a later EXEC for nothing.
                buffer.command([Self.unwatch])
                l.unwatch = false
                l.sentUnwatch = true
            }
            if let unit = l.sentRead { appendReads(unit, to: &buffer) }
            return buffer
        }

        /// MULTI, the writes, EXEC, and `WAIT` for `confirm` replicas when there are any.
        private func appendCommit(_ unit: Unit, _ writes: [[[UInt8]]], confirm: Int, to buffer: inout RedisCommandBuffer) {
            if unit.ask != nil { buffer.command([Self.asking]) }
            buffer.command([Self.multi])
            for w in writes { buffer.command(w) }
            buffer.command([Self.exec])
            if confirm > 0 {
                let timeout = max(router.options.timeout / 2, 1)
                buffer.command([Self.wait, Array(String(confirm).utf8), Array(String(timeout).utf8)])
            }
        }

        /// WATCH of the unit's keys, then each key's reads (each after ASKING for an ASK unit).
        private func appendReads(_ unit: Unit, to buffer: inout RedisCommandBuffer) {
            if unit.ask != nil { buffer.command([Self.asking]) }
            buffer.command([Self.watch] + unit.items.map { keys[$0] })
            for i in unit.items {
                for args in readCommands[i] {
                    if unit.ask != nil { buffer.command([Self.asking]) }
                    buffer.command(args)
                }
            }
        }

        // MARK: Replies

        /// Reads each lane's replies: settles the commit it sent, then decides on the unit it
        /// read. A lane whose connection fails keeps the error.
        func receive(_ lanes: [Lane], decide: Decide, settle: Settle) throws -> Trouble {
            var trouble = Trouble()
            for l in lanes where l.failure == nil {
                let replies: [RedisReply]
                do {
                    replies = try l.connection!.receive(l.count)
                } catch let error as RedisError {
                    l.failure = error
                    continue
                }
                var cursor = ReplyCursor(replies)
                if l.sentUnwatch { cursor.skip() }
                if let sent = l.sentCommit { settleCommit(sent, on: l, &cursor, &trouble, settle) }
                if let unit = l.sentRead { decideOnReads(unit, on: l, &cursor, &trouble, decide) }
            }
            return trouble
        }

        /// What EXEC (and WAIT) said about a commit: settled, sent again after a redirect, or
        /// sent again after the master is looked up (READONLY, writes a replica did not confirm).
        private func settleCommit(_ sent: SentCommit, on l: Lane, _ cursor: inout ReplyCursor, _ trouble: inout Trouble, _ settle: Settle) {
            if sent.unit.ask != nil { cursor.skip() }
            let multi = cursor.next()
            let queued = cursor.next(sent.writes.count)
            let exec = cursor.next()
            let wait = sent.confirm > 0 ? cursor.next() : nil
            switch exec {
            case .null:
                finish(sent.unit, .changed, settle)
            case .array(let results):
                if let wait, (wait.int ?? 0) < Int64(sent.confirm) {
                    trouble.unconfirmed.append(l)
                    finish(sent.unit, .unknown, settle)
                } else {
                    finish(sent.unit, .committed(results), settle)
                }
            case .error(let message):
                let refusals = [multi] + Array(queued) + [exec]
                if let redirect = refusals.lazy.compactMap({ RedisRedirect($0) }).first {
                    // Refused before anything ran: send the unit again.
                    requeue(sent.unit, after: redirect)
                } else if let readOnly = refusals.first(where: { $0.errorCode == .readOnly })?.errorMessage {
                    fresh.append(Unit(items: sent.unit.items))
                    trouble.readOnly.append((l, readOnly))
                } else {
                    let first = queued.lazy.compactMap { $0.errorMessage }.first ?? multi.errorMessage ?? message
                    finish(sent.unit, .refused(first), settle)
                }
            default:
                finish(sent.unit, .refused("unexpected reply to EXEC"), settle)
            }
        }

        /// Hands a commit's outcome to `settle` and routes the items it wants done again.
        private func finish(_ unit: Unit, _ outcome: RedisTransactionOutcome, _ settle: Settle) {
            if outcome == .unknown { router.stats.uncertain += 1 }
            attempt.progressed()
            routeAgain(settle(unit.items, outcome))
        }

        /// The watched reads of a unit: sent again after a redirect, fatal when WATCH was
        /// refused, else `decide` gives the writes the lane commits next round.
        private func decideOnReads(_ unit: Unit, on l: Lane, _ cursor: inout ReplyCursor, _ trouble: inout Trouble, _ decide: Decide) {
            if unit.ask != nil { cursor.skip() }
            let watch = cursor.next()
            let (perKey, redirect) = readReplies(of: unit, &cursor, redirect: RedisRedirect(watch))
            if let redirect {
                l.unwatch = true
                requeue(unit, after: redirect)
            } else if case .error(let message) = watch {
                let kind: RedisError.Kind = [.noAuth, .noPerm].contains(watch.errorCode) ? .auth : .server
                trouble.fatal = trouble.fatal ?? RedisError(kind, "WATCH failed on \(l.node.endpoint): \(message)")
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

        /// Each key's read replies, and the first redirect among them (after `redirect`, WATCH's).
        private func readReplies(of unit: Unit, _ cursor: inout ReplyCursor, redirect: RedisRedirect?) -> ([ArraySlice<RedisReply>], RedisRedirect?) {
            var redirect = redirect
            var perKey: [ArraySlice<RedisReply>] = []
            perKey.reserveCapacity(unit.items.count)
            for item in unit.items {
                var mine: [RedisReply] = []
                mine.reserveCapacity(readCommands[item].count)
                for _ in readCommands[item] {
                    if unit.ask != nil { cursor.skip() }
                    let reply = cursor.next()
                    if redirect == nil { redirect = RedisRedirect(reply) }
                    mine.append(reply)
                }
                perKey.append(mine[...])
            }
            return (perKey, redirect)
        }

        // MARK: Recovery

        /// Lanes that failed: what they were reading goes back to be routed; what they were
        /// committing has an unknown outcome; the node's other lanes start again too. Then the
        /// nodes in `trouble` are looked up again, and a refused WATCH ends the call.
        func recover(_ lanes: [Lane], _ trouble: Trouble, settle: Settle) throws {
            var failedNodes: [(NodeWork, RedisError)] = []
            for l in lanes {
                guard let error = l.failure else { continue }
                l.connection = nil
                if let unit = l.sentRead { fresh.append(Unit(items: unit.items)) }
                if let (unit, _, _) = l.sentCommit {
                    router.stats.uncertain += 1
                    routeAgain(settle(unit.items, .unknown))
                }
                let w = nodeWork(l.node)
                if !failedNodes.contains(where: { $0.0 === w }) { failedNodes.append((w, error)) }
            }
            for (w, error) in failedNodes { try restart(w, after: .connection(error)) }
            for l in trouble.unconfirmed where l.failure == nil { try restart(nodeWork(l.node), after: .unconfirmed) }
            for (l, message) in trouble.readOnly where l.failure == nil { try restart(nodeWork(l.node), after: .readOnly(message)) }
            if let fatal = trouble.fatal {
                for w in order { w.node.drop() }
                throw fatal
            }
        }

        /// Takes back what a node had not sent and lets the topology recover from `cause`.
        private func restart(_ w: NodeWork, after cause: RecoveryCause) throws {
            fresh += w.takeBack()
            try router.recover(cause, on: w.node, &attempt)
        }

        /// After a round: reads the slot map again if MOVED came back (up to `maxRounds`
        /// rounds), and throws once units are left and the time for retries is up.
        func checkProgress(movedBefore: Int) throws {
            if router.stats.moved > movedBefore {
                rounds += 1
                if rounds > RedisRouter.maxRounds {
                    throw RedisError(.server, "writes were redirected more than \(RedisRouter.maxRounds) times (\(attempt.lastProblem))")
                }
                router.refreshAfterMoved(rounds: rounds, &attempt)
            }
            if Monotonic.now() > attempt.deadline && !(fresh.isEmpty && waiting.isEmpty) {
                throw router.unsettled(attempt)
            }
        }

        // MARK: Units

        private func nodeWork(_ node: RedisNode) -> NodeWork {
            if let w = work[ObjectIdentifier(node)] { return w }
            let w = NodeWork(node)
            work[ObjectIdentifier(node)] = w
            order.append(w)
            return w
        }

        /// Sends a unit again after a redirect: to the new owner (MOVED), the importing node
        /// (ASK), or the same slot later (TRYAGAIN, CLUSTERDOWN).
        private func requeue(_ unit: Unit, after redirect: RedisRedirect) {
            var next = Unit(items: unit.items)
            switch redirect {
            case .moved(let slot, let endpoint):
                router.topology.moved(slot: slot, to: endpoint)
                router.stats.moved += 1
                attempt.lastProblem = "MOVED \(slot) \(endpoint)"
            case .ask(let slot, let endpoint):
                router.stats.asked += 1
                attempt.lastProblem = "ASK \(slot) \(endpoint)"
                if unit.ask == endpoint {
                    // Asked to ask the same node again: the migration is under way; wait a little.
                    next.notBefore = Monotonic.now() + attempt.pause
                    attempt.pause = min(attempt.pause * 2, 200)
                }
                next.ask = endpoint
            case .tryAgain(let message):
                router.stats.retried += 1
                attempt.lastProblem = message
                next.notBefore = Monotonic.now() + attempt.pause
                attempt.pause = min(attempt.pause * 2, 200)
            }
            if next.notBefore > 0 { waiting.append(next) } else { fresh.append(next) }
        }

        private func routeAgain(_ items: [Int]) {
            if !items.isEmpty { fresh += units(items) }
        }

        /// The units of `items`: one outside a cluster; one per hash slot in a cluster.
        private func units(_ items: [Int]) -> [Unit] {
            guard router.topology.isCluster else { return [Unit(items: items)] }
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
}
