import Foundation
import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

/// Trimming trpc-agent-go sessions' events by turns, count and time, against a real redis-server,
/// on the cases where the library's own `TrimConversations` leaves parts of turns behind.
final class AgentTrimTests: RedisTestCase {
    typealias Sess = AgentEventSession

    private func store(_ s: RedisServer, db: Int = 0, prefix: String = "") throws -> AgentStore {
        let options = RedisStoreOptions(connection: RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db, timeout: 2000), prefix: prefix)
        return try AgentStore(options: options, engine: nil, displayName: "agent-test")
    }

    private func pttl(_ c: RedisConnection, _ key: String) throws -> Int64 { try c.command("PTTL", key).int! }

    private func event(_ rid: String?, _ i: Int) -> AgentEvent {
        let json = rid.map { #"{"requestID":"\#($0)"}"# } ?? "{}"
        let score = Array(String(1_773_972_000_000_000_000 + Int64(i) * 1_000_000_000).utf8)
        return AgentEvent(id: "e\(i)", score: score, json: Array(json.utf8), object: try? JSONParser.parse(Array(json.utf8)).objectValue)
    }

    private func deletedIDs(_ rids: [String?], _ rules: AgentTrimRules) -> [String] {
        AgentTrim.decide(rids.enumerated().map { event($1, $0) }, rules).deleted.map(\.id)
    }

    // MARK: The decision

    func testTurnsRankByTheirNewestEventAndAreKeptWhole() {
        // r1 has the newest event: it is the newest turn, all three of its events stay.
        let rids: [String?] = ["r1", "r2", "r1", "r2", "r3", "r1"]
        XCTAssertEqual(deletedIDs(rids, AgentTrimRules(keepTurns: 1)), ["e1", "e3", "e4"])
        XCTAssertEqual(deletedIDs(rids, AgentTrimRules(keepTurns: 2)), ["e1", "e3"])
        XCTAssertEqual(deletedIDs(rids, AgentTrimRules(keepTurns: 3)), [])
        XCTAssertEqual(deletedIDs(rids, AgentTrimRules(keepTurns: 0)), ["e0", "e1", "e2", "e3", "e4", "e5"])
        let d = AgentTrim.decide(rids.enumerated().map { event($1, $0) }, AgentTrimRules(keepTurns: 1))
        XCTAssertEqual(d.keptEvents, 3)
        XCTAssertEqual(d.keptTurns, 1)
    }

    func testEventsWithoutARequestIDAreNeitherCountedNorTrimmedByTurns() {
        let rids: [String?] = [nil, "r1", "", "r2", nil, "r3", ""]
        XCTAssertEqual(deletedIDs(rids, AgentTrimRules(keepTurns: 1)), ["e1", "e3"])
        let d = AgentTrim.decide(rids.enumerated().map { event($1, $0) }, AgentTrimRules(keepTurns: 1))
        XCTAssertEqual(d.keptEvents, 5)
        XCTAssertEqual(d.keptTurns, 1)
        // --keep-events and --before count and delete them like any event.
        XCTAssertEqual(deletedIDs(rids, AgentTrimRules(keepEvents: 2)), ["e0", "e1", "e2", "e3", "e4"])
        let third: Int64 = 1_773_972_000_000 + 2_000
        XCTAssertEqual(deletedIDs(rids, AgentTrimRules(beforeMillis: third)), ["e0", "e1"])
    }

    func testRulesCombineAnEventGoesWhenAnyRuleDeletesIt() {
        let rids: [String?] = ["r1", "r1", "r2", "r2", "r3", "r3", nil]
        XCTAssertEqual(deletedIDs(rids, AgentTrimRules(keepTurns: 2, keepEvents: 4)), ["e0", "e1", "e2"])
        XCTAssertEqual(deletedIDs(rids, AgentTrimRules(keepTurns: 3, beforeMillis: 1_773_972_000_000 + 1_000)), ["e0"])
        XCTAssertEqual(deletedIDs(rids, AgentTrimRules(keepEvents: 100)), [])
        let d = AgentTrim.decide(rids.enumerated().map { event($1, $0) }, AgentTrimRules(keepTurns: 3, keepEvents: 4))
        XCTAssertEqual(d.keptTurns, 2, "r2 lost an event to --keep-events, r1 lost both")
    }

    // MARK: On Redis

    func testTrimKeepsExactlyTheNewestWholeTurnsOnBothEngines() throws {
        let s = try startServer()
        let c = try connect(s)
        let st = try store(s)
        for engine in Sess.Engine.allCases {
            let cases = Sess.upstreamBugCases(engine)
            for (session, _) in cases { try session.write(c) }
            var ttls: [String: Int64] = [:]
            for (session, _) in cases {
                for key in [session.metaKey, session.indexKey] + (engine == .hashidx ? [session.dataKey] : []) { ttls[key] = try pttl(c, key) }
            }
            let loaded = try cases.map { try st.get($0.session.id) }
            let results = try st.trim(zip(loaded, cases).map { AgentTrimPlan(session: $0, rules: AgentTrimRules(keepTurns: $1.keep)) })
            for ((session, keep), result) in zip(cases, results) {
                let label = "\(engine) \(session.session) keep \(keep)"
                let expected = session.keptByTurns(keep)
                guard case .trimmed(let decision, let rereads) = result else { return XCTFail("\(label): \(result)") }
                XCTAssertEqual(rereads, 0, label)
                XCTAssertEqual(decision.deleted.count, session.events.count - expected.count, label)
                XCTAssertEqual(decision.keptEvents, expected.count, label)
                let stored = try session.storedIDs(c)
                XCTAssertEqual(stored.index, expected, label)
                XCTAssertEqual(stored.data, Set(expected), "\(label): event hash and index agree")
                for key in [session.metaKey, session.indexKey] + (engine == .hashidx ? [session.dataKey] : []) {
                    XCTAssertLessThan(abs(try pttl(c, key) - ttls[key]!), 1000, "\(label): TTL of \(key) kept")
                }
            }
            // Named cases, spelled out.
            XCTAssertEqual(try cases[0].session.storedIDs(c).index, ["e0", "e2", "e5"], "all three r1 events")
            XCTAssertEqual(try cases[1].session.storedIDs(c).index.count, 153, "the 150-event turn whole, and r2")
            XCTAssertEqual(try cases[2].session.storedIDs(c).index.count, 3, "none of the 150-event turn")
            XCTAssertEqual(try cases[7].session.storedIDs(c).index, ["e0", "e2", "e5", "e6", "e7", "e8"], "c whole, and every event without a request id")
            // A second trim finds nothing to do.
            let again = try st.trim(try cases.map { AgentTrimPlan(session: try st.get($0.session.id), rules: AgentTrimRules(keepTurns: $0.keep)) })
            for r in again {
                guard case .trimmed(let d, _) = r else { return XCTFail("\(r)") }
                XCTAssertEqual(d.deleted.count, 0)
            }
        }
    }

    func testKeepEventsAndBeforeOnBothEnginesAndAnEmptiedIndexDisappears() throws {
        let s = try startServer()
        let c = try connect(s)
        let st = try store(s)
        for engine in Sess.Engine.allCases {
            let a = Sess(engine: engine, session: "count-\(engine)", events: Sess.events(["r1", "r1", nil, "r2", "r3"]))
            let b = Sess(engine: engine, session: "all-\(engine)", events: Sess.events(["r1", "r2"]))
            try a.write(c)
            try b.write(c)
            let start = Sess.events(["x"])[0].unixNano / 1_000_000
            _ = try st.trim([
                AgentTrimPlan(session: try st.get(a.id), rules: AgentTrimRules(keepEvents: 3, beforeMillis: start + 3_500)),
                AgentTrimPlan(session: try st.get(b.id), rules: AgentTrimRules(keepEvents: 0))
            ])
            XCTAssertEqual(try a.storedIDs(c).index, ["e4"], "\(engine): before e4's time, and not the newest 3")
            XCTAssertEqual(try c.command("EXISTS", b.indexKey).int, 0, "\(engine): an emptied index is gone")
            XCTAssertEqual(try c.command("EXISTS", b.metaKey).int, 1, "\(engine): the session stays")
            XCTAssertNoThrow(try st.get(b.id))
        }
    }

    func testTheRealLibrarysLargeSessionsTrimToTenTurns() throws {
        let s = try startServer()
        try s.pipe(file: Fixtures.shared + "/fixtures/trpc-agent-real/sessions.resp")
        let c = try connect(s)
        for (id, prefix, data, index) in [
            ("chat/u-big/real-h-1200", "", "hashidx:evtdata:chat:{u-big}:real-h-1200", "hashidx:evtidx:time:chat:{u-big}:real-h-1200"),
            (AgentSessionID(app: "agent:prod", user: "用户:9/y", session: "legacy/1:a").text, "myapp", nil, "myapp:event:{agent:prod}:用户:9/y:legacy/1:a")
        ] {
            let st = try store(s, prefix: prefix)
            let session = try st.get(id)
            let events = try XCTUnwrap(session.agent).events
            XCTAssertEqual(events.count, 1200)
            // The 10 request ids whose newest events are the newest.
            var order: [String] = []
            for e in events.reversed() { if let r = e.requestID, !order.contains(r) { order.append(r) } }
            let kept = Set(order.prefix(10))
            let expected = events.filter { kept.contains($0.requestID ?? "") }.map(\.id)
            let ttl = try pttl(c, index)
            let results = try st.trim([AgentTrimPlan(session: session, rules: AgentTrimRules(keepTurns: 10))])
            guard case .trimmed(let d, _) = results[0] else { return XCTFail("\(results[0])") }
            XCTAssertEqual(d.keptTurns, 10)
            XCTAssertEqual(d.deleted.count, 1200 - expected.count)
            let after = try XCTUnwrap(try st.get(id).agent)
            XCTAssertEqual(after.events.map(\.id), expected)
            XCTAssertEqual(after.eventCount, expected.count, "no index entry without its event")
            if let data {
                XCTAssertEqual(Set(try c.command("HKEYS", data).array!.compactMap(\.string)), Set(expected))
            }
            XCTAssertLessThan(abs(try pttl(c, index) - ttl), 1000)
        }
    }

    func testAnEventAppendedAfterLoadingIsReadAgainAndNeverDeleted() throws {
        let s = try startServer()
        let c = try connect(s)
        let st = try store(s)
        for engine in Sess.Engine.allCases {
            let session = Sess(engine: engine, session: "busy", events: Sess.events(["r1", "r2", "r1", nil]))
            try session.write(c)
            // A new turn after sessctl loaded the session and decided: it is the newest now.
            var loaded = try st.get(session.id)
            let newTurn = AgentEventSession.Event(id: "new", requestID: "r9", unixNano: session.events.last!.unixNano + 1_000_000_000)
            for command in session.append(newTurn) { _ = try c.command(command.map { Array($0.utf8) }) }
            var r = try st.trim([AgentTrimPlan(session: loaded, rules: AgentTrimRules(keepTurns: 1))])
            guard case .trimmed(let d, let rereads) = r[0] else { return XCTFail("\(r[0])") }
            XCTAssertEqual(rereads, 1, "\(engine): read again")
            XCTAssertEqual(d.keptTurns, 1)
            XCTAssertEqual(try session.storedIDs(c).index, ["e3", "new"], "\(engine): the new turn kept, the older ones gone")

            // Another event of the newest turn appended after loading: kept with its turn.
            loaded = try st.get(session.id)
            let more = AgentEventSession.Event(id: "more", requestID: "r9", unixNano: newTurn.unixNano + 1_000_000_000)
            let other = AgentEventSession.Event(id: "other", requestID: "r8", unixNano: newTurn.unixNano + 500_000_000)
            for command in session.append(other) + session.append(more) { _ = try c.command(command.map { Array($0.utf8) }) }
            r = try st.trim([AgentTrimPlan(session: loaded, rules: AgentTrimRules(keepTurns: 1))])
            guard case .trimmed(_, 1) = r[0] else { return XCTFail("\(r[0])") }
            XCTAssertEqual(try session.storedIDs(c).index, ["e3", "new", "more"], "\(engine)")

            // The session deleted after loading: nothing to trim.
            loaded = try st.get(session.id)
            try st.delete(session.id)
            r = try st.trim([AgentTrimPlan(session: loaded, rules: AgentTrimRules(keepTurns: 0))])
            guard case .vanished = r[0] else { return XCTFail("\(r[0])") }
        }
    }

    func testAReadOnlyStoreRefusesToTrim() throws {
        let s = try startServer()
        let c = try connect(s)
        let session = Sess(engine: .hashidx, session: "ro", events: Sess.events(["r1", "r2"]))
        try session.write(c)
        let st = ReadOnlyStore(try store(s), why: "--read-only")
        let loaded = try st.get(session.id)
        let trimming = try XCTUnwrap(st.abilities.trimming)
        XCTAssertThrowsError(try trimming.trim([AgentTrimPlan(session: loaded, rules: AgentTrimRules(keepTurns: 1))], recorder: nil, stillQualifies: { _ in true })) { error in
            guard case SessionError.readOnly = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try session.storedIDs(c).index, ["e0", "e1"])
    }
}
