/// A store seen read-only: every read goes to the store underneath, every write is refused with
/// one error naming the store and the switch that made it read-only. sessctl opens every store
/// through this under `--read-only` or `SESSCTL_READ_ONLY`, so no command, present or future,
/// can write past it.
public final class ReadOnlyStore: SessionStore {
    public let base: any SessionStore
    /// The error each write gets.
    public let refusal: SessionError
    private let why: String

    /// `why` names what made the store read-only, e.g. `--read-only`.
    public init(_ base: any SessionStore, why: String) {
        self.base = base
        self.why = why
        self.refusal = .readOnly(store: base.displayName, why: why)
    }

    public var displayName: String { base.displayName }
    public var layout: SessionLayout { base.layout }
    public var capabilities: StoreCapabilities { base.capabilities }
    public var clock: Clock { base.clock }
    public var defaultLifetimeMillis: Int64 { base.defaultLifetimeMillis }
    /// The base's abilities, whole, with those that write refused.
    public var abilities: StoreAbilities { base.abilities.refusingWrites(refusal) }

    public func validate(id: String) throws(SessionError) {
        try base.validate(id: id)
    }

    public func scan(matching pattern: String?, pageSize: Int, detail: ScanDetail, _ visit: (ScanPage) throws -> ScanControl) throws {
        try base.scan(matching: pattern, pageSize: pageSize, detail: detail, visit)
    }

    public func scanSessions(matching pattern: String?, pageSize: Int, _ visit: (SessionPage) throws -> ScanControl) throws {
        try base.scanSessions(matching: pattern, pageSize: pageSize, visit)
    }

    public func reopened() throws(SessionError) -> any SessionStore {
        ReadOnlyStore(try base.reopened(), why: why)
    }

    public func load(_ ids: [String]) throws -> [LoadResult] {
        try base.load(ids)
    }

    public func save(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] {
        throw refusal
    }

    public func delete(_ ids: [String]) throws -> [Result<Bool, SessionError>] {
        throw refusal
    }

    public func delete(unchanged sessions: [(id: String, revision: Revision)]) throws -> [Result<Bool, SessionError>] {
        throw refusal
    }

    public func setExpiry(_ changes: [(id: String, expiry: Expiry)]) throws -> [Result<Bool, SessionError>] {
        throw refusal
    }
}
