import RedisClient

/// How sessions lie in Redis: GoFrame's two storages, or another Go framework's store.
public enum RedisLayout: String, Sendable, CaseIterable {
    /// GoFrame `StorageRedis`: a string of JSON per session.
    case kv
    /// GoFrame `StorageRedisHashTable`: a hash per session.
    case hash
    /// SCS `redisstore`/`goredisstore`: a string per session, gob of `{Deadline, Values}`.
    case scs
    /// gorilla/sessions with `boj/redistore`: a string per session, gob of the values map (or JSON).
    case redistore

    /// The key prefix the framework uses when the address gives none.
    var defaultPrefix: String {
        switch self {
        case .kv, .hash: return ""  // GoFrame's default
        case .scs: return "scs:session:"
        case .redistore: return "session_"
        }
    }

    /// The lifetime the framework gives a new session when the address gives none.
    var defaultLifetimeMillis: Int64 {
        switch self {
        case .kv, .hash, .scs: return 86_400_000  // GoFrame's max age and SCS's Lifetime: 24h
        case .redistore: return 2_592_000_000  // gorilla's Options.MaxAge: 30 days
        }
    }
}

extension StoreAddress {
    /// The environment variable that supplies a Redis password, so it stays off argv.
    public static let redisPasswordVariable = "SESSCTL_REDIS_PASSWORD"

    /// `redis://[user[:password]@]host[:port][/db]?options` or `redis+unix://[user[:password]@]/path?options`,
    /// options `prefix=`, `layout=kv|hash|scs|redistore`, `serializer=gob|json` (redistore), `timeout=`, `ttl=`, `db=`.
    static func parseRedis(_ text: String, scheme: String, environment: [String: String], maxAgeMillis: Int64?) throws(SessionError) -> StoreAddress {
        func bad(_ reason: String) -> SessionError { .badAddress(address: redacted(text), reason: reason) }
        func later(_ what: String) -> SessionError {
            .unsupported(store: redacted(text), reason: "\(what) is not supported yet; use redis:// or redis+unix://")
        }
        switch scheme {
        case "rediss": throw later("Redis over TLS (rediss://)")
        case "redis+cluster": throw later("Redis Cluster (redis+cluster://)")
        case "redis+sentinel": throw later("Redis Sentinel (redis+sentinel://)")
        default: break
        }
        let unix = scheme == "redis+unix"
        let example = unix ? "redis+unix:///path/to/redis.sock?db=0&prefix=gfsess:" : "redis://[user[:password]@]host[:port][/db]?prefix=gfsess:"
        guard text.dropFirst(scheme.count).hasPrefix("://") else { throw bad("write it as \(example)") }
        var rest = Substring(text.dropFirst(scheme.count + 3))
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }

        var username: String?
        var password: String?
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
        if username != nil && password == nil {
            throw bad("a user needs a password: add it to the address or set \(redisPasswordVariable)")
        }

        let endpoint: RedisEndpoint
        var db: Int?
        if unix {
            let path = try percentDecode(String(rest), in: text)
            guard path.hasPrefix("/"), path.count > 1 else { throw bad("no socket path; write it as \(example)") }
            endpoint = .unix(path: path)
        } else {
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let hostPort = rest[..<slash]
            let path = rest[slash...].dropFirst()
            var host = "127.0.0.1"
            var port = 6379
            var portText: Substring?
            if hostPort.hasPrefix("[") {
                guard let close = hostPort.firstIndex(of: "]") else { throw bad("an IPv6 address needs a closing ']'") }
                host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
                let after = hostPort[hostPort.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":") else { throw bad("unexpected '\(after)' after the IPv6 address") }
                    portText = after.dropFirst()
                }
            } else if let colon = hostPort.firstIndex(of: ":") {
                if colon != hostPort.startIndex { host = String(hostPort[..<colon]) }
                portText = hostPort[hostPort.index(after: colon)...]
            } else if !hostPort.isEmpty {
                host = String(hostPort)
            }
            if let portText {
                guard let p = Int(portText), (1...65535).contains(p) else { throw bad("invalid port '\(portText)' (1-65535)") }
                port = p
            }
            if !path.isEmpty {
                guard let n = Int(path), n >= 0 else { throw bad("the path must be a database number, e.g. /0") }
                db = n
            }
            endpoint = .tcp(host: host, port: port)
        }

        var prefix: String?
        var layout = RedisLayout.kv
        var timeout = 5_000
        var lifetime: Int64?
        var serializer: String?
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = try percentDecode(parts.count > 1 ? String(parts[1]) : "", in: text)
            switch name {
            case "prefix":
                prefix = value
            case "layout":
                guard let l = RedisLayout(rawValue: value.lowercased()) else { throw bad("layout= takes kv or hash (GoFrame), scs (SCS) or redistore (gorilla/sessions)") }
                layout = l
            case "serializer":
                guard ["gob", "json"].contains(value.lowercased()) else { throw bad("serializer= takes gob or json") }
                serializer = value.lowercased()
            case "timeout":
                let ms = try Durations.parse(value)
                guard ms > 0, ms <= Int64(Int32.max) else { throw bad("timeout must be positive") }
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
                throw bad("unknown option '\(name)' for a Redis store (known: prefix, layout, serializer, timeout, ttl, db)")
            }
        }
        if let maxAgeMillis { lifetime = maxAgeMillis }
        if serializer != nil && layout != .redistore { throw bad("serializer= is for layout=redistore") }
        let prefixInForce = prefix ?? layout.defaultPrefix

        let connection = RedisConnectOptions(endpoint: endpoint, username: username, password: password, db: db ?? 0, timeout: timeout)
        var options = RedisStoreOptions(connection: connection, prefix: prefixInForce, defaultLifetimeMillis: lifetime ?? layout.defaultLifetimeMillis)
        options.jsonSerializer = serializer == "json"
        var shown = scheme + "://"
        if username != nil || password != nil { shown += (username ?? "") + (password != nil ? ":***" : "") + "@" }
        var shownQuery: [String] = []
        switch endpoint {
        case .tcp:
            shown += "\(endpoint)/\(db ?? 0)"
        case .unix(let path):
            shown += path
            if let db, db != 0 { shownQuery.append("db=\(db)") }
        }
        if !prefixInForce.isEmpty { shownQuery.append("prefix=\(prefixInForce)") }
        shownQuery.append("layout=\(layout.rawValue)")
        if serializer == "json" { shownQuery.append("serializer=json") }
        shown += "?" + shownQuery.joined(separator: "&")
        return StoreAddress(kind: .redis(options: options, layout: layout), displayName: shown)
    }
}
