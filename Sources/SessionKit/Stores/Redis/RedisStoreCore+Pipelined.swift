import RedisClient

/// Batches of independent commands, one per item, sent without a read-before-write.
extension RedisStoreCore {
    /// Formatted commands are sent once this many bytes are ready, so the server works on them
    /// while the rest of the batch is being formatted.
    static let sendChunkBytes = 32 << 10
    /// Replies read back at a time (they stay in hiredis's memory until the chunk is done).
    static let receiveChunk = 1_000

    /// Sends `count` commands, `format(i, &buffer)` appending exactly one command for item `i`,
    /// then hands each reply, in order, to `reply`.
    ///
    /// These writes bypass the router's rules (they are not resent after a redirect or a
    /// failover, whose outcome is unknown). On one server a failure ends the batch. In a cluster
    /// each command goes to its slot's master (`key(i)`), all masters at once, and an item whose
    /// reply is an error (a redirect, CLUSTERDOWN) or whose node failed gets no reply: it takes
    /// the general path (`transact`), which follows the rules and reads back what an interrupted
    /// write did; so the commands must change nothing when they fail (`SET ... NX`). Through
    /// Sentinel nothing is sent and every item takes the general path, whose writes wait for the
    /// replica (a write the old master took just before a failover would be lost).
    func pipelined(
        _ count: Int, key: (Int) -> [UInt8], format: (Int, inout RedisCommandBuffer) -> Void,
        reply: (Int, RedisReplyView) -> Void
    ) throws(SessionError) {
        guard count > 0 else { return }
        if case .cluster = options.deployment {
            _ = router.sendOnce(keys: (0..<count).map(key), format: format, reply: reply)
            return
        }
        guard options.deployment == .server else { return }
        let connection = try run { try router.connection(forKey: []) }
        var buffer = RedisCommandBuffer(capacity: Self.sendChunkBytes + (16 << 10))
        for i in 0..<count {
            format(i, &buffer)
            if buffer.bytes.count >= Self.sendChunkBytes {
                try run { try connection.send(buffer) }
                buffer.removeAll()
            }
        }
        if !buffer.isEmpty { try run { try connection.send(buffer) } }
        var done = 0
        while done < count {
            let n = min(Self.receiveChunk, count - done)
            let replies = try run { try connection.receiveRaw(n) }
            for j in 0..<n { reply(done + j, replies[j]) }
            done += n
        }
    }

    /// The milliseconds a new key is given for `update`, or nil for no expiry; `.invalid` when
    /// the instant asked for has passed (such a write is left to the general path).
    enum NewKeyLifetime {
        case millis(Int64)
        case none
        case passed
    }

    func newKeyLifetime(_ update: ExpiryUpdate, now: Int64) -> NewKeyLifetime {
        switch update {
        case .keep: return .millis(options.defaultLifetimeMillis)
        case .set(.never): return .none
        case .set(.at(let t)): return t > now ? .millis(t - now) : .passed
        }
    }

    /// The indices of `writes` a creating fast path may take: not updates, and ids that appear
    /// once in the batch (a repeated id goes through the general path, in order).
    static func creatable(_ writes: [SessionWrite]) -> [Int] {
        var seen: [String: Int] = [:]
        seen.reserveCapacity(writes.count)
        for w in writes { seen[w.session.id, default: 0] += 1 }
        return writes.indices.filter { writes[$0].mode != .update && seen[writes[$0].session.id] == 1 }
    }
}
