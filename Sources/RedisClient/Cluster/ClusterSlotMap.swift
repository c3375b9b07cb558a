/// A cluster's masters and which of them serves each hash slot, as `CLUSTER SHARDS` (Redis 7) or
/// `CLUSTER SLOTS` (older servers) describe it. Replicas are left out: sessctl never reads or
/// writes them.
struct ClusterSlotMap: Equatable {
    struct Master: Equatable {
        /// The node id, when the reply gives one.
        var id: String
        var endpoint: RedisEndpoint
    }

    var masters: [Master] = []
    /// For each slot, the index in `masters` of the node that serves it, or -1.
    var owner = [Int16](repeating: -1, count: ClusterSlots.count)

    /// The sorted, merged slot ranges of master `index`.
    func ranges(of index: Int) -> [ClosedRange<Int>] {
        var out: [ClosedRange<Int>] = []
        var start = -1
        for slot in 0...ClusterSlots.count {
            let mine = slot < ClusterSlots.count && Int(owner[slot]) == index
            if mine && start < 0 { start = slot }
            if !mine && start >= 0 {
                out.append(start...(slot - 1))
                start = -1
            }
        }
        return out
    }

    /// Slots no master serves.
    var unservedSlots: Int { owner.reduce(0) { $0 + ($1 < 0 ? 1 : 0) } }

    private mutating func add(_ master: Master, ranges: [ClosedRange<Int>]) {
        let index: Int
        if let existing = masters.firstIndex(of: master) {
            index = existing
        } else {
            index = masters.count
            masters.append(master)
        }
        for range in ranges {
            for slot in range where slot >= 0 && slot < ClusterSlots.count { owner[slot] = Int16(index) }
        }
    }

    /// Reads `CLUSTER SHARDS` (RESP2: a flat key/value array per shard and per node; unknown
    /// keys are ignored). Over TLS a node is reached on its `tls-port`, else on `port`.
    /// `askedHost` stands in for a node that does not know its own address.
    static func fromShards(_ reply: RedisReply, tls: Bool, askedHost: String) throws -> ClusterSlotMap {
        guard case .array(let shards) = reply else { throw RedisError(.protocol, "unexpected CLUSTER SHARDS reply") }
        var map = ClusterSlotMap()
        for shard in shards {
            let fields = try pairs(shard, "CLUSTER SHARDS")
            guard case .array(let bounds)? = fields["slots"], case .array(let nodes)? = fields["nodes"] else {
                throw RedisError(.protocol, "unexpected CLUSTER SHARDS reply")
            }
            var ranges: [ClosedRange<Int>] = []
            var i = 0
            while i + 1 < bounds.count {
                guard let a = number(bounds[i]), let b = number(bounds[i + 1]), a <= b else {
                    throw RedisError(.protocol, "unexpected slot range in CLUSTER SHARDS")
                }
                ranges.append(a...b)
                i += 2
            }
            if ranges.isEmpty { continue }
            for node in nodes {
                let n = try pairs(node, "CLUSTER SHARDS")
                guard n["role"]?.string == "master" else { continue }
                let portField = tls ? "tls-port" : "port"
                guard let port = n[portField].flatMap(number), port > 0 else {
                    throw RedisError(
                        .protocol,
                        tls
                            ? "the cluster gives no TLS port for its nodes (is TLS enabled on the cluster's nodes?)"
                            : "the cluster gives no plain port for its nodes (is it TLS only? use rediss:// or tls=1)")
                }
                var host = n["endpoint"]?.string ?? ""
                if host.isEmpty || host == "?" { host = n["ip"]?.string ?? "" }
                if host.isEmpty || host == "?" { host = askedHost }
                map.add(Master(id: n["id"]?.string ?? "", endpoint: .tcp(host: host, port: port)), ranges: ranges)
            }
        }
        return map
    }

    /// Reads `CLUSTER SLOTS`: `[start, end, [host, port, id, ...], replicas...]` per range. The
    /// server answers with the port that suits the asking connection (TLS or not).
    static func fromSlots(_ reply: RedisReply, askedHost: String) throws -> ClusterSlotMap {
        guard case .array(let entries) = reply else { throw RedisError(.protocol, "unexpected CLUSTER SLOTS reply") }
        var map = ClusterSlotMap()
        for entry in entries {
            guard case .array(let parts) = entry, parts.count >= 3, let a = number(parts[0]), let b = number(parts[1]), a <= b,
                case .array(let master) = parts[2], master.count >= 2, let port = number(master[1])
            else { throw RedisError(.protocol, "unexpected CLUSTER SLOTS reply") }
            var host = master[0].string ?? ""
            if host.isEmpty || host == "?" { host = askedHost }
            let id = master.count > 2 ? master[2].string ?? "" : ""
            map.add(Master(id: id, endpoint: .tcp(host: host, port: port)), ranges: [a...b])
        }
        return map
    }

    private static func pairs(_ reply: RedisReply, _ what: String) throws -> [String: RedisReply] {
        guard case .array(let items) = reply, items.count % 2 == 0 else { throw RedisError(.protocol, "unexpected \(what) reply") }
        var out: [String: RedisReply] = [:]
        var i = 0
        while i < items.count {
            if let key = items[i].string { out[key] = items[i + 1] }
            i += 2
        }
        return out
    }

    private static func number(_ reply: RedisReply) -> Int? {
        switch reply {
        case .integer(let n): return Int(n)
        case .bulk, .status: return reply.string.flatMap { Int($0) }
        default: return nil
        }
    }
}

/// One node's own line of `CLUSTER NODES`: its role, the slots it serves, and the slots it is
/// moving out (`[slot->-id]`) or in (`[slot-<-id]`).
struct ClusterSelfView: Equatable {
    var id: String
    var isMaster: Bool
    var ranges: [ClosedRange<Int>]
    var migrating: [Int]
    var importing: [Int]

    var isMoving: Bool { !migrating.isEmpty || !importing.isEmpty }

    /// The `myself` line of a `CLUSTER NODES` reply.
    init?(nodes text: UnsafeBufferPointer<UInt8>) {
        var lineStart = text.startIndex
        var found: ArraySlice<UInt8>?
        while lineStart < text.endIndex {
            let lineEnd = text[lineStart...].firstIndex(of: 0x0a) ?? text.endIndex
            let line = Array(text[lineStart..<lineEnd])[...]
            let fields = line.split(separator: 0x20, maxSplits: 3)
            if fields.count > 2, fields[2].split(separator: UInt8(ascii: ",")).contains(where: { Array($0) == Array("myself".utf8) }) {
                found = line
                break
            }
            lineStart = lineEnd + 1
        }
        guard let line = found else { return nil }
        self.init(line: String(decoding: line, as: UTF8.self))
    }

    init?(line: String) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 8 else { return nil }
        id = String(fields[0])
        isMaster = fields[2].split(separator: ",").contains("master")
        var slots: [ClosedRange<Int>] = []
        migrating = []
        importing = []
        for token in fields.dropFirst(8) {
            if token.hasPrefix("[") {
                // [slot->-id] (migrating) or [slot-<-id] (importing)
                let body = token.dropFirst()
                if let r = body.firstRange(of: "->-"), let slot = Int(body[..<r.lowerBound]) {
                    migrating.append(slot)
                } else if let r = body.firstRange(of: "-<-"), let slot = Int(body[..<r.lowerBound]) {
                    importing.append(slot)
                }
            } else if let dash = token.firstIndex(of: "-"), let a = Int(token[..<dash]), let b = Int(token[token.index(after: dash)...]) {
                slots.append(a...b)
            } else if let a = Int(token) {
                slots.append(a...a)
            }
        }
        ranges = ClusterSelfView.merged(slots)
    }

    static func merged(_ ranges: [ClosedRange<Int>]) -> [ClosedRange<Int>] {
        var out: [ClosedRange<Int>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, r.lowerBound <= last.upperBound + 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }
}
