import CHiredis
import Glibc

/// One blocking connection to a Redis server, on hiredis.
///
/// Not thread-safe and not `Sendable`: use it from one task or thread at a time (wrap it in an
/// actor or a `Mutex` to share it). Every read and write is bounded by the options' timeout.
/// After an I/O error or a timeout the connection is *broken*: every later call throws at once
/// and the caller must open a new connection. Error replies from the server are returned as
/// `RedisReply.error` and leave the connection usable.
public final class RedisConnection {
    /// The server this connection talks to.
    public let endpoint: RedisEndpoint
    /// The timeout for the connect and each read or write, in milliseconds.
    public let timeout: Int

    private let context: UnsafeMutablePointer<redisContext>
    private var brokenBy: RedisError?
    /// The TLS pump behind the context, when the connection is over TLS. Released after the
    /// context (whose `redisFree` closes the pump's client end), so the pump has ended by then.
    private let bridge: TLSBridge?

    /// True when the connection runs over TLS.
    public var isTLS: Bool { bridge != nil }

    /// True when bytes from the server are waiting to be read, so a reply may be complete.
    public var hasPendingInput: Bool {
        var p = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0 && p.revents & Int16(POLLIN) != 0
    }

    /// Commands appended before their replies are read, at most, in `pipeline`.
    static let pipelineChunkCommands = 1_000
    /// Argument bytes appended before their replies are read, at most (roughly), in `pipeline`.
    static let pipelineChunkBytes = 8 << 20

    /// True once an I/O error or timeout has made the connection unusable.
    public var isBroken: Bool { brokenBy != nil }

    /// Connects, sets the read/write timeout, authenticates when a password is given and
    /// selects `options.db` when it is not 0. With `options.tls`, the connection runs through a
    /// `TLSBridge` and is checked with a first command, so a server that wants a client
    /// certificate says so here rather than on the first real command.
    public init(_ options: RedisConnectOptions) throws {
        let endpoint = options.endpoint
        let timeout = max(1, options.timeout)
        let tv = Hiredis.timeval(milliseconds: timeout)
        var bridge: TLSBridge?
        let connected: UnsafeMutablePointer<redisContext>?
        switch endpoint {
        case .tcp(let host, let port):
            guard (1...65535).contains(port) else {
                throw RedisError(.connect, "cannot connect to \(endpoint): invalid port \(port)")
            }
            if let tls = options.tls {
                let opened = try TLSBridge(host: host, port: port, options: tls, timeout: timeout, endpoint: endpoint)
                bridge = opened
                connected = redisConnectFd(opened.clientDescriptor)
                if connected == nil { close(opened.clientDescriptor) }
            } else {
                connected = redisConnectWithTimeout(host, Int32(port), tv)
            }
        case .unix(let path):
            if options.tls != nil {
                throw RedisError(.connect, "cannot connect to \(endpoint): TLS needs a TCP host and port")
            }
            connected = redisConnectUnixWithTimeout(path, tv)
        }
        guard let connected else {
            throw RedisError(.connect, "cannot connect to \(endpoint): out of memory")
        }
        if connected.pointee.err != 0 {
            let text = Hiredis.errorText(connected)
            redisFree(connected)  // a failed connect still allocates a context
            throw RedisError(.connect, "cannot connect to \(endpoint): \(text)")
        }
        self.endpoint = endpoint
        self.timeout = timeout
        self.context = connected
        self.bridge = bridge
        // From here on, deinit frees the context if anything below throws.

        // redisConnectWithTimeout bounds only the connect; without this a hung server hangs us.
        if redisSetTimeout(context, tv) != REDIS_OK {
            throw RedisError(.connect, "cannot set a timeout on \(endpoint): \(Hiredis.errorText(context))")
        }
        if let password = options.password {
            try authenticate(username: options.username, password: password)
        } else if bridge != nil {
            _ = try command("PING")
        }
        if options.db != 0 {
            let reply = try command("SELECT", String(options.db))
            if case .error(let message) = reply {
                if reply.errorCode == .noAuth {
                    throw RedisError(.auth, "authentication required by \(endpoint): \(message)")
                }
                throw RedisError(.server, "cannot select database \(options.db) on \(endpoint): \(message)")
            }
        }
    }

    deinit {
        redisFree(context)
    }

    private func authenticate(username: String?, password: String) throws {
        var args: [[UInt8]] = [Array("AUTH".utf8)]
        if let username { args.append(Array(username.utf8)) }
        args.append(Array(password.utf8))
        let reply = try command(args)
        guard case .error(let message) = reply else { return }
        // Server messages do not echo the password, but never let one through if they did.
        if !password.isEmpty && message.contains(password) {
            throw RedisError(.auth, "authentication failed: the server rejected the credentials")
        }
        throw RedisError(.auth, "authentication failed: \(message)")
    }

    /// Sends one command (binary-safe arguments) and returns its reply.
    ///
    /// Error replies come back as `.error`. Throws `RedisError` on a timeout or I/O error
    /// (which breaks the connection), or at once when the connection is already broken.
    public func command(_ args: [[UInt8]]) throws -> RedisReply {
        try checkUsable()
        guard !args.isEmpty else { throw RedisError(.protocol, "cannot send an empty command") }
        return try Hiredis.withoutSIGPIPE {
            let raw = Hiredis.withArgv(args) { argc, argv, lengths in
                redisCommandArgv(context, argc, argv, lengths)
            }
            let savedErrno = errno
            guard let raw else { throw breakConnection(errno: savedErrno) }
            return Hiredis.take(raw)
        }
    }

    /// Sends one command given as strings (UTF-8) and returns its reply.
    public func command(_ args: String...) throws -> RedisReply {
        try command(args.map { Array($0.utf8) })
    }

    /// Sends many commands without waiting for each reply and returns the replies in order.
    ///
    /// Commands are written and their replies read in chunks (at most 1,000 commands each) so
    /// memory stays bounded; if a chunk fails, the earlier chunks have already been executed.
    public func pipeline(_ commands: [[[UInt8]]]) throws -> [RedisReply] {
        try checkUsable()
        guard !commands.contains(where: { $0.isEmpty }) else {
            throw RedisError(.protocol, "cannot send an empty command")
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        try Hiredis.withoutSIGPIPE {
            var start = commands.startIndex
            while start < commands.endIndex {
                var end = start
                var bytes = 0
                while end < commands.endIndex
                    && end - start < Self.pipelineChunkCommands
                    && bytes < Self.pipelineChunkBytes
                {
                    let args = commands[end]
                    let status = Hiredis.withArgv(args) { argc, argv, lengths in
                        redisAppendCommandArgv(context, argc, argv, lengths)
                    }
                    let savedErrno = errno
                    if status != REDIS_OK { throw breakConnection(errno: savedErrno) }
                    bytes += args.reduce(0) { $0 + $1.count }
                    end += 1
                }
                for _ in start..<end {
                    var raw: UnsafeMutableRawPointer? = nil
                    let status = redisGetReply(context, &raw)
                    let savedErrno = errno
                    guard status == REDIS_OK, let raw else { throw breakConnection(errno: savedErrno) }
                    replies.append(Hiredis.take(raw))
                }
                start = end
            }
        }
        return replies
    }

    /// Writes the commands of `buffer` without reading their replies, so the server can work on
    /// them while the caller does something else. Read the replies, in order, with `receiveRaw`;
    /// nothing else may be sent or read before they are all read. Keep a flight to a few
    /// thousand commands (the server buffers the replies).
    public func send(_ buffer: RedisCommandBuffer) throws {
        try checkUsable()
        guard !buffer.isEmpty else { return }
        try Hiredis.withoutSIGPIPE {
            let status = buffer.bytes.withUnsafeBufferPointer { b in
                UnsafeRawPointer(b.baseAddress!).withMemoryRebound(to: CChar.self, capacity: b.count) {
                    redisAppendFormattedCommand(context, $0, b.count)
                }
            }
            let savedErrno = errno
            if status != REDIS_OK { throw breakConnection(errno: savedErrno) }
            try flush()
        }
    }

    private func flush() throws {
        var done: Int32 = 0
        while done == 0 {
            let status = redisBufferWrite(context, &done)
            let savedErrno = errno
            if status != REDIS_OK { throw breakConnection(errno: savedErrno) }
        }
    }

    /// Reads the replies to `count` commands written earlier with `send(_:)`, left in hiredis's
    /// memory to be read in place.
    public func receiveRaw(_ count: Int) throws -> RedisRawReplies {
        try checkUsable()
        let replies = RedisRawReplies(capacity: count)
        try Hiredis.withoutSIGPIPE {
            for _ in 0..<count {
                var raw: UnsafeMutableRawPointer? = nil
                let status = redisGetReply(context, &raw)
                let savedErrno = errno
                guard status == REDIS_OK, let raw else { throw breakConnection(errno: savedErrno) }
                replies.append(raw)
            }
        }
        return replies
    }

    /// Reads the replies to `count` commands written earlier with `send(_:)`, copied into Swift values.
    public func receive(_ count: Int) throws -> [RedisReply] {
        try checkUsable()
        var replies: [RedisReply] = []
        replies.reserveCapacity(count)
        try Hiredis.withoutSIGPIPE {
            for _ in 0..<count {
                var raw: UnsafeMutableRawPointer? = nil
                let status = redisGetReply(context, &raw)
                let savedErrno = errno
                guard status == REDIS_OK, let raw else { throw breakConnection(errno: savedErrno) }
                replies.append(Hiredis.take(raw))
            }
        }
        return replies
    }

    /// Writes `commands` without reading their replies (read them with `receive` or `receiveRaw`).
    public func send(_ commands: [[[UInt8]]]) throws {
        var buffer = RedisCommandBuffer(capacity: commands.reduce(0) { $0 + $1.reduce(16) { $0 + $1.count + 16 } })
        for args in commands {
            guard !args.isEmpty else { throw RedisError(.protocol, "cannot send an empty command") }
            buffer.command(args)
        }
        try send(buffer)
    }

    // MARK: Pushed messages (a subscriber)

    /// The next message the server pushed (a subscriber's `pmessage`), or nil when none is
    /// complete within `waitMillis` (0: only what has arrived already). Reads what the socket
    /// holds at most once, so a caller polling several connections is never stuck on one.
    /// A closed connection (the server dropped the subscriber) throws and breaks the connection.
    public func nextPush(waitMillis: Int) throws -> RedisReply? {
        try checkUsable()
        if let reply = try bufferedReply() { return reply }
        var p = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&p, 1, Int32(max(0, waitMillis)))
        guard ready > 0 else { return nil }
        if redisBufferRead(context) != REDIS_OK { throw breakConnection(errno: errno) }
        return try bufferedReply()
    }

    /// True when a pushed message is complete in the buffer, so `nextPush(waitMillis: 0)` hands it
    /// over without reading the socket.
    private func bufferedReply() throws -> RedisReply? {
        var raw: UnsafeMutableRawPointer? = nil
        if redisGetReplyFromReader(context, &raw) != REDIS_OK { throw breakConnection(errno: errno) }
        return raw.map { Hiredis.take($0) }
    }

    /// Waits until one of `connections` has bytes to read, or `millis` passed.
    public static func waitForInput(_ connections: [RedisConnection], millis: Int) {
        var fds = connections.map { pollfd(fd: $0.context.pointee.fd, events: Int16(POLLIN), revents: 0) }
        if fds.isEmpty {
            usleep(UInt32(max(0, millis)) * 1000)
            return
        }
        _ = poll(&fds, nfds_t(fds.count), Int32(max(0, millis)))
    }

    private func checkUsable() throws {
        if let brokenBy {
            throw RedisError(.io, "connection to \(endpoint) is unusable after an earlier error: \(brokenBy.message)")
        }
    }

    /// Turns the context's error into a `RedisError` and marks the connection broken.
    private func breakConnection(errno savedErrno: Int32) -> RedisError {
        let code = context.pointee.err
        let text = Hiredis.errorText(context)
        let error: RedisError
        if let reason = bridge?.reason, !reason.isEmpty, code != REDIS_ERR_PROTOCOL,
            !(code == REDIS_ERR_IO && (savedErrno == EAGAIN || savedErrno == EWOULDBLOCK))
        {
            // hiredis saw only EOF or EPIPE; the pump knows what happened on the TLS side.
            let explained = TLSBridge.explain(reason)
            if explained.hasPrefix("the server requires") || explained.hasPrefix("the server rejected") {
                error = RedisError(.tls, "TLS to \(endpoint): \(explained)")
            } else {
                error = RedisError(.io, "connection to \(endpoint) lost: \(explained)")
            }
        } else if code == REDIS_ERR_IO && (savedErrno == EAGAIN || savedErrno == EWOULDBLOCK || text == Self.eagainText) {
            error = RedisError(.timeout, "no reply from \(endpoint) within \(timeout) ms")
        } else if code == REDIS_ERR_PROTOCOL {
            error = RedisError(.protocol, "protocol error from \(endpoint): \(text)")
        } else if code == 0 || text.isEmpty {
            error = RedisError(.io, "connection to \(endpoint) lost: unknown error")
        } else {
            error = RedisError(.io, "connection to \(endpoint) lost: \(text)")
        }
        brokenBy = error
        return error
    }

    private static var eagainText: String { String(cString: strerror(EAGAIN)) }
}

@available(*, unavailable, message: "RedisConnection is not thread-safe; share it through an actor or a Mutex")
extension RedisConnection: Sendable {}
