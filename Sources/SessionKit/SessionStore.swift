/// The source of "now" for expiry decisions, in Unix milliseconds; replaceable in tests.
public struct Clock: Sendable {
    public let nowMillis: @Sendable () -> Int64
    public init(_ nowMillis: @escaping @Sendable () -> Int64) { self.nowMillis = nowMillis }

    public static let system = Clock { SystemTime.nowMillis() }

    /// A clock stopped at one instant.
    public static func fixed(_ ms: Int64) -> Clock { Clock { ms } }
}

/// Whose sessions a store holds. Sessions move only between stores of one framework: the app
/// on the other side reads only its own format (a GoFrame app cannot read an SCS gob blob).
public enum SessionFramework: String, Sendable, Equatable, CaseIterable {
    case goframe = "GoFrame gsession"
    case scs = "SCS"
    case gorilla = "gorilla/sessions"
    case trpcAgent = "trpc-agent-go"
    case expressSession = "express-session"
    case php = "PHP"
    case flask = "Flask-Session"
}

extension SessionFramework {
    /// Why sessions of this framework cannot go where `target`'s are kept, in one line; nil for
    /// the same framework.
    public func transferRefusal(to target: SessionFramework, from sourceName: String, to targetName: String) -> String? {
        guard self != target else { return nil }
        return "\(sourceName) holds \(rawValue) sessions and \(targetName) holds \(target.rawValue) sessions: "
            + "an app of one framework cannot read the other's, so sessions do not move between them"
    }
}

/// What a store can do beyond the common protocol.
public struct StoreCapabilities: Sendable, Equatable {
    /// Sessions can live without an expiry (`persist`).
    public var canPersist: Bool
    /// Expired sessions stay in the store until someone removes them (File).
    public var keepsExpiredSessions: Bool
    /// Values come back with their JSON type (false for a Redis hash, which stores text).
    public var keepsValueTypes: Bool
    /// A session with no keys can be stored (false for a Redis hash).
    public var canStoreEmptySessions: Bool
    /// Whose sessions these are; what a migration between two stores must compare.
    public var framework: SessionFramework
    /// Sessions carry an absolute deadline of their own besides the store's TTL (SCS).
    public var hasDeadlines: Bool

    /// Values may hold bytes that are not UTF-8 text (a Redis hash keeps each field's exact bytes);
    /// a store that keeps JSON text refuses a session holding such bytes.
    public var keepsBinaryValues: Bool
    /// The lifetime a session without an expiry gets when it is written into a store that cannot
    /// keep one (File: the app's max age, from now); nil for none.
    public var newSessionLifetimeMillis: Int64?
    /// A session is stored as Go's JSON text of its data, so `Session.canonicalJSON` is written as
    /// it is (File, Redis-KV); other stores need the data itself.
    public var storesJSONText: Bool

    public init(
        canPersist: Bool, keepsExpiredSessions: Bool, keepsValueTypes: Bool = true, canStoreEmptySessions: Bool = true,
        framework: SessionFramework = .goframe, hasDeadlines: Bool = false,
        keepsBinaryValues: Bool = false, newSessionLifetimeMillis: Int64? = nil, storesJSONText: Bool = false
    ) {
        self.canPersist = canPersist
        self.keepsExpiredSessions = keepsExpiredSessions
        self.keepsValueTypes = keepsValueTypes
        self.canStoreEmptySessions = canStoreEmptySessions
        self.framework = framework
        self.hasDeadlines = hasDeadlines
        self.keepsBinaryValues = keepsBinaryValues
        self.newSessionLifetimeMillis = newSessionLifetimeMillis
        self.storesJSONText = storesJSONText
    }

    /// Why sessions of a store with these capabilities cannot go to one with `target`'s, in
    /// one line; nil when they can (the same framework, any layout of it).
    public func transferRefusal(to target: StoreCapabilities, from sourceName: String, to targetName: String) -> String? {
        framework.transferRefusal(to: target.framework, from: sourceName, to: targetName)
    }
}

/// How much a scan must find out about each session.
public enum ScanDetail: Sendable, Equatable {
    /// Only the ids of the live sessions. A store that removes expired sessions itself may then
    /// leave size, key count and expiry unknown, tell sessions from other keys by their type
    /// alone, and leave keys of other types out of `ScanPage.skipped`.
    case ids
    /// Everything a `SessionInfo` holds, and every non-session key reported as skipped.
    case full
}

/// Whether a scan goes on after a page.
public enum ScanControl: Sendable {
    case proceed
    case stop
}

/// The storage protocol every backend implements. It speaks sessions, not bytes; all work is
/// batched so a network backend can pipeline (a single-session call is a batch of one).
/// Ids are checked by the store before they touch a path or a key.
public protocol SessionStore: AnyObject {
    /// How the store is named in output and messages, with any password or key hidden.
    var displayName: String { get }
    /// How the store lays its sessions out, as addresses and exports name it.
    var layout: SessionLayout { get }
    var capabilities: StoreCapabilities { get }
    var clock: Clock { get }
    /// The lifetime a session gets when it is created without an explicit expiry.
    var defaultLifetimeMillis: Int64 { get }

    /// Checks that `id` is a session id this store can hold.
    func validate(id: String) throws(SessionError)

    /// Visits every session whose id matches the glob `pattern` (all when nil), one page at a
    /// time, in no particular order. Corrupt sessions come as infos with a `problem`; keys that
    /// are not sessions come in `ScanPage.skipped`. `pageSize` is a hint. A store over Redis
    /// SCAN may visit a session twice when the server resizes its tables during the scan.
    /// `visit` must not call the store itself (a Redis store has the next page in flight on its
    /// connection): work done during a scan goes through a second handle (`reopened()`).
    func scan(matching pattern: String?, pageSize: Int, detail: ScanDetail, _ visit: (ScanPage) throws -> ScanControl) throws

    /// Like `scan`, but hands over every session with its data, as `load` gives it, reading each
    /// one once: for work that copies or inspects whole stores. Sessions that cannot be read come
    /// in `SessionPage.broken`. The same rule holds: `visit` must not call the store.
    func scanSessions(matching pattern: String?, pageSize: Int, _ visit: (SessionPage) throws -> ScanControl) throws

    func load(_ ids: [String]) throws -> [LoadResult]

    /// Writes each session; a failing one does not stop the others.
    func save(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>]

    /// Removes each session; `false` where there was none.
    func delete(_ ids: [String]) throws -> [Result<Bool, SessionError>]

    /// Removes each session only while it is exactly as it was read (its `revision`): one that
    /// changed since stays and fails with `conflict`; `false` where there was none. A default
    /// (load, compare, delete) serves stores that cannot do better.
    func delete(unchanged sessions: [(id: String, revision: Revision)]) throws -> [Result<Bool, SessionError>]

    /// Changes only the lifetime of each session; `false` where there was none.
    func setExpiry(_ changes: [(id: String, expiry: Expiry)]) throws -> [Result<Bool, SessionError>]

    /// Another handle on the same store with its own connection, usable while a scan of this one
    /// is under way (and from another thread than this one).
    func reopened() throws(SessionError) -> any SessionStore

    /// What the store can do beyond this protocol (see `StoreAbilities`); a decorator hands on
    /// its base's abilities whole.
    var abilities: StoreAbilities { get }
}

/// Prepares sessions read from export lines for one store; a line it cannot take throws,
/// and fails alone.
public struct ExportLineReader: Sendable {
    public let prepare: @Sendable (inout Session) throws(SessionError) -> Void
    public init(_ prepare: @escaping @Sendable (inout Session) throws(SessionError) -> Void) {
        self.prepare = prepare
    }
}

extension SessionStore {
    /// A session with no keys yet, as this store makes one (with the typed container of a
    /// Go-typed layout), to be filled and saved with `.create`.
    public func newSession(id: String, expiry: Expiry) -> Session {
        abilities.shaping?.newSession(id: id, expiry: expiry) ?? Session(id: id, data: JSONObject(), expiry: expiry)
    }

    /// The data as this store gives it back once it has written it: the same for a store that
    /// keeps value types; every scalar as its text for a Redis hash.
    public func dataAsStored(_ data: JSONObject) -> JSONObject {
        abilities.shaping?.dataAsStored(data) ?? data
    }

    /// What the store makes of a session read from an export line before an import writes it;
    /// nil for a store that takes lines as they are.
    public var exportLineReader: ExportLineReader? { abilities.shaping?.exportLineReader }

    /// About how many sessions match `pattern` (see `SessionCounting`); nil when the store cannot
    /// tell much faster than by reading them.
    public func estimatedCount(matching pattern: String?) throws -> Int? {
        try abilities.counting?.estimatedCount(matching: pattern)
    }

    /// Exactly how many live sessions match `pattern` (see `SessionCounting.serverSideCount`); nil when
    /// the store cannot count them faster than a scan.
    public func liveCount(matching pattern: String?) throws -> Int? {
        try abilities.counting?.serverSideCount(matching: pattern)
    }

    /// What the store's connection had to retry since it was opened (see `RetryReporting`).
    public var retrySummary: String? { abilities.retries?.retrySummary }

    /// A scan with every detail.
    public func scan(matching pattern: String?, pageSize: Int, _ visit: (ScanPage) throws -> ScanControl) throws {
        try scan(matching: pattern, pageSize: pageSize, detail: .full, visit)
    }

    public func load(_ id: String) throws -> LoadResult {
        try load([id])[0]
    }

    /// The session, or a thrown `notFound` / `corrupt` error.
    public func get(_ id: String) throws -> Session {
        switch try load(id) {
        case .found(let s): return s
        case .missing: throw SessionError.notFound(store: displayName, id: id)
        case .broken(let e): throw e
        }
    }

    public func save(_ write: SessionWrite) throws {
        try save([write])[0].get()
    }

    /// Deletes one session; throws `notFound` when there was none.
    public func delete(_ id: String) throws {
        if try !delete([id])[0].get() { throw SessionError.notFound(store: displayName, id: id) }
    }

    public func delete(unchanged sessions: [(id: String, revision: Revision)]) throws -> [Result<Bool, SessionError>] {
        var results = [Result<Bool, SessionError>?](repeating: nil, count: sessions.count)
        var still: [Int] = []
        for (i, loaded) in try load(sessions.map(\.id)).enumerated() {
            switch loaded {
            case .missing: results[i] = .success(false)
            case .broken(let e): results[i] = .failure(e)
            case .found(let s) where s.revision == sessions[i].revision: still.append(i)
            case .found: results[i] = .failure(.conflict(store: displayName, id: sessions[i].id))
            }
        }
        for (i, r) in zip(still, try delete(still.map { sessions[$0].id })) { results[i] = r }
        return results.map { $0! }
    }

    /// The error every write gets when the store was opened read-only, else nil.
    public var writeRefusal: SessionError? { abilities.writeRefusal }

    /// Throws the read-only refusal before any work that would end in a write.
    public func checkWritable() throws(SessionError) {
        if let refusal = writeRefusal { throw refusal }
    }

    public func setExpiry(_ id: String, _ expiry: Expiry) throws {
        if try !setExpiry([(id, expiry)])[0].get() { throw SessionError.notFound(store: displayName, id: id) }
    }
}
