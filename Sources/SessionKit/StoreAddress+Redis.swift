import RedisClient

extension StoreAddress {
    /// The environment variable that supplies a Redis password, so it stays off argv.
    public static let redisPasswordVariable = "SESSCTL_REDIS_PASSWORD"
    /// The environment variable that supplies the sentinels' own password.
    public static let sentinelPasswordVariable = "SESSCTL_SENTINEL_PASSWORD"

    /// Parses every Redis form:
    ///
    /// - `redis://[user[:password]@]host[:port][/db]` and `rediss://...` (TLS)
    /// - `redis+unix://[user[:password]@]/path/to.sock` (`db=` for the database)
    /// - `redis+cluster://[user[:password]@]host:port[,host:port...]` (seed nodes; database 0 only)
    /// - `redis+sentinel://[user[:password]@]host:port[,host:port...]/MASTER[/db]` (sentinels,
    ///   port 26379 by default; the credentials are the data nodes'; `sentinel-password=` is the
    ///   sentinels' own)
    ///
    /// with options `prefix=`, `layout=kv|hash|scs|redistore|trpc|connect-redis|php|flask-session`,
    /// `serializer=` for new sessions (`gob|json` redistore, `php|php_serialize` php,
    /// `msgpack|json` flask-session; the first is the default), `engine=` (trpc),
    /// `timeout=`, `ttl=`, `db=`, and for TLS (`tls=1`
    /// on any TCP form, or the `rediss` schemes) `ca=`, `cert=`, `key=`, `sni=`, `insecure=1`.
    static func parseRedis(_ text: String, scheme: String, environment: [String: String], maxAgeMillis: Int64?) throws(SessionError) -> StoreAddress {
        var parser = try RedisAddressParser(text, scheme: scheme, environment: environment)
        var rest = try parser.body()
        try parser.readCredentials(&rest)
        let query = RedisAddressParser.splitQuery(&rest)
        try parser.readLocation(rest)
        try parser.readOptions(query)
        if let maxAgeMillis { parser.lifetime = maxAgeMillis }
        try parser.checkTogether()
        return StoreAddress(kind: .redis(options: parser.storeOptions, layout: parser.layout), displayName: parser.displayName)
    }
}
