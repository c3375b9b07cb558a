import Foundation
import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

/// The SCS and redistore layouts against a real redis-server holding what the real libraries wrote.
final class RedisGoStoreTests: RedisTestCase {

    /// The fixture sets as `fixtureServer()` loaded them.
    private var scsSet = GoFixtureSet.scs, gorillaSet = GoFixtureSet.redistore

    /// A server holding the SCS and redistore fixtures in db 0, loaded relative to now.
    private func fixtureServer() throws -> RedisServer {
        let s = try startServer()
        let earlier = GoFixtureSet.madeEarlierMillis(forTest: name)
        scsSet = try GoFixtureSet.scs.madeEarlier(byMillis: earlier).load(into: s)
        gorillaSet = try GoFixtureSet.redistore.madeEarlier(byMillis: earlier).load(into: s)
        return s
    }

    private func store(_ s: RedisServer, _ layout: SessionLayout, json: Bool = false, prefix: String? = nil, db: Int = 0) throws -> RedisStore {
        let defaultPrefix = layout == .scs ? "scs:session:" : "session_"
        var options = RedisStoreOptions(
            connection: RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db, timeout: 2000),
            prefix: prefix ?? defaultPrefix)
        options.serializer = json ? "json" : nil
        return try RedisStore(options: options, layout: layout, displayName: "go-test", clock: .system)
    }

    private func raw(_ s: RedisServer, db: Int = 0) throws -> RedisConnection {
        try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db))
    }

    private func get(_ c: RedisConnection, _ key: String) throws -> [UInt8]? {
        try c.command([Array("GET".utf8), Array(key.utf8)]).bytes
    }

    private func id(_ s: GoFixtureSet.Session, prefix: String) -> String { String(s.key.dropFirst(prefix.count)) }

    // MARK: The conformance suite

    func testConformance() throws {
        let s = try startServer(extraArgs: ["--databases", "128"])
        var db = 0
        for (layout, json) in [(SessionLayout.scs, false), (.redistore, false), (.redistore, true)] {
            try StoreConformance(makeStore: {
                db += 1
                let c = try self.raw(s, db: db)
                _ = try c.command("SET", "sX:alpha1", "decoy")
                return try self.store(s, layout, json: json, prefix: "s*[:]", db: db)
            }).run()
        }
    }

    // MARK: What the libraries wrote

    func testEveryFixtureSessionLoadsAsTheLibraryReadsIt() throws {
        let s = try fixtureServer()
        let scs = try store(s, .scs), gorilla = try store(s, .redistore)
        let now = scs.clock.nowMillis()
        for e in scsSet.sessions {
            let session = try scs.get(id(e, prefix: "scs:session:"))
            guard case .object(let values)? = e.raw["values"] else { return XCTFail() }
            for (key, v) in values {
                XCTAssertEqual(GoTypedExpectation.plainDifferences(session.data[key], v.objectValue!, path: "\(e.name).\(key)"), [])
            }
            XCTAssertEqual(session.deadline?.rfc3339, e.raw["deadline"]?.stringValue)
            // The earlier of the Deadline and the TTL (the TTL counts from loading the file; the
            // Deadline is fixed, so it comes first once the set is older than its lifetime).
            let left = try XCTUnwrap(session.expiry.remaining(now: now))
            let deadline = GoTime(rfc3339: e.raw["deadline"]!.stringValue!)!.unixMillis
            XCTAssertEqual(Double(left), Double(min(e.pttlMillis, deadline - now)), accuracy: 60_000, e.name)
            XCTAssertEqual(session.size, e.stored.count)
        }
        for e in gorillaSet.sessions {
            let session = try gorilla.get(id(e, prefix: "session_"))
            guard case .array(let entries)? = e.raw["values"] else { return XCTFail() }
            XCTAssertEqual(session.data.count, entries.count)
            for entry in entries {
                let key = entry.objectValue!["key"]!.objectValue!["value"]!.stringValue!
                XCTAssertEqual(GoTypedExpectation.plainDifferences(session.data[key], entry.objectValue!["value"]!.objectValue!, path: "\(e.name).\(key)"), [])
            }
            XCTAssertNil(session.deadline)
            XCTAssertEqual(Double(try XCTUnwrap(session.expiry.remaining(now: now))), Double(e.pttlMillis), accuracy: 60_000, e.name)
        }
        // The scan sees every session with its key count and (SCS) deadline, and nothing else.
        var infos: [String: SessionInfo] = [:]
        try scs.scan(matching: nil, pageSize: 4) { page in
            XCTAssertTrue(page.skipped.isEmpty)
            for i in page.sessions { infos[i.id] = i }
            return .proceed
        }
        XCTAssertEqual(infos.count, 11)
        for e in scsSet.sessions {
            let info = try XCTUnwrap(infos[id(e, prefix: "scs:session:")])
            XCTAssertEqual(info.keyCount, e.raw["values"]?.objectValue?.count)
            XCTAssertNil(info.problem)
            XCTAssertEqual(info.deadline, GoTime(rfc3339: e.raw["deadline"]!.stringValue!)!.unixMillis)
        }
        // SCS's HashTokenInStore: the cookie token hashes to the store key.
        let hashed = try XCTUnwrap(scsSet.sessions.first { $0.name == "hashed-token" })
        XCTAssertEqual(SCSTokens.storeKey(forToken: hashed.raw["token"]!.stringValue!), hashed.raw["store_key_token"]?.stringValue)
        XCTAssertEqual(id(hashed, prefix: "scs:session:"), hashed.raw["store_key_token"]?.stringValue)
    }

    /// Test 2 in the store: saving a loaded session unchanged leaves the library's bytes and TTL.
    func testSavingAnUnchangedSessionLeavesTheLibrarysBytes() throws {
        let s = try fixtureServer()
        let c = try raw(s)
        for (set, layout, prefix) in [(scsSet, SessionLayout.scs, "scs:session:"), (gorillaSet, .redistore, "session_")] {
            let st = try store(s, layout)
            for e in set.sessions {
                let session = try st.get(id(e, prefix: prefix))
                let before = try c.command("PTTL", e.key).int!
                try st.save(SessionWrite(session, mode: .update, expiry: .keep))
                XCTAssertEqual(try get(c, e.key), e.stored, e.name)
                XCTAssertEqual(Double(try c.command("PTTL", e.key).int!), Double(before), accuracy: 5_000, e.name)
            }
        }
    }

    func testForeignAndCutValuesAreShownAndNeverRewritten() throws {
        let s = try fixtureServer()
        let c = try raw(s)
        let login = try XCTUnwrap(scsSet.sessions.first { $0.name == "login" })
        let cut = Array(login.stored.prefix(120))
        let foreign = Array(#"{"deadline":"2026-11-22T06:17:28Z","values":{"userID":1}}"#.utf8)
        _ = try c.command([Array("SET".utf8), Array("scs:session:cut".utf8), cut, Array("PX".utf8), Array("600000".utf8)])
        _ = try c.command([Array("SET".utf8), Array("scs:session:foreign".utf8), foreign, Array("PX".utf8), Array("600000".utf8)])
        let st = try store(s, .scs)
        for (name, bytes, kind) in [("cut", cut, "truncated gob data"), ("foreign", foreign, "foreign value: JSON text")] {
            guard case .broken(let e) = try st.load(name) else { return XCTFail(name) }
            XCTAssertTrue(e.description.contains(kind), e.description)
            XCTAssertTrue(e.description.hasSuffix("left untouched"), e.description)
            XCTAssertFalse(e.description.contains("\n"))
            let session = Session(id: name, data: JSONObject([("userID", .number("2"))]), expiry: .never)
            for write in [SessionWrite(session, mode: .upsert), SessionWrite(session, mode: .update)] {
                XCTAssertThrowsError(try st.save(write)) { e in XCTAssertTrue("\(e)".contains(kind), "\(e)") }
            }
            XCTAssertThrowsError(try st.setExpiry(name, .at(st.clock.nowMillis() + 3_600_000)))
            XCTAssertEqual(try get(c, "scs:session:\(name)"), bytes, "never rewritten")
            XCTAssertGreaterThan(try c.command("PTTL", "scs:session:\(name)").int!, 500_000)
        }
        var problems: [String: String] = [:]
        try st.scan(matching: nil, pageSize: 100) { page in
            for i in page.sessions where i.problem != nil { problems[i.id] = i.problem }
            return .proceed
        }
        XCTAssertEqual(Set(problems.keys), ["cut", "foreign"])
        // They can still be deleted.
        XCTAssertEqual(try st.delete(["cut", "foreign"]).map { try $0.get() }, [true, true])
        // A gorilla store holds gob and JSON side by side; text that is neither is foreign.
        _ = try c.command("SET", "session_text", "hello world")
        guard case .broken(let e) = try store(s, .redistore).load("text") else { return XCTFail() }
        XCTAssertTrue(e.description.contains("foreign value: not a gob stream"), e.description)
    }

    func testSCSExpiryRewritesTheDeadlineAndTheTTL() throws {
        let s = try fixtureServer()
        let c = try raw(s)
        let st = try store(s, .scs)
        let idle = try XCTUnwrap(scsSet.sessions.first { $0.name == "idle-timeout" })
        let sid = id(idle, prefix: "scs:session:")
        let before = try st.get(sid)
        let now = st.clock.nowMillis()
        XCTAssertEqual(Double(before.expiry.remaining(now: now)!), 7_200_000, accuracy: 60_000, "the TTL is earlier than the Deadline")
        let t = now + 3 * 86_400_000
        try st.setExpiry(sid, .at(t))
        let blob = try XCTUnwrap(try get(c, idle.key))
        let decoded = try SCSCodec.decode(blob).get()
        XCTAssertEqual(decoded.deadline, GoTime(unixMillis: t))
        XCTAssertTrue(decoded.deadline!.isUTC)
        XCTAssertEqual(decoded.values.entries, try SCSCodec.decode(idle.stored).get().values.entries, "the values are untouched")
        XCTAssertEqual(Double(try c.command("PTTL", idle.key).int!), Double(t - now), accuracy: 5_000)
        XCTAssertEqual(try st.get(sid).expiry, .at(t))
        XCTAssertThrowsError(try st.setExpiry(sid, .never), "an SCS session always has a deadline")
        // A write that keeps the lifetime keeps both.
        var session = try st.get(sid)
        try session.setValue("cart", to: .string("K-9"), typeName: nil, store: st.displayName)
        try st.save(SessionWrite(session, mode: .update))
        XCTAssertEqual(try SCSCodec.decode(try XCTUnwrap(try get(c, idle.key))).get().deadline, GoTime(unixMillis: t))
        XCTAssertEqual(Double(try c.command("PTTL", idle.key).int!), Double(t - now), accuracy: 5_000)
    }

    func testNewSessionsAreWhatTheLibrariesWrite() throws {
        let s = try startServer()
        let c = try raw(s)
        let scs = try store(s, .scs)
        var session = scs.newSession(id: "new", expiry: .at(scs.clock.nowMillis() + 3_600_000))
        try session.setValue("userID", to: .number("7"), typeName: "int", store: "t")
        try session.setValue("name", to: .string("ann"), typeName: nil, store: "t")
        try scs.save(SessionWrite(session, mode: .create, expiry: .set(session.expiry)))
        let blob = try XCTUnwrap(try get(c, "scs:session:new"))
        // The three definitions SCS writes first, with the ids a fresh Go process gives them.
        XCTAssertEqual(Array(blob.prefix(96)), Array(scsSet.sessions[0].stored.prefix(96)))
        let decoded = try SCSCodec.decode(blob).get()
        XCTAssertEqual(try decoded.values.plainData(), JSONObject([("name", .string("ann")), ("userID", .number("7"))]))
        XCTAssertEqual(Double(decoded.deadline!.unixMillis - scs.clock.nowMillis()), 3_600_000, accuracy: 5_000)
        // redistore writes gob, or JSON with serializer=json.
        for (json, prefix) in [(false, "session_g"), (true, "session_j")] {
            let st = try StoreAddress.parse("redis://\(s.host):\(s.port)?layout=redistore" + (json ? "&serializer=json" : "")).open()
            var g = st.newSession(id: String(prefix.dropFirst(8)), expiry: .never)
            try g.setValue("user_id", to: .number("42"), typeName: json ? nil : "int", store: "t")
            try st.save(SessionWrite(g, mode: .create))
            let bytes = try XCTUnwrap(try get(c, prefix))
            if json {
                XCTAssertEqual(String(decoding: bytes, as: UTF8.self), #"{"user_id":42}"#)
            } else {
                XCTAssertEqual(
                    bytes,
                    [0x0e, 0xff, 0x81, 0x04, 0x01, 0x02, 0xff, 0x82, 0x00, 0x01, 0x10, 0x01, 0x10, 0x00, 0x00, 0x1e, 0xff, 0x82, 0x00, 0x01, 0x06]
                        + Array("string".utf8) + [0x0c, 0x09, 0x00, 0x07] + Array("user_id".utf8) + [0x03] + Array("int".utf8) + [0x04, 0x02, 0x00, 0x54],
                    "other-stores.md's example, byte for byte")
            }
            XCTAssertEqual(Double(try c.command("PTTL", prefix).int!), 2_592_000_000, accuracy: 5_000, "gorilla's 30 days")
        }
    }

    func testExportLinesCarryTheStoredBlobAndAStoreOfItsLayoutReadsIt() throws {
        let s = try fixtureServer()
        let gorilla = try store(s, .redistore), scs = try store(s, .scs)
        for e in gorillaSet.sessions {
            let session = try gorilla.get(id(e, prefix: "session_"))
            var line: [UInt8] = []
            SessionNDJSON.append(session, layout: .redistore, to: &line)
            let text = String(decoding: line, as: UTF8.self)
            XCTAssertTrue(text.hasPrefix("{\"blob\":\"\(Base64.std(e.stored))\",\"data\":"), text)
            XCTAssertTrue(text.contains(",\"serializer\":\"\(e.serializer)\",\"typed\":"), text)
            var back = try SessionNDJSON.parse(Array(line.dropLast()), location: "test: line 1")
            XCTAssertEqual(back.storedBlob?.bytes, e.stored)
            XCTAssertEqual(back.storedBlob?.isRead, false)
            // Another layout leaves it alone; its own reads it and takes its Go types.
            try XCTUnwrap(scs.exportLineReader).prepare(&back)
            XCTAssertNil(back.goTypes)
            try XCTUnwrap(gorilla.exportLineReader).prepare(&back)
            XCTAssertEqual(back.storedBlob?.isRead, true)
            XCTAssertEqual(back.data, session.data)
            XCTAssertEqual(try back.typedData(store: "t"), try session.typedData(store: "t"))
        }
        // A changed session no longer carries the bytes it was read from.
        var changed = try scs.get(id(scsSet.sessions[0], prefix: "scs:session:"))
        try changed.setValue("n", to: .number("1"), typeName: nil, store: "t")
        var line: [UInt8] = []
        SessionNDJSON.append(changed, layout: .scs, to: &line)
        XCTAssertFalse(String(decoding: line, as: UTF8.self).contains("\"blob\""))
        // Malformed members fail the line.
        for (member, says) in [
            (#""blob":"*","layout":"scs""#, #""blob" is not a base64 string"#),
            (#""blob":"AA==""#, #""blob" without the "layout" that stored it"#),
            (#""blob":"AA==","layout":"redistore","serializer":"xml""#, #""serializer" is not "gob" or "json""#),
            (#""blob":"","layout":"php","serializer":"json""#, #""serializer" is not "php" or "php_serialize""#),
            (#""blob":"AA==","layout":"flask-session","serializer":"gob""#, #""serializer" is not "msgpack", "json" or "pickle""#)
        ] {
            let bad = Array(#"{"data":{},"expires_at":null,"id":"x","#.utf8) + Array(member.utf8) + [UInt8(ascii: "}")]
            XCTAssertThrowsError(try SessionNDJSON.parse(bad, location: "stdin: line 9")) { e in
                XCTAssertTrue("\(e)".hasPrefix("stdin: line 9: \(says) (session 'x')"), "\(e)")
            }
        }
    }

    func testSessionsMoveOnlyBetweenStoresOfOneFramework() throws {
        let scs = StoreCapabilities(canPersist: false, keepsExpiredSessions: false, framework: .scs, hasDeadlines: true)
        let gorilla = StoreCapabilities(canPersist: true, keepsExpiredSessions: false, framework: .gorilla)
        let goframe = StoreCapabilities(canPersist: true, keepsExpiredSessions: false)
        XCTAssertNil(scs.transferRefusal(to: scs, from: "a", to: "b"))
        XCTAssertNil(goframe.transferRefusal(to: StoreCapabilities(canPersist: false, keepsExpiredSessions: true), from: "a", to: "b"))
        let refusal = try XCTUnwrap(scs.transferRefusal(to: gorilla, from: "redis://a?layout=scs", to: "redis://b?layout=redistore"))
        XCTAssertEqual(
            refusal,
            "redis://a?layout=scs holds SCS sessions and redis://b?layout=redistore holds gorilla/sessions sessions: an app of one framework cannot read the other's, so sessions do not move between them"
        )
        XCTAssertNotNil(goframe.transferRefusal(to: scs, from: "a", to: "b"))
        // A session carried to the wrong store fails with a clear line, and nothing is written.
        let s = try fixtureServer()
        let fromSCS = try store(s, .scs).get(id(scsSet.sessions[0], prefix: "scs:session:"))
        var moved = fromSCS
        moved.id = "moved"
        XCTAssertThrowsError(try store(s, .redistore).save(SessionWrite(moved, mode: .create))) { e in
            XCTAssertTrue("\(e)".contains("not a gorilla session's"), "\(e)")
        }
        // Between two SCS stores a session keeps its bytes and its own Deadline.
        let other = try store(s, .scs, prefix: "copy:")
        try other.save(SessionWrite(moved, mode: .create, expiry: .set(fromSCS.expiry)))
        let copied = try other.get("moved")
        XCTAssertEqual(copied.deadline, fromSCS.deadline)
        XCTAssertEqual(copied.data, fromSCS.data)
        XCTAssertEqual(try get(try raw(s), "copy:moved"), scsSet.sessions[0].stored)
    }

    // MARK: The same on a set made three years earlier (nothing depends on today's date)

    func testEveryFixtureSessionLoadsAsTheLibraryReadsItOnFixturesMadeThreeYearsEarlier() throws {
        try testEveryFixtureSessionLoadsAsTheLibraryReadsIt()
    }

    func testSavingAnUnchangedSessionLeavesTheLibrarysBytesOnFixturesMadeThreeYearsEarlier() throws {
        try testSavingAnUnchangedSessionLeavesTheLibrarysBytes()
    }

    func testSCSExpiryRewritesTheDeadlineAndTheTTLOnFixturesMadeThreeYearsEarlier() throws {
        try testSCSExpiryRewritesTheDeadlineAndTheTTL()
    }

    func testExportLinesCarryTheStoredBlobAndAStoreOfItsLayoutReadsItOnFixturesMadeThreeYearsEarlier() throws {
        try testExportLinesCarryTheStoredBlobAndAStoreOfItsLayoutReadsIt()
    }

    func testSessionsMoveOnlyBetweenStoresOfOneFrameworkOnFixturesMadeThreeYearsEarlier() throws {
        try testSessionsMoveOnlyBetweenStoresOfOneFramework()
    }
}
