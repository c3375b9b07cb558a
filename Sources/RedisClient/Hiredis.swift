import CHiredis
import Glibc

// Small internal helpers around the hiredis C API: argument vectors, reply copying,
// error text, timeouts and SIGPIPE. Nothing here is public.

enum Hiredis {
    /// Calls `body` with a C argument vector for `args`: one contiguous copy of all arguments,
    /// explicit lengths, and every pointer non-NULL (empty arguments included).
    static func withArgv<R>(
        _ args: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        var storage: [UInt8] = []
        storage.reserveCapacity(args.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        var lengths: [Int] = []
        offsets.reserveCapacity(args.count)
        lengths.reserveCapacity(args.count)
        for arg in args {
            offsets.append(storage.count)
            lengths.append(arg.count)
            storage.append(contentsOf: arg)
        }
        storage.append(0)  // never empty, so the base address below is never NULL
        return storage.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var argv: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return argv.withUnsafeMutableBufferPointer { argvBuffer in
                lengths.withUnsafeBufferPointer { lengthBuffer in
                    body(Int32(args.count), argvBuffer.baseAddress!, lengthBuffer.baseAddress!)
                }
            }
        }
    }

    /// Copies a hiredis reply (recursively) into a `RedisReply`. Does not free it.
    static func copy(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        func bytes() -> [UInt8] {
            guard let str = r.str, r.len > 0 else { return [] }
            return Array(UnsafeRawBufferPointer(start: str, count: r.len))
        }
        switch r.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes())
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            guard let elements = r.element, r.elements > 0 else { return .array([]) }
            var items: [RedisReply] = []
            items.reserveCapacity(r.elements)
            for i in 0..<r.elements {
                if let element = elements[i] {
                    items.append(copy(element))
                } else {
                    items.append(.null)
                }
            }
            return .array(items)
        default:  // REDIS_REPLY_NIL and anything unknown
            return .null
        }
    }

    /// Copies and frees a reply returned by hiredis as `void *`.
    static func take(_ raw: UnsafeMutableRawPointer) -> RedisReply {
        let reply = copy(raw.assumingMemoryBound(to: redisReply.self))
        freeReplyObject(raw)
        return reply
    }

    /// The context's `errstr` as a Swift string.
    static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let text = raw.prefix { $0 != 0 }
            return String(decoding: text, as: UTF8.self)
        }
    }

    static func timeval(milliseconds: Int) -> Glibc.timeval {
        let ms = max(1, milliseconds)
        return Glibc.timeval(tv_sec: ms / 1000, tv_usec: (ms % 1000) * 1000)
    }

    /// Runs `body` with SIGPIPE blocked on the calling thread, discarding any SIGPIPE it raised.
    ///
    /// hiredis writes with `write(2)`, so a write to a connection the server closed would kill
    /// the process with SIGPIPE; blocked, the write fails with EPIPE and becomes an I/O error.
    /// The process-wide signal disposition is left alone.
    static func withoutSIGPIPE<R>(_ body: () throws -> R) rethrows -> R {
        var pipeSet = sigset_t()
        sigemptyset(&pipeSet)
        sigaddset(&pipeSet, SIGPIPE)
        var oldMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSet, &oldMask)
        var pending = sigset_t()
        sigpending(&pending)
        let alreadyPending = sigismember(&pending, SIGPIPE) == 1
        defer {
            let savedErrno = errno
            if !alreadyPending {
                sigpending(&pending)
                if sigismember(&pending, SIGPIPE) == 1 {
                    var zero = timespec(tv_sec: 0, tv_nsec: 0)
                    _ = sigtimedwait(&pipeSet, nil, &zero)
                }
            }
            pthread_sigmask(SIG_SETMASK, &oldMask, nil)
            errno = savedErrno
        }
        return try body()
    }
}
