/// How a store lays its sessions out, as one value from the address (`layout=`) through the store
/// to export lines (`"layout"`), spelled as both spell it.
public enum SessionLayout: String, Sendable, CaseIterable {
    /// GoFrame `StorageFile`: a file per session.
    case file
    /// GoFrame `StorageRedis`: a string of JSON per session.
    case kv
    /// GoFrame `StorageRedisHashTable`: a hash per session.
    case hash
    /// SCS `redisstore`/`goredisstore`: a string per session, gob of `{Deadline, Values}`.
    case scs
    /// gorilla/sessions with `boj/redistore`: a string per session, gob of the values map (or JSON).
    case redistore
    /// trpc-agent-go `session/redis`: a group of keys per session (both engines, see `AgentStore`).
    case trpc
    /// express-session with connect-redis: a string per session, `JSON.stringify` of it.
    case connectRedis = "connect-redis"
    /// PHP's phpredis session handler: a string per session, PHP's session serializer format.
    case php
    /// Flask-Session 0.8 `RedisSessionInterface`: a string per session, msgpack or JSON of the dict.
    case flaskSession = "flask-session"

    /// The layout's name in addresses and export lines.
    public var name: String { rawValue }

    /// The layouts a Redis address can name.
    public var isRedis: Bool { self != .file }

    /// Whose sessions it holds.
    public var framework: SessionFramework {
        switch self {
        case .file, .kv, .hash: return .goframe
        case .scs: return .scs
        case .redistore: return .gorilla
        case .trpc: return .trpcAgent
        case .connectRedis: return .expressSession
        case .php: return .php
        case .flaskSession: return .flask
        }
    }

    /// What a store of this layout can do (a File store adds its app's max age for new sessions).
    public var capabilities: StoreCapabilities {
        switch self {
        case .file: return StoreCapabilities(canPersist: false, keepsExpiredSessions: true, storesJSONText: true)
        case .kv: return StoreCapabilities(canPersist: true, keepsExpiredSessions: false, storesJSONText: true)
        case .hash:
            return StoreCapabilities(
                canPersist: true, keepsExpiredSessions: false, keepsValueTypes: false, canStoreEmptySessions: false,
                keepsBinaryValues: true)
        case .scs: return StoreCapabilities(canPersist: false, keepsExpiredSessions: false, framework: .scs, hasDeadlines: true)
        case .redistore: return StoreCapabilities(canPersist: true, keepsExpiredSessions: false, framework: .gorilla)
        case .trpc: return StoreCapabilities(canPersist: true, keepsExpiredSessions: false, framework: .trpcAgent, keepsBinaryValues: true)
        case .connectRedis: return StoreCapabilities(canPersist: true, keepsExpiredSessions: false, framework: .expressSession)
        case .php: return StoreCapabilities(canPersist: true, keepsExpiredSessions: false, framework: .php)
        case .flaskSession: return StoreCapabilities(canPersist: true, keepsExpiredSessions: false, framework: .flask)
        }
    }

    /// The serializers the layout writes a value with, as `serializer=` and an export line's
    /// `serializer` name them; the first is what new sessions get unless `serializer=` says
    /// otherwise. Empty: one format only.
    public var serializers: [String] {
        switch self {
        case .redistore: return ["gob", "json"]
        case .php: return ["php", "php_serialize"]  // PHP's session.serialize_handler
        case .flaskSession: return ["msgpack", "json"]
        case .file, .kv, .hash, .scs, .trpc, .connectRedis: return []
        }
    }

    /// The serializers a stored value of the layout may have been written with: `serializers`,
    /// and those only read (Flask-Session's legacy pickles).
    public var readSerializers: [String] { self == .flaskSession ? serializers + ["pickle"] : serializers }

    /// The key prefix the framework uses when a Redis address gives none.
    var defaultPrefix: String {
        switch self {
        case .file, .kv, .hash, .trpc: return ""  // GoFrame's default; trpc-agent-go's WithKeyPrefix default
        case .scs: return "scs:session:"
        case .redistore: return "session_"
        case .connectRedis: return "sess:"
        case .php: return "PHPREDIS_SESSION:"  // phpredis's default session prefix
        case .flaskSession: return "session:"  // SESSION_KEY_PREFIX
        }
    }

    /// The lifetime the framework gives a new session when the address gives none.
    var defaultLifetimeMillis: Int64 {
        switch self {
        case .file, .kv, .hash, .scs: return 86_400_000  // GoFrame's max age and SCS's Lifetime: 24h
        case .redistore: return 2_592_000_000  // gorilla's Options.MaxAge: 30 days
        case .trpc: return 0  // trpc-agent-go's default SessionTTL: none
        case .connectRedis: return 86_400_000  // connect-redis's ttl: 1 day
        case .php: return 1_440_000  // session.gc_maxlifetime's default: 1440 s
        case .flaskSession: return 2_678_400_000  // PERMANENT_SESSION_LIFETIME: 31 days
        }
    }
}
