import Foundation
import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

/// Writes to trpc-agent-go sessions against a real redis-server holding what the library wrote.
final class AgentWriteTests: RedisTestCase {
    private static let sharedSet = Fixtures.shared + "/fixtures/trpc-agent/sessions.resp"
    private static let realSet = Fixtures.shared + "/fixtures/trpc-agent-real/sessions.resp"

    /// A server with the hand-made set in db 0 and the real library's set in db 1.
    private func fixtureServer() throws -> RedisServer {
        let s = try startServer()
        try s.pipe(file: Self.sharedSet)
        var real = [UInt8]("*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n".utf8)
        real += try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.realSet)))
        try s.pipe(bytes: real)
        return s
    }

    private func store(_ s: RedisServer, db: Int = 0, prefix: String = "", engine: AgentEngine? = nil) throws -> AgentStore {
        let options = RedisStoreOptions(connection: RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db, timeout: 2000), prefix: prefix)
        return try AgentStore(options: options, engine: engine, displayName: "agent-test")
    }

    private func raw(_ s: RedisServer, db: Int = 0) throws -> RedisConnection {
        try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db))
    }

    private func pttl(_ c: RedisConnection, _ key: String) throws -> Int64 { try c.command([Array("PTTL".utf8), Array(key.utf8)]).int! }

    private func meta(_ c: RedisConnection, _ key: String) throws -> JSONObject {
        let bytes = try XCTUnwrap(c.command([Array("GET".utf8), Array(key.utf8)]).bytes)
        return try XCTUnwrap(JSONParser.parse(bytes).objectValue)
    }

    private func b64(_ text: String) -> JSONValue { .string(Base64.std(Array(text.utf8))) }

    // MARK: State edits

    func testStateEditsWriteWhatTheLibraryReadsAndKeepEveryTTL() throws {
        let s = try fixtureServer()
        let c = try raw(s)
        let st = try store(s)
        let id = "support/alice@example.com/e4581641-5a1c-4f8e-bf93-c31f211feb21"
        let metaKey = "hashidx:meta:support:{alice@example.com}:e4581641-5a1c-4f8e-bf93-c31f211feb21"
        let userKey = "hashidx:userstate:support:{alice@example.com}"
        let (metaTTL, userTTL) = (try pttl(c, metaKey), try pttl(c, userKey))
        XCTAssertGreaterThan(metaTTL, 0)
        var session = try st.get(id)
        let before = try meta(c, metaKey)
        session.data["topic"] = .string("refund")
        session.data["count"] = .number("3")
        session.data["user:tier"] = .string("gold")
        session.data["app:banner"] = .string("hi")
        try st.save(SessionWrite(session, mode: .update))

        let after = try meta(c, metaKey)
        let state = try XCTUnwrap(after["state"]?.objectValue)
        XCTAssertEqual(state["topic"], b64("\"refund\""))
        XCTAssertEqual(state["count"], b64("3"))
        // Keys not changed keep their exact base64 text.
        for (k, v) in before["state"]?.objectValue ?? JSONObject() where k != "topic" { XCTAssertEqual(state[k], v, k) }
        let updated = try XCTUnwrap(after["updatedAt"]?.stringValue)
        XCTAssertTrue(updated.hasSuffix("Z"))
        XCTAssertNotNil(Durations.parseRFC3339(updated))
        XCTAssertEqual(after["createdAt"], before["createdAt"])
        XCTAssertEqual(after["id"], before["id"])
        XCTAssertLessThan(abs(try pttl(c, metaKey) - metaTTL), 1000)
        XCTAssertLessThan(abs(try pttl(c, userKey) - userTTL), 1000)
        XCTAssertEqual(try c.command("HGET", userKey, "tier").bytes, Array("\"gold\"".utf8))
        XCTAssertEqual(try c.command("HGET", "appstate:{support}", "banner").bytes, Array("\"hi\"".utf8))

        let again = try st.get(id)
        XCTAssertEqual(again.data, session.data)

        // Removing keys: own key gone from the meta, user field removed.
        var less = again
        less.data["count"] = nil
        less.data["user:tier"] = nil
        try st.save(SessionWrite(less, mode: .update))
        XCTAssertNil(try meta(c, metaKey)["state"]?.objectValue?["count"])
        XCTAssertTrue(try c.command("HGET", userKey, "tier").isNull)
        XCTAssertEqual(try st.get(id).data, less.data)
    }

    func testLegacyStateEditKeepsTheUsersHashAndItsTTL() throws {
        let s = try fixtureServer()
        let c = try raw(s, db: 1)
        let st = try store(s, db: 1, prefix: "myapp")
        let id = AgentSessionID(app: "agent:prod", user: "用户:9/y", session: "legacy/1:a").text
        let hash = "myapp:sess:{agent:prod}:用户:9/y"
        let ttl = try pttl(c, hash)
        XCTAssertGreaterThan(ttl, 0)
        var session = try st.get(id)
        XCTAssertEqual(session.agent?.engine, .legacy)
        XCTAssertEqual(session.agent?.eventCount, 1200)
        session.data["note"] = .string("checked")
        try st.save(SessionWrite(session, mode: .update))
        let record = try XCTUnwrap(JSONParser.parse(try XCTUnwrap(c.command("HGET", hash, "legacy/1:a").bytes)).objectValue)
        XCTAssertEqual(record["state"]?.objectValue?["note"], b64("\"checked\""))
        XCTAssertLessThan(abs(try pttl(c, hash) - ttl), 1000)
        XCTAssertEqual(try st.get(id).data, session.data)
    }

    func testAnAppChangeBetweenReadAndWriteIsNeverOverwritten() throws {
        let s = try fixtureServer()
        let c = try raw(s)
        let st = try store(s)
        let id = "chat/u42/71210f70-d8be-4f04-87c8-ad4dbdd34dd0"
        let metaKey = "hashidx:meta:chat:{u42}:71210f70-d8be-4f04-87c8-ad4dbdd34dd0"
        var session = try st.get(id)
        // The app rewrites the meta (as UpdateSessionState would) after sessctl read it.
        var changed = try meta(c, metaKey)
        changed["state"] = .object(JSONObject([("fromApp", b64("1"))]))
        let appBytes = GoJSONEncoder.encode(changed)
        _ = try c.command([Array("SET".utf8), Array(metaKey.utf8), appBytes])
        session.data["mine"] = .string("x")
        XCTAssertThrowsError(try st.save(SessionWrite(session, mode: .update))) { error in
            guard case SessionError.conflict = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try c.command([Array("GET".utf8), Array(metaKey.utf8)]).bytes, appBytes)
        // A user-state change by the app is a conflict too.
        var fresh = try st.get(id)
        _ = try c.command("HSET", "hashidx:userstate:chat:{u42}", "lang", "\"fr\"")
        fresh.data["mine"] = .string("y")
        XCTAssertThrowsError(try st.save(SessionWrite(fresh, mode: .update)))
    }

    func testADeleteOfTheSessionAsReadIsRefusedOnceTheAppAppendedAnEvent() throws {
        let s = try fixtureServer()
        let c = try raw(s)
        let st = try store(s)
        let id = "chat/u42/71210f70-d8be-4f04-87c8-ad4dbdd34dd0"
        let read = try st.get(id)
        // The app appends an event (HashIdx AppendEvent does not touch the meta).
        _ = try c.command("HSET", "hashidx:evtdata:chat:{u42}:71210f70-d8be-4f04-87c8-ad4dbdd34dd0", "late", "{\"id\":\"late\"}")
        _ = try c.command("ZADD", "hashidx:evtidx:time:chat:{u42}:71210f70-d8be-4f04-87c8-ad4dbdd34dd0", "1900000000000000000", "late")
        let result = try st.delete(unchanged: [(id, read.revision!)])[0]
        guard case .failure(.conflict) = result else { return XCTFail("\(result)") }
        XCTAssertEqual(try c.command("EXISTS", "hashidx:meta:chat:{u42}:71210f70-d8be-4f04-87c8-ad4dbdd34dd0").int, 1)
        // A state edit is not held up by the new event.
        var edited = read
        edited.data["note"] = .string("x")
        XCTAssertNoThrow(try st.save(SessionWrite(edited, mode: .update)))
        let fresh = try st.get(id)
        XCTAssertEqual(try st.delete(unchanged: [(id, fresh.revision!)])[0].isSuccess, true)
    }

    // MARK: Delete and expiry

    func testDeleteRemovesEveryKeyOfTheSessionAsDeleteSessionDoes() throws {
        let s = try fixtureServer()
        let c = try raw(s, db: 1)
        let before = Set(try c.command("KEYS", "*").array!.map { $0.string! })
        let plain = try store(s, db: 1), prefixed = try store(s, db: 1, prefix: "myapp")
        try plain.delete("chat/u42/real-h-plain-0001")  // tracks, summaries
        try plain.delete("chat/u7/real-l-plain")  // legacy, track, shares its user's hash
        try prefixed.delete("support/alice@example.com/real-h-ttl")  // user session index
        let after = Set(try c.command("KEYS", "*").array!.map { $0.string! })
        let gone = before.subtracting(after)
        XCTAssertEqual(
            gone,
            [
                "hashidx:meta:chat:{u42}:real-h-plain-0001", "hashidx:evtdata:chat:{u42}:real-h-plain-0001",
                "hashidx:evtidx:time:chat:{u42}:real-h-plain-0001", "hashidx:sesssum:chat:{u42}:real-h-plain-0001",
                "hashidx:trkdata:chat:{u42}:real-h-plain-0001:tool_calls", "hashidx:trkidx:time:chat:{u42}:real-h-plain-0001:tool_calls",
                "hashidx:trkidx:names:chat:{u42}:real-h-plain-0001",
                "event:{chat}:u7:real-l-plain", "track:{chat}:u7:real-l-plain:tool_calls", "trackidx:{chat}:u7:real-l-plain",
                "sesssum:{chat}:u7",  // its only field was the session's
                "myapp:hashidx:meta:support:{alice@example.com}:real-h-ttl", "myapp:hashidx:evtdata:support:{alice@example.com}:real-h-ttl",
                "myapp:hashidx:evtidx:time:support:{alice@example.com}:real-h-ttl", "myapp:hashidx:sesssum:support:{alice@example.com}:real-h-ttl"
            ])
        XCTAssertEqual(try c.command("HKEYS", "sess:{chat}:u7").array?.compactMap(\.string), ["real-l-zero"])
        XCTAssertFalse(try c.command("HKEYS", "sesssum:{chat}:u7").array!.contains(.bulk(Array("real-l-plain".utf8))))
        XCTAssertEqual(try c.command("HKEYS", "myapp:hashidx:sessidx:support:{alice@example.com}").array?.compactMap(\.string), ["real-h-ttl-2"])
        XCTAssertEqual(try plain.load(["chat/u42/real-h-plain-0001"])[0].isMissing, true)
        XCTAssertThrowsError(try plain.delete("chat/u42/real-h-plain-0001"))
    }

    func testExpireGivesTheSessionsOwnKeysTheLifetimeAndRespectsTheLegacySharedTTL() throws {
        let s = try fixtureServer()
        let c = try raw(s, db: 1)
        let st = try store(s, db: 1), prefixed = try store(s, db: 1, prefix: "myapp")
        let now = SystemTime.nowMillis()
        try st.setExpiry("chat/u42/real-h-plain-0001", .at(now + 3_600_000))
        for key in [
            "hashidx:meta:chat:{u42}:real-h-plain-0001", "hashidx:evtdata:chat:{u42}:real-h-plain-0001", "hashidx:evtidx:time:chat:{u42}:real-h-plain-0001",
            "hashidx:sesssum:chat:{u42}:real-h-plain-0001", "hashidx:trkdata:chat:{u42}:real-h-plain-0001:tool_calls"
        ] {
            XCTAssertLessThan(abs(try pttl(c, key) - 3_600_000), 2000, key)
        }
        XCTAssertEqual(try pttl(c, "hashidx:userstate:chat:{u42}"), -1)
        try prefixed.setExpiry("support/alice@example.com/real-h-ttl", .never)
        XCTAssertEqual(try pttl(c, "myapp:hashidx:meta:support:{alice@example.com}:real-h-ttl"), -1)
        XCTAssertEqual(try pttl(c, "myapp:hashidx:sessidx:support:{alice@example.com}"), -1)

        // Two legacy sessions share sess:{chat}:u7: one alone is refused, both together go.
        XCTAssertThrowsError(try st.setExpiry("chat/u7/real-l-plain", .at(now + 60_000))) { error in
            XCTAssertTrue("\(error)".contains("share the TTL"), "\(error)")
        }
        XCTAssertEqual(try pttl(c, "sess:{chat}:u7"), -1)
        let both = try st.setExpiry([("chat/u7/real-l-plain", .at(now + 60_000)), ("chat/u7/real-l-zero", .at(now + 60_000))])
        XCTAssertTrue(both.allSatisfy { (try? $0.get()) == true })
        XCTAssertGreaterThan(try pttl(c, "sess:{chat}:u7"), 50_000)
        XCTAssertGreaterThan(try pttl(c, "event:{chat}:u7:real-l-plain"), 50_000)
    }

    // MARK: Copies

    func testACopyIntoAnotherDatabaseIsByteIdenticalKeyByKeyWithItsTTLs() throws {
        let s = try fixtureServer()
        for (prefix, db) in [("", 1), ("myapp", 1), ("", 0)] {
            let source = try store(s, db: db, prefix: prefix), target = try store(s, db: 5 + db, prefix: prefix)
            var copied = 0
            try source.scanSessions(matching: nil, pageSize: 100) { page in
                XCTAssertTrue(page.broken.isEmpty, "\(page.broken)")
                let results = try target.save(page.sessions.map { SessionWrite($0, mode: .create) })
                for r in results { XCTAssertNoThrow(try r.get()) }
                copied += page.sessions.count
                return .proceed
            }
            XCTAssertGreaterThan(copied, 1)
            try source.scanSessions(matching: nil, pageSize: 100) { page in
                for original in page.sessions {
                    let copy = try target.get(original.id)
                    let (a, b) = (original.agent!, copy.agent!)
                    XCTAssertEqual(a.engine, b.engine)
                    XCTAssertEqual(a.keys.count, b.keys.count, original.id)
                    for k in a.keys {
                        let other = try XCTUnwrap(b.key(k.role, track: k.track), "\(original.id) \(k.role)")
                        XCTAssertEqual(k.content, other.content, "\(original.id) \(k.role)")
                        switch (k.expiry, other.expiry) {
                        case (.never, .never): break
                        case (.at(let x), .at(let y)): XCTAssertLessThan(abs(x - y), 1000, "\(original.id) \(k.role)")
                        default: XCTFail("\(original.id) \(k.role): \(k.expiry) vs \(other.expiry)")
                        }
                    }
                    XCTAssertEqual(copy.data, original.data)
                }
                return .proceed
            }
            // A second copy over the first is refused as a create, and replaces it as an upsert.
            var again: [Session] = []
            try source.scanSessions(matching: nil, pageSize: 100) { page in
                again += page.sessions
                return .proceed
            }
            XCTAssertTrue(try target.save(again.map { SessionWrite($0, mode: .create) }).allSatisfy { if case .failure(.alreadyExists) = $0 { return true } else { return false } })
            XCTAssertTrue(try target.save(again.map { SessionWrite($0, mode: .upsert) }).allSatisfy(\.isSuccess))
        }
    }
}

extension LoadResult {
    fileprivate var isMissing: Bool {
        if case .missing = self { return true }
        return false
    }
}
