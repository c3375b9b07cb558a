import Glibc

/// One server the router talks to, with a connection opened when first needed and opened again
/// after an error broke it.
final class RedisNode {
    let endpoint: RedisEndpoint
    let options: RedisConnectOptions
    private var current: RedisConnection?
    /// More connections, for work spread over several at once (`connection(lane:)`).
    private var extra: [RedisConnection?] = []
    /// Checks each new connection before it is used (Sentinel: that the node is still the master).
    var verify: ((RedisConnection) throws -> Void)?

    init(_ options: RedisConnectOptions) {
        self.endpoint = options.endpoint
        self.options = options
    }

    /// Wraps a connection already open (e.g. the one a topology check was made on).
    init(_ options: RedisConnectOptions, connection: RedisConnection) {
        self.endpoint = options.endpoint
        self.options = options
        self.current = connection
    }

    /// True when a usable connection is open.
    var isConnected: Bool { current.map { !$0.isBroken } ?? false }

    /// The open connection, or a new one when there is none or it broke.
    func connection() throws -> RedisConnection {
        if let current, !current.isBroken { return current }
        current = nil
        let opened = try RedisConnection(options)
        try verify?(opened)
        current = opened
        return opened
    }

    /// Connection number `lane` (0 is `connection()`), opened when first needed.
    func connection(lane: Int) throws -> RedisConnection {
        if lane == 0 { return try connection() }
        while extra.count < lane { extra.append(nil) }
        if let c = extra[lane - 1], !c.isBroken { return c }
        extra[lane - 1] = nil
        let opened = try RedisConnection(options)
        try verify?(opened)
        extra[lane - 1] = opened
        return opened
    }

    /// Closes the connections (the next `connection()` opens a new one).
    func drop() {
        current = nil
        extra = []
    }
}

/// Milliseconds on a monotonic clock, for deadlines.
enum Monotonic {
    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    static func sleep(milliseconds: Int64) {
        guard milliseconds > 0 else { return }
        usleep(UInt32(min(milliseconds, 1000) * 1000))
    }
}
