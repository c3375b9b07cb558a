import RedisClient

/// A create in one command that changes nothing where a key exists (`SET ... NX`, `RESTORE`),
/// pipelined for a whole batch with no read first.
protocol RedisFastCreate {
    /// Whether `write` may take the fast path (else the general one); a thrown error is its result.
    func admits(_ write: SessionWrite) throws(SessionError) -> Bool
    /// Appends the one command that creates `prefix + id` with a lifetime of `ttl` ms (nil: none).
    func format(_ write: SessionWrite, prefix: [UInt8], ttl: Int64?, into buffer: inout RedisCommandBuffer, scratch: inout [UInt8])
    /// What the command's reply says.
    func outcome(_ reply: RedisReplyView) -> RedisFastCreateOutcome
}

enum RedisFastCreateOutcome {
    case created
    /// A key exists: the general path says what it holds, or replaces it.
    case exists
    /// The write failed with this error reply.
    case failed(String)
    /// The server will not run the command (an ACL, a proxy): the general path does this and
    /// every later create.
    case unavailable
}
