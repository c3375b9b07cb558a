/// Why the router asks a topology to find the master(s) again.
enum RecoveryCause {
    /// The connection to the node failed: refused, timed out or closed.
    case connection(RedisError)
    /// The node refused a write with READONLY: it is a replica now.
    case readOnly(String)
    /// The node's replicas did not confirm the writes (WAIT), as when a failover took them away.
    case unconfirmed
}

/// Where the router finds the master for a key and how it recovers when a node fails: one
/// server, the master Sentinel names, or a cluster's slot owners. `RedisRouter` holds the rules
/// that are the same for all three (pipelines per node, redirections, retries, transactions).
protocol RedisTopology: AnyObject {
    /// Keys live in hash slots spread over masters: a transaction holds the keys of one slot.
    var isCluster: Bool { get }
    /// How many times one operation may recover before it gives up.
    var recoveryLimit: Int { get }
    /// The master serving `slot` (outside a cluster: the one master), or nil while no master
    /// serves it (the router waits and reads the map again).
    func node(forSlot slot: Int) throws -> RedisNode?
    /// The node at `endpoint`, for a MOVED or ASK reply.
    func node(at endpoint: RedisEndpoint) -> RedisNode
    /// A MOVED reply said `slot` is served at `endpoint`.
    func moved(slot: Int, to endpoint: RedisEndpoint)
    /// Reads the slot map again (after MOVED, CLUSTERDOWN or a failed node); a no-op outside a cluster.
    func refresh(deadline: Int64) throws
    /// Finds the master(s) again after `cause` on `node`, by `deadline`; throws when it cannot, or
    /// when the deployment has nothing to fail over to.
    func recover(_ cause: RecoveryCause, on node: RedisNode, deadline: Int64) throws
    /// Every master, each once (for SCAN).
    func masters() throws -> [RedisNode]
    /// How many replicas must confirm writes on `node` before they count as done (0: do not ask).
    func confirmations(for node: RedisNode) -> Int
    /// Asks again who the masters are (a cluster's slot map, Sentinel's master), by `deadline`,
    /// for a long-running reader that must follow failovers without a failed command to tell it.
    func rediscover(deadline: Int64) throws
}

/// One server: every key on it; nothing to fail over to.
final class ServerTopology: RedisTopology {
    let server: RedisNode

    init(_ options: RedisConnectOptions) throws {
        server = RedisNode(options, connection: try RedisConnection(options))
    }

    var isCluster: Bool { false }
    var recoveryLimit: Int { 0 }
    func node(forSlot slot: Int) throws -> RedisNode? { server }
    func node(at endpoint: RedisEndpoint) -> RedisNode { server }
    func moved(slot: Int, to endpoint: RedisEndpoint) {}
    func refresh(deadline: Int64) throws {}
    func masters() throws -> [RedisNode] { [server] }
    func confirmations(for node: RedisNode) -> Int { 0 }
    func rediscover(deadline: Int64) throws {}

    func recover(_ cause: RecoveryCause, on node: RedisNode, deadline: Int64) throws {
        switch cause {
        case .connection(let error): throw error
        case .readOnly(let message):
            throw RedisError(.server, "\(server.endpoint) is a read-only replica (\(message)); name the master, or use redis+sentinel://")
        case .unconfirmed:
            throw RedisError(.server, "\(server.endpoint) did not confirm the writes")
        }
    }
}
