/// A Redis Cluster as its nodes describe it: the slot map, read from any reachable node (the
/// seeds, then every master known), and one connection per master, opened when first needed.
/// Replicas are never used.
final class ClusterTopology: RedisTopology {
    let options: RedisConnectOptions
    let seeds: [RedisEndpoint]
    private(set) var map = ClusterSlotMap()
    /// Every node ever talked to, by address.
    private var nodes: [RedisEndpoint: RedisNode] = [:]
    /// The nodes of `map.masters`, by index.
    private var masterNodes: [RedisNode] = []

    /// Reads the slot map through the seeds, within the options' timeout.
    init(_ options: RedisConnectOptions, seeds: [RedisEndpoint]) throws {
        guard !seeds.isEmpty else { throw RedisError(.connect, "no cluster nodes given") }
        if options.db != 0 {
            throw RedisError(.server, "a Redis Cluster has only database 0 (SELECT is not allowed in cluster mode); remove the database number")
        }
        self.options = options
        self.seeds = seeds
        try refresh(deadline: Monotonic.now() + Int64(options.timeout))
    }

    var isCluster: Bool { true }
    var recoveryLimit: Int { 16 }

    func node(forSlot slot: Int) throws -> RedisNode? {
        let index = Int(map.owner[slot])
        return index < 0 ? nil : masterNodes[index]
    }

    func node(at endpoint: RedisEndpoint) -> RedisNode {
        if let node = nodes[endpoint] { return node }
        let node = RedisNode(options.with(endpoint: endpoint))
        nodes[endpoint] = node
        return node
    }

    func moved(slot: Int, to endpoint: RedisEndpoint) {
        let index: Int
        if let known = map.masters.firstIndex(where: { $0.endpoint == endpoint }) {
            index = known
        } else {
            index = map.masters.count
            map.masters.append(ClusterSlotMap.Master(id: "", endpoint: endpoint))
            masterNodes.append(node(at: endpoint))
        }
        map.owner[slot] = Int16(index)
    }

    func masters() throws -> [RedisNode] { masterNodes }

    func confirmations(for node: RedisNode) -> Int { 0 }
    func rediscover(deadline: Int64) throws { try refresh(deadline: deadline) }

    func recover(_ cause: RecoveryCause, on node: RedisNode, deadline: Int64) throws {
        node.drop()
        // A failed master's replica takes over within about two node timeouts: read the map until
        // the node is gone from it or the time is up (then the router's retries decide).
        var pause: Int64 = 50
        while true {
            do {
                try refresh(deadline: deadline)
                if !map.masters.contains(where: { $0.endpoint == node.endpoint }) || node.isReachable() { return }
            } catch let error as RedisError {
                if error.kind == .tls || error.kind == .auth { throw error }
                if Monotonic.now() + pause >= deadline { throw error }
            }
            if Monotonic.now() + pause >= deadline {
                if case .connection(let error) = cause { throw error }
                return
            }
            Monotonic.sleep(milliseconds: pause)
            pause = min(pause * 2, 250)
        }
    }

    /// Reads the slot map again and routes by it from now on.
    func refresh(deadline: Int64) throws {
        install(try fetchMap(deadline: deadline))
    }

    /// Reads `CLUSTER SHARDS` (or `CLUSTER SLOTS` from a server older than 7.0) from the first node
    /// that answers: known masters first, then the seeds.
    func fetchMap(deadline: Int64) throws -> ClusterSlotMap {
        var candidates: [RedisNode] = masterNodes.filter { $0.isConnected } + masterNodes.filter { !$0.isConnected }
        for seed in seeds where !candidates.contains(where: { $0.endpoint == seed }) { candidates.append(node(at: seed)) }
        var problems: [String] = []
        for candidate in candidates {
            let notACluster = RedisError(.server, "\(candidate.endpoint) is not a cluster node (cluster support disabled); use redis:// for a single server")
            do {
                let connection = try candidate.connection()
                let tls = connection.isTLS
                let host: String
                if case .tcp(let h, _) = candidate.endpoint { host = h } else { host = "127.0.0.1" }
                var next: ClusterSlotMap
                let shards = try connection.command("CLUSTER", "SHARDS")
                if case .error(let message) = shards {
                    let code = RedisErrorCode(message: message)
                    if message.contains("cluster support disabled") {
                        throw notACluster
                    }
                    if code.isAuthentication || code == .noPerm {
                        throw RedisError(.auth, "\(candidate.endpoint): \(message)")
                    }
                    let slots = try connection.command("CLUSTER", "SLOTS")
                    if case .error(let m) = slots { throw RedisError(.server, "CLUSTER SLOTS failed on \(candidate.endpoint): \(m)") }
                    next = try ClusterSlotMap.fromSlots(slots, askedHost: host)
                } else {
                    next = try ClusterSlotMap.fromShards(shards, tls: tls, askedHost: host)
                }
                if next.masters.isEmpty {
                    problems.append("\(candidate.endpoint): no slots assigned yet")
                    continue
                }
                return next
            } catch let error as RedisError {
                if error.kind == .tls || error.kind == .auth { throw error }
                if error == notACluster { throw error }
                candidate.drop()
                problems.append(error.message)
            }
            if Monotonic.now() >= deadline { break }
        }
        throw RedisError(.connect, "no node of the cluster answered: " + problems.joined(separator: "; "))
    }

    private func install(_ next: ClusterSlotMap) {
        map = next
        masterNodes = next.masters.map { node(at: $0.endpoint) }
    }
}

extension RedisNode {
    /// Whether a connection can be opened (or is open).
    func isReachable() -> Bool {
        (try? connection()) != nil
    }
}
