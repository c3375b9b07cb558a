import RedisClient

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension StoreAddress {
    /// True when the two addresses can reach the same sessions, whatever their layouts: the
    /// same directory, or the same Redis database with one prefix starting with the other (a
    /// scan of one would then see the other's keys). Copying between such stores would read
    /// its own writes, or delete what it copied.
    public func overlaps(_ other: StoreAddress) -> Bool {
        switch (kind, other.kind) {
        case let (.file(a, _), .file(b, _)):
            return Self.resolvedPath(a) == Self.resolvedPath(b)
        case let (.redis(a, la), .redis(b, lb)):
            guard a.connection.db == b.connection.db, !Self.reach(a).isDisjoint(with: Self.reach(b)) else { return false }
            if la == .trpc && lb == .trpc {
                // trpc-agent-go's prefix is a name of its own (`p:hashidx:...`), and each engine
                // has keys of its own: one engine moves into the other in place.
                let (ea, eb) = (a.agentEngine.map { [$0] } ?? AgentEngine.allCases, b.agentEngine.map { [$0] } ?? AgentEngine.allCases)
                return a.prefix == b.prefix && !Set(ea).isDisjoint(with: eb)
            }
            return a.prefix.utf8.starts(with: b.prefix.utf8) || b.prefix.utf8.starts(with: a.prefix.utf8)
        default:
            return false
        }
    }

    /// What a Redis address names: its server, the seed nodes of a cluster (any of them is the
    /// same cluster), or the master's name at each sentinel.
    private static func reach(_ options: RedisStoreOptions) -> Set<String> {
        switch options.deployment {
        case .server: return ["\(options.connection.endpoint)"]
        case .cluster(let seeds): return Set(seeds.map { "\($0)" })
        case .sentinel(let settings): return Set(settings.sentinels.map { "\(settings.masterName)@\($0)" })
        }
    }

    private static func resolvedPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
