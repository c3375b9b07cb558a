import RedisClient

/// The paged SCAN shared by the Redis layouts.
extension RedisStoreCore {
    /// One key of a scan page, as the layout sees it.
    enum ScanEntry {
        case session(SessionInfo)
        /// The whole session, when the scan reads data.
        case loaded(Session)
        /// A session that cannot be read, when the scan reads data.
        case broken(SessionError)
        case skipped(String)
        /// Holds another Redis type; its TYPE is looked up for the skip reason.
        case wrongType
        /// Removed or expired since SCAN returned it.
        case gone
        /// An error reply that ends the scan.
        case failed(String)
    }

    /// What a layout adds to the shared scan loop.
    struct ScanLayout {
        /// The Redis type of a session key, for skip reasons.
        let redisType: String
        /// Appends the commands that read the metadata of a page's keys in a full scan.
        let metadata: (inout RedisCommandBuffer, _ keys: RedisReplyView) -> Void
        /// Key `n`'s entry (of `count` keys in the page), from the page's metadata replies, which
        /// start at `replies[base]`: the whole session (`loaded`, `broken`) when `withData`.
        let classify: (_ id: String, _ n: Int, _ count: Int, _ replies: RedisRawReplies, _ base: Int, _ now: Int64, _ withData: Bool) -> ScanEntry
    }

    /// One page as the shared loop collects it: infos for `scan`, sessions for `scanSessions`.
    struct CorePage {
        var infos: [SessionInfo] = []
        var sessions: [Session] = []
        var broken: [BrokenSession] = []
        var skipped: [SkippedKey] = []

        var isEmpty: Bool { infos.isEmpty && sessions.isEmpty && broken.isEmpty && skipped.isEmpty }
        var scanPage: ScanPage { ScanPage(sessions: infos, skipped: skipped) }
        var sessionPage: SessionPage { SessionPage(sessions: sessions, broken: broken, skipped: skipped) }
    }

    /// One pipelined flight of a scan: the next SCAN first, then TYPE lookups for keys of
    /// earlier pages, then the metadata of a page's keys.
    private struct Flight {
        var hasScan: Bool
        var typeLookups: [[UInt8]]
        /// The page's keys: an array inside `keysOwner`, the reply of the SCAN before.
        var keysOwner: RedisRawReplies
        var keys: RedisReplyView
        var count: Int
    }

    /// Pages through `SCAN MATCH <escaped prefix><pattern>`, reading replies in place.
    ///
    /// A flight carries the next SCAN and then a page's metadata. As soon as the SCAN's reply is
    /// in, the next flight goes out, before this page's metadata is even read: the server always
    /// has work queued while the client classifies and visits a page, so the client adds little
    /// beyond what the server must do. A full scan reads the layout's `metadata` (for KV: GET
    /// and PTTL per key); a key of another type answers WRONGTYPE and its TYPE is asked in a
    /// later flight, for the skip reason. A light scan (`.ids`) with a prefix trusts the prefix:
    /// every key under it with a usable id counts as a session and nothing else is read, which
    /// keeps `list -o ids` and `count` near the cost of SCAN itself. (SCAN's TYPE filter was
    /// measured at some 40% more server time, as it looks up every key.) Without a prefix the
    /// keys share the namespace with everything else, so even a light scan reads every key.
    ///
    /// With `withData` the layout hands over whole sessions, decoded from the same replies.
    func scan(pattern: String?, pageSize: Int, detail: ScanDetail, withData: Bool = false, layout: ScanLayout,
              visit: (CorePage) throws -> ScanControl) throws {
        let match = RedisConnection.globEscape(prefixBytes) + Self.redisGlob(pattern ?? "*")
        let count = max(pageSize, 1)
        let light = detail == .ids && !prefixBytes.isEmpty && !withData

        func launch(_ keysOwner: RedisRawReplies, _ keys: RedisReplyView, cursor: UInt64, typeLookups: [[UInt8]]) throws(SessionError) -> Flight {
            var buffer = RedisCommandBuffer(capacity: 80 * (keys.count * 2 + typeLookups.count + 1))
            if cursor != 0 { RedisConnection.appendScan(to: &buffer, cursor: cursor, matchBytes: match, count: count) }
            for key in typeLookups {
                buffer.begin(2)
                buffer.argument("TYPE")
                buffer.argument(key)
            }
            if !light && keys.count > 0 { layout.metadata(&buffer, keys) }
            try run { try connection.send(buffer) }
            return Flight(hasScan: cursor != 0, typeLookups: typeLookups, keysOwner: keysOwner, keys: keys, count: buffer.count)
        }

        var first = RedisCommandBuffer()
        RedisConnection.appendScan(to: &first, cursor: 0, matchBytes: match, count: count)
        let firstReply = try run { () throws -> RedisRawReplies in
            try connection.send(first)
            return try connection.receiveRaw(1)
        }
        let (cursor, keys) = try run { try connection.parseScanReply(firstReply[0]) }
        var flight = try launch(firstReply, keys, cursor: cursor, typeLookups: [])
        var wrongTypes: [[UInt8]] = []
        while true {
            var next: Flight?
            if flight.hasScan {
                let scanReply = try run { try connection.receiveRaw(1) }
                let (cursor, keys) = try run { try connection.parseScanReply(scanReply[0]) }
                next = try launch(scanReply, keys, cursor: cursor, typeLookups: wrongTypes)
                wrongTypes = []
            }
            let replies = try run { try connection.receiveRaw(flight.count - (flight.hasScan ? 1 : 0)) }
            var page = CorePage()
            for (n, key) in flight.typeLookups.enumerated() {
                page.skipped.append(skippedWrongType(key, type: replies[n], layout: layout))
            }
            do {
                try classify(flight, replies: replies, base: flight.typeLookups.count, light: light, withData: withData,
                             layout: layout, into: &page, wrongTypes: &wrongTypes)
                if next == nil && !wrongTypes.isEmpty {
                    // The last page: nothing is in flight, so ask for the remaining types now.
                    let types = try run { try connection.pipeline(wrongTypes.map { Self.command("TYPE", $0) }) }
                    for (key, type) in zip(wrongTypes, types) {
                        page.skipped.append(SkippedKey(key: Self.text(key), reason: Self.wrongType(Self.typeName(type) ?? "?", expected: layout.redisType)))
                    }
                }
                if !page.isEmpty, try visit(page) == .stop {
                    drain(next)
                    return
                }
            } catch {
                drain(next)
                throw error
            }
            guard let next else { return }
            flight = next
        }
    }

    private func skippedWrongType(_ key: [UInt8], type reply: RedisReplyView, layout: ScanLayout) -> SkippedKey {
        let type = reply.isStatus ? String(decoding: reply.bytes, as: UTF8.self) : "?"
        return SkippedKey(key: Self.text(key), reason: Self.wrongType(type, expected: layout.redisType))
    }

    private func classify(_ flight: Flight, replies: RedisRawReplies, base: Int, light: Bool, withData: Bool, layout: ScanLayout,
                          into page: inout CorePage, wrongTypes: inout [[UInt8]]) throws(SessionError) {
        let keys = flight.keys
        if withData { page.sessions.reserveCapacity(keys.count) } else { page.infos.reserveCapacity(keys.count) }
        let now = clock.nowMillis()
        for n in 0..<keys.count {
            let key = keys[n].bytes
            guard let id = id(fromKey: key, into: &page) else { continue }
            if light {
                page.infos.append(SessionInfo(id: id, size: 0, keyCount: nil, expiry: nil, lastWrite: nil))
                continue
            }
            switch layout.classify(id, n, keys.count, replies, base, now, withData) {
            case .session(let info): page.infos.append(info)
            case .loaded(let session): page.sessions.append(session)
            case .broken(let error): page.broken.append(BrokenSession(id: id, error: error))
            case .skipped(let reason): page.skipped.append(SkippedKey(key: Self.text(Array(key)), reason: reason))
            case .wrongType: wrongTypes.append(Array(key))
            case .gone: break
            case .failed(let message): throw replyError(message, key: Array(key))
            }
        }
    }

    /// The session id of a key SCAN returned, straight from the reply's bytes; a key whose
    /// name cannot be an id is added to the page's skipped keys instead.
    private func id(fromKey key: UnsafeBufferPointer<UInt8>, into page: inout CorePage) -> String? {
        let rest = UnsafeBufferPointer(rebasing: key[min(prefixBytes.count, key.count)...])
        var ascii = true
        for b in rest {
            if b < 0x20 || b == 0x7f {
                page.skipped.append(SkippedKey(key: Self.text(Array(key)), reason: "the name after the prefix is not a usable session id: control characters"))
                return nil
            }
            if b >= 0x80 { ascii = false }
        }
        if rest.isEmpty {
            page.skipped.append(SkippedKey(key: Self.text(Array(key)), reason: "nothing after the prefix"))
            return nil
        }
        if ascii { return String(decoding: rest, as: UTF8.self) }
        guard let id = String(validating: rest, as: UTF8.self) else {
            page.skipped.append(SkippedKey(key: Self.text(Array(key)), reason: "the name after the prefix is not UTF-8 text"))
            return nil
        }
        return id
    }

    /// Reads and drops the replies of a flight still out when a scan ends early, so the
    /// connection stays usable.
    private func drain(_ flight: Flight?) {
        if let flight { _ = try? connection.receiveRaw(flight.count) }
    }

    /// A glob over ids as Redis MATCH reads it: `[!...]` (fnmatch) becomes `[^...]`.
    static func redisGlob(_ pattern: String) -> [UInt8] {
        var out: [UInt8] = []
        var escaped = false
        var previousOpened = false
        for b in pattern.utf8 {
            if previousOpened && b == UInt8(ascii: "!") {
                out.append(UInt8(ascii: "^"))
                previousOpened = false
                continue
            }
            previousOpened = !escaped && b == UInt8(ascii: "[")
            escaped = !escaped && b == UInt8(ascii: "\\")
            out.append(b)
        }
        return out
    }

    /// The reason a key of the wrong type is skipped: `a Redis list, not a string`.
    static func wrongType(_ type: String, expected: String) -> String {
        "a Redis \(type), not a \(expected)"
    }
}
