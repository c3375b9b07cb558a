/// What kind of Redis a store lives in: one server, a cluster, or a master watched by Sentinel.
/// The per-server settings (credentials, database, timeout, TLS) are the `RedisConnectOptions`
/// that go with it.
public enum RedisDeployment: Sendable, Equatable {
    /// One server, at the options' endpoint.
    case server
    /// A Redis Cluster, found through these seed nodes (any of its nodes will do).
    case cluster(seeds: [RedisEndpoint])
    /// The master that these sentinels name.
    case sentinel(RedisSentinelSettings)
}

/// How to ask Sentinel for the master: the sentinels, the master's name, and the sentinels' own
/// credentials (which are often not the data nodes').
public struct RedisSentinelSettings: Sendable, Equatable, CustomStringConvertible {
    public var sentinels: [RedisEndpoint]
    public var masterName: String
    public var username: String?
    public var password: String?

    public init(sentinels: [RedisEndpoint], masterName: String, username: String? = nil, password: String? = nil) {
        self.sentinels = sentinels
        self.masterName = masterName
        self.username = username
        self.password = password
    }

    public var description: String {
        "sentinels \(sentinels.map(\.description).joined(separator: ",")) master \(masterName)" + (password == nil ? "" : " (password: <redacted>)")
    }
}

extension RedisSentinelSettings: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "sentinels": sentinels, "masterName": masterName, "username": username as Any,
                "password": password == nil ? "nil" : "<redacted>"
            ])
    }
}

/// What the router had to do beyond sending commands: followed redirections, retries, and
/// failovers. Tests read it; long operations report it.
public struct RedisRouterStats: Sendable, Equatable {
    /// MOVED replies followed (the slot map was refreshed each time).
    public var moved = 0
    /// ASK replies followed (ASKING plus the command on the named node).
    public var asked = 0
    /// TRYAGAIN or CLUSTERDOWN replies waited out.
    public var retried = 0
    /// Connections lost and opened again (to the same or another node).
    public var reconnected = 0
    /// Times the master was looked up again (Sentinel) or the slot map re-read after a node failed.
    public var failovers = 0
    /// Transactions whose outcome was unknown (connection lost after EXEC, or writes a replica did
    /// not confirm before a failover) and that were checked and redone.
    public var uncertain = 0

    public init() {}
}

extension RedisRouterStats {
    /// True when the router only sent commands: nothing was redirected, waited out or retried.
    public var isEmpty: Bool { self == RedisRouterStats() }

    /// What the router had to retry, in one line for people, e.g.
    /// `37 MOVED redirects, 1 failover (2 transactions of unknown outcome checked again)`; nil when nothing was retried.
    public var summary: String? {
        func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
        var parts: [String] = []
        if moved > 0 { parts.append(count(moved, "MOVED redirect", "MOVED redirects")) }
        if asked > 0 { parts.append(count(asked, "ASK redirect", "ASK redirects")) }
        if retried > 0 { parts.append(count(retried, "TRYAGAIN/CLUSTERDOWN wait", "TRYAGAIN/CLUSTERDOWN waits")) }
        if failovers > 0 { parts.append(count(failovers, "failover", "failovers")) }
        // Outside a cluster or Sentinel a lost connection is opened again to the same server.
        let plainReconnects = reconnected - failovers
        if plainReconnects > 0 { parts.append(count(plainReconnects, "reconnection", "reconnections")) }
        var line = parts.joined(separator: ", ")
        if uncertain > 0 {
            let checked = count(uncertain, "transaction", "transactions") + " of unknown outcome checked again"
            line = line.isEmpty ? checked : "\(line) (\(checked))"
        }
        return line.isEmpty ? nil : line
    }
}
