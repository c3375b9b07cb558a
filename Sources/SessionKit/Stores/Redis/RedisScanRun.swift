import RedisClient

/// One pipelined flight of a scan: the next SCAN first, then TYPE lookups for keys of earlier
/// pages, then the metadata of a page's keys.
struct Flight {
    var hasScan: Bool
    var typeLookups: [[UInt8]]
    /// The page's keys: an array inside `keysOwner`, the reply of the SCAN before.
    var keysOwner: RedisRawReplies
    var keys: RedisReplyView
    /// Which keys of the page are this lane's to give (nil: all of them); see `RedisScan`.
    var given: [Bool]?
    var count: Int
}

/// The scan of one master: its lane, the flights in the air, and the keys whose TYPE to ask.
final class LaneScan {
    let lane: RedisScanLane
    /// The flight whose page comes next.
    var flight: Flight?
    /// Whether the SCAN reply at the head of `flight` is in, and `next` sent.
    var relaunched = false
    /// The flight sent after `flight`'s SCAN reply came in (nil at the end of the lane's scan).
    var next: Flight?
    var wrongTypes: [[UInt8]] = []
    init(_ lane: RedisScanLane) { self.lane = lane }
}

/// One `RedisStoreCore.scan` under way, in the steps its loop takes: `start` every master's
/// lane, take each lane's `nextPage` in turn (sending its next flight first) and `advance` it,
/// and at the end `visitMovedKeys`; `drainAll` when it ends early.
final class ScanRun {
    let core: RedisStoreCore
    let layout: RedisStoreCore.ScanLayout
    let match: [UInt8]
    /// SCAN's COUNT: how many slots of the server's table a call looks at, whatever matches; a
    /// small one makes a big keyspace take thousands of calls. Pages are cut to `pageSize`.
    let count: Int
    let pageSize: Int
    /// Ids only, trusting the prefix: nothing but SCAN is sent.
    let light: Bool
    let withData: Bool
    let scan: RedisScan
    let lanes: [LaneScan]

    init(
        _ core: RedisStoreCore, pattern: String?, pageSize: Int, detail: ScanDetail, withData: Bool,
        layout: RedisStoreCore.ScanLayout
    ) throws(SessionError) {
        self.core = core
        self.layout = layout
        self.match = RedisConnection.globEscape(core.prefixBytes) + RedisStoreCore.redisGlob(pattern ?? "*")
        self.count = max(pageSize, RedisStoreCore.scanCount)
        self.pageSize = max(pageSize, 1)
        self.light = detail == .ids && !core.prefixBytes.isEmpty && !withData
        self.withData = withData
        let scan = try core.run { try core.router.beginScan() }
        self.scan = scan
        self.lanes = scan.lanes.map(LaneScan.init)
    }

    /// Sends the first SCAN to every master at once, then each lane's first flight as its reply
    /// comes in.
    func start() throws(SessionError) {
        for l in lanes {
            var first = RedisCommandBuffer()
            l.lane.appendScan(to: &first, cursor: 0, match: match, count: count)
            try core.run { try l.lane.connection.send(first) }
        }
        for (i, l) in lanes.enumerated() {
            do {
                let reply = try core.run { try l.lane.connection.receiveRaw(l.lane.scanReplies) }
                let (cursor, keys, given) = try page(l, reply)
                l.flight = try launch(l, reply, keys, given: given, cursor: cursor, typeLookups: [])
            } catch {
                // The lanes after this one still have their first SCAN reply to come.
                for later in lanes[(i + 1)...] { _ = try? later.lane.connection.receiveRaw(later.lane.scanReplies) }
                drainAll()
                throw error
            }
        }
    }

    /// Sends a lane's flight: the next SCAN (none after the last), the TYPE lookups, and the
    /// metadata of the page's keys.
    private func launch(
        _ l: LaneScan, _ keysOwner: RedisRawReplies, _ keys: RedisReplyView, given: [Bool]?, cursor: UInt64,
        typeLookups: [[UInt8]]
    ) throws(SessionError) -> Flight {
        var buffer = RedisCommandBuffer(capacity: 80 * (keys.count * 2 + typeLookups.count + 1))
        if cursor != 0 { l.lane.appendScan(to: &buffer, cursor: cursor, match: match, count: count) }
        for key in typeLookups {
            buffer.begin(2)
            buffer.argument("TYPE")
            buffer.argument(key)
        }
        if !light && keys.count > 0 { layout.metadata(&buffer, keys) }
        try core.run { try l.lane.connection.send(buffer) }
        return Flight(hasScan: cursor != 0, typeLookups: typeLookups, keysOwner: keysOwner, keys: keys, given: given, count: buffer.count)
    }

    /// A lane's SCAN reply: its cursor, keys, and which keys are the lane's to give.
    private func page(_ l: LaneScan, _ reply: RedisRawReplies) throws(SessionError) -> (UInt64, RedisReplyView, [Bool]?) {
        let (cursor, keys) = try core.run { try l.lane.parseScan(reply, at: 0) }
        var given: [Bool]?
        if l.lane.remembers {
            if !l.lane.pageIsExact { given = [Bool](repeating: false, count: keys.count) }
            for n in 0..<keys.count {
                let key = keys[n].bytes
                if given != nil {
                    if !l.lane.admit(key) { continue }
                    given![n] = true
                }
                l.lane.remember(key)
            }
        }
        return (cursor, keys, given)
    }

    /// Takes the SCAN reply at the head of a lane's flight and sends its next flight at once.
    private func relaunch(_ l: LaneScan) throws(SessionError) {
        guard let flight = l.flight, flight.hasScan, !l.relaunched else { return }
        let reply = try core.run { try l.lane.connection.receiveRaw(l.lane.scanReplies) }
        l.relaunched = true
        let (cursor, keys, given) = try page(l, reply)
        l.next = try launch(l, reply, keys, given: given, cursor: cursor, typeLookups: l.wrongTypes)
        l.wrongTypes = []
    }

    /// The page of a lane's flight, once its next flight is out. Each master has one SCAN in the
    /// air at most: every other master whose reply is already here gets its next one before this
    /// page is worked on, so none waits long.
    func nextPage(of l: LaneScan, among active: [LaneScan]) throws(SessionError) -> RedisStoreCore.CorePage {
        try relaunch(l)
        let flight = l.flight!
        let replies = try core.run { try l.lane.connection.receiveRaw(flight.count - (flight.hasScan ? l.lane.scanReplies : 0)) }
        l.flight = nil
        if active.count > 1 {
            for other in active where other !== l && !other.relaunched && other.lane.connection.hasPendingInput {
                try relaunch(other)
            }
        }
        var page = RedisStoreCore.CorePage()
        for (n, key) in flight.typeLookups.enumerated() {
            page.skipped.append(core.skippedWrongType(key, type: replies[n], layout: layout))
        }
        try core.classify(flight, replies: replies, base: flight.typeLookups.count, in: self, into: &page, wrongTypes: &l.wrongTypes)
        if l.next == nil { try lookUpLastTypes(of: l, into: &page) }
        return page
    }

    /// On a lane's last page nothing is in flight: the types still to ask are asked now.
    private func lookUpLastTypes(of l: LaneScan, into page: inout RedisStoreCore.CorePage) throws(SessionError) {
        guard !l.wrongTypes.isEmpty else { return }
        let types = try core.run { try l.lane.connection.pipeline(l.wrongTypes.map { RedisStoreCore.command("TYPE", $0) }) }
        for (key, type) in zip(l.wrongTypes, types) {
            page.skipped.append(
                SkippedKey(
                    key: RedisStoreCore.text(key),
                    reason: RedisStoreCore.wrongType(RedisStoreCore.typeName(type) ?? "?", expected: layout.redisType)))
        }
        l.wrongTypes = []
    }

    /// Moves a lane on to its next flight; false once its scan is done.
    func advance(_ l: LaneScan) -> Bool {
        l.flight = l.next
        l.next = nil
        l.relaunched = false
        return l.flight != nil
    }

    /// Visits the keys that moved between masters during the scan (a cluster being resharded),
    /// each looked up on the node that holds it now.
    func visitMovedKeys(_ visit: (RedisStoreCore.CorePage) throws -> ScanControl) throws {
        let late = try core.run { try scan.finish(match: match) }
        var start = 0
        while start < late.count {
            let chunk = late[start..<min(start + count, late.count)]
            start += chunk.count
            if try RedisStoreCore.deliver(try movedKeysPage(chunk), pageSize: pageSize, to: visit) == .stop { return }
        }
    }

    private func movedKeysPage(_ keys: ArraySlice<[UInt8]>) throws(SessionError) -> RedisStoreCore.CorePage {
        var page = RedisStoreCore.CorePage()
        let now = core.clock.nowMillis()
        for key in keys {
            try key.withUnsafeBufferPointer { (bytes) throws(SessionError) in
                guard let id = core.id(fromKey: bytes, into: &page) else { return }
                if light {
                    page.infos.append(SessionInfo(id: id, size: 0, keyCount: nil, expiry: nil, lastWrite: nil))
                } else {
                    try core.lookUp(id: id, key: key, scan: scan, layout: layout, now: now, withData: withData, into: &page)
                }
            }
        }
        return page
    }

    /// Reads and drops the replies of every flight still out, so the connections stay usable.
    func drainAll() {
        for l in lanes {
            if let f = l.flight { _ = try? l.lane.connection.receiveRaw(f.count - (l.relaunched ? l.lane.scanReplies : 0)) }
            if let n = l.next { _ = try? l.lane.connection.receiveRaw(n.count) }
        }
    }
}
