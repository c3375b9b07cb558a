import Foundation
import RedisClient
import SessionKit
import TestSupport
import XCTest

/// Issue 18, tests 1 and 2: `sessctl watch` against real redis-servers. An app-like writer (a
/// connection of the test) creates, changes, deletes and lets expire sessions while `watch -o
/// ndjson` runs in the background; every event must come exactly once, of the right kind, outside
/// any gap the watch reported. `--enable-notifications` must put the server's setting back.
final class WatchCLITests: RedisTestCase {
    private var cluster: TestCluster?
    private var watchers: [WatchRun] = []

    override func tearDown() {
        for w in watchers { w.kill() }
        watchers.removeAll()
        cluster?.stop()
        cluster = nil
        super.tearDown()
    }

    static let flags = "Kg$hzsxen"

    private func start(_ args: [String]) throws -> WatchRun {
        let w = try WatchRun(args)
        watchers.append(w)
        return w
    }

    // MARK: One server

    func testKVSessionsAreReportedOnceEachWithTheShownField() throws {
        let server = try startServer(extraArgs: ["--notify-keyspace-events", Self.flags])
        let app = try connect(server)
        let w = try start(["-s", "redis://127.0.0.1:\(server.port)/0?prefix=w:&layout=kv", "--show", "user.id"])
        try w.waitReady { _ = try app.command("SET", "w:probe", "{}", "PX", "600000") }

        _ = try app.command("SET", "w:a", #"{"user":{"id":1}}"#, "PX", "600000")
        try w.waitFor("created", "a")
        _ = try app.command("SET", "w:a", #"{"user":{"id":2}}"#, "KEEPTTL")
        try w.waitFor("changed", "a")
        _ = try app.command("SET", "w:b", #"{"user":{"id":3}}"#, "EX", "600")
        _ = try app.command("PEXPIRE", "w:a", "900000")
        _ = try app.command("DEL", "w:b")
        try w.waitFor("deleted", "b")
        _ = try app.command("SET", "w:c", #"{"user":{"id":4}}"#, "PX", "200")
        try w.waitFor("expired", "c")
        _ = try app.command("SET", "other:x", "{}")  // not under the prefix

        XCTAssertTrue(w.process.signal(SIGINT) { true })
        let r = w.process.finish()
        XCTAssertEqual(r.status, 0, r.stderr)
        let seen = w.events.filter { $0.id != "probe" }
        XCTAssertEqual(
            seen.map { "\($0.event) \($0.id)" },
            ["created a", "changed a", "created b", "changed a", "deleted b", "created c", "expired c"])
        XCTAssertEqual(seen[0].fields["user.id"], .number("1"))
        XCTAssertEqual(seen[1].fields["user.id"], .number("2"))
        XCTAssertEqual(seen.last?.fields["user.id"], .null, "an expired session has no data")
    }

    func testASubscriberTheServerDropsComesBackAndSaysHowLongItWasBlind() throws {
        let server = try startServer(extraArgs: ["--notify-keyspace-events", Self.flags])
        let app = try connect(server)
        let w = try start(["-s", "redis://127.0.0.1:\(server.port)/0?prefix=k:&layout=kv"])
        try w.waitReady { _ = try app.command("SET", "k:probe", "{}") }
        // What the server does to a subscriber past its output buffer limit.
        _ = try app.command("CLIENT", "KILL", "TYPE", "pubsub")
        try waitUntil("the gap line (stderr: \(w.stderr))", seconds: 30) { !Self.gaps(w.stderr).isEmpty }
        try w.waitReady(probe: "again") { _ = try app.command("SET", "k:again", "{}") }
        _ = try app.command("DEL", "k:again")
        try w.waitFor("deleted", "again")
        XCTAssertTrue(w.process.signal(SIGINT) { true })
        XCTAssertEqual(w.process.finish().status, 0)
    }

    func testWatchOverTLSAndThroughSentinelSeesTheWrites() throws {
        let d = try RedisDeployments.shared()
        let n = UInt32.random(in: 0...UInt32.max)
        for store in [
            "rediss://localhost:\(d.tlsServer.port)?prefix=wt\(n):&\(d.tlsQuery)&layout=kv",
            "redis+sentinel://\(d.sentinel.addresses)/\(d.sentinel.masterName)?prefix=ws\(n):&layout=kv"
        ] {
            let w = try start(["-s", store, "--enable-notifications"])
            // Created again on every try: a probe written before the watch subscribed is not seen.
            try w.waitReady {
                _ = Sessctl.run(["del", "-s", store, "probe"], deadline: 30)
                let r = Sessctl.run(["set", "-s", store, "probe", "k", "1", "--create"], deadline: 30)
                if r.status != 0 { throw RedisServerError("set: \(r.stderr)") }
            }
            let set = Sessctl.run(["set", "-s", store, "one", "k", "1", "--create"], deadline: 30)
            XCTAssertEqual(set.status, 0, set.stderr)
            try w.waitFor("created", "one")
            XCTAssertEqual(Sessctl.run(["del", "-s", store, "one", "probe"], deadline: 30).status, 0)
            try w.waitFor("deleted", "one")
            XCTAssertTrue(w.process.signal(SIGINT) { true })
            let r = w.process.finish()
            XCTAssertEqual(r.status, 0, r.stderr)
        }
    }

    func testAFileStoreIsWatchedThroughTheSameCommand() throws {
        let dir = TempDirectory("sessctl-watch-file")
        let store = "file:\(dir.path)?ttl=2s"
        let w = try start(["-s", store])
        try w.waitReady {
            _ = Sessctl.run(["del", "-s", store, "probe"], deadline: 30)
            _ = Sessctl.run(["set", "-s", store, "probe", "k", "1", "--create"], deadline: 30)
        }
        XCTAssertEqual(Sessctl.run(["set", "-s", store, "f1", "k", "1", "--create"], deadline: 30).status, 0)
        try w.waitFor("created", "f1")
        XCTAssertEqual(Sessctl.run(["set", "-s", store, "f1", "k", "2"], deadline: 30).status, 0)
        try w.waitFor("changed", "f1")
        XCTAssertEqual(Sessctl.run(["del", "-s", store, "f1"], deadline: 30).status, 0)
        try w.waitFor("deleted", "f1")
        XCTAssertEqual(Sessctl.run(["set", "-s", store, "f2", "k", "1", "--create"], deadline: 30).status, 0)
        try w.waitFor("expired", "f2", seconds: 30)
        XCTAssertTrue(w.process.signal(SIGINT) { true })
        XCTAssertEqual(w.process.finish().status, 0)
        let seen = w.events.filter { $0.id == "f1" || $0.id == "f2" }.map { "\($0.event) \($0.id)" }
        XCTAssertEqual(seen, ["created f1", "changed f1", "deleted f1", "created f2", "expired f2"])
    }

    // MARK: notify-keyspace-events

    func testEnableNotificationsPutsTheSettingBackOnExitCtrlCAndSigterm() throws {
        let server = try startServer()
        let admin = try connect(server)
        _ = try admin.command("CONFIG", "SET", "notify-keyspace-events", "Ex")
        func current() throws -> String { try admin.command("CONFIG", "GET", "notify-keyspace-events").array?[1].string ?? "?" }
        let before = try current()
        let store = "redis://127.0.0.1:\(server.port)/0?prefix=n:&layout=kv"

        // Without the flag: one line that names the flags, and a failure.
        let refused = Sessctl.run(["watch", "-s", store], deadline: 30)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("notify-keyspace-events") && refused.stderr.contains("--enable-notifications"), refused.stderr)

        for signal in [SIGINT, SIGTERM, 0] {
            let w = try start(["-s", store, "--enable-notifications"] + (signal == 0 ? ["--limit", "1"] : []))
            try waitUntil("the flags to be on", seconds: 30) { try current() != before }
            if signal == 0 {
                try w.waitReady { _ = try admin.command("SET", "n:probe", "{}") }
            } else {
                XCTAssertTrue(w.process.signal(signal) { true })
            }
            let r = w.process.finish()
            XCTAssertEqual(r.status, 0, "signal \(signal): \(r.stderr)")
            XCTAssertEqual(try current(), before, "signal \(signal): \(r.stderr)")
        }
    }

    // MARK: The cluster, across a failover

    func testClusterWatchReportsEveryWriteOnceAcrossAFailover() throws {
        let c = try TestCluster(pki: nil, nodeTimeout: 3000)
        cluster = c
        try c.waitHealthy(seconds: 60)
        let prefix = "wc\(UInt32.random(in: 0...UInt32.max)):"
        let store = "redis+cluster://\(c.seeds)?prefix=\(prefix)&layout=kv&timeout=10s"
        let w = try start(["-s", store, "--enable-notifications"])
        let seeds = c.nodes.prefix(2).map { RedisEndpoint.tcp(host: "127.0.0.1", port: $0.port) }
        let app = try RedisRouter(RedisConnectOptions(endpoint: seeds[0], timeout: 10_000), deployment: .cluster(seeds: seeds))
        // SET NX: a write the router sends again after a failover changes nothing the second time.
        func create(_ id: String, nx: Bool = true) throws {
            _ = try app.run(keys: [Array((prefix + id).utf8)]) { k in
                [[Array("SET".utf8), k, Array("{}".utf8)] + (nx ? [Array("NX".utf8)] : []) + [Array("PX".utf8), Array("600000".utf8)]]
            }
        }
        try w.waitReady { try create("probe", nx: false) }

        // Writes before, during and after the failover, each with the time span it took.
        var spans: [(id: String, from: Int64, to: Int64)] = []
        let victim = try c.masters()[1]
        let replica = try c.replica(of: victim.id)
        var failedOver = false
        for i in 0..<700 {
            if i == 200 {
                try c.failover(to: replica)
                failedOver = true
            }
            if i == 600 {
                // The watch follows the new master within about a second.
                try waitUntil("the watch to subscribe the new master", seconds: 30) { w.stderr.contains("watching 127.0.0.1:\(replica.port)") }
            }
            let id = "s\(i)"
            let from = SystemTime.nowMillis()
            try create(id)
            spans.append((id, from, SystemTime.nowMillis()))
            if i % 50 == 0 { usleep(20_000) }
        }
        XCTAssertTrue(failedOver)
        _ = try app.run(keys: [Array((prefix + "s0").utf8)]) { k in [[Array("DEL".utf8), k]] }
        try w.waitFor("deleted", "s0", seconds: 30)

        XCTAssertTrue(w.process.signal(SIGINT) { true })
        let r = w.process.finish()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("watching 127.0.0.1:\(replica.port)"), "the new master is watched: \(r.stderr)")
        let gaps = Self.gaps(r.stderr)
        let seen = w.events
        var created: [String: Int] = [:]
        for e in seen where e.event == "created" && e.id != "probe" { created[e.id, default: 0] += 1 }
        for span in spans {
            let covered = gaps.contains { span.from <= $0.to && span.to >= $0.from }
            if covered { continue }
            XCTAssertEqual(created[span.id], 1, "\(span.id) (written \(span.from)...\(span.to)) outside every gap \(gaps): \(r.stderr)")
        }
        XCTAssertEqual(seen.filter { $0.event != "created" && $0.id != "probe" }.map { "\($0.event) \($0.id)" }, ["deleted s0"])
        XCTAssertEqual(Set(created.keys).subtracting(spans.map(\.id) + ["probe"]), [], "nothing that was not written")
        // The setting is back on every node the watch turned it on.
        for node in c.nodes {
            let v = try node.cli(["CONFIG", "GET", "notify-keyspace-events"]).split(separator: "\n")
            XCTAssertEqual(v.count > 1 ? String(v[1]) : "", "", "\(node.port)")
        }
    }

    /// The gaps a watch reported on stderr, in Unix milliseconds.
    static func gaps(_ stderr: String) -> [(from: Int64, to: Int64)] {
        var out: [(from: Int64, to: Int64)] = []
        for line in stderr.split(separator: "\n") where line.hasPrefix("sessctl: gap: events from ") {
            let words = line.split(separator: " ")
            guard words.count > 6, let from = Durations.parseRFC3339(String(words[4])), let to = Durations.parseRFC3339(String(words[6])) else { continue }
            out.append((from, to))
        }
        return out
    }

    // MARK: trpc-agent-go sessions

    func testAgentSessionsOfBothEnginesAreReportedPerSession() throws {
        let server = try startServer(extraArgs: ["--notify-keyspace-events", Self.flags])
        let app = try connect(server)
        let w = try start(["-s", "redis://127.0.0.1:\(server.port)/0?layout=trpc&prefix=ag"])
        try w.waitReady(probe: "probeapp/u/probe") {
            _ = try app.command("SET", "ag:hashidx:meta:probeapp:{u}:probe", "{}")
        }

        // HashIdx: meta and the user index, then an event, then everything gone.
        let meta = "ag:hashidx:meta:chat:{alice}:s1"
        _ = try app.pipeline(
            [
                ["MULTI"], ["SET", meta, #"{"id":"s1"}"#, "EX", "600"], ["HSET", "ag:hashidx:sessidx:chat:{alice}", "s1", "1"], ["EXEC"]
            ].map { $0.map { Array($0.utf8) } })
        try w.waitFor("created", "chat/alice/s1")
        _ = try app.pipeline(
            [
                ["MULTI"], ["HSET", "ag:hashidx:evtdata:chat:{alice}:s1", "e1", "{}"], ["ZADD", "ag:hashidx:evtidx:time:chat:{alice}:s1", "1", "e1"],
                ["EXPIRE", "ag:hashidx:evtdata:chat:{alice}:s1", "600"], ["EXEC"]
            ].map { $0.map { Array($0.utf8) } })
        try w.waitFor("changed", "chat/alice/s1")
        _ = try app.command("DEL", meta, "ag:hashidx:evtdata:chat:{alice}:s1", "ag:hashidx:evtidx:time:chat:{alice}:s1")
        try w.waitFor("deleted", "chat/alice/s1")

        // Legacy: a field of the user's hash, an event zset of its own.
        _ = try app.command("HSET", "ag:sess:{chat}:bob", "s2", #"{"id":"s2"}"#)
        try w.waitFor("created", "chat/bob/s2")
        _ = try app.command("HSET", "ag:sess:{chat}:bob", "s3", #"{"id":"s3"}"#)
        try w.waitFor("created", "chat/bob/s3")
        _ = try app.command("ZADD", "ag:event:{chat}:bob:s2", "1", #"{"e":1}"#)
        try w.waitFor("changed", "chat/bob/s2")
        _ = try app.command("HDEL", "ag:sess:{chat}:bob", "s2")
        _ = try app.command("DEL", "ag:event:{chat}:bob:s2")
        try w.waitFor("deleted", "chat/bob/s2")

        XCTAssertTrue(w.process.signal(SIGINT) { true })
        let r = w.process.finish()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(
            w.events.filter { !$0.id.hasPrefix("probeapp/") }.map { "\($0.event) \($0.id)" },
            ["created chat/alice/s1", "changed chat/alice/s1", "deleted chat/alice/s1", "created chat/bob/s2", "created chat/bob/s3", "changed chat/bob/s2", "deleted chat/bob/s2"])
    }
}
