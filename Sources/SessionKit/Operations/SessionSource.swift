/// Where a migration reads sessions from: a store, or a stream of exported sessions.
public protocol SessionSource {
    /// How the source is named in messages.
    var displayName: String { get }

    /// Visits the sessions a page at a time, as `SessionStore.scanSessions` does.
    func sessionPages(pageSize: Int, _ visit: (SessionPage) throws -> ScanControl) throws

    /// What reading it had to retry, as `SessionStore.retrySummary` says; nil for none.
    var retrySummary: String? { get }
}

extension SessionSource {
    public var retrySummary: String? { nil }
}

/// The sessions of a store whose ids match a glob (all when nil).
public struct StoreSessions: SessionSource {
    public let store: any SessionStore
    public let pattern: String?

    public init(_ store: any SessionStore, pattern: String? = nil) {
        self.store = store
        self.pattern = pattern
    }

    public var displayName: String { store.displayName }

    public var retrySummary: String? { store.retrySummary }

    public func sessionPages(pageSize: Int, _ visit: (SessionPage) throws -> ScanControl) throws {
        try store.scanSessions(matching: pattern, pageSize: pageSize, visit)
    }
}
