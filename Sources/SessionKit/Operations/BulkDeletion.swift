/// Deletes sessions that a finder selected a moment ago, each only while it is still exactly as
/// it was read. One that changed meanwhile (the app wrote or touched it) is read again and
/// deleted only if it still qualifies, so a bulk delete never removes a session on the strength
/// of data it no longer holds.
public enum BulkDeletion {
    public struct Outcome: Sendable {
        public var deleted = 0
        /// The ids of the sessions deleted.
        public var deletedIDs: [String] = []
        /// Already gone when its turn came.
        public var vanished = 0
        /// Changed meanwhile and no longer qualifies: left alone.
        public var spared = 0
        public var failures: [(id: String, error: SessionError)] = []
        public init() {}
    }

    /// How often a session that keeps changing under us is read again before it is given up.
    public static let attempts = 4

    /// Deletes `sessions` (as loaded, with their revisions) from `store`. Each batch goes to
    /// `recorder` (the trash) before it is deleted, and what was deleted after.
    public static func delete(
        _ sessions: [Session], from store: any SessionStore, recorder: (any ChangeRecorder)? = nil,
        stillQualifies: (Session) -> Bool
    ) throws -> Outcome {
        var outcome = Outcome()
        var pending: [Session] = []
        var reread: [String] = []
        for s in sessions {
            if s.revision != nil { pending.append(s) } else { reread.append(s.id) }
        }
        var attempt = 0
        while !pending.isEmpty || !reread.isEmpty {
            attempt += 1
            if !reread.isEmpty {
                for (id, loaded) in zip(reread, try store.load(reread)) {
                    switch loaded {
                    case .found(let s) where stillQualifies(s):
                        if s.revision != nil { pending.append(s) }
                    case .found: outcome.spared += 1
                    case .missing: outcome.vanished += 1
                    case .broken(let e): outcome.failures.append((id, e))
                    }
                }
                reread = []
            }
            if pending.isEmpty { break }
            try recorder?.willChange(pending)
            var deleted: [TrashChange] = []
            for (item, result) in zip(pending, try store.delete(unchanged: pending.map { ($0.id, $0.revision!) })) {
                switch result {
                case .success(true):
                    outcome.deleted += 1
                    outcome.deletedIDs.append(item.id)
                    deleted.append(.removed(item.id))
                case .success(false): outcome.vanished += 1
                case .failure(.conflict) where attempt < attempts: reread.append(item.id)
                case .failure(let e): outcome.failures.append((item.id, e))
                }
            }
            try recorder?.didChange(deleted)
            pending = []
        }
        return outcome
    }
}
