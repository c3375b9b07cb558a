import RedisClient

extension AgentStore {
    public func save(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] {
        writes.map { _ in .failure(.unsupported(store: displayName, reason: "not yet")) }
    }

    public func delete(_ ids: [String]) throws -> [Result<Bool, SessionError>] {
        ids.map { _ in .failure(.unsupported(store: displayName, reason: "not yet")) }
    }

    public func setExpiry(_ changes: [(id: String, expiry: Expiry)]) throws -> [Result<Bool, SessionError>] {
        changes.map { _ in .failure(.unsupported(store: displayName, reason: "not yet")) }
    }
}
