import Foundation
import RedisClient
import SessionKit
import TestSupport
import XCTest

/// `sessctl trim` on trpc-agent-go sessions, through the real binary against a real redis-server.
final class AgentTrimCLITests: RedisTestCase {
    typealias Sess = AgentEventSession

    private func address(_ s: RedisServer, _ query: String = "") -> String { "redis://\(s.host):\(s.port)?layout=trpc\(query)" }

    private func pttl(_ c: RedisConnection, _ key: String) throws -> Int64 { try c.command("PTTL", key).int! }

    /// Every key's content (DUMP) and whether it has a TTL: what a command that writes nothing leaves.
    private func snapshot(_ c: RedisConnection) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for key in try c.command("KEYS", "*").array!.compactMap(\.string) {
            out[key] = try c.command("DUMP", key).bytes! + [try pttl(c, key) > 0 ? 1 : 0]
        }
        return out
    }

    func testTrimByIDKeepsTheNewestWholeTurnsOnBothEnginesAndADryRunWritesNothing() throws {
        let s = try startServer()
        let c = try connect(s)
        let cases = Sess.upstreamBugCases(.hashidx) + Sess.upstreamBugCases(.legacy)
        for (session, _) in cases { try session.write(c) }
        let store = address(s)

        let before = try snapshot(c)
        let dry = Sessctl.run(["trim", "-s", store, cases[0].session.id, "--keep-turns", "1", "--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertEqual(
            dry.stdoutLines,
            [
                "chat/u-hashidx/interleaved: would delete 3 events, keep 1 turn (3 events)",
                "  e1  r2  2026-03-20T02:00:01.000000000Z", "  e3  r2  2026-03-20T02:00:03.000000000Z", "  e4  r3  2026-03-20T02:00:04.000000000Z"
            ])
        let dryAll = Sessctl.run(["trim", "-s", store, "--all", "--keep-turns", "1", "--dry-run"])
        XCTAssertEqual(dryAll.status, 0, dryAll.stderr)
        XCTAssertTrue(dryAll.stderr.contains("dry run: would delete"), dryAll.stderr)
        XCTAssertEqual(try snapshot(c), before, "a dry run writes nothing")

        for (session, keep) in cases {
            let label = "\(session.engine) \(session.session) keep \(keep)"
            let ttls = try [session.metaKey, session.indexKey].map { try pttl(c, $0) }
            let expected = session.keptByTurns(keep)
            let r = Sessctl.run(["trim", "-s", store, session.id, "--keep-turns", String(keep)])
            XCTAssertEqual(r.status, 0, "\(label): \(r.stderr)")
            let turns = Set(session.events.filter { expected.contains($0.id) }.compactMap { $0.requestID.flatMap { $0.isEmpty ? nil : $0 } }).count
            XCTAssertEqual(
                r.stdoutLines,
                ["\(session.id): deleted \(session.events.count - expected.count) events, kept \(turns) turn\(turns == 1 ? "" : "s") (\(expected.count) events)"], label)
            let stored = try session.storedIDs(c)
            XCTAssertEqual(stored.index, expected, label)
            XCTAssertEqual(stored.data, Set(expected), "\(label): event hash and index agree")
            for (key, ttl) in zip([session.metaKey, session.indexKey], ttls) { XCTAssertLessThan(abs(try pttl(c, key) - ttl), 1000, "\(label): \(key)") }
        }
        XCTAssertEqual(try cases[0].session.storedIDs(c).index, ["e0", "e2", "e5"], "all three r1 events stay")
    }

    func testTheRealLibrarysSessionOf1200EventsTrimmedToTenTurns() throws {
        let s = try startServer()
        try s.pipe(file: Fixtures.shared + "/fixtures/trpc-agent-real/sessions.resp")
        let c = try connect(s)
        let r = Sessctl.run(["trim", "-s", address(s), "chat/u-big/real-h-1200", "--keep-turns", "10"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "chat/u-big/real-h-1200: deleted 1180 events, kept 10 turns (20 events)\n")
        let index = try c.command("ZRANGE", "hashidx:evtidx:time:chat:{u-big}:real-h-1200", "0", "-1").array!.compactMap(\.string)
        let data = try c.command("HGETALL", "hashidx:evtdata:chat:{u-big}:real-h-1200").array!.compactMap(\.string)
        XCTAssertEqual(index.count, 20)
        XCTAssertEqual(Set(index), Set(stride(from: 0, to: data.count, by: 2).map { data[$0] }))
        let requestIDs = Set(stride(from: 1, to: data.count, by: 2).compactMap { try? JSONParser.parse(Array(data[$0].utf8)).objectValue?["requestID"]?.stringValue })
        XCTAssertEqual(requestIDs, Set((590..<600).map { "req-\($0)" }))
        // Its summary and record stay; the library still reads it (sessctl get).
        XCTAssertEqual(try c.command("EXISTS", "hashidx:sesssum:chat:{u-big}:real-h-1200").int, 1)
        XCTAssertEqual(Sessctl.run(["get", "-s", address(s), "chat/u-big/real-h-1200"]).status, 0)
    }

    func testBulkTrimAsksOrNeedsYesNarrowsByPatternAndWhereAndCombinesRules() throws {
        let s = try startServer()
        let c = try connect(s)
        var sessions: [Sess] = []
        for (n, engine) in [Sess.Engine.hashidx, .legacy, .hashidx, .legacy].enumerated() {
            var x = Sess(engine: engine, app: n < 2 ? "chat" : "help", user: "u\(n)", session: "s\(n)", events: Sess.events(["a", "a", "b", nil, "c", "c", "d"]))
            if n == 0 || n == 3 { x.state = #"{"plan":"InBybyI="}"# }  // "pro"
            try x.write(c)
            sessions.append(x)
        }
        let store = address(s)
        let before = try snapshot(c)
        let refused = Sessctl.run(["trim", "-s", store, "--all", "--keep-turns", "1"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("--yes"), refused.stderr)
        XCTAssertEqual(try snapshot(c), before)

        // A pattern: the chat app only.
        var r = Sessctl.run(["trim", "-s", store, "--all", "chat/*", "--keep-turns", "2", "--yes"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdoutLines.sorted(), ["chat/u0/s0: deleted 3 events, kept 2 turns (4 events)", "chat/u1/s1: deleted 3 events, kept 2 turns (4 events)"])
        XCTAssertEqual(try sessions[0].storedIDs(c).index, ["e3", "e4", "e5", "e6"])
        XCTAssertEqual(try sessions[2].storedIDs(c).index.count, 7, "help/ untouched")

        // --where on the state; rules combine.
        r = Sessctl.run(["trim", "-s", store, "--where", "plan=pro", "--keep-turns", "2", "--keep-events", "2", "--yes"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdoutLines.sorted(), ["chat/u0/s0: deleted 2 events, kept 2 turns (2 events)", "help/u3/s3: deleted 5 events, kept 2 turns (2 events)"])
        XCTAssertEqual(try sessions[3].storedIDs(c).index, ["e5", "e6"])
        XCTAssertEqual(try sessions[2].storedIDs(c).index.count, 7)

        // --before, RFC 3339 and a duration ago (every fixture event is years old).
        r = Sessctl.run(["trim", "-s", store, sessions[2].id, "--before", "2026-03-20T02:00:02Z"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try sessions[2].storedIDs(c).index, ["e2", "e3", "e4", "e5", "e6"])
        r = Sessctl.run(["trim", "-s", store, "--all", "--before", "1d", "--yes"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for x in sessions { XCTAssertEqual(try c.command("EXISTS", x.indexKey).int, 0, x.id) }
        for x in sessions { XCTAssertEqual(try c.command("EXISTS", x.metaKey).int, 1, "\(x.id): the session stays") }
    }

    func testRefusalsAndExitStatuses() throws {
        let s = try startServer()
        let c = try connect(s)
        let x = Sess(engine: .hashidx, session: "one", events: Sess.events(["a", "b"]))
        try x.write(c)
        let store = address(s)
        XCTAssertEqual(Sessctl.run(["trim", "-s", store, x.id]).status, 64, "a rule is needed")
        XCTAssertEqual(Sessctl.run(["trim", "-s", store, "--keep-turns", "1"]).status, 64, "a session or --all")
        XCTAssertEqual(Sessctl.run(["trim", "-s", store, x.id, "--keep-turns", "-1"]).status, 64)
        XCTAssertEqual(Sessctl.run(["trim", "-s", store, "--all", "a/*", "b/*", "--keep-turns", "1"]).status, 64)
        let badTime = Sessctl.run(["trim", "-s", store, x.id, "--before", "yesterday"])
        XCTAssertEqual(badTime.status, 1)
        XCTAssertTrue(badTime.stderr.contains("RFC 3339"), badTime.stderr)
        XCTAssertEqual(Sessctl.run(["trim", "-s", store, "chat/u1/none", "--keep-turns", "1"]).status, 3)
        let partial = Sessctl.run(["trim", "-s", store, x.id, "chat/u1/none", "--keep-turns", "1"])
        XCTAssertEqual(partial.status, 3, partial.stderr)
        let readOnly = Sessctl.run(["trim", "-s", store, "--read-only", x.id, "--keep-turns", "1"])
        XCTAssertEqual(readOnly.status, 1)
        XCTAssertEqual(try x.storedIDs(c).index, ["e1"], "trimmed once, by the partial run")
        let other = Sessctl.run(["trim", "-s", "redis://\(s.host):\(s.port)", "x", "--keep-turns", "1"])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("layout=trpc"), other.stderr)
    }

    func testCtrlCStopsABulkTrimAfterThePageInHand() throws {
        let s = try startServer()
        let c = try connect(s)
        let lua = Sess.generator
        let count = 3000
        for first in stride(from: 0, to: count, by: 500) { _ = try c.command("EVAL", lua, "0", String(first), "500", "40", "2", "0") }
        let untouched = """
            local n = 0
            for i = 0, \(count - 1) do
              if redis.call('ZCARD', 'hashidx:evtidx:time:bench:{u' .. (i % 1000) .. '}:s' .. i) == 40 then n = n + 1 end
            end
            return n
            """
        func left() -> Int64 { (try? c.command("EVAL", untouched, "0").int) ?? -1 }
        let running = try RunningSessctl(["trim", "-s", address(s), "--all", "--keep-turns", "1", "--yes"])
        XCTAssertTrue(running.signal(SIGINT) { (1...Int64(count - 250)).contains(left()) }, "part-way")
        let r = running.finish()
        XCTAssertEqual(r.status, 130, r.stderr)
        XCTAssertTrue(r.stderr.contains("interrupted:"), r.stderr)
        let remaining = left()
        XCTAssertGreaterThan(remaining, 0, "stopped before the end")
        XCTAssertEqual(Int64(r.stdoutLines.count), Int64(count) - remaining, "each trimmed session reported")
        let again = Sessctl.run(["trim", "-s", address(s), "--all", "--keep-turns", "1", "--yes"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(left(), 0)
    }
}
