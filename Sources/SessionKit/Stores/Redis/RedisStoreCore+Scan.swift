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
        /// The same commands for one key, for a key looked up on its own (it moved between nodes).
        let commands: ([UInt8]) -> [[[UInt8]]]
        /// Key `n`'s entry (of `count` keys in the page), from the page's metadata replies, which
        /// start at `replies[base]`: the whole session (`loaded`, `broken`) when `withData`.
        let classify: (_ id: String, _ n: Int, _ count: Int, _ replies: RedisRawReplies, _ base: Int, _ now: Int64, _ withData: Bool) -> ScanEntry
    }

    /// How a store whose keys are read with one command each (`GET`, `HGETALL`) plus `PTTL`
    /// scans: an error reply ends the scan (WRONGTYPE: a key of another type), a key whose PTTL
    /// says it is gone is gone, and `entry` makes the rest of the value read and its expiry.
    static func readAndTTL(
        redisType: String, read: StaticString,
        entry: @escaping (_ id: String, _ value: RedisReplyView, _ expiry: Expiry, _ withData: Bool) -> ScanEntry
    ) -> ScanLayout {
        ScanLayout(
            redisType: redisType,
            metadata: { buffer, keys in
                for i in 0..<keys.count {
                    buffer.begin(2)
                    buffer.argument(read)
                    buffer.argument(keys[i].bytes)
                    buffer.begin(2)
                    buffer.argument("PTTL")
                    buffer.argument(keys[i].bytes)
                }
            },
            commands: { key in
                [command("\(read)", key), command("PTTL", key)]
            },
            classify: { id, n, _, replies, base, now, withData in
                let value = replies[base + 2 * n]
                if value.isError {
                    return value.errorCode == .wrongType ? .wrongType : .failed(String(decoding: value.bytes, as: UTF8.self))
                }
                guard let ttl = replies[base + 2 * n + 1].integer, let expiry = expiry(pttl: .integer(ttl), now: now) else { return .gone }
                return entry(id, value, expiry, withData)
            })
    }

    /// With a prefix, the keys under it matching `pattern` (names only, as `count` does); nil
    /// without one (the keys would be the whole database's).
    func estimatedCount(matching pattern: String?, layout: ScanLayout) throws -> Int? {
        guard !prefixBytes.isEmpty else { return nil }
        var count = 0
        try scan(pattern: pattern, pageSize: 1000, detail: .ids, layout: layout) { page in
            count += page.infos.count
            return .proceed
        }
        return count
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

    /// Pages through `SCAN MATCH <escaped prefix><pattern>` on every master, reading replies in place.
    ///
    /// A flight carries the next SCAN and then a page's metadata. As soon as the SCAN's reply is
    /// in, the next flight goes out, before this page's metadata is even read: the server always
    /// has work queued while the client classifies and visits a page, so the client adds little
    /// beyond what the server must do. In a cluster each master has its own lane and cursor; the
    /// lanes take turns a page at a time, and before a page is worked on every master whose SCAN
    /// reply is in gets its next flight, so all masters work at once. Keys that moved between
    /// masters during the scan are found at the end (`RedisScan.finish`) and given exactly once.
    /// A full scan reads the layout's `metadata` (for KV: GET and PTTL per key); a key of another
    /// type answers WRONGTYPE and its TYPE is asked in a later flight, for the skip reason; a key
    /// that moved to another node since SCAN gave it is looked up there. A light scan (`.ids`)
    /// with a prefix trusts the prefix: every key under it with a usable id counts as a session and
    /// nothing else is read, which keeps `list -o ids` and `count` near the cost of SCAN itself.
    /// (SCAN's TYPE filter was measured at some 40% more server time, as it looks up every key.)
    /// Without a prefix the keys share the namespace with everything else, so even a light scan
    /// reads every key.
    ///
    /// With `withData` the layout hands over whole sessions, decoded from the same replies.
    func scan(
        pattern: String?, pageSize: Int, detail: ScanDetail, withData: Bool = false, layout: ScanLayout,
        visit: (CorePage) throws -> ScanControl
    ) throws {
        let run = try ScanRun(self, pattern: pattern, pageSize: pageSize, detail: detail, withData: withData, layout: layout)
        try run.start()
        var active = run.lanes
        while !active.isEmpty {
            var stillActive: [LaneScan] = []
            for lane in active {
                do {
                    let page = try run.nextPage(of: lane, among: active)
                    if try Self.deliver(page, pageSize: run.pageSize, to: visit) == .stop {
                        run.drainAll()
                        return
                    }
                } catch {
                    run.drainAll()
                    throw error
                }
                if run.advance(lane) { stillActive.append(lane) }
            }
            active = stillActive
        }
        try run.visitMovedKeys(visit)
    }

    /// The COUNT of every SCAN call, at least.
    static let scanCount = 1000

    /// Visits a page, cut into pages of at most `pageSize` sessions (the broken sessions and the
    /// skipped keys go with the first); nothing for an empty page.
    static func deliver(_ page: CorePage, pageSize: Int, to visit: (CorePage) throws -> ScanControl) throws -> ScanControl {
        if page.isEmpty { return .proceed }
        if page.infos.count + page.sessions.count <= pageSize { return try visit(page) }
        var first = true
        func part(infos: [SessionInfo], sessions: [Session]) throws -> ScanControl {
            var part = CorePage()
            part.infos = infos
            part.sessions = sessions
            if first {
                part.broken = page.broken
                part.skipped = page.skipped
                first = false
            }
            return try visit(part)
        }
        var start = 0
        while start < page.infos.count {
            let end = min(start + pageSize, page.infos.count)
            if try part(infos: Array(page.infos[start..<end]), sessions: []) == .stop { return .stop }
            start = end
        }
        start = 0
        while start < page.sessions.count {
            let end = min(start + pageSize, page.sessions.count)
            if try part(infos: [], sessions: Array(page.sessions[start..<end])) == .stop { return .stop }
            start = end
        }
        return .proceed
    }

    /// A key's entry read on its own from the node that holds it now (after MOVED or ASK).
    func lookUp(
        id: String, key: [UInt8], scan: RedisScan, layout: ScanLayout, now: Int64, withData: Bool,
        into page: inout CorePage
    ) throws(SessionError) {
        let replies = try run { try scan.lookup(key: key, layout.commands(key)) }
        switch Self.add(layout.classify(id, 0, 1, replies, 0, now, withData), id: id, key: key, to: &page) {
        case .wrongType?:
            let type = try run { try scan.lookup(key: key, [Self.command("TYPE", key)]) }
            page.skipped.append(skippedWrongType(key, type: type[0], layout: layout))
        case .failed(let message)?: throw replyError(message, key: key)
        default: break
        }
    }

    /// Adds a key's entry to the page; the entries it leaves to the caller (`wrongType`,
    /// `failed`) come back.
    private static func add(_ entry: ScanEntry, id: String, key: @autoclosure () -> [UInt8], to page: inout CorePage) -> ScanEntry? {
        switch entry {
        case .session(let info): page.infos.append(info)
        case .loaded(let session): page.sessions.append(session)
        case .broken(let error): page.broken.append(BrokenSession(id: id, error: error))
        case .skipped(let reason): page.skipped.append(SkippedKey(key: text(key()), reason: reason))
        case .gone: break
        case .wrongType, .failed: return entry
        }
        return nil
    }

    func skippedWrongType(_ key: [UInt8], type reply: RedisReplyView, layout: ScanLayout) -> SkippedKey {
        let type = reply.isStatus ? String(decoding: reply.bytes, as: UTF8.self) : "?"
        return SkippedKey(key: Self.text(key), reason: Self.wrongType(type, expected: layout.redisType))
    }

    /// The entries of a flight's keys, from its metadata replies (which start at `replies[base]`);
    /// keys of another type go to `wrongTypes`, for their TYPE to be asked.
    func classify(
        _ flight: Flight, replies: RedisRawReplies, base: Int, in run: ScanRun, into page: inout CorePage,
        wrongTypes: inout [[UInt8]]
    ) throws(SessionError) {
        let (light, withData, layout) = (run.light, run.withData, run.layout)
        let keys = flight.keys
        if withData { page.sessions.reserveCapacity(keys.count) } else { page.infos.reserveCapacity(keys.count) }
        let now = clock.nowMillis()
        for n in 0..<keys.count {
            if let given = flight.given, !given[n] { continue }
            let key = keys[n].bytes
            guard let id = id(fromKey: key, into: &page) else { continue }
            if light {
                page.infos.append(SessionInfo(id: id, size: 0, keyCount: nil, expiry: nil, lastWrite: nil))
                continue
            }
            switch Self.add(layout.classify(id, n, keys.count, replies, base, now, withData), id: id, key: Array(key), to: &page) {
            case .wrongType?: wrongTypes.append(Array(key))
            case .failed(let message)?:
                // The key moved to another node since SCAN gave it (a slot being resharded).
                guard router.isCluster, RedisReplyView.isRedirect(message) else { throw replyError(message, key: Array(key)) }
                try lookUp(id: id, key: Array(key), scan: run.scan, layout: layout, now: now, withData: withData, into: &page)
            default: break
            }
        }
    }

    /// The session id of a key SCAN returned, straight from the reply's bytes; a key whose
    /// name cannot be an id is added to the page's skipped keys instead.
    func id(fromKey key: UnsafeBufferPointer<UInt8>, into page: inout CorePage) -> String? {
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
