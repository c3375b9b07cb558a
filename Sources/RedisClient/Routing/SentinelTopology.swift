/// The master that Sentinel names. Every connection to it is checked with ROLE, so sessctl never
/// writes to a node that is not (or no longer) the master; after a failure the sentinels are asked
/// again, and writes the master's replicas did not confirm are taken as possibly lost.
final class SentinelTopology: RedisTopology {
    let settings: RedisSentinelSettings
    let options: RedisConnectOptions
    /// The sentinels, the last one that answered first.
    private var sentinels: [RedisEndpoint]
    private(set) var master: RedisNode
    /// Replicas the master had when sessctl connected (from ROLE).
    private var replicas = 0

    /// Asks the sentinels for the master and connects to it, within the options' timeout.
    init(_ options: RedisConnectOptions, settings: RedisSentinelSettings) throws {
        guard !settings.sentinels.isEmpty else { throw RedisError(.connect, "no sentinels given") }
        self.options = options
        self.settings = settings
        self.sentinels = settings.sentinels
        master = RedisNode(options)  // replaced below
        master = try connectMaster(deadline: Monotonic.now() + Int64(options.timeout), avoiding: nil)
    }

    var isCluster: Bool { false }
    var recoveryLimit: Int { 1 }
    func node(forSlot slot: Int) throws -> RedisNode? { master }
    func node(at endpoint: RedisEndpoint) -> RedisNode { master }
    func moved(slot: Int, to endpoint: RedisEndpoint) {}
    func refresh(deadline: Int64) throws {}
    func masters() throws -> [RedisNode] { [master] }
    func confirmations(for node: RedisNode) -> Int { replicas > 0 ? 1 : 0 }

    func rediscover(deadline: Int64) throws {
        if try resolve() != master.endpoint || !master.isReachable() {
            master.drop()
            master = try connectMaster(deadline: deadline, avoiding: nil)
        }
    }

    func recover(_ cause: RecoveryCause, on node: RedisNode, deadline: Int64) throws {
        node.drop()
        // After unconfirmed writes or READONLY, wait for the sentinels to name another node
        // (they learn of a failover up to a second after it); after a lost connection, any master will do.
        let suspect: RedisEndpoint?
        switch cause {
        case .connection: suspect = nil
        case .readOnly, .unconfirmed: suspect = node.endpoint
        }
        master = try connectMaster(deadline: max(deadline, Monotonic.now() + Int64(options.timeout)), avoiding: suspect)
    }

    /// Resolves, connects and checks ROLE until a master answers or `deadline` passes. A node in
    /// `avoiding` is taken only when the sentinels still name it when time is nearly up.
    private func connectMaster(deadline: Int64, avoiding: RedisEndpoint?) throws -> RedisNode {
        var pause: Int64 = 20
        var lastError: RedisError?
        while true {
            do {
                let endpoint = try resolve()
                let connection = try RedisConnection(options.with(endpoint: endpoint))
                let role = try Self.role(connection)
                // A suspect (its replica did not confirm writes, or it said READONLY) is taken back
                // only with a replica online again: a master a failover left behind has none.
                let nearlyUp = Monotonic.now() + pause >= deadline
                if role.isMaster && (endpoint != avoiding || role.replicas > 0 || nearlyUp) {
                    replicas = role.replicas
                    let node = RedisNode(options.with(endpoint: endpoint), connection: connection)
                    node.verify = { try Self.checkMaster($0) }
                    return node
                }
                lastError =
                    role.isMaster
                    ? RedisError(.server, "the sentinels still name \(endpoint) as the master of '\(settings.masterName)', and it has lost its replicas")
                    : RedisError(.server, "\(endpoint), named master of '\(settings.masterName)' by Sentinel, is a \(role.name)")
            } catch let error as RedisError {
                switch error.kind {
                case .tls, .auth, .protocol: throw error  // trying again will not help
                default: break
                }
                if error == unknownMaster { throw error }
                lastError = error
            }
            if Monotonic.now() + pause >= deadline {
                throw lastError ?? RedisError(.connect, "the master of '\(settings.masterName)' could not be reached")
            }
            Monotonic.sleep(milliseconds: pause)
            pause = min(pause * 2, 250)
        }
    }

    /// The sentinels answered but know no master of that name: trying again will not help.
    private var unknownMaster: RedisError {
        RedisError(.server, "Sentinel knows no master named '\(settings.masterName)'")
    }

    /// `SENTINEL get-master-addr-by-name` on each sentinel in turn, until one answers.
    private func resolve() throws -> RedisEndpoint {
        var problems: [String] = []
        var unknownName = false
        for (i, sentinel) in sentinels.enumerated() {
            let sentinelOptions = RedisConnectOptions(
                endpoint: sentinel, username: settings.username, password: settings.password,
                db: 0, timeout: min(options.timeout, 1000), tls: options.tls)
            do {
                let connection = try RedisConnection(sentinelOptions)
                let reply = try connection.command("SENTINEL", "get-master-addr-by-name", settings.masterName)
                switch reply {
                case .array(let parts) where parts.count == 2:
                    guard let host = parts[0].string, let port = parts[1].string.flatMap({ Int($0) }) else { break }
                    if i > 0 { sentinels.insert(sentinels.remove(at: i), at: 0) }
                    return .tcp(host: host, port: port)
                case .null:
                    unknownName = true
                    continue
                case .error(let message):
                    if RedisErrorCode(message: message).isAuthentication {
                        throw RedisError(.auth, "Sentinel \(sentinel) wants a password: set sentinel-password= (\(message))")
                    }
                    problems.append("\(sentinel): \(message)")
                    continue
                default:
                    break
                }
                problems.append("\(sentinel): unexpected reply to SENTINEL get-master-addr-by-name")
            } catch let error as RedisError {
                if error.kind == .tls { throw error }
                if error.kind == .auth {
                    throw RedisError(.auth, "Sentinel \(sentinel): \(error.message) (the sentinels' password goes in sentinel-password=)")
                }
                problems.append(error.message)
            }
        }
        if unknownName {
            throw unknownMaster
        }
        throw RedisError(.connect, "no sentinel answered: " + problems.joined(separator: "; "))
    }

    private struct Role {
        var name: String
        var replicas: Int
        var isMaster: Bool { name == "master" }
    }

    /// ROLE: `["master", offset, [[host, port, offset], ...]]`, `["slave", ...]` or `["sentinel", ...]`.
    private static func role(_ connection: RedisConnection) throws -> Role {
        let reply = try connection.command("ROLE")
        guard case .array(let parts) = reply, let name = parts.first?.string else {
            if case .error(let message) = reply { throw RedisError(.server, "ROLE failed on \(connection.endpoint): \(message)") }
            throw RedisError(.protocol, "unexpected reply to ROLE from \(connection.endpoint)")
        }
        let replicas = name == "master" && parts.count > 2 ? parts[2].array?.count ?? 0 : 0
        return Role(name: name == "slave" ? "replica" : name, replicas: replicas)
    }

    private static func checkMaster(_ connection: RedisConnection) throws {
        let role = try role(connection)
        if !role.isMaster {
            throw RedisError(.server, "\(connection.endpoint) is a \(role.name) now, not the master")
        }
    }
}
