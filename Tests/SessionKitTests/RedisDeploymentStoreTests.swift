import Foundation
import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

/// The Redis stores on a cluster, through Sentinel and over TLS: the conformance suite on each,
/// and every session exactly once while slots move. (Failovers in the middle of writing are
/// drilled through the binary on deployments of their own: `FailoverMigrateCLITests`.)
final class RedisDeploymentStoreTests: XCTestCase {
    private var d: RedisDeployments!
    nonisolated(unsafe) private static var counter = 0

    override func setUpWithError() throws {
        d = try RedisDeployments.shared()
    }

    /// A prefix no other test uses.
    private func uniquePrefix(_ name: String) -> String {
        Self.counter += 1
        return "\(name)\(Self.counter):"
    }

    private func endpoint(_ port: Int) -> RedisEndpoint { .tcp(host: "127.0.0.1", port: port) }

    private func clusterOptions(prefix: String, tls: Bool = false, timeout: Int = 5000) -> RedisStoreOptions {
        let ports = tls ? d.cluster.tlsPorts : d.cluster.nodes.map(\.port)
        let seeds = ports.prefix(2).map(endpoint)
        return RedisStoreOptions(
            connection: RedisConnectOptions(endpoint: seeds[0], timeout: timeout, tls: tls ? d.tls : nil),
            deployment: .cluster(seeds: Array(seeds)), prefix: prefix)
    }

    private func sentinelOptions(_ s: TestSentinel, prefix: String, tls: Bool = false, timeout: Int = 5000) -> RedisStoreOptions {
        let sentinels = s.sentinels.map { endpoint($0.port) }
        return RedisStoreOptions(
            connection: RedisConnectOptions(endpoint: sentinels[0], timeout: timeout, tls: tls ? d.tls : nil),
            deployment: .sentinel(RedisSentinelSettings(sentinels: sentinels, masterName: s.masterName)), prefix: prefix)
    }

    private func tlsServerOptions(prefix: String) -> RedisStoreOptions {
        var tls = d.tls
        tls.serverName = "localhost"
        return RedisStoreOptions(connection: RedisConnectOptions(endpoint: endpoint(d.tlsServer.port), timeout: 5000, tls: tls), prefix: prefix)
    }

    /// The conformance suite on KV, Hash, SCS and redistore stores made by `options`, each check with its own
    /// prefix, next to decoy keys that a wrong prefix or pattern would pick up.
    private func conformance(_ name: String, _ options: @escaping (String) -> RedisStoreOptions, file: StaticString = #filePath, line: UInt = #line) throws {
        try StoreConformance(makeStore: {
            let prefix = self.uniquePrefix(name + "-kv")
            let store = try RedisStore(options: options(prefix), layout: .kv, displayName: "\(name) kv")
            // Beside the prefix, not under it.
            _ = try store.core.router.run(keys: [Array((String(prefix.dropLast()) + "Xalpha1").utf8)]) {
                [[Array("SET".utf8), $0, Array("{\"decoy\":1}".utf8)]]
            }
            return store
        }).run(file: file, line: line)
        try StoreConformance(makeStore: {
            try RedisStore(options: options(self.uniquePrefix(name + "-hash")), layout: .hash, displayName: "\(name) hash")
        }).run(file: file, line: line)
        // The Go apps' layouts on the same router: their scans look keys up on their own nodes too.
        for layout in [SessionLayout.scs, .redistore] {
            try StoreConformance(makeStore: {
                try RedisStore(options: options(self.uniquePrefix(name + "-go")), layout: layout, displayName: "\(name) \(layout)")
            }).run(file: file, line: line)
        }
    }

    func testConformanceOnTheCluster() throws {
        try conformance("cluster") { self.clusterOptions(prefix: $0) }
        try conformance("tls-cluster") { self.clusterOptions(prefix: $0, tls: true) }
    }

    func testConformanceThroughSentinel() throws {
        try conformance("sentinel") { self.sentinelOptions(self.d.sentinel, prefix: $0) }
        try conformance("tls-sentinel") { self.sentinelOptions(self.d.tlsSentinel, prefix: $0, tls: true) }
    }

    func testConformanceOverTLS() throws {
        try conformance("tls") { self.tlsServerOptions(prefix: $0) }
    }

    // MARK: Exactly once while slots move

    /// Two slots served by one master that hold sessions, and another master to move them to.
    private func slotsToMove(_ ids: [String], prefix: String, skip: Set<Int>) throws -> (Int, Int, RedisServer, RedisServer) {
        let home = try d.cluster.masters()[0]
        var slots: [Int] = []
        for id in ids {
            let slot = ClusterSlots.slot(of: Array((prefix + id).utf8))
            if !skip.contains(slot), !slots.contains(slot), try d.cluster.owner(ofSlot: slot).node === home.node { slots.append(slot) }
            if slots.count == 2 { break }
        }
        let target = try d.cluster.masters().first { $0.node !== home.node }!.node
        return (slots[0], slots[1], home.node, target)
    }

    /// Room for a session that is a group of keys: every key of a group is in the group's slot,
    /// as the cluster itself computes it, so one WATCH/MULTI/EXEC on the anchor's node writes
    /// them all and one DEL removes them all; the groups of different sessions spread over slots.
    func testTheKeysOfAGroupShareOneSlotAndChangeInOneTransaction() throws {
        let prefix = uniquePrefix("group")
        let store = try RedisStore(options: clusterOptions(prefix: prefix), layout: .kv, displayName: "cluster")
        let node = d.cluster.nodes[0]
        var slots = Set<Int>()
        for id in ["alice", "bob", "carol", "dave", "a{b}c", "x}y{"] {
            let group = try XCTUnwrap(RedisKeyGroup(prefix: Array(prefix.utf8), id: id, suffixes: [":meta", ":events", ":index"]))
            XCTAssertEqual(group.all.count, 4)
            for key in group.all {
                XCTAssertEqual(Int(try node.cli(["CLUSTER", "KEYSLOT", String(decoding: key, as: UTF8.self)])), group.slot, id)
            }
            slots.insert(group.slot)
            let owner = try d.cluster.owner(ofSlot: group.slot).node
            for (commands, expected) in [(group.all.map { RedisStoreCore.command("SET", $0, Array(id.utf8)) }, 4), ([RedisStoreCore.command("DEL") + group.all], 1)] {
                var outcome: RedisTransactionOutcome?
                try store.core.router.transact(
                    keys: [group.anchor], reads: { _ in group.watchMembers }, decide: { _, _ in commands },
                    settle: { _, o in
                        outcome = o; return []
                    })
                guard case .committed(let replies)? = outcome else { return XCTFail("\(id): \(String(describing: outcome))") }
                XCTAssertEqual(replies.count, expected, id)
                let value = expected == 4 ? id : ""
                for key in group.all { XCTAssertEqual(try owner.cli(["GET", String(decoding: key, as: UTF8.self)]), value, id) }
            }
        }
        XCTAssertGreaterThan(slots.count, 1)
        XCTAssertNil(
            RedisKeyGroup(prefix: Array("x{}".utf8), id: "alice", suffixes: [":meta", ":events"]),
            "an empty hash tag in the prefix would hash each whole key: no group")
    }

    func testEverySessionOnceWhileSlotsMoveMidScanWithMovedAndAsk() throws {
        let (prefix, ids) = try d.hundredThousandSessions()
        defer { try? d.removeHundredThousandSessions() }
        var used = Set<Int>()
        for detail in [ScanDetail.full, .ids] {
            let store = try RedisStore(options: clusterOptions(prefix: prefix), layout: .kv, displayName: "cluster")
            let (half, whole, home, target) = try slotsToMove(ids, prefix: prefix, skip: used)
            used.formUnion([half, whole])
            var seen: [String] = []
            var pages = 0
            try store.scan(matching: nil, pageSize: 1000, detail: detail) { page in
                pages += 1
                if pages == 1 {
                    // One slot half moved and still moving (ASK), one moved whole (MOVED for a stale map).
                    try self.d.cluster.beginMove(slot: half, to: target)
                    let moved = try self.d.cluster.moveKeys(slot: half, from: home, to: target, limit: 3)
                    XCTAssertFalse(moved.isEmpty)
                    try self.d.cluster.move(slot: whole, to: target)
                }
                seen += page.sessions.map(\.id)
                XCTAssertEqual(page.skipped.count, 0)
                return .proceed
            }
            XCTAssertEqual(seen.count, ids.count, "\(detail): no session twice")
            XCTAssertEqual(Set(seen), Set(ids), "\(detail): no session missed")
            let stats = store.core.router.stats
            if detail == .full {
                // The sessions of the moving slots were read on their nodes now: through ASK for the
                // moved keys of the slot still moving, through MOVED for the slot the map still
                // puts on its old master.
                XCTAssertGreaterThan(stats.asked, 0, "\(stats)")
                XCTAssertGreaterThan(stats.moved, 0, "\(stats)")
            }
            try d.cluster.endMove(slot: half, from: home, to: target)
            try d.cluster.move(slot: half, to: home)
            try d.cluster.move(slot: whole, to: home)
        }

        // A scan stopped early leaves every master's connection usable.
        let store = try RedisStore(options: clusterOptions(prefix: prefix), layout: .kv, displayName: "cluster")
        for detail in [ScanDetail.full, .ids] {
            var pages = 0
            try store.scan(matching: nil, pageSize: 100, detail: detail) { _ in
                pages += 1
                return pages == 5 ? .stop : .proceed
            }
            XCTAssertEqual(pages, 5)
            guard case .found(let s) = try store.load(ids[42]) else { return XCTFail("load after a stopped scan") }
            XCTAssertEqual(s.id, ids[42])
        }
        var count = 0
        try store.scan(matching: nil, pageSize: 1000, detail: .ids) { page in
            count += page.sessions.count
            return .proceed
        }
        XCTAssertEqual(count, ids.count)
    }
}
