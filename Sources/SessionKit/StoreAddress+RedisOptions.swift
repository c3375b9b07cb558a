import RedisClient

extension RedisAddressParser {
    // MARK: Options

    /// The `?name=value` options, each checked as it is read.
    mutating func readOptions(_ query: Substring) throws(SessionError) {
        for item in try StoreAddress.queryOptions(query, bad: { self.bad($0) }) {
            let value = try decoded(item.value)
            if try readStoreOption(item.name, value) { continue }
            if try readTLSOption(item.name, value) { continue }
            if try readSentinelOption(item.name, value) { continue }
            var known = "prefix, layout, serializer, engine, timeout, ttl, db, tls, ca, cert, key, sni, insecure"
            if form == .sentinel { known += ", sentinel-password, sentinel-user" }
            throw bad("unknown option '\(item.name)' for a Redis store (known: \(known))")
        }
    }

    /// prefix, layout, serializer, timeout, ttl, db; false for another name.
    private mutating func readStoreOption(_ name: String, _ value: String) throws(SessionError) -> Bool {
        switch name {
        case "prefix":
            prefix = value
        case "layout":
            guard let l = SessionLayout(rawValue: value.lowercased()), l.isRedis else {
                throw bad(
                    "layout= takes kv or hash (GoFrame), scs (SCS), redistore (gorilla/sessions), trpc (trpc-agent-go), connect-redis (express-session), php (PHP) or flask-session (Flask-Session)"
                )
            }
            layout = l
        case "serializer":
            guard SessionLayout.allCases.contains(where: { $0.serializers.contains(value.lowercased()) }) else {
                throw bad("serializer= takes \(Self.serializerChoices)")
            }
            serializer = value.lowercased()
        case "engine":
            guard let e = AgentEngine(rawValue: value.lowercased()) else { throw bad("engine= takes hashidx or legacy") }
            engine = e
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
        default:
            return false
        }
        return true
    }

    /// tls, ca, cert, key, sni, insecure; false for another name.
    private mutating func readTLSOption(_ name: String, _ value: String) throws(SessionError) -> Bool {
        switch name {
        case "tls", "ssl":
            guard let b = StoreAddress.parseBool(value) else { throw bad("tls= takes 1 or 0") }
            if !b && scheme.hasPrefix("rediss") { throw bad("tls=0 contradicts \(scheme)://") }
            tls = tls || b
            return true
        case "ca", "cacert", "ca-cert":
            tlsOptions.caFile = path(value)
        case "cert":
            tlsOptions.certFile = path(value)
        case "key":
            tlsOptions.keyFile = path(value)
        case "sni":
            guard !value.isEmpty else { throw bad("sni= needs a host name") }
            tlsOptions.serverName = value
        case "insecure":
            guard let b = StoreAddress.parseBool(value) else { throw bad("insecure= takes 1 or 0") }
            tlsOptions.insecure = b
            if !b { return true }
        default:
            return false
        }
        tlsOptionGiven = tlsOptionGiven ?? name
        return true
    }

    /// sentinel-password, sentinel-user, for sentinels only; false for another name.
    private mutating func readSentinelOption(_ name: String, _ value: String) throws(SessionError) -> Bool {
        switch name {
        case "sentinel-password":
            guard form == .sentinel else { throw bad("sentinel-password= is for redis+sentinel:// addresses") }
            sentinelPassword = value
        case "sentinel-user", "sentinel-username":
            guard form == .sentinel else { throw bad("\(name)= is for redis+sentinel:// addresses") }
            sentinelUser = value
        default:
            return false
        }
        return true
    }

    /// A file option's path, with `~/` for the home directory.
    private func path(_ value: String) -> String {
        if value.hasPrefix("~/"), let home = environment["HOME"] { return home + value.dropFirst(1) }
        return value
    }

    /// What `serializer=` takes, per layout: `gob or json (redistore), ...`.
    static var serializerChoices: String {
        SessionLayout.allCases.filter { !$0.serializers.isEmpty }.map { "\($0.serializers.joined(separator: " or ")) (\($0.name))" }.joined(separator: ", ")
    }

    // MARK: Checks across parts

    /// What no single part shows: options that need another, or that the form does not allow.
    /// The sentinels' password comes from `SESSCTL_SENTINEL_PASSWORD` when the address has none.
    mutating func checkTogether() throws(SessionError) {
        if let serializer, !layout.serializers.contains(serializer) {
            if layout.serializers.isEmpty { throw bad("serializer= is for layout=redistore, php or flask-session (\(Self.serializerChoices))") }
            throw bad("serializer=\(serializer) is not a \(layout.name) serializer (layout=\(layout.name) takes \(layout.serializers.joined(separator: " or ")))")
        }
        if engine != nil && layout != .trpc { throw bad("engine= is for layout=trpc") }
        if let given = tlsOptionGiven, !tls {
            throw bad("\(given)= is a TLS option: use rediss:// or add tls=1")
        }
        if tls && form == .unix { throw bad("TLS runs over TCP, not a unix socket") }
        if tlsOptions.keyFile != nil && tlsOptions.certFile == nil { throw bad("key= needs cert= (the client certificate)") }
        if form == .cluster, let db, db != 0 {
            throw bad("a Redis Cluster has only database 0 (SELECT is not allowed in cluster mode)")
        }
        if form == .sentinel && sentinelPassword == nil,
            let fromEnvironment = environment[StoreAddress.sentinelPasswordVariable], !fromEnvironment.isEmpty
        {
            sentinelPassword = fromEnvironment
        }
        if sentinelUser != nil && sentinelPassword == nil {
            throw bad("sentinel-user= needs sentinel-password= (or \(StoreAddress.sentinelPasswordVariable))")
        }
    }

    // MARK: Result

    /// The prefix given, else the layout's.
    var prefixInForce: String { prefix ?? layout.defaultPrefix }

    /// How the store connects, and to what.
    var storeOptions: RedisStoreOptions {
        let deployment: RedisDeployment
        switch form {
        case .server, .unix: deployment = .server
        case .cluster: deployment = .cluster(seeds: endpoints)
        case .sentinel:
            deployment = .sentinel(
                RedisSentinelSettings(
                    sentinels: endpoints, masterName: masterName!, username: sentinelUser,
                    password: sentinelPassword))
        }
        let connection = RedisConnectOptions(
            endpoint: endpoints[0], username: username, password: password, db: db ?? 0,
            timeout: timeout, tls: tls ? tlsOptions : nil)
        var options = RedisStoreOptions(
            connection: connection, deployment: deployment, prefix: prefixInForce,
            defaultLifetimeMillis: lifetime ?? layout.defaultLifetimeMillis)
        options.serializer = serializer
        options.agentEngine = engine
        return options
    }

    /// How the address is shown: the canonical form, without secrets or file paths.
    var displayName: String {
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
        if let serializer, serializer != layout.serializers.first { shownQuery.append("serializer=\(serializer)") }
        if let engine { shownQuery.append("engine=\(engine.rawValue)") }
        if tls && !scheme.hasPrefix("rediss") { shownQuery.append("tls=1") }
        if tls && tlsOptions.insecure { shownQuery.append("insecure=1") }
        return shown + "?" + shownQuery.joined(separator: "&")
    }
}
