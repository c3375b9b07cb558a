/// What an error reply asks a cluster client to do: go to another node for a slot (`MOVED`),
/// ask another node once (`ASK`), or wait and try again (`TRYAGAIN`, `CLUSTERDOWN`).
enum RedisRedirect: Equatable {
    case moved(slot: Int, endpoint: RedisEndpoint)
    case ask(slot: Int, endpoint: RedisEndpoint)
    case tryAgain(String)

    /// The redirect an error message carries, if any, e.g. `MOVED 12182 127.0.0.1:30189`.
    init?(_ message: String) {
        let code = RedisErrorCode(message: message)
        switch code {
        case .tryAgain, .clusterDown:
            self = .tryAgain(message)
        case .moved, .ask:
            let parts = message.split(separator: " ")
            guard parts.count >= 3, let slot = Int(parts[1]), let endpoint = Self.endpoint(parts[2]) else { return nil }
            self = code == .moved ? .moved(slot: slot, endpoint: endpoint) : .ask(slot: slot, endpoint: endpoint)
        default:
            return nil
        }
    }

    init?(_ reply: RedisReply) {
        guard case .error(let message) = reply else { return nil }
        self.init(message)
    }

    /// `host:port`, `[v6]:port`, or `:port` (a node that does not know its own address).
    static func endpoint(_ text: Substring) -> RedisEndpoint? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return .tcp(host: host, port: port)
    }
}

extension RedisReplyView {
    /// True for the message of an error reply that a cluster client follows or retries.
    public static func isRedirect(_ message: String) -> Bool {
        RedisRedirect(message) != nil
    }

    /// True for an error reply that a cluster client follows or retries (MOVED, ASK, TRYAGAIN, CLUSTERDOWN).
    public var isRedirect: Bool {
        errorCode?.isRedirect ?? false
    }
}
