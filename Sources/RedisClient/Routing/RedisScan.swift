/// One SCAN over every master the router uses, each with its own cursor on its own lane.
///
/// Outside a cluster there is one lane and nothing else to it. In a cluster a key may move
/// between masters while they are scanned (a reshard), and a plain SCAN per master would then
/// miss it or see it twice. So each SCAN step is sent as `MULTI, CLUSTER NODES, SCAN, EXEC`: the
/// node says, at the very moment of the step, which slots it serves and which it is moving.
/// - A page from a node that serves exactly the slots it served when the scan began, and moves
///   none, is taken whole.
/// - Otherwise each key's slot is checked: a key is taken only from the node that served its
///   slot at the start and still serves it without moving it; the slot of any other key is set
///   aside.
/// - Every key taken is remembered (a 64-bit fingerprint). At the end, the slots set aside, the
///   slots that moved during the scan and the slots being moved are read with
///   `CLUSTER GETKEYSINSLOT` on every master twice over (so a key that moved from any node to any
///   other is found), and the keys not yet taken are handed back by `finish`.
public final class RedisScan {
    public let lanes: [RedisScanLane]
    let router: RedisRouter
    let cluster: ClusterScanState?

    init(router: RedisRouter) throws {
        self.router = router
        var attempt = RedisRouter.Attempt(timeout: router.options.timeout)
        while true {
            var failed: RedisNode?
            do {
                (lanes, cluster) = try Self.lanes(router, failed: &failed)
                return
            } catch let error as RedisError {
                // A master that cannot be reached may have failed over: find the masters again.
                guard let node = failed, error.kind != .tls, error.kind != .auth, error.kind != .protocol else { throw error }
                try router.recover(.connection(error), on: node, &attempt)
            }
        }
    }

    private static func lanes(_ router: RedisRouter, failed: inout RedisNode?) throws -> ([RedisScanLane], ClusterScanState?) {
        func connect(_ node: RedisNode) throws -> RedisConnection {
            failed = node
            let connection = try node.connection()
            failed = nil
            return connection
        }
        let topology = router.topology
        guard let clusterTopology = topology as? ClusterTopology else {
            let master = try topology.masters()[0]
            return ([RedisScanLane(connection: try connect(master), index: 0, cluster: nil)], nil)
        }
        try clusterTopology.refresh(deadline: Monotonic.now() + Int64(router.options.timeout))
        let start = clusterTopology.map
        let masters = try clusterTopology.masters()
        let state = ClusterScanState(start: start)
        var lanes: [RedisScanLane] = []
        for (index, node) in masters.enumerated() {
            lanes.append(RedisScanLane(connection: try connect(node), index: index, cluster: state))
        }
        // What each master says of itself as the scan begins.
        let views = try selfViews(lanes.map(\.connection))
        for (index, view) in views.enumerated() {
            state.startMoving.formUnion(view.migrating)
            state.startMoving.formUnion(view.importing)
            if !view.isMaster || view.ranges != state.startRanges[index] {
                for r in state.startRanges[index] { state.startMoving.formUnion(r) }
                for r in view.ranges { state.startMoving.formUnion(r) }
            }
        }
        return (lanes, state)
    }

    /// The keys that the lanes' pages did not give, found after the scan (empty outside a cluster,
    /// and when no slot moved). `match` is the SCAN pattern; the keys match it.
    public func finish(match: [UInt8]) throws -> [[UInt8]] {
        guard let state = cluster, let topology = router.topology as? ClusterTopology else { return [] }
        // The map as it is now, for comparison; the router keeps routing by the map it has until a
        // MOVED says otherwise.
        let end = try topology.fetchMap(deadline: Monotonic.now() + Int64(router.options.timeout))
        var suspect = state.unstable.union(state.startMoving)
        let endMasters = end.masters.map { topology.node(at: $0.endpoint) }
        for view in try Self.selfViews(endMasters.map { try $0.connection() }) {
            suspect.formUnion(view.migrating)
            suspect.formUnion(view.importing)
        }
        for slot in 0..<ClusterSlots.count {
            let a = Int(state.start.owner[slot]), b = Int(end.owner[slot])
            let before = a < 0 ? nil : state.start.masters[a].endpoint
            let after = b < 0 ? nil : end.masters[b].endpoint
            if before != after { suspect.insert(slot) }
        }
        state.repairedSlots = suspect.count
        guard !suspect.isEmpty else { return [] }

        var nodes: [RedisNode] = []
        for endpoint in state.start.masters.map(\.endpoint) + end.masters.map(\.endpoint) where !nodes.contains(where: { $0.endpoint == endpoint }) {
            nodes.append(topology.node(at: endpoint))
        }
        let taken = Set(state.taken)
        var found = Set<[UInt8]>()
        var out: [[UInt8]] = []
        let slots = suspect.sorted()
        // Twice over every node: a key moving from any node to any other is seen at least once.
        for node in nodes + nodes {
            let connection = try node.connection()
            var start = 0
            while start < slots.count {
                let chunk = Array(slots[start..<min(start + 500, slots.count)])
                start += chunk.count
                let counts = try connection.pipeline(chunk.map { [Array("CLUSTER".utf8), Array("COUNTKEYSINSLOT".utf8), Array(String($0).utf8)] })
                var wanted: [(slot: Int, count: Int)] = []
                for (slot, reply) in zip(chunk, counts) {
                    if case .error(let message) = reply { throw RedisError(.server, "CLUSTER COUNTKEYSINSLOT failed on \(node.endpoint): \(message)") }
                    if let n = reply.int, n > 0 { wanted.append((slot, Int(n))) }
                }
                var pending = wanted
                while !pending.isEmpty {
                    let replies = try connection.pipeline(
                        pending.map {
                            [Array("CLUSTER".utf8), Array("GETKEYSINSLOT".utf8), Array(String($0.slot).utf8), Array(String($0.count + 64).utf8)]
                        })
                    var again: [(slot: Int, count: Int)] = []
                    for (want, reply) in zip(pending, replies) {
                        guard case .array(let keys) = reply else {
                            throw RedisError(.server, "CLUSTER GETKEYSINSLOT failed on \(node.endpoint): \(reply.errorMessage ?? "unexpected reply")")
                        }
                        if keys.count >= want.count + 64 { again.append((want.slot, want.count * 2 + 64)) }
                        for key in keys {
                            guard let bytes = key.bytes, RedisGlob.matches(match, bytes) else { continue }
                            let fingerprint = bytes.withUnsafeBufferPointer { ClusterScanState.fingerprint($0) }
                            if taken.contains(fingerprint) { continue }
                            if found.insert(bytes).inserted { out.append(bytes) }
                        }
                    }
                    pending = again
                }
            }
        }
        return out
    }

    /// Runs one key's commands on the node that holds it now, following MOVED and ASK, and
    /// returns their replies to read in place (for a key whose node changed since SCAN gave it).
    public func lookup(key: [UInt8], _ commands: [[[UInt8]]]) throws -> RedisRawReplies {
        var ask: RedisEndpoint?
        var attempt = RedisRouter.Attempt(timeout: router.options.timeout)
        var hops = 0
        while true {
            let target = try ask.map { router.topology.node(at: $0) } ?? router.topology.node(forSlot: router.slot(key))
            guard let node = target else {
                attempt.lastProblem = "a hash slot is not served by any master"
                try router.backOff(&attempt)
                continue
            }
            var buffer = RedisCommandBuffer()
            var kept: [Int] = []
            for args in commands {
                if ask != nil { buffer.command([Array("ASKING".utf8)]) }
                kept.append(buffer.count)
                buffer.command(args)
            }
            let replies: RedisRawReplies
            do {
                // Not a lane's connection: a lane may have a flight in the air.
                let connection = try node.connection(lane: Self.lookupLane)
                try connection.send(buffer)
                replies = try connection.receiveRaw(buffer.count)
            } catch let error as RedisError {
                try router.recover(.connection(error), on: node, &attempt)
                continue
            }
            var redirect: RedisRedirect?
            for i in kept where replies[i].isRedirect {
                redirect = RedisRedirect(String(decoding: replies[i].bytes, as: UTF8.self))
                break
            }
            guard let redirect else { return replies.keeping(kept) }
            hops += 1
            if hops > RedisRouter.maxRounds { throw RedisError(.server, "a key was redirected more than \(RedisRouter.maxRounds) times") }
            switch redirect {
            case .moved(let slot, let endpoint):
                router.topology.moved(slot: slot, to: endpoint)
                router.stats.moved += 1
                ask = nil
            case .ask(_, let endpoint):
                router.stats.asked += 1
                ask = endpoint
            case .tryAgain(let message):
                router.stats.retried += 1
                attempt.lastProblem = message
                ask = nil
                try router.backOff(&attempt)
            }
        }
    }

    /// The connection number for `lookup`, apart from the lanes' and the transactions'.
    static let lookupLane = RedisRouter.lanesPerNode

    /// How many slots `finish` read again (tests).
    public var repairedSlots: Int { cluster?.repairedSlots ?? 0 }

    /// `CLUSTER NODES` on each connection at once, each node's own line.
    /// Whether every master still serves exactly the slots it served when the scan began and no
    /// slot was being moved then or now (always true outside a cluster): work done on the masters'
    /// connections alone, without pages (a server-side count), saw every key exactly once.
    public func clusterUnchanged() throws -> Bool {
        guard let state = cluster else { return true }
        guard state.startMoving.isEmpty else { return false }
        for (i, view) in try Self.selfViews(lanes.map(\.connection)).enumerated() {
            if !view.isMaster || !view.migrating.isEmpty || !view.importing.isEmpty || view.ranges != state.startRanges[i] { return false }
        }
        return true
    }

    static func selfViews(_ connections: [RedisConnection]) throws -> [ClusterSelfView] {
        for c in connections { try c.send([[Array("CLUSTER".utf8), Array("NODES".utf8)]]) }
        return try connections.map { c in
            let reply = try c.receive(1)[0]
            guard case .bulk(let text) = reply, let view = text.withUnsafeBufferPointer({ ClusterSelfView(nodes: $0) }) else {
                throw RedisError(.server, "CLUSTER NODES failed on \(c.endpoint): \(reply.errorMessage ?? "no line for the node itself")")
            }
            return view
        }
    }
}

/// What a cluster scan knows across its lanes.
final class ClusterScanState {
    let start: ClusterSlotMap
    /// Each master's slots when the scan began.
    let startRanges: [[ClosedRange<Int>]]
    /// Slots being moved (or not agreed on) when the scan began: never taken from a page.
    var startMoving = Set<Int>()
    /// Slots whose keys were set aside during the scan.
    var unstable = Set<Int>()
    /// Fingerprints of the keys taken from pages.
    var taken: [UInt64] = []
    var repairedSlots = 0

    init(start: ClusterSlotMap) {
        self.start = start
        startRanges = start.masters.indices.map { start.ranges(of: $0) }
        taken.reserveCapacity(1 << 16)
    }

    /// A 64-bit fingerprint of a key (collisions among a few million keys are out of reach).
    static func fingerprint(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let raw = UnsafeRawBufferPointer(key)
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var i = 0
        while i + 8 <= key.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < key.count {
            tail |= UInt64(key[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 32)
    }
}

/// One master's SCAN: its connection, and in a cluster the per-page checks (see `RedisScan`).
public final class RedisScanLane {
    public let connection: RedisConnection
    let index: Int
    let cluster: ClusterScanState?
    /// The replies one SCAN step takes in a flight: 1, or 4 in a cluster (MULTI, CLUSTER NODES, SCAN, EXEC).
    public let scanReplies: Int
    /// Whether the keys a page gives are remembered (`remember`) for the end of the scan.
    public let remembers: Bool
    /// After `parseScan`: every key of the page is this lane's to give; otherwise ask `admit`.
    public private(set) var pageIsExact = true

    /// Per page in a cluster, when not exact: the slots the node serves now, and the ones it moves.
    private var servesNow: [Bool] = []
    private var movingNow = Set<Int>()
    private var isMasterNow = true

    init(connection: RedisConnection, index: Int, cluster: ClusterScanState?) {
        self.connection = connection
        self.index = index
        self.cluster = cluster
        scanReplies = cluster == nil ? 1 : 4
        remembers = cluster != nil
    }

    /// Appends one SCAN step.
    public func appendScan(to buffer: inout RedisCommandBuffer, cursor: UInt64, match: [UInt8], count: Int) {
        if cluster != nil {
            buffer.command([Array("MULTI".utf8)])
            buffer.command([Array("CLUSTER".utf8), Array("NODES".utf8)])
            RedisConnection.appendScan(to: &buffer, cursor: cursor, matchBytes: match, count: count)
            buffer.command([Array("EXEC".utf8)])
        } else {
            RedisConnection.appendScan(to: &buffer, cursor: cursor, matchBytes: match, count: count)
        }
    }

    /// Reads the SCAN step whose replies start at `replies[at]`: the next cursor and the page's
    /// keys (a view into `replies`); sets `pageIsExact`.
    public func parseScan(_ replies: RedisRawReplies, at: Int) throws -> (next: UInt64, keys: RedisReplyView) {
        guard let cluster else { return try connection.parseScanReply(replies[at]) }
        let exec = replies[at + 3]
        guard exec.isArray, exec.count == 2, exec[0].isBulk else {
            let message = exec.isError ? String(decoding: exec.bytes, as: UTF8.self) : "unexpected reply to EXEC: \(exec.value)"
            throw RedisError(.server, "SCAN failed on \(connection.endpoint): \(message)")
        }
        guard let view = ClusterSelfView(nodes: exec[0].bytes) else {
            throw RedisError(.server, "CLUSTER NODES on \(connection.endpoint) has no line for the node itself")
        }
        let exact =
            view.isMaster && !view.isMoving && view.ranges == cluster.startRanges[index]
            && !cluster.startRanges[index].contains(where: { r in cluster.startMoving.contains(where: { r.contains($0) }) })
        pageIsExact = exact
        if !exact {
            isMasterNow = view.isMaster
            movingNow = Set(view.migrating + view.importing)
            if servesNow.isEmpty { servesNow = [Bool](repeating: false, count: ClusterSlots.count) }
            for i in servesNow.indices { servesNow[i] = false }
            for r in view.ranges { for s in r where s < ClusterSlots.count { servesNow[s] = true } }
        }
        return try connection.parseScanReply(exec[1])
    }

    /// Whether a key of a page that is not exact is this lane's to give; if not, its slot is
    /// read again at the end.
    public func admit(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let cluster else { return true }
        let slot = ClusterSlots.slot(of: key)
        let ok =
            isMasterNow && Int(cluster.start.owner[slot]) == index && servesNow[slot] && !movingNow.contains(slot)
            && !cluster.startMoving.contains(slot)
        if !ok { cluster.unstable.insert(slot) }
        return ok
    }

    /// Notes that a key was given, so the end of the scan does not give it again.
    public func remember(_ key: UnsafeBufferPointer<UInt8>) {
        cluster?.taken.append(ClusterScanState.fingerprint(key))
    }
}

extension RedisRouter {
    /// Starts a scan of every master (see `RedisScan`).
    public func beginScan() throws -> RedisScan {
        try RedisScan(router: self)
    }
}
