/// Commands formatted as RESP into one buffer, to be sent together with `RedisConnection.send(_:)`:
/// far cheaper than an argument array per command when a flight holds thousands of them.
public struct RedisCommandBuffer {
    public private(set) var bytes: [UInt8] = []
    /// The number of commands in the buffer.
    public private(set) var count = 0

    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    public var isEmpty: Bool { count == 0 }

    /// Empties the buffer for the next commands, keeping its memory.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        count = 0
    }

    /// Starts a command of `arguments` arguments (the command name included); append exactly
    /// that many with `argument`.
    public mutating func begin(_ arguments: Int) {
        bytes.append(UInt8(ascii: "*"))
        decimal(arguments)
        count += 1
    }

    public mutating func argument(_ text: StaticString) {
        argument(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func argument<C: Collection>(_ data: C) where C.Element == UInt8 {
        bytes.append(UInt8(ascii: "$"))
        decimal(data.count)
        bytes.append(contentsOf: data)
        bytes.append(contentsOf: [0x0d, 0x0a])
    }

    /// One argument made of two parts (a key prefix and a name, say), without joining them first.
    public mutating func argument(_ first: [UInt8], _ second: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "$"))
        decimal(first.count + second.count)
        bytes.append(contentsOf: first)
        bytes.append(contentsOf: second)
        bytes.append(contentsOf: [0x0d, 0x0a])
    }

    /// A whole command from its arguments.
    public mutating func command(_ args: [[UInt8]]) {
        begin(args.count)
        for a in args { argument(a) }
    }

    /// Writes `n` in decimal and ends the line.
    private mutating func decimal(_ n: Int) {
        if n < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(n))
        } else {
            var divisor = 10
            while divisor <= n / 10 { divisor *= 10 }
            var rest = n
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        bytes.append(0x0d)
        bytes.append(0x0a)
    }
}
