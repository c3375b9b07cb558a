import RedisClient

extension StoreAddress {
    /// The environment variable that supplies a Redis password, so it stays off argv.
    public static let redisPasswordVariable = "SESSCTL_REDIS_PASSWORD"
    /// The environment variable that supplies the sentinels' own password.
    public static let sentinelPasswordVariable = "SESSCTL_SENTINEL_PASSWORD"

    /// The Redis address forms, for messages.
    static let redisForms = [
        "redis://[user[:password]@]host[:port][/db]", "rediss://... (TLS)", "redis+unix:///path/to.sock",
        "redis+cluster://[user[:password]@]host:port[,host:port...]",
        "redis+sentinel://[user[:password]@]host:port[,host:port...]/MASTER[/db]",
    ]

    /// Parses every Redis form:
    ///
    /// - `redis://[user[:password]@]host[:port][/db]` and `rediss://...` (TLS)
    /// - `redis+unix://[user[:password]@]/path/to.sock` (`db=` for the database)
    /// - `redis+cluster://[user[:password]@]host:port[,host:port...]` (seed nodes; database 0 only)
    /// - `redis+sentinel://[user[:password]@]host:port[,host:port...]/MASTER[/db]` (sentinels,
    ///   port 26379 by default; the credentials are the data nodes'; `sentinel-password=` is the
    ///   sentinels' own)
    ///
    /// with options `prefix=`, `layout=kv|hash|scs|redistore`, `serializer=gob|json` (redistore),
    /// `timeout=`, `ttl=`, `db=`, and for TLS (`tls=1`
    /// on any TCP form, or the `rediss` schemes) `ca=`, `cert=`, `key=`, `sni=`, `insecure=1`.
    static func parseRedis(_ text: String, scheme: String, environment: [String: String], maxAgeMillis: Int64?) throws(SessionError) -> StoreAddress {
        func bad(_ reason: String) -> SessionError { .badAddress(address: redacted(text), reason: reason) }
        enum Form { case server, unix, cluster, sentinel }
        let form: Form
        var tls = false
        switch scheme {
        case "redis": form = .server
        case "rediss": form = .server; tls = true
        case "redis+unix": form = .unix
        case "redis+cluster": form = .cluster
        case "rediss+cluster": form = .cluster; tls = true
        case "redis+sentinel": form = .sentinel
        case "rediss+sentinel": form = .sentinel; tls = true
        default: throw bad("unknown scheme '\(scheme):'")
        }
        let example: String
        switch form {
        case .server: example = "\(scheme)://[user[:password]@]host[:port][/db]?prefix=gfsess:"
        case .unix: example = "redis+unix:///path/to/redis.sock?db=0&prefix=gfsess:"
        case .cluster: example = "\(scheme)://host:port[,host:port...]?prefix=gfsess:"
        case .sentinel: example = "\(scheme)://host:port[,host:port...]/MASTER[/db]?prefix=gfsess:"
        }
        guard text.dropFirst(scheme.count).hasPrefix("://") else { throw bad("write it as \(example)") }
        var rest = Substring(text.dropFirst(scheme.count + 3))
        var username: String?
        var password: String?
        // The credentials end at the last '@' (see StoreAddress+Secrets.swift).
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let user = try percentDecode(String(parts[0]), in: text)
            if !user.isEmpty { username = user }
            if parts.count > 1 { password = try percentDecode(String(parts[1]), in: text) }
        }
        if password == nil, let fromEnvironment = environment[redisPasswordVariable], !fromEnvironment.isEmpty {
            password = fromEnvironment
        }
        if let username, password == nil {
            if username.contains("?") { throw bad("write an '@' in an option value as %40") }
            throw bad("a user needs a password: add it to the address or set \(redisPasswordVariable)")
        }
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }

        // Where: endpoints, and the path after them.
        var endpoints: [RedisEndpoint] = []
        var db: Int?
        var masterName: String?
        if form == .unix {
            let path = try percentDecode(String(rest), in: text)
            guard path.hasPrefix("/"), path.count > 1 else { throw bad("no socket path; write it as \(example)") }
            endpoints = [.unix(path: path)]
        } else {
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let hostList = rest[..<slash]
            let path = rest[slash...].dropFirst()
            let defaultPort = form == .sentinel ? 26379 : 6379
            for item in hostList.split(separator: ",", omittingEmptySubsequences: false) {
                if item.isEmpty && form != .server { throw bad("an empty host in the list; write it as \(example)") }
                endpoints.append(try hostPort(item, defaultPort: defaultPort, bad: bad))
            }
            if form == .server && endpoints.count > 1 {
                throw bad("several hosts are a cluster or sentinels: use redis+cluster:// or redis+sentinel://")
            }
            var pathParts = path.split(separator: "/", omittingEmptySubsequences: false)
            if path.isEmpty { pathParts = [] }
            if form == .sentinel {
                guard let name = pathParts.first, !name.isEmpty else {
                    throw bad("name the master Sentinel watches; write it as \(example)")
                }
                masterName = try percentDecode(String(name), in: text)
                pathParts.removeFirst()
            }
            if let dbText = pathParts.first {
                guard pathParts.count == 1, let n = Int(dbText), n >= 0 else {
                    throw bad(form == .sentinel ? "after the master's name only a database number may follow, e.g. /mymaster/0"
                                                : "the path must be a database number, e.g. /0")
                }
                db = n
            }
        }

        var prefix: String?
        var layout = SessionLayout.kv
        var timeout = 5_000
        var lifetime: Int64?
        var serializer: String?
        var tlsOptions = RedisTLSOptions()
        var tlsOptionGiven: String?
        var sentinelUser: String?
        var sentinelPassword: String?
        func path(_ value: String) -> String {
            if value.hasPrefix("~/"), let home = environment["HOME"] { return home + value.dropFirst(1) }
            return value
        }
        for item in try queryOptions(query, bad: bad) {
            let name = item.name
            let value = try percentDecode(String(item.value), in: text)
            switch name {
            case "prefix":
                prefix = value
            case "layout":
                guard let l = SessionLayout(rawValue: value.lowercased()), l.isRedis else { throw bad("layout= takes kv or hash (GoFrame), scs (SCS) or redistore (gorilla/sessions)") }
                layout = l
            case "serializer":
                guard ["gob", "json"].contains(value.lowercased()) else { throw bad("serializer= takes gob or json") }
                serializer = value.lowercased()
            case "timeout":
                let ms = try Durations.parse(value)
                guard ms > 0, ms <= Int64(Int32.max) else { throw bad("timeout must be positive and at most \(Durations.format(millis: Int64(Int32.max)))") }
                timeout = Int(ms)
            case "ttl", "max-age":
                let ms = try Durations.parse(value)
                if ms <= 0 { throw bad("ttl must be positive") }
                lifetime = ms
            case "db":
                guard let n = Int(value), n >= 0 else { throw bad("db= takes a database number") }
                if let db, db != n { throw bad("the database is given twice (/\(db) and db=\(n))") }
                db = n
            case "tls", "ssl":
                guard let b = parseBool(value) else { throw bad("tls= takes 1 or 0") }
                if !b && scheme.hasPrefix("rediss") { throw bad("tls=0 contradicts \(scheme)://") }
                tls = tls || b
            case "ca", "cacert", "ca-cert":
                tlsOptions.caFile = path(value)
                tlsOptionGiven = tlsOptionGiven ?? name
            case "cert":
                tlsOptions.certFile = path(value)
                tlsOptionGiven = tlsOptionGiven ?? name
            case "key":
                tlsOptions.keyFile = path(value)
                tlsOptionGiven = tlsOptionGiven ?? name
            case "sni":
                guard !value.isEmpty else { throw bad("sni= needs a host name") }
                tlsOptions.serverName = value
                tlsOptionGiven = tlsOptionGiven ?? name
            case "insecure":
                guard let b = parseBool(value) else { throw bad("insecure= takes 1 or 0") }
                tlsOptions.insecure = b
                if b { tlsOptionGiven = tlsOptionGiven ?? name }
            case "sentinel-password":
                guard form == .sentinel else { throw bad("sentinel-password= is for redis+sentinel:// addresses") }
                sentinelPassword = value
            case "sentinel-user", "sentinel-username":
                guard form == .sentinel else { throw bad("\(name)= is for redis+sentinel:// addresses") }
                sentinelUser = value
            default:
                var known = "prefix, layout, serializer, timeout, ttl, db, tls, ca, cert, key, sni, insecure"
                if form == .sentinel { known += ", sentinel-password, sentinel-user" }
                throw bad("unknown option '\(name)' for a Redis store (known: \(known))")
            }
        }
        if let maxAgeMillis { lifetime = maxAgeMillis }
        if serializer != nil && layout != .redistore { throw bad("serializer= is for layout=redistore") }
        let prefixInForce = prefix ?? layout.defaultPrefix
        if let given = tlsOptionGiven, !tls {
            throw bad("\(given)= is a TLS option: use rediss:// or add tls=1")
        }
        if tls && form == .unix { throw bad("TLS runs over TCP, not a unix socket") }
        if tlsOptions.keyFile != nil && tlsOptions.certFile == nil { throw bad("key= needs cert= (the client certificate)") }
        if form == .cluster, let db, db != 0 {
            throw bad("a Redis Cluster has only database 0 (SELECT is not allowed in cluster mode)")
        }
        if form == .sentinel && sentinelPassword == nil, let fromEnvironment = environment[sentinelPasswordVariable], !fromEnvironment.isEmpty {
            sentinelPassword = fromEnvironment
        }
        if sentinelUser != nil && sentinelPassword == nil {
            throw bad("sentinel-user= needs sentinel-password= (or \(sentinelPasswordVariable))")
        }

        let deployment: RedisDeployment
        switch form {
        case .server, .unix: deployment = .server
        case .cluster: deployment = .cluster(seeds: endpoints)
        case .sentinel:
            deployment = .sentinel(RedisSentinelSettings(sentinels: endpoints, masterName: masterName!, username: sentinelUser,
                                                         password: sentinelPassword))
        }
        let connection = RedisConnectOptions(endpoint: endpoints[0], username: username, password: password, db: db ?? 0,
                                             timeout: timeout, tls: tls ? tlsOptions : nil)
        var options = RedisStoreOptions(connection: connection, deployment: deployment, prefix: prefixInForce,
                                        defaultLifetimeMillis: lifetime ?? layout.defaultLifetimeMillis)
        options.jsonSerializer = serializer == "json"

        // How it is shown: the canonical form, without secrets or file paths.
        var shown = scheme + "://"
        if username != nil || password != nil { shown += (username ?? "") + (password != nil ? ":***" : "") + "@" }
        var shownQuery: [String] = []
        switch form {
        case .server:
            shown += "\(endpoints[0])/\(db ?? 0)"
        case .unix:
            shown += "\(endpoints[0])".dropFirst(5)  // "unix:" + path
            if let db, db != 0 { shownQuery.append("db=\(db)") }
        case .cluster:
            shown += endpoints.map(\.description).joined(separator: ",")
        case .sentinel:
            shown += endpoints.map(\.description).joined(separator: ",") + "/\(masterName!)/\(db ?? 0)"
            if sentinelPassword != nil { shownQuery.append("sentinel-password=***") }
        }
        if !prefixInForce.isEmpty { shownQuery.append("prefix=\(prefixInForce)") }
        shownQuery.append("layout=\(layout.rawValue)")
        if serializer == "json" { shownQuery.append("serializer=json") }
        if tls && !scheme.hasPrefix("rediss") { shownQuery.append("tls=1") }
        if tls && tlsOptions.insecure { shownQuery.append("insecure=1") }
        shown += "?" + shownQuery.joined(separator: "&")
        return StoreAddress(kind: .redis(options: options, layout: layout), displayName: shown)
    }

    /// `host`, `host:port`, `[v6]`, `[v6]:port` or `:port` (127.0.0.1).
    private static func hostPort(_ text: Substring, defaultPort: Int, bad: (String) -> SessionError) throws(SessionError) -> RedisEndpoint {
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
