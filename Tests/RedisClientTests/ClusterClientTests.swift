import Foundation
import RedisClient
import TestSupport
import XCTest

/// Key slots, glob matching and the router on the shared 3+3 cluster: routing, MOVED, ASK,
/// TRYAGAIN, CLUSTERDOWN, transactions per slot and the scan of every master.
final class ClusterClientTests: XCTestCase {
    private var d: RedisDeployments!
    private var cluster: TestCluster { d.cluster }

    override func setUpWithError() throws {
        d = try RedisDeployments.shared()
    }

    private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    private func router(timeout: Int = 3000, tls: Bool = false) throws -> RedisRouter {
        let seeds = (tls ? cluster.tlsPorts : cluster.nodes.map(\.port)).prefix(2).map { RedisEndpoint.tcp(host: "127.0.0.1", port: $0) }
        return try RedisRouter(
            RedisConnectOptions(endpoint: seeds[0], timeout: timeout, tls: tls ? d.tls : nil),
            deployment: .cluster(seeds: Array(seeds)))
    }

    /// A key of `slot`'s own hash tag (`{tagN}:rest`).
    private func key(inSlot slot: Int, _ rest: String) -> [UInt8] {
        b("{\(Self.tag(forSlot: slot))}:\(rest)")
    }

    private static func tag(forSlot slot: Int) -> String {
        var n = 0
        while true {
            let t = "t\(n)"
            if ClusterSlots.slot(of: Array(t.utf8)) == slot { return t }
            n += 1
        }
    }

    // MARK: Slots

    func testCRC16AndHashTagsMatchTheServer() throws {
        XCTAssertEqual(ClusterSlots.crc16(b("123456789")), 0x31C3)
        XCTAssertEqual(ClusterSlots.crc16([]), 0)
        XCTAssertEqual(ClusterSlots.crc16(b("foo")), 0xAF96)
        let expected: [(String, Int)] = [
            ("123456789", 12739), ("", 0), ("a", 15495), ("foo", 12182), ("bar", 5061), ("hello", 866),
            ("{user1000}.following", 3443), ("{user1000}.followers", 3443), ("foo{}{bar}", 8363), ("foo{{bar}}zap", 4015),
            ("foo{bar}{zap}", 5061), ("{}foo", 9500), ("foo{", 7673), ("foo}{bar", 7624), ("sess:9f1c2a", 10763),
            ("sess:{9f1c2a}", 13345), ("{9f1c2a}:meta", 13345), ("user:42:sessions", 13303)
        ]
        for (key, slot) in expected { XCTAssertEqual(ClusterSlots.slot(of: b(key)), slot, key) }
        // 50,000 random binary, brace-heavy keys against CLUSTER KEYSLOT.
        var rng = SystemRandomNumberGenerator()
        let alphabet = b("ab{}:_-0123456789") + [0, 0xff]
        let keys = (0..<50_000).map { _ in (0..<Int.random(in: 0...23, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! } }
        let c = try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: "127.0.0.1", port: cluster.nodes[0].port)))
        let replies = try c.pipeline(keys.map { [b("CLUSTER"), b("KEYSLOT"), $0] })
        var mismatches = 0
        for (key, reply) in zip(keys, replies) where reply.int != Int64(ClusterSlots.slot(of: key)) { mismatches += 1 }
        XCTAssertEqual(mismatches, 0)
    }

    func testGlobMatchesAsRedisDoes() throws {
        let cases: [(String, String, Bool)] = [
            ("*", "", true), ("a*", "abc", true), ("a*c", "abc", true), ("a*d", "abc", false), ("?b?", "abc", true),
            ("[abc]x", "bx", true), ("[^abc]x", "bx", false), ("[a-c]x", "cx", true), ("[c-a]x", "bx", true),
            ("\\*x", "*x", true), ("\\*x", "ax", false), ("p:\\[1\\]", "p:[1]", true), ("a**b", "ab", true), ("[\\]]", "]", true),
            ("gf\\*s\\[e\\]?\\\\:*", "gf*s[e]!\\:abc", true), ("x[", "x", false)
        ]
        for (pattern, text, expected) in cases {
            XCTAssertEqual(RedisGlob.matches(b(pattern), b(text)), expected, "\(pattern) ~ \(text)")
        }
        // And against the server itself, on keys of one node.
        let tag = "{glob}"
        let names = ["a", "ab", "a*b", "a[b", "x]y", "a\\b", "abc", "b", "?", "*"].map { tag + $0 }
        let owner = try cluster.owner(ofSlot: ClusterSlots.slot(of: b(tag)))
        let o = try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: "127.0.0.1", port: owner.node.port)))
        for n in names { _ = try o.command("SET", n, "1") }
        defer { _ = try? o.command([b("DEL")] + names.map { b($0) }) }
        // Other tests' keys may share the node: every pattern starts with the tag.
        for pattern in [
            "\\{glob\\}*", "\\{glob\\}a*", "\\{glob\\}a?", "\\{glob\\}[ab]*", "\\{glob\\}[^a]*", "\\{glob\\}*\\**",
            "\\{glob\\}*\\[*", "\\{glob\\}*]*", "\\{glob\\}*\\\\*", "\\{glob\\}?", "[{]glob[}]?"
        ] {
            let server = try o.command("KEYS", pattern).array!.compactMap(\.string).sorted()
            XCTAssertEqual(names.filter { RedisGlob.matches(b(pattern), b($0)) }.sorted(), server, pattern)
        }
    }

    // MARK: Routing

    func testCommandsGoToTheirSlotsMasterAndTransactionsRunPerSlot() throws {
        let r = try router()
        XCTAssertTrue(r.isCluster)
        XCTAssertEqual(Set(try r.masterEndpoints().map(\.description)).count, 3)
        let keys = (0..<3000).map { b("route:\($0)") }
        var committed = 0
        try r.transact(
            keys: keys, reads: { [[self.b("GET"), $0]] },
            decide: { unit, replies in
                unit.flatMap { i -> [[[UInt8]]] in
                    XCTAssertEqual(replies[unit.firstIndex(of: i)!].first, .null)
                    return [[self.b("SET"), keys[i], self.b("v\(i)")]]
                }
            },
            settle: { unit, outcome in
                guard case .committed(let replies) = outcome else { XCTFail("\(outcome)"); return [] }
                XCTAssertEqual(replies.count, unit.count)
                committed += unit.count
                return []
            })
        XCTAssertEqual(committed, keys.count)
        let values = try r.run(keys: keys) { [[self.b("GET"), $0]] }
        XCTAssertEqual(values.map { $0[0].string }, (0..<3000).map { "v\($0)" })
        // Units with nothing to write (UNWATCH) and units with writes, chained on the same connections.
        var settled = 0
        try r.transact(
            keys: keys, reads: { [[self.b("GET"), $0]] },
            decide: { unit, replies in
                unit.enumerated().flatMap { n, i -> [[[UInt8]]] in
                    XCTAssertEqual(replies[n].first?.string, "v\(i)")
                    return i % 3 == 0 ? [] : [[self.b("SET"), keys[i], self.b("w\(i)")]]
                }
            },
            settle: { unit, outcome in
                XCTAssertEqual(outcome, .committed(unit.map { _ in .status("OK") }))
                settled += unit.count
                return []
            })
        XCTAssertEqual(settled, 2000)
        XCTAssertEqual(try r.run(keys: keys) { [[self.b("GET"), $0]] }.map { $0[0].string }, (0..<3000).map { $0 % 3 == 0 ? "v\($0)" : "w\($0)" })
        XCTAssertEqual(r.stats, RedisRouterStats(), "a steady cluster needs no redirection")
        // Over TLS the slot map names the TLS ports.
        let t = try router(tls: true)
        XCTAssertEqual(
            Set(try t.masterEndpoints().compactMap { e -> Int? in if case .tcp(_, let p) = e { return p } else { return nil } })
                .isSubset(of: Set(cluster.tlsPorts)), true)
        XCTAssertEqual(
            try t.run(keys: Array(keys.prefix(100))) { [[self.b("GET"), $0]] }.map { $0[0].string },
            (0..<100).map { $0 % 3 == 0 ? "v\($0)" : "w\($0)" })
        _ = try r.run(keys: keys) { [[self.b("DEL"), $0]] }
    }

    func testMovedRefreshesTheMapAndAskIsFollowedOnce() throws {
        for tls in [false, true] {
            let slot = tls ? 777 : 4242
            let r = try router(tls: tls)
            let keys = (0..<6).map { key(inSlot: slot, "k\($0)") }
            for (i, k) in keys.enumerated() { _ = try r.run(keys: [k]) { [[self.b("SET"), $0, self.b("v\(i)")]] } }
            let home = try cluster.owner(ofSlot: slot).node
            let target = try cluster.masters().first { $0.node !== home }!.node

            // ASK: half the keys moved, the slot still migrating.
            let source = try cluster.beginMove(slot: slot, to: target)
            let movedNames = try cluster.moveKeys(slot: slot, from: source, to: target, limit: 3)
            XCTAssertEqual(movedNames.count, 3)
            XCTAssertEqual(try r.run(keys: keys) { [[self.b("GET"), $0]] }.map { $0[0].string }, (0..<6).map { "v\($0)" })
            XCTAssertGreaterThan(r.stats.asked, 0)
            XCTAssertEqual(r.stats.moved, 0)
            // A transaction on a moved key runs on the importing node (ASKING before WATCH, reads, MULTI).
            let moved = b(movedNames[0])
            XCTAssertTrue(try exists(moved, on: target))
            var outcome: RedisTransactionOutcome?
            try r.transact(
                keys: [moved], reads: { [[self.b("GET"), $0]] },
                decide: { _, replies in
                    XCTAssertNotEqual(replies[0].first, .null)
                    return [[self.b("SET"), moved, self.b("changed")]]
                },
                settle: { _, o in
                    outcome = o; return []
                })
            XCTAssertEqual(outcome, .committed([.status("OK")]))

            // MOVED: the move ends; the router's map is stale until the reply says so.
            try cluster.endMove(slot: slot, from: source, to: target)
            let asked = r.stats.asked
            XCTAssertEqual(try r.run(keys: [moved]) { [[self.b("GET"), $0]] }[0][0].string, "changed")
            XCTAssertEqual(r.stats.moved, 1)
            XCTAssertEqual(r.stats.asked, asked)
            XCTAssertEqual(try r.run(keys: keys) { [[self.b("DEL"), $0]] }.count, 6)
            XCTAssertEqual(r.stats.moved, 1, "the map was read again after MOVED")
            try cluster.move(slot: slot, to: home)
        }
    }

    private func exists(_ key: [UInt8], on node: RedisServer) throws -> Bool {
        let c = try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: "127.0.0.1", port: node.port)))
        _ = try c.command([b("ASKING")])
        return try c.command([b("EXISTS"), key]) == .integer(1)
    }

    func testTryAgainAndClusterDownAreRetriedWithinTheTimeoutThenOneLine() throws {
        let slot = 9001
        let k1 = key(inSlot: slot, "a"), k2 = key(inSlot: slot, "b")
        let r = try router(timeout: 400)
        _ = try r.run(keys: [k1, k2]) { [[self.b("SET"), $0, self.b("1")]] }
        let home = try cluster.owner(ofSlot: slot).node
        let target = try cluster.masters().first { $0.node !== home }!.node
        let source = try cluster.beginMove(slot: slot, to: target)
        // One key moved, one not: WATCH of both is TRYAGAIN for as long as the move lasts.
        let movedKey = String(decoding: k1, as: UTF8.self)
        try source.cli(["MIGRATE", "127.0.0.1", String(cluster.tlsPort(of: target)), "", "0", "5000", "KEYS", movedKey])
        XCTAssertThrowsError(try r.transact(keys: [k1, k2], reads: { [[self.b("GET"), $0]] }, decide: { _, _ in [] }, settle: { _, _ in [] })) { e in
            let m = (e as? RedisError)?.message ?? "\(e)"
            XCTAssertTrue(m.contains("did not settle within 400 ms") && m.contains("TRYAGAIN"), m)
            XCTAssertFalse(m.contains("\n"))
        }
        XCTAssertGreaterThan(r.stats.retried, 0)
        // The move ends while the router waits: it goes through.
        let patient = try router(timeout: 5000)
        let cluster = self.cluster
        let finisher = Background(after: 0.05) { try cluster.endMove(slot: slot, from: source, to: target) }
        var seen: [RedisReply] = []
        try patient.transact(
            keys: [k1, k2], reads: { [[self.b("GET"), $0]] },
            decide: { _, replies in
                seen = replies.map { $0.first! }
                return []
            }, settle: { _, _ in [] })
        XCTAssertEqual(seen, [.bulk(b("1")), .bulk(b("1"))])
        try finisher.wait()
        try waitUntil("the move to end") { try self.cluster.owner(ofSlot: slot).node === target }
        try cluster.move(slot: slot, to: home)

        // CLUSTERDOWN: the slot has no master for a moment.
        let owner = try cluster.owner(ofSlot: slot).node
        let down = try router(timeout: 5000)
        _ = try down.run(keys: [k1]) { [[self.b("GET"), $0]] }
        try owner.cli(["CLUSTER", "DELSLOTS", String(slot)])
        let restorer = Background(after: 0.3) { try owner.cli(["CLUSTER", "ADDSLOTS", String(slot)]) }
        XCTAssertEqual(try down.run(keys: [k1]) { [[self.b("GET"), $0]] }[0][0].string, "1")
        try restorer.wait()
        XCTAssertGreaterThan(down.stats.retried, 0)
        try cluster.waitHealthy()
        _ = try down.run(keys: [k1, k2]) { [[self.b("DEL"), $0]] }
    }

    func testAScanVisitsEveryMasterOnceAndNeverAReplica() throws {
        let r = try router()
        let keys = (0..<5000).map { b("scan:\($0)") }
        _ = try r.run(keys: keys) { [[self.b("SET"), $0, self.b("x")]] }
        defer { _ = try? r.run(keys: keys) { [[self.b("DEL"), $0]] } }
        let scan = try r.beginScan()
        XCTAssertEqual(scan.lanes.count, 3)
        var seen: [[UInt8]] = []
        for lane in scan.lanes {
            var cursor: UInt64 = 0
            repeat {
                var buffer = RedisCommandBuffer()
                lane.appendScan(to: &buffer, cursor: cursor, match: b("scan:*"), count: 500)
                try lane.connection.send(buffer)
                let replies = try lane.connection.receiveRaw(lane.scanReplies)
                let (next, page) = try lane.parseScan(replies, at: 0)
                XCTAssertTrue(lane.pageIsExact)
                for i in 0..<page.count { seen.append(Array(page[i].bytes)) }
                cursor = next
            } while cursor != 0
        }
        XCTAssertEqual(seen.count, keys.count)
        XCTAssertEqual(Set(seen), Set(keys))
        XCTAssertEqual(try scan.finish(match: b("scan:*")), [])
        XCTAssertEqual(scan.repairedSlots, 0)
    }

    func testADatabaseOtherThanZeroAndAPlainServerAreRefusedClearly() throws {
        let seed = RedisEndpoint.tcp(host: "127.0.0.1", port: cluster.nodes[0].port)
        XCTAssertThrowsError(try RedisRouter(RedisConnectOptions(endpoint: seed, db: 2), deployment: .cluster(seeds: [seed]))) { e in
            XCTAssertTrue("\(e)".contains("only database 0"), "\(e)")
        }
        let plain = RedisEndpoint.tcp(host: "127.0.0.1", port: d.sentinel.dataNodes[0].port)
        XCTAssertThrowsError(try RedisRouter(RedisConnectOptions(endpoint: plain), deployment: .cluster(seeds: [plain]))) { e in
            XCTAssertTrue("\(e)".contains("not a cluster node"), "\(e)")
        }
        let dead = RedisEndpoint.tcp(host: "127.0.0.1", port: try RedisServer.freePort())
        // A dead seed is skipped.
        let r = try RedisRouter(RedisConnectOptions(endpoint: dead), deployment: .cluster(seeds: [dead, seed]))
        XCTAssertEqual(try r.masterEndpoints().count, 3)
        XCTAssertThrowsError(try RedisRouter(RedisConnectOptions(endpoint: dead, timeout: 300), deployment: .cluster(seeds: [dead]))) { e in
            XCTAssertTrue("\(e)".contains("no node of the cluster answered"), "\(e)")
        }
    }
}
