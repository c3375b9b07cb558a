import RedisClient

/// Reads a Redis address in steps, each one part of it left to right: the scheme (which form and
/// whether TLS), the credentials, where the servers are (hosts or socket, master name, database),
/// the options, then the checks that span several parts; it then gives the store's options and
/// the address as shown. `StoreAddress.parseRedis` runs the steps.
struct RedisAddressParser {
    /// One server (`redis://`), a unix socket, a cluster's seed nodes, or sentinels.
    enum Form { case server, unix, cluster, sentinel }

    let text: String
    let scheme: String
    let environment: [String: String]
    let form: Form
    var tls: Bool

    var username: String?
    var password: String?
    var endpoints: [RedisEndpoint] = []
    var db: Int?
    var masterName: String?

    var prefix: String?
    var layout = SessionLayout.kv
    var timeout = 5_000
    var lifetime: Int64?
    var serializer: String?
    var engine: AgentEngine?
    var tlsOptions = RedisTLSOptions()
    /// The first TLS option given, for the message when TLS is off.
    var tlsOptionGiven: String?
    var sentinelUser: String?
    var sentinelPassword: String?

    func bad(_ reason: String) -> SessionError { .badAddress(address: StoreAddress.redacted(text), reason: reason) }

    func decoded(_ value: some StringProtocol) throws(SessionError) -> String {
        try StoreAddress.percentDecode(String(value), in: text)
    }

    // MARK: Scheme

    /// The form each scheme stands for; the `rediss` schemes add TLS. The one list of Redis schemes.
    static let forms: [String: Form] = [
        "redis": .server, "rediss": .server, "redis+unix": .unix, "redis+cluster": .cluster, "rediss+cluster": .cluster,
        "redis+sentinel": .sentinel, "rediss+sentinel": .sentinel
    ]

    init(_ text: String, scheme: String, environment: [String: String]) throws(SessionError) {
        guard let form = Self.forms[scheme] else {
            throw .badAddress(address: StoreAddress.redacted(text), reason: "unknown scheme '\(scheme):'")
        }
        self.text = text
        self.scheme = scheme
        self.environment = environment
        self.form = form
        tls = scheme.hasPrefix("rediss")
    }

    /// The form written out, for messages.
    var example: String {
        switch form {
        case .server: return "\(scheme)://[user[:password]@]host[:port][/db]?prefix=gfsess:"
        case .unix: return "redis+unix:///path/to/redis.sock?db=0&prefix=gfsess:"
        case .cluster: return "\(scheme)://host:port[,host:port...]?prefix=gfsess:"
        case .sentinel: return "\(scheme)://host:port[,host:port...]/MASTER[/db]?prefix=gfsess:"
        }
    }

    /// What follows `scheme://`.
    func body() throws(SessionError) -> Substring {
        guard text.dropFirst(scheme.count).hasPrefix("://") else { throw bad("write it as \(example)") }
        return Substring(text.dropFirst(scheme.count + 3))
    }

    // MARK: Credentials

    /// Takes `user:password@` off `rest`; without a password in the address it comes from
    /// `SESSCTL_REDIS_PASSWORD`. The credentials end at the last '@' (see StoreAddress+Secrets.swift).
    mutating func readCredentials(_ rest: inout Substring) throws(SessionError) {
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let user = try decoded(parts[0])
            if !user.isEmpty { username = user }
            if parts.count > 1 { password = try decoded(parts[1]) }
        }
        if password == nil, let fromEnvironment = environment[StoreAddress.redisPasswordVariable], !fromEnvironment.isEmpty {
            password = fromEnvironment
        }
        if let username, password == nil {
            if username.contains("?") { throw bad("write an '@' in an option value as %40") }
            throw bad("a user needs a password: add it to the address or set \(StoreAddress.redisPasswordVariable)")
        }
    }

    /// Takes `?query` off `rest` and returns the query.
    static func splitQuery(_ rest: inout Substring) -> Substring {
        guard let q = rest.firstIndex(of: "?") else { return "" }
        let query = rest[rest.index(after: q)...]
        rest = rest[..<q]
        return query
    }

    // MARK: Location

    /// Where the servers are: the socket path, or the host list and the path after it.
    mutating func readLocation(_ rest: Substring) throws(SessionError) {
        if form == .unix {
            let path = try decoded(rest)
            guard path.hasPrefix("/"), path.count > 1 else { throw bad("no socket path; write it as \(example)") }
            endpoints = [.unix(path: path)]
            return
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        try readHosts(rest[..<slash])
        try readPath(rest[slash...].dropFirst())
    }

    /// `host[:port]`, comma-separated for a cluster's seeds or the sentinels.
    private mutating func readHosts(_ hostList: Substring) throws(SessionError) {
        let defaultPort = form == .sentinel ? 26379 : 6379
        for item in hostList.split(separator: ",", omittingEmptySubsequences: false) {
            if item.isEmpty && form != .server { throw bad("an empty host in the list; write it as \(example)") }
            endpoints.append(try hostPort(item, defaultPort: defaultPort))
        }
        if form == .server && endpoints.count > 1 {
            throw bad("several hosts are a cluster or sentinels: use redis+cluster:// or redis+sentinel://")
        }
    }

    /// `/db`, or for sentinels `/MASTER[/db]`.
    private mutating func readPath(_ path: Substring) throws(SessionError) {
        var pathParts = path.isEmpty ? [] : path.split(separator: "/", omittingEmptySubsequences: false)
        if form == .sentinel {
            guard let name = pathParts.first, !name.isEmpty else {
                throw bad("name the master Sentinel watches; write it as \(example)")
            }
            masterName = try decoded(name)
            pathParts.removeFirst()
        }
        if let dbText = pathParts.first {
            guard pathParts.count == 1, let n = Int(dbText), n >= 0 else {
                throw bad(
                    form == .sentinel
                        ? "after the master's name only a database number may follow, e.g. /mymaster/0"
                        : "the path must be a database number, e.g. /0")
            }
            db = n
        }
    }

    /// `host`, `host:port`, `[v6]`, `[v6]:port` or `:port` (127.0.0.1).
    private func hostPort(_ text: Substring, defaultPort: Int) throws(SessionError) -> RedisEndpoint {
        var host = "127.0.0.1"
        var port = defaultPort
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw bad("an IPv6 address needs a closing ']'") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("unexpected '\(after)' after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            if colon != text.startIndex { host = String(text[..<colon]) }
            portText = text[text.index(after: colon)...]
        } else if !text.isEmpty {
            host = String(text)
        }
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw bad("invalid port '\(portText)' (1-65535)") }
            port = p
        }
        return .tcp(host: host, port: port)
    }
}
