/// How to open a `RedisConnection`: endpoint, credentials, database, timeout and TLS.
///
/// `password` is sent with `AUTH` (with `username` first when one is given, for ACL users);
/// a `username` without a `password` is ignored. `timeout` (milliseconds) bounds the connect
/// and every later read or write on the connection. Values below 1 are treated as 1 ms.
public struct RedisConnectOptions: Sendable {
    public var endpoint: RedisEndpoint
    public var username: String?
    public var password: String?
    public var db: Int
    public var timeout: Int
    /// TLS settings; nil for plain TCP (TLS needs a TCP endpoint).
    public var tls: RedisTLSOptions?

    public init(
        endpoint: RedisEndpoint,
        username: String? = nil,
        password: String? = nil,
        db: Int = 0,
        timeout: Int = 5000,
        tls: RedisTLSOptions? = nil
    ) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.db = db
        self.timeout = timeout
        self.tls = tls
    }

    /// The same options for another server (a cluster node, the master Sentinel names).
    public func with(endpoint: RedisEndpoint) -> RedisConnectOptions {
        var copy = self
        copy.endpoint = endpoint
        return copy
    }
}

// Printing or dumping options must never reveal the password.
extension RedisConnectOptions: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var parts = ["endpoint: \(endpoint)"]
        if let username { parts.append("username: \(username)") }
        if password != nil { parts.append("password: <redacted>") }
        parts.append("db: \(db)")
        parts.append("timeout: \(timeout) ms")
        if tls != nil { parts.append("tls") }
        return "RedisConnectOptions(\(parts.joined(separator: ", ")))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "endpoint": endpoint, "username": username as Any,
                "password": password == nil ? "nil" : "<redacted>", "db": db, "timeout": timeout, "tls": tls as Any
            ])
    }
}
