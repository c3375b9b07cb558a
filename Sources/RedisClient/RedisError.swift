/// A failure talking to Redis, with a one-line human message that never contains a password.
///
/// Error *replies* from the server (`-ERR`, `WRONGTYPE`) are not `RedisError`s: they come back
/// as `RedisReply.error`. `RedisError` is for failures to connect, authenticate or get a reply.
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers that react differently (e.g. retry on `.timeout`).
    public enum Kind: String, Sendable, Equatable {
        /// The server could not be reached (refused, unknown host, connect timed out).
        case connect
        /// TLS failed: the server's certificate did not verify, the handshake failed, or the server
        /// wants a client certificate. Trying again will not help.
        case tls
        /// AUTH was rejected, or a command needs authentication.
        case auth
        /// No reply within the connection's timeout.
        case timeout
        /// The connection failed or was closed, or was already broken by an earlier error.
        case io
        /// The server answered with an error where the client needed a result (e.g. SELECT, SCAN).
        case server
        /// The reply did not have the expected shape, or the request was malformed.
        case `protocol`
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
