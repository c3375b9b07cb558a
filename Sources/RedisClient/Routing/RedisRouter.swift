/// Sends commands to the Redis nodes that hold their keys: one server, the master Sentinel
/// names, or the masters of a cluster's hash slots. The rules are the same for all three and live
/// here; a `RedisTopology` says where a key lives and how to recover when a node fails.
///
/// - Commands are pipelined per node, and all nodes are sent their flight before any reply is
///   read, so the nodes of a cluster work at the same time.
/// - `MOVED` patches the slot map, reads it again and retries; `ASK` sends `ASKING` and the
///   command to the named node, once per reply; `TRYAGAIN` and `CLUSTERDOWN` are retried with
///   backoff. A failed connection makes the topology find the master(s) again (a new master
///   through Sentinel, a new slot map in a cluster). Retries stop when nothing has moved forward
///   for the options' timeout; the error is then one line.
/// - Writes only happen in `transact` (WATCH/MULTI/EXEC on the node of the keys); see there for
///   what happens when the outcome of a write is not known.
///
/// Not thread-safe: like `RedisConnection`, use it from one thread at a time.
public final class RedisRouter {
    public let options: RedisConnectOptions
    public let deployment: RedisDeployment
    let topology: any RedisTopology
    /// What the router had to do beyond sending commands, since it was opened.
    public internal(set) var stats = RedisRouterStats()

    /// Commands sent to one node in one flight, at most (a larger batch goes in several).
    static let flightCommands = 4_000
    /// Rounds of redirections one operation follows before it gives up.
    static let maxRounds = 64

    /// Connects (and reads the cluster's slot map, or asks Sentinel for the master) within the
    /// options' timeout.
    public init(_ options: RedisConnectOptions, deployment: RedisDeployment = .server) throws {
        self.options = options
        self.deployment = deployment
        switch deployment {
        case .server:
            topology = try ServerTopology(options)
        case .cluster(let seeds):
            topology = try ClusterTopology(options, seeds: seeds)
        case .sentinel(let settings):
            topology = try SentinelTopology(options, settings: settings)
        }
    }

    /// True for a cluster: keys live in hash slots spread over several masters.
    public var isCluster: Bool { topology.isCluster }

    /// The masters in use now (one outside a cluster).
    public func masterEndpoints() throws -> [RedisEndpoint] {
        try topology.masters().map(\.endpoint)
    }

    /// The masters in use now, asked again (a cluster's slot map read afresh, Sentinel asked for
    /// the master), for a reader that follows failovers and reshards without a failed command.
    public func rediscoverMasters() throws -> [RedisEndpoint] {
        try topology.rediscover(deadline: Monotonic.now() + Int64(options.timeout))
        return try masterEndpoints()
    }

    /// A connection to the master that holds `key`, for commands outside the router's rules.
    public func connection(forKey key: [UInt8]) throws -> RedisConnection {
        guard let node = try topology.node(forSlot: slot(key)) else {
            throw RedisError(.server, "no master serves the slot of this key (CLUSTERDOWN)")
        }
        return try node.connection()
    }

    func slot(_ key: [UInt8]) -> Int {
        topology.isCluster ? ClusterSlots.slot(of: key) : 0
    }

    // MARK: Retry bookkeeping

    /// The state of one operation's retries: a deadline that moves with progress, the backoff,
    /// and how many recoveries it made.
    struct Attempt {
        let timeout: Int64
        var deadline: Int64
        var recoveries = 0
        var pause: Int64 = 10
        var lastProblem = ""

        init(timeout: Int) {
            self.timeout = Int64(timeout)
            deadline = Monotonic.now() + Int64(timeout)
        }

        /// Something moved forward: the time for retries starts again.
        mutating func progressed() {
            deadline = Monotonic.now() + timeout
            pause = 10
        }
    }

    /// Lets `topology` recover from `cause` on `node`, within the operation's limits.
    func recover(_ cause: RecoveryCause, on node: RedisNode, _ attempt: inout Attempt) throws {
        node.drop()
        guard attempt.recoveries < topology.recoveryLimit else {
            switch cause {
            case .connection(let error): throw error
            case .readOnly(let message):
                throw RedisError(.server, "\(node.endpoint) refused a write (\(message)) again after the master was looked up")
            case .unconfirmed:
                throw RedisError(
                    .server, "the writes on \(node.endpoint) were not confirmed by a replica, again after the master was looked up; a failover may be under way, try again")
            }
        }
        attempt.recoveries += 1
        stats.reconnected += 1
        if deployment != .server { stats.failovers += 1 }
        try topology.recover(cause, on: node, deadline: max(attempt.deadline, Monotonic.now() + Int64(options.timeout)))
    }

    /// Waits before trying again after TRYAGAIN or CLUSTERDOWN (or a slot no master serves),
    /// or throws once the operation's time is up.
    func backOff(_ attempt: inout Attempt) throws {
        let now = Monotonic.now()
        if now + attempt.pause > attempt.deadline {
            throw unsettled(attempt)
        }
        Monotonic.sleep(milliseconds: attempt.pause)
        attempt.pause = min(attempt.pause * 2, 200)
        try? topology.refresh(deadline: attempt.deadline)
    }

    /// Reads the slot map again after a round of MOVED replies; from the third round on, after a
    /// pause that doubles up to 200 ms. Right after a failover the nodes disagree for some tens
    /// of milliseconds (the old master already redirects while another node still hands out the
    /// old map), and rounds without a pause would use up `maxRounds` before they agree.
    func refreshAfterMoved(rounds: Int, _ attempt: inout Attempt) {
        if rounds > 2 {
            Monotonic.sleep(milliseconds: attempt.pause)
            attempt.pause = min(attempt.pause * 2, 200)
        }
        try? topology.refresh(deadline: attempt.deadline)
    }

    // MARK: Reads

    /// Sends each key's commands to the node that holds the key and returns each key's replies.
    ///
    /// Meant for commands that may run twice (reads): after a redirect or a failover a key's
    /// commands are sent again, all of them. Error replies of the commands come back as `.error`.
    public func run(keys: [[UInt8]], _ commands: ([UInt8]) -> [[[UInt8]]]) throws -> [[RedisReply]] {
        guard !keys.isEmpty else { return [] }
        let perKey = keys.map(commands)
        var results = [[RedisReply]?](repeating: nil, count: keys.count)
        var start = 0
        while start < keys.count {
            // A chunk of keys, so one flight per node stays bounded.
            var end = start
            var total = 0
            while end < keys.count && (end == start || total + perKey[end].count <= Self.flightCommands) {
                total += perKey[end].count
                end += 1
            }
            try ReadRun(self, items: Array(start..<end), keys: keys, perKey: perKey).complete(into: &results)
            start = end
        }
        return results.map { $0! }
    }
}

extension RedisRouter {
    /// Sends one command per item to the master that holds `keys[i]`, formatted in place by
    /// `format(i, &buffer)`; every node gets its whole flight before any reply is read, so the
    /// masters of a cluster work at once. Each reply that is not an error goes to `reply`.
    ///
    /// No rule is followed here: an item whose reply is an error (MOVED, ASK, TRYAGAIN,
    /// CLUSTERDOWN, READONLY, or any other), whose slot has no master, or whose node failed is
    /// left alone, and its index is returned for the caller to send through `transact`, which
    /// follows the rules (and finds out what happened to a write whose connection failed). So
    /// it suits commands that change nothing when they fail, such as `SET ... NX`.
    public func sendOnce(
        keys: [[UInt8]], format: (Int, inout RedisCommandBuffer) -> Void,
        reply: (Int, RedisReplyView) -> Void
    ) -> [Int] {
        var left: [Int] = []
        var flights = NodeFlights()
        for i in keys.indices {
            guard let node = try? topology.node(forSlot: slot(keys[i])) else {
                left.append(i)
                continue
            }
            flights.add(i, to: node)
        }
        var sent: [(node: RedisNode, connection: RedisConnection, items: [Int])] = []
        for flight in flights {
            do {
                let connection = try flight.node.connection()
                var buffer = RedisCommandBuffer(capacity: 128 * flight.items.count)
                for i in flight.items { format(i, &buffer) }
                try connection.send(buffer)
                sent.append((flight.node, connection, flight.items))
            } catch {
                flight.node.drop()
                left += flight.items
            }
        }
        for flight in sent {
            var done = 0
            while done < flight.items.count {
                let n = min(1_000, flight.items.count - done)
                guard let replies = try? flight.connection.receiveRaw(n) else {
                    // What the rest did is unknown: the caller reads them back.
                    flight.node.drop()
                    left += flight.items[done...]
                    break
                }
                for j in 0..<n {
                    let i = flight.items[done + j]
                    if replies[j].isError { left.append(i) } else { reply(i, replies[j]) }
                }
                done += n
            }
        }
        return left
    }
}

/// Items grouped by the node they go to, nodes in the order they first came up.
struct NodeFlights: Sequence {
    private var flights: [(node: RedisNode, items: [Int])] = []
    private var index: [ObjectIdentifier: Int] = [:]

    mutating func add(_ item: Int, to node: RedisNode) {
        if let f = index[ObjectIdentifier(node)] {
            flights[f].items.append(item)
        } else {
            index[ObjectIdentifier(node)] = flights.count
            flights.append((node, [item]))
        }
    }

    func makeIterator() -> IndexingIterator<[(node: RedisNode, items: [Int])]> { flights.makeIterator() }
}
