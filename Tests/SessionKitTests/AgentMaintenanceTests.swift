import Foundation
import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

/// `reindex` and `check` on the real library's keys: the user session index rebuilt byte for
/// byte as the library writes it, and planted leftovers of each kind found and removed alone.
final class AgentMaintenanceTests: RedisTestCase {
    private static let realSet = Fixtures.shared + "/fixtures/trpc-agent-real/sessions.resp"
    private static let digest = String(repeating: "ab", count: 32)

    private func fixtureServer() throws -> RedisServer {
        let s = try startServer()
        try s.pipe(file: Self.realSet)
        return s
    }

    private func store(_ s: RedisServer, prefix: String = "", engine: AgentEngine? = nil) throws -> AgentStore {
        let options = RedisStoreOptions(connection: RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), timeout: 5000), prefix: prefix)
        return try AgentStore(options: options, engine: engine, displayName: "agent-test")
    }

    private func raw(_ s: RedisServer) throws -> RedisConnection {
        try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port)))
    }

    private func hash(_ c: RedisConnection, _ key: String) throws -> [String: [UInt8]] {
        let a = try c.command("HGETALL", key).array ?? []
        var out: [String: [UInt8]] = [:]
        for i in stride(from: 0, to: a.count, by: 2) { out[a[i].string!] = a[i + 1].bytes! }
        return out
    }

    /// Every key: its type, whether it has a TTL, and its content (hashes and sets as sorted
    /// maps, their field order being the server's).
    private func dump(_ c: RedisConnection) throws -> [String: String] {
        var out: [String: String] = [:]
        for key in try c.command("KEYS", "*").array!.compactMap(\.bytes) {
            func run(_ name: String, _ more: String...) throws -> RedisReply { try c.command([Array(name.utf8), key] + more.map { Array($0.utf8) }) }
            let type = try run("TYPE").string!
            let ttl = try run("PTTL").int! >= 0 ? "ttl" : "none"
            let items = { (r: RedisReply) in (r.array ?? []).map { Base64.std($0.bytes!) } }
            var content: [String]
            switch type {
            case "string": content = [Base64.std(try run("GET").bytes!)]
            case "hash":
                let a = items(try run("HGETALL"))
                content = stride(from: 0, to: a.count, by: 2).map { a[$0] + "=" + a[$0 + 1] }.sorted()
            case "zset": content = items(try run("ZRANGE", "0", "-1", "WITHSCORES"))
            case "set": content = items(try run("SMEMBERS")).sorted()
            default: content = items(try run("LRANGE", "0", "-1"))
            }
            out[String(decoding: key, as: UTF8.self)] = "\(type) \(ttl) " + content.joined(separator: ",")
        }
        return out
    }

    // MARK: Reindex

    func testReindexAddsEverySessionAsTheLibraryWritesItsEntryAndDropsEntriesOfGoneSessions() throws {
        let s = try fixtureServer()
        let c = try raw(s)
        let alice = "myapp:hashidx:sessidx:support:{alice@example.com}", unicode = "myapp:hashidx:sessidx:agent:prod:{用户:1/x}"
        let colon = "myapp:hashidx:sessidx:chat:{u:colon}", ghost = "myapp:hashidx:sessidx:chat:{ghost}"
        // The library's own entries, to be written again byte for byte.
        let library = [alice: try hash(c, alice), unicode: try hash(c, unicode)]
        XCTAssertEqual(library[alice]?.count, 2)
        XCTAssertEqual(library[unicode]?.count, 1)
        // real-h-ttl predates the index, the unicode user's only session too; an entry of a
        // session deleted since, an index of a user with no session left, and an entry the
        // app wrote its own way (kept as it is).
        _ = try c.command("HDEL", alice, "real-h-ttl")
        _ = try c.command("HSET", alice, "gone-sid", "{\"createdAt\":\"2026-01-01T00:00:00Z\"}")
        _ = try c.command("DEL", unicode)
        _ = try c.command("HSET", ghost, "x", "{\"createdAt\":\"2026-01-01T00:00:00Z\"}")
        _ = try c.command("HSET", colon, "real-h-prefix", "{\"createdAt\":\"kept\"}")

        let st = try store(s, prefix: "myapp")
        let before = try dump(c)
        let dry = try st.reindex(write: false, examples: 10, afterPage: { _ in .proceed })
        XCTAssertEqual(try dump(c), before)
        XCTAssertFalse(dry.written)
        XCTAssertEqual(dry.users, 4)
        XCTAssertEqual(Set(dry.added.examples), ["support/alice@example.com/real-h-ttl", AgentSessionID(app: "agent:prod", user: "用户:1/x", session: "sess/2026:1#a").text])
        XCTAssertEqual(Set(dry.dropped.examples), ["\(alice) gone-sid", "\(ghost) x"])
        XCTAssertTrue(dry.failures.isEmpty && dry.skipped.count == 0, "\(dry)")

        let done = try st.reindex(write: true, examples: 10, afterPage: { _ in .proceed })
        XCTAssertTrue(done.written)
        XCTAssertEqual(done.added.count, 2)
        XCTAssertEqual(done.dropped.count, 2)
        XCTAssertEqual(try hash(c, alice), library[alice])
        XCTAssertEqual(try hash(c, unicode), library[unicode])
        XCTAssertEqual(try hash(c, colon), ["real-h-prefix": Array("{\"createdAt\":\"kept\"}".utf8)])
        XCTAssertEqual(try c.command("EXISTS", ghost).int, 0)
        for key in [alice, unicode, colon] { XCTAssertEqual(try c.command("PTTL", key).int, -1, key) }
        // Only the index hashes changed.
        let after = try dump(c)
        for (key, value) in before where !key.contains(":sessidx:") { XCTAssertEqual(after[key], value, key) }
        let again = try st.reindex(write: true, examples: 3, afterPage: { _ in .proceed })
        XCTAssertEqual(again.added.count + again.dropped.count, 0)

        // Without a prefix no session had an index: every HashIdx session gets its entry, the
        // meta's createdAt text as the library marshals it.
        let plain = try store(s).reindex(write: true, examples: 3, afterPage: { _ in .proceed })
        let metas = try c.command("KEYS", "hashidx:meta:*").array!.compactMap(\.string)
        XCTAssertEqual(plain.added.count, metas.count)
        XCTAssertEqual(metas.count, 6)
        for key in metas {
            let meta = try XCTUnwrap(JSONParser.parse(try XCTUnwrap(c.command("GET", key).bytes)).objectValue)
            let (app, user, sid) = (meta["appName"]!.stringValue!, meta["userID"]!.stringValue!, meta["id"]!.stringValue!)
            let entry = try c.command("HGET", "hashidx:sessidx:\(app):{\(user)}", sid).string
            XCTAssertEqual(entry, "{\"createdAt\":\"\(meta["createdAt"]!.stringValue!)\"}", key)
        }
        XCTAssertThrowsError(try store(s, engine: .legacy).reindex(write: false, examples: 3, afterPage: { _ in .proceed }))
    }

    // MARK: Check and fix

    func testCheckOfTheLibrarysOwnKeysFindsNothingButItsLegacySessions() throws {
        let s = try fixtureServer()
        let plain = try store(s).check(examples: 3, afterPage: { _ in .proceed })
        XCTAssertEqual(plain.problems, 0, "\(plain.findings)")
        XCTAssertEqual(plain.legacySessions, 3)
        XCTAssertFalse(plain.compatModeNoneSafe)
        let prefixed = try store(s, prefix: "myapp").check(examples: 3, afterPage: { _ in .proceed })
        XCTAssertEqual(prefixed.problems, 0, "\(prefixed.findings)")
        XCTAssertEqual(prefixed.legacySessions, 1)
        XCTAssertGreaterThan(prefixed.keysScanned, 10)
        let hashidxOnly = try store(s, prefix: "myapp")
        let c = try raw(s)
        _ = try c.command("DEL", "myapp:sess:{agent:prod}:用户:9/y")
        XCTAssertTrue(try hashidxOnly.check(examples: 3, afterPage: { _ in .proceed }).compatModeNoneSafe)
    }

    func testCheckReportsEachPlantedLeftoverAndFixRemovesOnlyThose() throws {
        let s = try fixtureServer()
        let c = try raw(s)
        let d = Self.digest
        // Healthy extras that must stay: a live lease with a TTL (both engines), a track whose
        // name holds `:` of a live session, an index entry of a live session; and what is only
        // reported: a LIST at a meta key's name, a meta that is not JSON.
        _ = try c.command("SET", "hashidx:stateinit:chat:{u42}:real-h-plain-0001:\(d)", "tok", "PX", "600000")
        _ = try c.command("SET", "stateinit:{chat}:u7:real-l-plain:\(d)", "tok", "PX", "600000")
        _ = try c.command("HSET", "hashidx:trkdata:chat:{u42}:real-h-zero:odd:track", "_seq", "1")
        _ = try c.command("HSET", "hashidx:sessidx:chat:{u42}", "real-h-zero", "{\"createdAt\":\"2026-12-06T00:04:51.320077615Z\"}")
        _ = try c.command("RPUSH", "hashidx:meta:chat:{u42}:listy", "x")
        _ = try c.command("SET", "hashidx:meta:chat:{u42}:notjson", "nope")
        let kept = try dump(c)

        // Leftovers of each kind.
        _ = try c.command("HSET", "hashidx:evtdata:chat:{u-gone}:s1", "e1", "{}")
        _ = try c.command("ZADD", "hashidx:evtidx:time:chat:{u-gone}:s1", "1", "e1")
        _ = try c.command("SET", "hashidx:sesssum:chat:{u-gone}:s1", "{}")
        _ = try c.command("HSET", "hashidx:trkdata:chat:{u-gone}:s1:tool:calls", "_seq", "1")
        _ = try c.command("HSET", "hashidx:sessidx:chat:{u42}", "gone-sid", "{\"createdAt\":\"2026-01-01T00:00:00Z\"}")
        _ = try c.command("SET", "hashidx:stateinit:chat:{u42}:real-h-zero:\(d)", "tok")  // no TTL
        _ = try c.command("SET", "hashidx:stateinit:chat:{u42}:gone-sid:\(d)", "tok", "PX", "600000")  // session gone
        _ = try c.command("SET", "stateinit:{chat}:u7:gone:\(d)", "tok", "PX", "600000")  // legacy, session gone
        _ = try c.command("ZADD", "hashidx:evtidx:time:chat:{u42}:real-h-plain-0001", "1", "ghost-event")

        let st = try store(s)
        let report = try st.check(examples: 10, afterPage: { _ in .proceed })
        XCTAssertEqual(
            Set(report.tally(.eventDataWithoutMeta).examples),
            [
                "hashidx:evtdata:chat:{u-gone}:s1", "hashidx:evtidx:time:chat:{u-gone}:s1", "hashidx:sesssum:chat:{u-gone}:s1",
                "hashidx:trkdata:chat:{u-gone}:s1:tool:calls"
            ])
        XCTAssertEqual(report.tally(.indexEntriesWithoutSession).examples, ["hashidx:sessidx:chat:{u42} gone-sid"])
        XCTAssertEqual(
            Set(report.tally(.leftoverLeases).examples),
            [
                "hashidx:stateinit:chat:{u42}:real-h-zero:\(d) (no TTL)", "hashidx:stateinit:chat:{u42}:gone-sid:\(d) (session gone)",
                "stateinit:{chat}:u7:gone:\(d) (session gone)"
            ])
        XCTAssertEqual(report.tally(.orphanEventIDs).examples, ["hashidx:evtidx:time:chat:{u42}:real-h-plain-0001 ghost-event"])
        XCTAssertEqual(report.tally(.wrongType).examples, ["hashidx:meta:chat:{u42}:listy (list, expected string)"])
        XCTAssertEqual(report.tally(.metaNotJSON).examples, ["hashidx:meta:chat:{u42}:notjson"])
        XCTAssertEqual(report.problems, 11)
        XCTAssertEqual(report.fixableProblems, 9)
        XCTAssertEqual(report.legacySessions, 3)
        XCTAssertEqual(try store(s, prefix: "myapp").check(examples: 3, afterPage: { _ in .proceed }).problems, 0)

        let outcome = try st.repair(report)
        XCTAssertEqual(outcome.fixedTotal, 9)
        XCTAssertEqual(outcome.fixed[.eventDataWithoutMeta], 4)
        XCTAssertEqual(outcome.spared, 0)
        XCTAssertTrue(outcome.failures.isEmpty, "\(outcome.failures)")
        XCTAssertEqual(try dump(c), kept)
        let after = try st.check(examples: 3, afterPage: { _ in .proceed })
        XCTAssertEqual(after.problems, 2)
        XCTAssertEqual(after.fixableProblems, 0)
    }

    func testFixLeavesWhatIsNoLongerLeftBehind() throws {
        let s = try fixtureServer()
        let c = try raw(s)
        _ = try c.command("HSET", "hashidx:evtdata:chat:{u-back}:s1", "e1", "{}")
        _ = try c.command("HSET", "hashidx:sessidx:chat:{u42}", "later", "{}")
        _ = try c.command("SET", "hashidx:stateinit:chat:{u42}:real-h-zero:\(Self.digest)", "tok")
        let st = try store(s)
        let report = try st.check(examples: 3, afterPage: { _ in .proceed })
        XCTAssertEqual(report.fixableProblems, 3)
        // Between check and fix the app writes the metas and renews the lease.
        _ = try c.command("SET", "hashidx:meta:chat:{u-back}:s1", "{}")
        _ = try c.command("SET", "hashidx:meta:chat:{u42}:later", "{}")
        _ = try c.command("PEXPIRE", "hashidx:stateinit:chat:{u42}:real-h-zero:\(Self.digest)", "600000")
        let outcome = try st.repair(report)
        XCTAssertEqual(outcome.fixedTotal, 0)
        XCTAssertEqual(outcome.spared, 3)
        XCTAssertEqual(try c.command("EXISTS", "hashidx:evtdata:chat:{u-back}:s1").int, 1)
        XCTAssertEqual(try c.command("HEXISTS", "hashidx:sessidx:chat:{u42}", "later").int, 1)
    }

    func testKeyNamesAreTakenApartAsTheLibraryBuildsThem() {
        let k = AgentKeys(prefix: "myapp")
        func b(_ s: String) -> [UInt8] { Array(s.utf8) }
        let track = k.name(b("myapp:hashidx:trkdata:agent:prod:{用户:1/x}:sess/2026:1#a:tool_calls"))!
        XCTAssertEqual(track.kind, .role(.trkdata))
        XCTAssertEqual(
            k.metaCandidates(track).map { String(decoding: $0, as: UTF8.self) },
            ["myapp:hashidx:meta:agent:prod:{用户:1/x}:sess/2026:1#a", "myapp:hashidx:meta:agent:prod:{用户:1/x}:sess/2026"])
        XCTAssertEqual(k.name(b("myapp:hashidx:evtidx:time:a:{u}:s"))?.kind, .role(.evtidx))
        XCTAssertEqual(k.name(b("myapp:hashidx:trkidx:names:a:{u}:s"))?.kind, .role(.trknames))
        XCTAssertEqual(k.name(b("myapp:trackidx:{a}:u:s"))?.kind, .role(.trackidx))
        XCTAssertEqual(k.name(b("myapp:appstate:{a}"))?.kind, .role(.appstate))
        XCTAssertNil(k.name(b("hashidx:meta:a:{u}:s")))
        XCTAssertNil(k.name(b("myapp:hashidx:revision:a:{u}:s")))
        let lease = k.name(b("myapp:stateinit:{chat}:u:7:s:1:\(Self.digest)"))!
        XCTAssertEqual(
            k.legacyLeaseSessions(lease).map { "\(String(decoding: $0.key, as: UTF8.self)) \(String(decoding: $0.field, as: UTF8.self))" },
            ["myapp:sess:{chat}:u:7:s 1", "myapp:sess:{chat}:u:7 s:1", "myapp:sess:{chat}:u 7:s:1"])
        XCTAssertEqual(
            k.metaKey(index: b("myapp:hashidx:sessidx:agent:prod:{用户:1/x}"), field: b("sess/2026:1#a")).map { String(decoding: $0, as: UTF8.self) },
            "myapp:hashidx:meta:agent:prod:{用户:1/x}:sess/2026:1#a")
    }

    // MARK: Cluster

    func testReindexCheckAndFixOnACluster() throws {
        let d = try RedisDeployments.shared()
        let source = try store(try fixtureServer())
        var sessions: [Session] = []
        try source.scanSessions(matching: nil, pageSize: 100) { page in
            sessions += page.sessions
            return .proceed
        }
        let seeds = d.cluster.nodes.prefix(2).map { RedisEndpoint.tcp(host: "127.0.0.1", port: $0.port) }
        let prefix = "doctor\(UUID().uuidString.prefix(8))"
        let st = try AgentStore(
            options: RedisStoreOptions(connection: RedisConnectOptions(endpoint: seeds[0], timeout: 5000), deployment: .cluster(seeds: Array(seeds)), prefix: prefix),
            engine: nil, displayName: "cluster")
        for r in try st.save(sessions.map { SessionWrite($0, mode: .create) }) { XCTAssertNoThrow(try r.get()) }
        let added = try st.reindex(write: true, examples: 3, afterPage: { _ in .proceed })
        XCTAssertEqual(added.added.count, 6)
        XCTAssertTrue(added.failures.isEmpty, "\(added.failures)")
        XCTAssertEqual(try st.reindex(write: false, examples: 3, afterPage: { _ in .proceed }).added.count, 0)

        func run(_ args: String...) throws {
            let command = args.map { Array($0.utf8) }
            _ = try st.core.read([command[1]]) { _ in [command] }
        }
        let f = "\(prefix):hashidx"
        try run("HSET", "\(f):evtdata:chat:{u-gone}:s1", "e1", "{}")
        try run("HSET", "\(f):sessidx:chat:{u42}", "gone-sid", "{}")
        try run("ZADD", "\(f):evtidx:time:chat:{u42}:real-h-plain-0001", "1", "ghost-event")
        let report = try st.check(examples: 3, afterPage: { _ in .proceed })
        XCTAssertEqual(report.problems, 3, "\(report.findings)")
        XCTAssertEqual(report.legacySessions, 3)
        XCTAssertEqual(try st.repair(report).fixedTotal, 3)
        XCTAssertEqual(try st.check(examples: 3, afterPage: { _ in .proceed }).problems, 0)
        for s in sessions { try st.delete(s.id) }
    }
}
