/// Where a Redis server listens: a TCP host and port, or a unix domain socket path.
public enum RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    /// `host:port` (IPv6 literals in brackets) or `unix:/path`, for messages.
    public var description: String {
        switch self {
        case .tcp(let host, let port):
            if host.contains(":") { return "[\(host)]:\(port)" }
            return "\(host):\(port)"
        case .unix(let path):
            return "unix:\(path)"
        }
    }
}
