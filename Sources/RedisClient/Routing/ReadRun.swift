extension RedisRouter {
    /// One chunk of `run(keys:_:)`: each key's commands sent to the node that holds it, round
    /// after round, until every key has its replies. Each step of a round is one method.
    final class ReadRun {
        /// What one round found: the keys to send again and what the next round must do first.
        private struct Round {
            var retry: [Int] = []
            /// TRYAGAIN, CLUSTERDOWN or a slot without a master: back off before the next round.
            var mustWait = false
            /// MOVED or ASK: the round counts towards `maxRounds`.
            var moved = false
            /// A key got its replies: the time for retries starts again.
            var answered = false
            var failed: [(node: RedisNode, error: RedisError, items: [Int])] = []
        }

        /// A flight sent: its node, the connection, the keys, and how many replies to read.
        private typealias Sent = (node: RedisNode, connection: RedisConnection, items: [Int], count: Int)

        private let router: RedisRouter
        private let keys: [[UInt8]]
        private let perKey: [[[[UInt8]]]]
        private var pending: [Int]
        /// The node an ASK named for a key, for its next round.
        private var asking: [Int: RedisEndpoint] = [:]
        private var attempt: Attempt
        private var rounds = 0

        init(_ router: RedisRouter, items: [Int], keys: [[UInt8]], perKey: [[[[UInt8]]]]) {
            self.router = router
            self.keys = keys
            self.perKey = perKey
            pending = items
            attempt = Attempt(timeout: router.options.timeout)
        }

        /// Runs rounds until every key's replies are in `results`.
        func complete(into results: inout [[RedisReply]?]) throws {
            while !pending.isEmpty {
                var round = Round()
                let flights = try route(&round)
                let sent = try send(flights, &round)
                let movedBefore = router.stats.moved
                for flight in sent { try receive(flight, &round, into: &results) }
                try finish(round, movedBefore: movedBefore)
            }
        }

        /// The pending keys grouped by the node to send them to: the slot's master, or the
        /// node an ASK named. A key whose slot no master serves waits for the next round.
        private func route(_ round: inout Round) throws -> NodeFlights {
            var flights = NodeFlights()
            for i in pending {
                let target: RedisNode?
                if let ask = asking[i] {
                    target = router.topology.node(at: ask)
                } else {
                    target = try router.topology.node(forSlot: router.slot(keys[i]))
                }
                guard let node = target else {
                    round.retry.append(i)
                    round.mustWait = true
                    attempt.lastProblem = "a hash slot is not served by any master"
                    continue
                }
                flights.add(i, to: node)
            }
            return flights
        }

        /// Sends every node its flight before any reply is read, so the nodes work at once.
        private func send(_ flights: NodeFlights, _ round: inout Round) throws -> [Sent] {
            var sent: [Sent] = []
            for flight in flights {
                do {
                    let connection = try flight.node.connection()
                    var buffer = RedisCommandBuffer()
                    for i in flight.items {
                        for args in perKey[i] {
                            if asking[i] != nil { buffer.command([Array("ASKING".utf8)]) }
                            buffer.command(args)
                        }
                    }
                    try connection.send(buffer)
                    sent.append((flight.node, connection, flight.items, buffer.count))
                } catch let error as RedisError {
                    round.failed.append((flight.node, error, flight.items))
                }
            }
            return sent
        }

        /// A node's replies: each key's go to `results`, unless one of them redirects the key.
        private func receive(_ flight: Sent, _ round: inout Round, into results: inout [[RedisReply]?]) throws {
            let replies: [RedisReply]
            do {
                replies = try flight.connection.receive(flight.count)
            } catch let error as RedisError {
                round.failed.append((flight.node, error, flight.items))
                return
            }
            var offset = 0
            for i in flight.items {
                var mine: [RedisReply] = []
                mine.reserveCapacity(perKey[i].count)
                var redirect: RedisRedirect?
                for _ in perKey[i] {
                    if asking[i] != nil { offset += 1 }
                    let reply = replies[offset]
                    offset += 1
                    if redirect == nil { redirect = RedisRedirect(reply) }
                    mine.append(reply)
                }
                if let redirect {
                    follow(redirect, for: i, &round)
                } else {
                    results[i] = mine
                    round.answered = true
                }
            }
        }

        /// Sends key `i` again after a redirect: to the new owner (MOVED), the importing node
        /// (ASK), or the same slot after a pause (TRYAGAIN, CLUSTERDOWN).
        private func follow(_ redirect: RedisRedirect, for i: Int, _ round: inout Round) {
            switch redirect {
            case .moved(let slot, let endpoint):
                router.topology.moved(slot: slot, to: endpoint)
                router.stats.moved += 1
                attempt.lastProblem = "MOVED \(slot) \(endpoint)"
                round.moved = true
                asking[i] = nil
            case .ask(let slot, let endpoint):
                router.stats.asked += 1
                round.moved = true
                attempt.lastProblem = "ASK \(slot) \(endpoint)"
                asking[i] = endpoint
            case .tryAgain(let message):
                router.stats.retried += 1
                attempt.lastProblem = message
                round.mustWait = true
                asking[i] = nil
            }
            round.retry.append(i)
        }

        /// After a round: recovers the nodes that failed, then, with keys left, reads the slot
        /// map again after MOVED, backs off after TRYAGAIN, or throws once the limits are reached.
        private func finish(_ round: Round, movedBefore: Int) throws {
            if round.answered { attempt.progressed() }
            var retry = round.retry
            for (node, error, items) in round.failed {
                try router.recover(.connection(error), on: node, &attempt)
                retry += items
            }
            pending = retry
            if retry.isEmpty { return }
            if round.moved { rounds += 1 }
            if rounds > RedisRouter.maxRounds {
                throw RedisError(.server, "commands were redirected more than \(RedisRouter.maxRounds) times (\(attempt.lastProblem)); is the cluster resharding in a loop?")
            }
            if router.stats.moved > movedBefore { router.refreshAfterMoved(rounds: rounds, &attempt) }
            if round.mustWait { try router.backOff(&attempt) }
            if Monotonic.now() > attempt.deadline {
                throw RedisError(.server, "commands did not find their node within \(router.options.timeout) ms (\(attempt.lastProblem))")
            }
        }
    }
}
