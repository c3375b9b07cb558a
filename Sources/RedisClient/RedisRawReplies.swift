import CHiredis

/// Replies left in hiredis's memory and read in place, without copying: for hot loops such as
/// scanning millions of keys. One object owns a whole flight of replies and frees them when
/// released; `RedisReplyView`s borrow from it and must not be used after it is gone.
public final class RedisRawReplies {
    private var pointers: [UnsafeMutablePointer<redisReply>] = []

    init(capacity: Int) {
        pointers.reserveCapacity(capacity)
    }

    func append(_ raw: UnsafeMutableRawPointer) {
        pointers.append(raw.assumingMemoryBound(to: redisReply.self))
    }

    deinit {
        for p in pointers { freeReplyObject(p) }
    }

    /// A new owner of the replies at `indices` (in that order); the others are freed and this
    /// object is left empty.
    func keeping(_ indices: [Int]) -> RedisRawReplies {
        let kept = RedisRawReplies(capacity: indices.count)
        var keep = [Bool](repeating: false, count: pointers.count)
        for i in indices {
            kept.pointers.append(pointers[i])
            keep[i] = true
        }
        for (i, p) in pointers.enumerated() where !keep[i] { freeReplyObject(p) }
        pointers = []
        return kept
    }

    public var count: Int { pointers.count }

    /// Reply `i`, to read in place.
    public subscript(i: Int) -> RedisReplyView { RedisReplyView(pointer: pointers[i]) }
}

/// A borrowed view of a reply (or of one element of an array reply) inside a `RedisRawReply`.
public struct RedisReplyView {
    let pointer: UnsafeMutablePointer<redisReply>

    public var isError: Bool { pointer.pointee.type == REDIS_REPLY_ERROR }
    public var isNull: Bool { pointer.pointee.type == REDIS_REPLY_NIL }
    public var isBulk: Bool { pointer.pointee.type == REDIS_REPLY_STRING }
    public var isStatus: Bool { pointer.pointee.type == REDIS_REPLY_STATUS }
    public var isArray: Bool { pointer.pointee.type == REDIS_REPLY_ARRAY }

    /// The value of an integer reply.
    public var integer: Int64? {
        pointer.pointee.type == REDIS_REPLY_INTEGER ? Int64(pointer.pointee.integer) : nil
    }

    /// The number of elements of an array reply; 0 for any other reply.
    public var count: Int { isArray ? pointer.pointee.elements : 0 }

    /// Element `i` of an array reply (0 ≤ i < count).
    public subscript(i: Int) -> RedisReplyView {
        RedisReplyView(pointer: pointer.pointee.element[i]!)
    }

    /// The bytes of a bulk, status or error reply (empty for others). Valid while the owning
    /// `RedisRawReply` lives.
    public var bytes: UnsafeBufferPointer<UInt8> {
        let r = pointer.pointee
        guard let str = r.str, r.len > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: UnsafeRawPointer(str).assumingMemoryBound(to: UInt8.self), count: r.len)
    }

    /// True when the reply's bytes are exactly `text` (e.g. a status reply `string`).
    public func hasBytes(_ text: StaticString) -> Bool {
        let b = bytes
        guard b.count == text.utf8CodeUnitCount else { return false }
        for i in 0..<b.count where b[i] != text.utf8Start[i] { return false }
        return true
    }

    /// The reply copied into Swift values.
    public var value: RedisReply { Hiredis.copy(pointer) }
}
