import Foundation
import RedisClient
import XCTest

/// The Redis deployments production runs on, brought up once for the whole test run on loopback
/// and stopped by pid when it ends (and by each server's watchdog should the run die first):
///
/// - `cluster`: 3 masters and 3 replicas, each node with a plain and a TLS port (the cluster bus
///   and replication run over TLS, so redirects name TLS ports to TLS clients);
/// - `sentinel`: a primary, a replica and 3 sentinels, plain TCP;
/// - `tlsSentinel`: a TLS-only primary and one TLS-only sentinel;
/// - `tlsServer`: a TLS-only server whose certificate names only `localhost`, which wants a
///   client certificate;
/// - `pki`: the throwaway CA and certificates they use.
///
/// Everything starts in parallel (about 2.5 s, most of it the cluster's and the sentinels' own
/// fixed delays). Tests share it: give each test its own key prefix, and leave the deployment
/// healthy when they end (a reshard moves slots back). Never fail it over: on a loaded machine a
/// cluster may not settle in time for the next test. Failover drills start a `TestCluster` or
/// `TestSentinel` of their own (about 3 s) and stop it in `tearDown`.
public final class RedisDeployments: @unchecked Sendable {
    public let pki: TestPKI
    public let cluster: TestCluster
    public let sentinel: TestSentinel
    public let tlsSentinel: TestSentinel
    public let tlsServer: RedisServer

    private static let lock = NSLock()
    nonisolated(unsafe) private static var instance: Result<RedisDeployments, Error>?

    /// The deployments, started on first use.
    public static func shared() throws -> RedisDeployments {
        lock.lock()
        defer { lock.unlock() }
        if let instance { return try instance.get() }
        let started = Result { try RedisDeployments() }
        instance = started
        if case .success(let d) = started {
            XCTestObservationCenter.shared.addTestObserver(StopAtEnd(d))
        }
        return try started.get()
    }

    private init() throws {
        let began = Date()
        let pki = try TestPKI()
        self.pki = pki
        // The cluster waits ~2 s for its masters to become writable, the sentinels ~2 s to find
        // each other: both at once.
        final class Box: @unchecked Sendable { var result: Result<TestCluster, Error>? }
        let box = Box()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { box.result = Result { try TestCluster(pki: pki) } }
        do {
            sentinel = try TestSentinel(pki: nil, replica: true, sentinels: 3)
            tlsSentinel = try TestSentinel(pki: pki, replica: false, sentinels: 1)
            tlsServer = try RedisServer(tlsOnly: [
                "--tls-cert-file", pki.localhostCert, "--tls-key-file", pki.localhostKey,
                "--tls-ca-cert-file", pki.ca
            ])
            tlsServer.cliOptions = pki.cliArguments + ["--sni", "localhost"]
        } catch {
            group.wait()
            if case .success(let c) = box.result { c.stop() }
            throw error
        }
        group.wait()
        cluster = try box.result!.get()
        let seconds = Date().timeIntervalSince(began)
        FileHandle.standardError.write(Data(String(format: "RedisDeployments: cluster, sentinels and TLS servers up in %.2f s\n", seconds).utf8))
    }

    private var sessions: (prefix: String, ids: [String])?

    /// Loads 100,000 KV sessions (about 40 bytes each, one hour to live) spread over every slot of
    /// the cluster under their own prefix, written straight to their masters. Call
    /// `removeHundredThousandSessions()` when done: every scan of the cluster reads past them.
    public func hundredThousandSessions() throws -> (prefix: String, ids: [String]) {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        if let sessions { return sessions }
        let prefix = "big100k:"
        let ids = (0..<100_000).map { String(format: "1qbncq5nyf0dn0n%017d", $0) }
        let value = Array("{\"user_id\":42,\"name\":\"someone\"}".utf8)
        let tail = Array("\r\n$2\r\nPX\r\n$7\r\n3600000\r\n".utf8)
        try cluster.load(keys: ids.map { Array((prefix + $0).utf8) }) { key in
            Array("*5\r\n$3\r\nSET\r\n$\(key.count)\r\n".utf8) + key + Array("\r\n$\(value.count)\r\n".utf8) + value + tail
        }
        sessions = (prefix, ids)
        return (prefix, ids)
    }

    /// Empties the cluster (`FLUSHALL` on every master), the 100,000 sessions included.
    public func removeHundredThousandSessions() throws {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        try cluster.flush()
        sessions = nil
    }

    public func stop() {
        cluster.stop()
        sentinel.stop()
        tlsSentinel.stop()
        tlsServer.stop()
        pki.remove()
    }

    /// TLS options with the client certificate, trusting the test CA.
    public var tls: RedisTLSOptions {
        RedisTLSOptions(caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey)
    }

    /// The same as address options: `ca=...&cert=...&key=...`.
    public var tlsQuery: String {
        "ca=\(pki.ca)&cert=\(pki.clientCert)&key=\(pki.clientKey)"
    }

    private final class StopAtEnd: NSObject, XCTestObservation, @unchecked Sendable {
        let deployments: RedisDeployments
        init(_ d: RedisDeployments) { deployments = d }
        func testBundleDidFinish(_ testBundle: Bundle) { deployments.stop() }
    }
}

/// Waits for `condition`, polling every 10 ms, for at most `seconds`.
public func waitUntil(_ what: String, seconds: Double = 10, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if (try? condition()) == true { return }
        if Date() > deadline { throw RedisServerError("timed out after \(seconds) s waiting for \(what)") }
        usleep(10_000)
    }
}

/// A Redis Cluster of 3 masters and 3 replicas on loopback, plain and TLS ports on every node.
public final class TestCluster {
    public let nodes: [RedisServer]
    /// Each node's TLS port, in the order of `nodes`.
    public let tlsPorts: [Int]
    private let pki: TestPKI?

    /// Starts the nodes and creates the cluster. With a PKI every node also has a TLS port, and the
    /// cluster bus and replication run over TLS; without one the cluster is plain TCP (`tlsPorts`
    /// are then the plain ports). `nodeTimeout` is `cluster-node-timeout` in milliseconds.
    public init(pki: TestPKI?, nodeTimeout: Int = 1000) throws {
        self.pki = pki
        var nodes: [RedisServer] = []
        var tlsPorts: [Int] = []
        do {
            for _ in 0..<6 {
                let busPort = try RedisServer.freePort()
                var args = [
                    "--cluster-enabled", "yes", "--cluster-port", String(busPort),
                    "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", String(nodeTimeout), "--repl-diskless-sync-delay", "0",
                    "--shutdown-on-sigterm", "nosave now"
                ]
                var tlsPort: Int?
                if let pki {
                    let port = try RedisServer.freePort()
                    tlsPort = port
                    args +=
                        [
                            "--tls-port", String(port), "--tls-cluster", "yes", "--tls-replication", "yes",
                            "--tls-auth-clients", "optional"
                        ] + pki.serverArguments
                }
                let node = try RedisServer(extraArgs: args)
                nodes.append(node)
                tlsPorts.append(tlsPort ?? node.port)
            }
            self.nodes = nodes
            self.tlsPorts = tlsPorts
            try nodes[0].redisCli(
                (pki?.cliArguments ?? []) + ["--cluster", "create"] + tlsPorts.map { "127.0.0.1:\($0)" }
                    + ["--cluster-replicas", "1", "--cluster-yes"], timeout: 30)
            try waitHealthy()
        } catch {
            for n in nodes { n.stop() }
            throw error
        }
    }

    public func stop() {
        for n in nodes { n.stop() }
    }

    /// Seeds for a plain address: `127.0.0.1:p1,127.0.0.1:p2`.
    public var seeds: String { nodes.prefix(2).map { "127.0.0.1:\($0.port)" }.joined(separator: ",") }
    /// Seeds for a TLS address.
    public var tlsSeeds: String { tlsPorts.prefix(2).map { "127.0.0.1:\($0)" }.joined(separator: ",") }

    /// Every node answers `cluster_state:ok`, knows all six nodes, and each master has a linked replica.
    public func waitHealthy(seconds: Double = 15) throws {
        for node in nodes {
            try waitUntil("cluster_state:ok on \(node.port)", seconds: seconds) {
                try node.cli(["CLUSTER", "INFO"]).contains("cluster_state:ok")
                    && node.cli(["CLUSTER", "NODES"]).split(separator: "\n").count == 6
            }
        }
        try waitUntil("every master with a linked replica", seconds: seconds) {
            try self.masters().count == 3
                && self.nodes.allSatisfy { n in
                    let info = try n.cli(["INFO", "replication"])
                    return info.contains("role:master") ? info.contains("connected_slaves:1") : info.contains("master_link_status:up")
                }
        }
    }

    /// The masters now, with their slot ranges as `CLUSTER NODES` shows them.
    public func masters() throws -> [(node: RedisServer, id: String, slots: [String])] {
        var out: [(RedisServer, String, [String])] = []
        for line in try nodes[0].cli(["CLUSTER", "NODES"]).split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 8, f[2].contains("master"), !f[2].contains("fail") else { continue }
            let port = Int(f[1].split(separator: "@")[0].split(separator: ":").last!)!
            guard let node = nodes.first(where: { $0.port == port }) else { continue }
            out.append((node, String(f[0]), f.dropFirst(8).map(String.init)))
        }
        return out
    }

    /// The node (a master) that serves `slot`.
    public func owner(ofSlot slot: Int) throws -> (node: RedisServer, id: String) {
        for m in try masters() {
            for r in m.slots where !r.hasPrefix("[") {
                let bounds = r.split(separator: "-").compactMap { Int($0) }
                if bounds.count == 2 ? (bounds[0]...bounds[1]).contains(slot) : bounds.first == slot { return (m.node, m.id) }
            }
        }
        throw RedisServerError("no master serves slot \(slot)")
    }

    /// The replica of `master`.
    public func replica(of masterID: String) throws -> RedisServer {
        for line in try nodes[0].cli(["CLUSTER", "NODES"]).split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 8, f[2].contains("slave"), f[3] == masterID else { continue }
            let port = Int(f[1].split(separator: "@")[0].split(separator: ":").last!)!
            if let node = nodes.first(where: { $0.port == port }) { return node }
        }
        throw RedisServerError("no replica of \(masterID)")
    }

    /// Writes RESP commands, each to the master of its key's slot, with `redis-cli --pipe`.
    /// `commands` gives, for each key, the RESP text of the commands on it.
    public func load(keys: [[UInt8]], resp: ([UInt8]) -> [UInt8]) throws {
        var byOwner: [Int: [UInt8]] = [:]
        var owners: [Int: RedisServer] = [:]
        var slotOwner = [Int](repeating: -1, count: ClusterSlots.count)
        for m in try masters() {
            for r in m.slots where !r.hasPrefix("[") {
                let b = r.split(separator: "-").compactMap { Int($0) }
                for s in (b[0]...(b.count == 2 ? b[1] : b[0])) { slotOwner[s] = m.node.port }
            }
            owners[m.node.port] = m.node
        }
        for key in keys {
            byOwner[slotOwner[ClusterSlots.slot(of: key)], default: []] += resp(key)
        }
        for (port, data) in byOwner {
            try owners[port]!.pipe(bytes: data)
        }
    }

    /// `FLUSHALL` on every master.
    public func flush() throws {
        for m in try masters() { try m.node.cli(["FLUSHALL"]) }
    }

    /// A node's id.
    public func id(of node: RedisServer) throws -> String {
        try node.cli(["CLUSTER", "MYID"])
    }

    /// The TLS port of a node (the cluster bus and MIGRATE run over TLS).
    public func tlsPort(of node: RedisServer) -> Int {
        tlsPorts[nodes.firstIndex { $0 === node }!]
    }

    /// Starts moving `slot` by hand from its owner to `target`: IMPORTING on the target, then
    /// MIGRATING on the source (what `redis-cli --cluster reshard` does first).
    @discardableResult
    public func beginMove(slot: Int, to target: RedisServer) throws -> RedisServer {
        let source = try owner(ofSlot: slot)
        try target.cli(["CLUSTER", "SETSLOT", String(slot), "IMPORTING", source.id])
        try source.node.cli(["CLUSTER", "SETSLOT", String(slot), "MIGRATING", try id(of: target)])
        return source.node
    }

    /// Moves up to `limit` keys of `slot` from `source` to `target` with MIGRATE; returns them.
    @discardableResult
    public func moveKeys(slot: Int, from source: RedisServer, to target: RedisServer, limit: Int = 1_000_000) throws -> [String] {
        let keys = try source.cli(["CLUSTER", "GETKEYSINSLOT", String(slot), String(limit)]).split(separator: "\n").map(String.init)
        if keys.isEmpty { return [] }
        try source.cli(["MIGRATE", "127.0.0.1", String(tlsPort(of: target)), "", "0", "5000", "KEYS"] + keys)
        return keys
    }

    /// Ends a move: every key moved, then `SETSLOT NODE` on the target, the source and every other master.
    public func endMove(slot: Int, from source: RedisServer, to target: RedisServer) throws {
        while try !moveKeys(slot: slot, from: source, to: target, limit: 1000).isEmpty {}
        let targetID = try id(of: target)
        try target.cli(["CLUSTER", "SETSLOT", String(slot), "NODE", targetID])
        try source.cli(["CLUSTER", "SETSLOT", String(slot), "NODE", targetID])
        for m in try masters() where m.node !== target && m.node !== source {
            try m.node.cli(["CLUSTER", "SETSLOT", String(slot), "NODE", targetID])
        }
        try waitUntil("every node to agree slot \(slot) is on \(target.port)") { try self.owner(ofSlot: slot).node === target }
    }

    /// Moves `slot` to `target` at once, keys and all.
    public func move(slot: Int, to target: RedisServer) throws {
        let source = try beginMove(slot: slot, to: target)
        try endMove(slot: slot, from: source, to: target)
    }

    /// `CLUSTER FAILOVER` on `replica`, asked again if it has not taken over after a few seconds
    /// (a manual failover gives up after 5 s, e.g. while the replica catches up).
    public func failover(to replica: RedisServer) throws {
        for attempt in 0..<3 {
            try replica.cli(["CLUSTER", "FAILOVER"])
            do {
                try waitUntil("the replica to take over", seconds: 6) { try replica.cli(["ROLE"]).hasPrefix("master") }
                return
            } catch  where attempt < 2 {
                continue
            }
        }
    }

    /// `redis-cli --cluster reshard` of `slots` slots from one master to another, over TLS.
    public func reshard(slots: Int, from source: RedisServer, to target: RedisServer) throws {
        try nodes[0].redisCli(
            (pki?.cliArguments ?? []) + [
                "--cluster", "reshard", "127.0.0.1:\(tlsPort(of: source))",
                "--cluster-from", try id(of: source), "--cluster-to", try id(of: target), "--cluster-slots", String(slots),
                "--cluster-yes", "--cluster-pipeline", "100"
            ], timeout: 120)
    }
}

/// A master watched by sentinels: a primary, optionally a replica, and 1 or 3 sentinels; plain,
/// or TLS-only (data nodes and sentinels) with a PKI.
public final class TestSentinel {
    public let masterName = "sessmaster"
    public private(set) var dataNodes: [RedisServer]
    public let sentinels: [RedisServer]
    private let directory: String

    /// Starts the data nodes, then the sentinels once the replica is linked, and waits until every
    /// sentinel knows the replica and the others. `downAfter` is `down-after-milliseconds`.
    public init(pki: TestPKI?, replica: Bool, sentinels count: Int, downAfter: Int = 1000) throws {
        directory = NSTemporaryDirectory() + "sessctl-sentinel-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let common = ["--repl-diskless-sync-delay", "0", "--shutdown-on-sigterm", "nosave now"]
        let tlsArgs = pki.map { $0.serverArguments + ["--tls-replication", "yes"] }
        var started: [RedisServer] = []
        var sentinels: [RedisServer] = []
        do {
            let primary = try RedisServer(extraArgs: common, tlsOnly: tlsArgs)
            if let pki { primary.cliOptions = pki.cliArguments }
            started.append(primary)
            if replica {
                let r = try RedisServer(extraArgs: common + ["--replicaof", "127.0.0.1", String(primary.port)], tlsOnly: tlsArgs)
                if let pki { r.cliOptions = pki.cliArguments }
                started.append(r)
                // Sentinels find replicas only through the master's INFO: start them once it is linked.
                try waitUntil("the replica linked to its primary") { try r.cli(["INFO", "replication"]).contains("master_link_status:up") }
            }
            for i in 0..<count {
                let conf = "\(directory)/sentinel-\(i).conf"
                try """
                sentinel monitor \(masterName) 127.0.0.1 \(primary.port) \(count == 1 ? 1 : 2)
                sentinel down-after-milliseconds \(masterName) \(downAfter)
                sentinel failover-timeout \(masterName) 10000

                """.write(toFile: conf, atomically: true, encoding: .utf8)
                let s = try RedisServer(extraArgs: ["--sentinel"], configFile: conf, tlsOnly: tlsArgs)
                if let pki { s.cliOptions = pki.cliArguments }
                sentinels.append(s)
            }
            self.dataNodes = started
            self.sentinels = sentinels
            try waitReady(replicas: replica ? 1 : 0)
        } catch {
            for s in started + sentinels { s.stop() }
            throw error
        }
    }

    /// Every sentinel knows the replicas and the other sentinels.
    public func waitReady(replicas: Int, seconds: Double = 15) throws {
        for s in sentinels {
            try waitUntil("sentinel \(s.port) to know the replica and the other sentinels", seconds: seconds) {
                let fields = try s.cli(["SENTINEL", "MASTER", masterName]).split(separator: "\n").map(String.init)
                func field(_ name: String) -> String? {
                    guard let i = fields.firstIndex(of: name), i + 1 < fields.count else { return nil }
                    return fields[i + 1]
                }
                return field("num-slaves") == String(replicas) && field("num-other-sentinels") == String(sentinels.count - 1)
            }
        }
    }

    public func stop() {
        for s in dataNodes + sentinels { s.stop() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The sentinels for an address: `127.0.0.1:s1,127.0.0.1:s2,...`.
    public var addresses: String { sentinels.map { "127.0.0.1:\($0.port)" }.joined(separator: ",") }

    /// The data node the sentinels name as master now.
    public func master() throws -> RedisServer {
        let reply = try sentinels[0].cli(["SENTINEL", "get-master-addr-by-name", masterName]).split(separator: "\n")
        guard reply.count == 2, let port = Int(reply[1]), let node = dataNodes.first(where: { $0.port == port }) else {
            throw RedisServerError("the sentinels name no known master: \(reply)")
        }
        return node
    }
}

/// Runs `body` on a thread of its own (after `delay` seconds), for what a test does while the code
/// under test waits: end a slot move, fail a master over. `wait()` returns its error, if any.
public final class Background: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var error: Error?

    public init(after delay: Double = 0, _ body: @escaping () throws -> Void) {
        let work = Unchecked(body)
        Thread.detachNewThread { [self] in
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            do { try work.value() } catch { self.error = error }
            done.signal()
        }
    }

    /// True once the body has ended.
    public var isFinished: Bool {
        if done.wait(timeout: .now()) == .success {
            done.signal()
            return true
        }
        return false
    }

    /// Waits for the body to end and rethrows its error.
    public func wait() throws {
        done.wait()
        done.signal()
        if let error { throw error }
    }

    private struct Unchecked<T>: @unchecked Sendable {
        let value: T
        init(_ value: T) { self.value = value }
    }
}
