/// The code an error reply starts with (`WRONGTYPE Operation against a key ...` has the code
/// `WRONGTYPE`), read once from the reply so callers compare codes instead of message prefixes.
///
/// Codes are an open set (modules add their own), so this is a string with names for the ones
/// sessctl reacts to; `switch` over them with `case .moved:` and a `default`.
public struct RedisErrorCode: Hashable, Sendable, CustomStringConvertible {
    /// The first word of the message, e.g. `MOVED`; empty for an empty message.
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The code of an error message: its first word.
    public init(message: some StringProtocol) {
        self.init(rawValue: String(message.prefix { $0 != " " }))
    }

    /// The code of an error message given as its bytes (a `RedisReplyView`'s).
    public init(bytes: some Collection<UInt8>) {
        self.init(rawValue: String(decoding: bytes.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self))
    }

    public var description: String { rawValue }

    /// A generic error (`ERR unknown command ...`).
    public static let err = Self(rawValue: "ERR")
    /// The key holds a value of another type.
    public static let wrongType = Self(rawValue: "WRONGTYPE")
    /// The target key of RESTORE, RENAME, COPY... exists.
    public static let busyKey = Self(rawValue: "BUSYKEY")
    /// A command needs authentication first.
    public static let noAuth = Self(rawValue: "NOAUTH")
    /// AUTH was given a wrong user name or password.
    public static let wrongPass = Self(rawValue: "WRONGPASS")
    /// The ACL user may not run the command or touch the key.
    public static let noPerm = Self(rawValue: "NOPERM")
    /// The node is a replica and refuses writes.
    public static let readOnly = Self(rawValue: "READONLY")
    /// Cluster: the slot lives on another node from now on.
    public static let moved = Self(rawValue: "MOVED")
    /// Cluster: ask another node, once, while the slot migrates.
    public static let ask = Self(rawValue: "ASK")
    /// Cluster: the keys are split by a migration under way; try again soon.
    public static let tryAgain = Self(rawValue: "TRYAGAIN")
    /// Cluster: the cluster is down (slots not served); try again later.
    public static let clusterDown = Self(rawValue: "CLUSTERDOWN")

    /// The connection is not (correctly) authenticated: `NOAUTH` or `WRONGPASS`.
    public var isAuthentication: Bool { self == .noAuth || self == .wrongPass }

    /// A cluster client follows or retries the reply: `MOVED`, `ASK`, `TRYAGAIN`, `CLUSTERDOWN`.
    public var isRedirect: Bool { self == .moved || self == .ask || self == .tryAgain || self == .clusterDown }
}

extension RedisReply {
    /// The code of an error reply; nil for any other reply.
    public var errorCode: RedisErrorCode? {
        errorMessage.map { RedisErrorCode(message: $0) }
    }
}

extension RedisReplyView {
    /// The code of an error reply; nil for any other reply.
    public var errorCode: RedisErrorCode? {
        isError ? RedisErrorCode(bytes: bytes) : nil
    }
}
