import RedisClient

/// One round of `RedisStoreCore.transact`: items whose ids are all different, each read under
/// WATCH, decided, and settled by the outcome of its EXEC; an item that must be read again (its
/// key changed, or the outcome is unknown) is decided again within the round.
final class TransactionRound<Out> {
    /// A write queued for one item, waiting for EXEC.
    private struct Queued {
        var count: Int
        var finish: (ArraySlice<RedisReply>) -> Result<Out, SessionError>
        var applied: ((ArraySlice<RedisReply>) -> Result<Out, SessionError>?)?
    }

    private let core: RedisStoreCore
    private let ids: [String]
    /// The round's items, as indices into `ids`.
    private let items: [Int]
    /// Each item's key, in the order of `items`.
    let keys: [[UInt8]]
    /// Each settled item's result, by its index in `ids`.
    private(set) var results: [Int: Result<Out, SessionError>] = [:]
    private var attempts: [Int]
    private var queued: [Queued?]
    /// Items whose last EXEC had an unknown outcome: their `applied` check runs first.
    private var uncertain: [Bool]

    init(_ core: RedisStoreCore, ids: [String], items: [Int], keys: [[UInt8]]) {
        self.core = core
        self.ids = ids
        self.items = items
        self.keys = keys
        self.attempts = [Int](repeating: 0, count: items.count)
        self.queued = [Queued?](repeating: nil, count: items.count)
        self.uncertain = [Bool](repeating: false, count: items.count)
    }

    /// The commands to queue for the `unit`'s items (indices into `keys`), given each one's read
    /// replies: a write found applied after an unknown outcome is settled, an item tried too often
    /// is a conflict, the others go to `decide`.
    func decide(
        _ unit: [Int], _ replies: [ArraySlice<RedisReply>],
        _ decide: (Int, ArraySlice<RedisReply>) -> RedisStoreCore.Step<Out>
    ) -> [[[UInt8]]] {
        var commands: [[[UInt8]]] = []
        for (n, r) in zip(unit, replies) {
            let previous = queued[n]
            queued[n] = nil
            if uncertain[n], let applied = previous?.applied, let result = applied(r) {
                results[items[n]] = result
                continue
            }
            attempts[n] += 1
            if attempts[n] > RedisStoreCore.maxAttempts {
                results[items[n]] = .failure(.conflict(store: core.displayName, id: ids[items[n]]))
                continue
            }
            switch decide(items[n], r) {
            case .done(let result):
                results[items[n]] = result
            case .write(let writes, let finish, let applied):
                queued[n] = Queued(count: writes.count, finish: finish, applied: applied)
                commands += writes
            }
        }
        return commands
    }

    /// Settles the `unit`'s queued writes by the outcome of their EXEC; the items to read and
    /// decide again come back.
    func settle(_ unit: [Int], _ outcome: RedisTransactionOutcome) -> [Int] {
        let writers = unit.filter { queued[$0] != nil }
        switch outcome {
        case .committed(let replies):
            var offset = 0
            for n in writers {
                let q = queued[n]!
                results[items[n]] = q.finish(replies[offset..<min(offset + q.count, replies.count)])
                offset += q.count
                queued[n] = nil
            }
            return []
        case .changed:
            return writers  // a watched key changed: read and decide again
        case .refused(let message):
            for n in writers {
                results[items[n]] = .failure(core.replyError(message, key: keys[n]))
                queued[n] = nil
            }
            return []
        case .unknown:
            for n in writers { uncertain[n] = true }
            return writers
        }
    }
}
