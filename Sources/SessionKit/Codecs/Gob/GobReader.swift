/// Reads a gob stream's framing and primitives. The stream is a sequence of messages, each a
/// uint length and a payload; primitive reads stay inside the current message, and only the
/// decoder's type sequence moves on to the next one (as Go's decoder does).
struct GobReader {
    let bytes: [UInt8]
    private(set) var position = 0
    /// Where the current message ends.
    private(set) var messageEnd = 0
    /// Messages begun so far.
    private(set) var messageCount = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var messageIsEmpty: Bool { position >= messageEnd }
    var atEndOfStream: Bool { position >= bytes.count }
    /// Bytes left in the stream from here: no count of elements can be larger, as each takes
    /// at least one byte.
    var bytesLeftInStream: Int { bytes.count - position }

    func truncated(_ reason: String) -> GobError { GobError(.truncated, at: position, reason) }
    func corrupt(_ reason: String) -> GobError { GobError(.corrupt, at: position, reason) }

    /// Starts the next message; false at the end of the stream.
    mutating func nextMessage() throws(GobError) -> Bool {
        guard position < bytes.count else { return false }
        let start = position
        guard let n = readUInt(limit: bytes.count) else {
            throw GobError(.truncated, at: start, "the stream ends inside the length of message \(messageCount + 1)")
        }
        guard let length = n.value else { throw GobError(.corrupt, at: start, "an invalid message length") }
        position = n.end
        guard length > 0 else { throw GobError(.corrupt, at: start, "an empty message") }
        guard length <= UInt64(bytes.count - position) else {
            throw GobError(
                .truncated, at: start,
                "message \(messageCount + 1) announces \(length) bytes but only \(bytes.count - position) follow")
        }
        messageEnd = position + Int(length)
        messageCount += 1
        return true
    }

    /// A uint at `position` ending before `limit`: nil when cut off, `value` nil when invalid.
    private func readUInt(limit: Int) -> (value: UInt64?, end: Int)? {
        guard position < limit else { return nil }
        let b = bytes[position]
        if b < 0x80 { return (UInt64(b), position + 1) }
        let n = 256 - Int(b)  // 0xff: one byte follows ... 0xf8: eight
        guard n <= 8 else { return (nil, position + 1) }
        guard limit - position - 1 >= n else { return nil }
        var x: UInt64 = 0
        for i in 1...n { x = x << 8 | UInt64(bytes[position + i]) }
        return (x, position + 1 + n)
    }

    mutating func uint() throws(GobError) -> UInt64 {
        guard let r = readUInt(limit: messageEnd) else {
            throw messageEnd >= bytes.count ? truncated("the data ends inside a value") : corrupt("a value runs past the end of its message")
        }
        guard let value = r.value else { throw corrupt("an invalid unsigned integer") }
        position = r.end
        return value
    }

    mutating func int() throws(GobError) -> Int64 {
        let u = try uint()
        let i = Int64(bitPattern: u >> 1)
        return u & 1 == 0 ? i : ~i
    }

    /// A count of elements that each take at least a byte of what is left of the stream.
    mutating func count(_ what: String) throws(GobError) -> Int {
        let n = try uint()
        guard n <= UInt64(bytesLeftInStream) else {
            throw messageEnd >= bytes.count
                ? truncated("\(what) of \(n) elements, more than the \(bytesLeftInStream) bytes left")
                : corrupt("\(what) of \(n) elements, more than the \(bytesLeftInStream) bytes left")
        }
        return Int(n)
    }

    /// A uint length and that many bytes, inside the current message.
    mutating func byteString() throws(GobError) -> [UInt8] {
        let n = try uint()
        guard n <= UInt64(messageEnd - position) else {
            throw messageEnd >= bytes.count
                ? truncated("the data ends inside a string of \(n) bytes")
                : corrupt("a string of \(n) bytes runs past the end of its message")
        }
        let out = Array(bytes[position..<position + Int(n)])
        position += Int(n)
        return out
    }

    /// A string that must be UTF-8 text (names of types and fields).
    mutating func name() throws(GobError) -> String {
        let start = position
        let raw = try byteString()
        guard let s = String(validating: raw, as: UTF8.self) else { throw GobError(.corrupt, at: start, "a type or field name that is not UTF-8 text") }
        return s
    }

    /// A float: the float64 bits, byte-reversed, sent as a uint.
    mutating func floatBits() throws(GobError) -> UInt64 {
        try uint().byteSwapped
    }
}
