/// Incremental key iteration with SCAN, and glob escaping for literal MATCH prefixes.
extension RedisConnection {
    /// One `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]` step.
    ///
    /// Start with cursor 0 and stop when `next` is 0. A key may appear in more than one page
    /// (de-duplicate if that matters). `count` ≤ 0 leaves COUNT out. Throws on an error reply.
    public func scanPage(
        cursor: UInt64, match: String?, count: Int, type: String? = nil
    ) throws -> (next: UInt64, keys: [[UInt8]]) {
        try scanPage(cursor: cursor, matchBytes: match.map { Array($0.utf8) }, count: count, type: type)
    }

    /// `scanPage` with a binary MATCH pattern (e.g. `globEscape(prefixBytes) + [UInt8(ascii: "*")]`).
    public func scanPage(
        cursor: UInt64, matchBytes: [UInt8]?, count: Int, type: String? = nil
    ) throws -> (next: UInt64, keys: [[UInt8]]) {
        let reply = try command(Self.scanCommand(cursor: cursor, matchBytes: matchBytes, count: count, type: type))
        return try parseScanReply(reply)
    }

    /// The arguments of `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`, for callers
    /// that pipeline the next SCAN with other commands (`send`/`receive`).
    public static func scanCommand(cursor: UInt64, matchBytes: [UInt8]?, count: Int, type: String? = nil) -> [[UInt8]] {
        var args: [[UInt8]] = [Array("SCAN".utf8), Array(String(cursor).utf8)]
        if let matchBytes { args += [Array("MATCH".utf8), matchBytes] }
        if count > 0 { args += [Array("COUNT".utf8), Array(String(count).utf8)] }
        if let type { args += [Array("TYPE".utf8), Array(type.utf8)] }
        return args
    }

    /// Appends `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]` to a command buffer.
    public static func appendScan(to buffer: inout RedisCommandBuffer, cursor: UInt64, matchBytes: [UInt8]?, count: Int, type: String? = nil) {
        buffer.command(scanCommand(cursor: cursor, matchBytes: matchBytes, count: count, type: type))
    }

    /// The next cursor of a SCAN reply read in place, and the array of its keys (a view into
    /// the same reply); throws on an error reply or a malformed one.
    public func parseScanReply(_ reply: RedisReplyView) throws -> (next: UInt64, keys: RedisReplyView) {
        if reply.isError { try parseScanReply(reply.value) }
        guard reply.count == 2, reply[0].isBulk, let next = Self.parseCursor(Array(reply[0].bytes)), reply[1].isArray || reply[1].count == 0
        else {
            throw RedisError(.protocol, "unexpected SCAN reply from \(endpoint)")
        }
        let keys = reply[1]
        for i in 0..<keys.count where !keys[i].isBulk {
            throw RedisError(.protocol, "unexpected SCAN reply from \(endpoint)")
        }
        return (next, keys)
    }

    /// The next cursor and the keys of a SCAN reply; throws on an error reply or a malformed one.
    @discardableResult
    public func parseScanReply(_ reply: RedisReply) throws -> (next: UInt64, keys: [[UInt8]]) {
        if case .error(let message) = reply {
            if reply.errorCode == .noAuth { throw RedisError(.auth, "authentication required: \(message)") }
            throw RedisError(.server, "SCAN failed on \(endpoint): \(message)")
        }
        guard case .array(let parts) = reply, parts.count == 2,
            let cursorBytes = parts[0].bytes, let next = Self.parseCursor(cursorBytes),
            case .array(let items) = parts[1]
        else {
            throw RedisError(.protocol, "unexpected SCAN reply from \(endpoint)")
        }
        var keys: [[UInt8]] = []
        keys.reserveCapacity(items.count)
        for item in items {
            guard case .bulk(let key) = item else {
                throw RedisError(.protocol, "unexpected SCAN reply from \(endpoint)")
            }
            keys.append(key)
        }
        return (next, keys)
    }

    private static func parseCursor(_ bytes: [UInt8]) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }

    /// Backslash-escapes the glob specials `*`, `?`, `[`, `]` and `\` so `bytes` matches
    /// literally in a MATCH pattern; append `*` for a prefix match.
    public static func globEscape(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
            default:
                break
            }
            out.append(byte)
        }
        return out
    }

    /// `globEscape` for a string (only ASCII bytes are escaped, so UTF-8 stays valid).
    public static func globEscape(_ text: String) -> String {
        String(decoding: globEscape(Array(text.utf8)), as: UTF8.self)
    }
}
