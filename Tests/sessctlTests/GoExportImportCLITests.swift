import Foundation
import RedisClient
import SessionKit
import TestSupport
import XCTest

/// `sessctl export | sessctl import` between two Redis databases of one Go layout (SCS,
/// gorilla/redistore), through the real binary, on every session the real libraries wrote: the
/// copy is the source's bytes, equals what `migrate` writes, and what cannot be read is
/// reported and skipped.
final class GoExportImportCLITests: XCTestCase {
    private var server: RedisServer!

    private struct Layout {
        let name: String
        let sessions: [GoFixtureSet.Session]
        /// Entries the layout's codec cannot read: key, bytes, what the report says.
        let bad: [(key: String, bytes: [UInt8], says: String)]
    }

    private var layouts: [Layout] = []
    /// The fixture sets as loaded, relative to now.
    private var scsSet = GoFixtureSet.scs, gorillaSet = GoFixtureSet.redistore

    override func setUpWithError() throws {
        server = try RedisServer()
        let earlier = GoFixtureSet.madeEarlierMillis(forTest: name)
        scsSet = try GoFixtureSet.scs.madeEarlier(byMillis: earlier).load(into: server)
        gorillaSet = try GoFixtureSet.redistore.madeEarlier(byMillis: earlier).load(into: server)
        let login = try XCTUnwrap(scsSet.sessions.first { $0.name == "login" })
        let flashes = try XCTUnwrap(gorillaSet.sessions.first { $0.name == "flashes" })
        layouts = [
            Layout(
                name: "scs", sessions: scsSet.sessions,
                bad: [
                    ("scs:session:cut", Array(login.stored.prefix(150)), "truncated gob data"),
                    ("scs:session:json", Array(#"{"deadline":"2026-11-22T06:17:28Z","values":{"userID":1001}}"#.utf8), "foreign value: JSON text"),
                    ("scs:session:gorilla", flashes.stored, "foreign value: a gob stream of map[interface {}]interface {}")
                ]),
            Layout(
                name: "redistore", sessions: gorillaSet.sessions,
                bad: [
                    ("session_cut", Array(flashes.stored.dropLast(3)), "truncated gob data"),
                    ("session_cookie", Array("MTc5NTI0MTg0OHxEdi1CQkFFQ180SUFBUkFCRUFBQUJQLUNBQUE9fA==".utf8), "foreign value: not a gob stream")
                ])
        ]
        let c = try connection(db: 0)
        for layout in layouts {
            for b in layout.bad { _ = try c.command([Array("SET".utf8), Array(b.key.utf8), b.bytes, Array("PX".utf8), Array("600000".utf8)]) }
        }
    }

    override func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    private func address(_ layout: String, db: Int, _ extra: String = "") -> String {
        "redis://\(server.host):\(server.port)/\(db)?layout=\(layout)\(extra)"
    }

    private func connection(db: Int) throws -> RedisConnection {
        try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: server.host, port: server.port), db: db))
    }

    private func stored(db: Int, _ key: String) throws -> [UInt8]? {
        try connection(db: db).command([Array("GET".utf8), Array(key.utf8)]).bytes
    }

    private func pttl(db: Int, _ key: String) throws -> Int64 { try connection(db: db).command("PTTL", key).int! }

    private func keyCount(db: Int) throws -> Int64 { try connection(db: db).command("DBSIZE").int! }

    private func id(_ e: GoFixtureSet.Session, _ layout: String) -> String {
        String(e.key.dropFirst(layout == "scs" ? "scs:session:".count : "session_".count))
    }

    private func object(_ line: String) throws -> JSONObject {
        try XCTUnwrap(try JSONParser.parse(Array(line.utf8)).objectValue, line)
    }

    private func text(_ o: JSONObject) -> String { String(decoding: GoJSONEncoder.encode(o), as: UTF8.self) }

    /// The effective expiry of a source session in ms from now: its TTL, and for SCS the earlier
    /// of that and the Deadline inside the blob (what SCS itself would set at its next commit).
    private func sourceExpiryLeft(_ e: GoFixtureSet.Session, _ layout: String, now: Int64) throws -> Int64 {
        let ttl = try pttl(db: 0, e.key)
        guard layout == "scs", let deadline = try SCSCodec.decode(e.stored).get().deadline else { return ttl }
        return min(ttl, deadline.unixMillis - now)
    }

    // MARK: Every fixture, both layouts

    func testExportImportOfEveryGoFixtureKeepsItsBytesAndEqualsMigrate() throws {
        for layout in layouts {
            let n = layout.sessions.count
            let export = Sessctl.run(["export", "-s", address(layout.name, db: 0)])
            XCTAssertEqual(export.status, 4, "some sessions could not be read: \(export.stderr)")
            XCTAssertTrue(export.stderr.contains("exported \(n) sessions"), export.stderr)
            XCTAssertTrue(export.stderr.contains("\(layout.bad.count) could not be read"), export.stderr)
            for b in layout.bad { XCTAssertTrue(export.stderr.contains(b.says), "\(b.key): \(export.stderr)") }
            XCTAssertEqual(export.stdoutLines.count, n)
            for line in export.stdoutLines {
                let o = try object(line)
                let e = try XCTUnwrap(layout.sessions.first { id($0, layout.name) == o["id"]?.stringValue }, line)
                XCTAssertEqual(o["blob"]?.stringValue.flatMap(Base64.decodeStd), e.stored, "\(e.name): the exact stored bytes")
                XCTAssertEqual(o["layout"], .string(layout.name))
                XCTAssertEqual(o["serializer"], layout.name == "redistore" ? .string(e.serializer) : nil, e.name)
                XCTAssertNotNil(o["typed"])
                XCTAssertTrue(line.hasPrefix("{\"blob\":"), "members in byte order")
            }

            let imported = Sessctl.run(["import", "-s", address(layout.name, db: 1), "--verify"], input: export.stdout)
            XCTAssertEqual(imported.status, 0, imported.stderr)
            XCTAssertEqual(imported.summary["copied"], String(n), imported.stdout)
            XCTAssertEqual(imported.summary["verified"], String(n), imported.stdout)
            let migrated = Sessctl.run(["migrate", "--from", address(layout.name, db: 0), "--to", address(layout.name, db: 2)])
            XCTAssertEqual(migrated.status, 4, "migrate: some failed: \(migrated.stderr)")
            XCTAssertEqual(migrated.summary["copied"], String(n), migrated.stdout)
            XCTAssertEqual(migrated.summary["failed"], String(layout.bad.count), migrated.stdout)
            for b in layout.bad { XCTAssertTrue(migrated.stderr.contains(b.says), "\(b.key): \(migrated.stderr)") }

            let now = SystemTime.nowMillis()
            for e in layout.sessions {
                let copy = try stored(db: 1, e.key)
                XCTAssertEqual(copy, e.stored, "\(layout.name) \(e.name): the source's bytes")
                XCTAssertEqual(try stored(db: 2, e.key), copy, "\(layout.name) \(e.name): export | import equals migrate")
                let left = Double(try sourceExpiryLeft(e, layout.name, now: now))
                XCTAssertEqual(Double(try pttl(db: 1, e.key)), left, accuracy: 2000, "\(layout.name) \(e.name): the same expiry")
                XCTAssertEqual(Double(try pttl(db: 2, e.key)), left, accuracy: 2000, "\(layout.name) \(e.name): as migrate")
                let typed = Sessctl.run(["get", "-s", address(layout.name, db: 0), id(e, layout.name), "-o", "typed"])
                XCTAssertEqual(typed.status, 0, typed.stderr)
                XCTAssertEqual(Sessctl.run(["get", "-s", address(layout.name, db: 1), id(e, layout.name), "-o", "typed"]).stdout, typed.stdout, e.name)
            }
            for b in layout.bad {
                XCTAssertNil(try stored(db: 1, b.key), "\(b.key) is not copied")
                XCTAssertNil(try stored(db: 2, b.key), "\(b.key) is not migrated")
            }

            // Run again: everything is there; --overwrite writes the same bytes and lifetime again.
            let again = Sessctl.run(["import", "-s", address(layout.name, db: 1)], input: export.stdout)
            XCTAssertEqual(again.status, 0, again.stderr)
            XCTAssertEqual(again.summary["skipped existing"], String(n))
            let over = Sessctl.run(["import", "-s", address(layout.name, db: 1), "--overwrite", "--verify"], input: export.stdout)
            XCTAssertEqual(over.status, 0, over.stderr)
            XCTAssertEqual(over.summary["copied"], String(n))
            let later = SystemTime.nowMillis()
            for e in layout.sessions {
                XCTAssertEqual(try stored(db: 1, e.key), e.stored, "\(e.name) after --overwrite")
                XCTAssertEqual(Double(try pttl(db: 1, e.key)), Double(try sourceExpiryLeft(e, layout.name, now: later)), accuracy: 2000, e.name)
            }
            // A dry run counts and writes nothing.
            let dry = Sessctl.run(["import", "-s", address(layout.name, db: 5), "--dry-run"], input: export.stdout)
            XCTAssertEqual(dry.status, 0, dry.stderr)
            XCTAssertEqual(dry.summary["would copy"], String(n))
            XCTAssertEqual(try keyCount(db: 5), 0)
        }
        // redistore's serializer= picks the serializer of new sessions only: gob and JSON
        // sessions keep theirs, through migrate and export | import alike.
        let export = Sessctl.run(["export", "-s", address("redistore", db: 0)])
        let imported = Sessctl.run(["import", "-s", address("redistore", db: 3, "&serializer=json")], input: export.stdout)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        _ = Sessctl.run(["migrate", "--from", address("redistore", db: 0), "--to", address("redistore", db: 4, "&serializer=json")])
        for e in gorillaSet.sessions {
            XCTAssertEqual(try stored(db: 3, e.key), e.stored, e.name)
            XCTAssertEqual(try stored(db: 4, e.key), e.stored, e.name)
        }
    }

    // MARK: Lines edited by hand

    func testEditedLinesAreLaidOverTheBlobAndBadBlobsFailAlone() throws {
        let export = Sessctl.run(["export", "-s", address("scs", db: 0)])
        var lines: [String: JSONObject] = [:]
        for line in export.stdoutLines {
            let o = try object(line)
            lines[o["id"]!.stringValue!] = o
        }
        func line(_ name: String) throws -> JSONObject {
            let e = try XCTUnwrap(scsSet.sessions.first { $0.name == name })
            return try XCTUnwrap(lines[id(e, "scs")], name)
        }
        func renamed(_ o: JSONObject, _ newID: String, _ change: (inout JSONObject) -> Void = { _ in }) -> String {
            var o = o
            o["id"] = .string(newID)
            change(&o)
            return text(o)
        }
        func typedNode(_ type: String, _ value: JSONValue) -> JSONValue { .object(JSONObject([("type", .string(type)), ("value", value)])) }
        let last = try line("last-login-time")  // lastLogin time.Time, userID int
        let lastBlob = try XCTUnwrap(last["blob"]?.stringValue.flatMap(Base64.decodeStd))
        let input =
            [
                // 1: data edited: laid over the blob's values, time.Time and Deadline kept.
                renamed(last, "editdata") { $0["data"] = .object(JSONObject([("lastLogin", last["data"]!.objectValue!["lastLogin"]!), ("userID", .number("2002"))])) },
                // 2: data edited to a value its Go type cannot hold.
                renamed(last, "misfit") { $0["data"] = .object(JSONObject([("lastLogin", last["data"]!.objectValue!["lastLogin"]!), ("userID", .number("1.5"))])) },
                // 3: typed edited: another Go type for userID.
                renamed(last, "edittyped") { o in
                    var typed = o["typed"]!.objectValue!
                    typed["userID"] = typedNode("int64", .number("1002"))
                    o["typed"] = .object(typed)
                },
                // 4: both edited, and they disagree.
                renamed(last, "both") { o in
                    var typed = o["typed"]!.objectValue!
                    typed["userID"] = typedNode("int", .number("6"))
                    o["typed"] = .object(typed)
                    o["data"] = .object(JSONObject([("lastLogin", last["data"]!.objectValue!["lastLogin"]!), ("userID", .number("5"))]))
                },
                // 5: a cut blob.
                renamed(last, "cut") { $0["blob"] = .string(Base64.std(Array(lastBlob.prefix(150)))) },
                // 6: an older line, without blob: basic types still come from typed.
                renamed(try line("login"), "noblob") { $0["blob"] = nil },
                // 7: without blob a registered struct cannot be restored (what the blob is for).
                renamed(try line("custom-struct"), "noblobstruct") { $0["blob"] = nil },
                // 8: both edited, and they agree.
                renamed(last, "bothagree") { o in
                    var typed = o["typed"]!.objectValue!
                    typed["userID"] = typedNode("int", .number("7"))
                    o["typed"] = .object(typed)
                    o["data"] = .object(JSONObject([("lastLogin", last["data"]!.objectValue!["lastLogin"]!), ("userID", .number("7"))]))
                }
            ].joined(separator: "\n") + "\n"
        let r = Sessctl.run(["import", "-s", address("scs", db: 1), "--verify"], input: input)
        XCTAssertEqual(r.status, 4, r.stderr)
        XCTAssertEqual(r.summary["copied"], "4", r.stdout)
        XCTAssertEqual(r.summary["failed"], "4", r.stdout)
        XCTAssertTrue(r.stderr.contains("stdin: line 2: session 'misfit': userID: int takes a whole number, not 1.5; nothing was written"), r.stderr)
        XCTAssertTrue(r.stderr.contains("stdin: line 4: session 'both': its \"data\" and its \"typed\" were both edited and say different things"), r.stderr)
        XCTAssertTrue(r.stderr.contains("stdin: line 5: session 'cut': its \"blob\" is not a value layout=scs reads: truncated gob data"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.contains("'cut'") && $0.hasSuffix("; nothing was written") }.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("unknown type 'example.com/shop/models.User'"), r.stderr)
        for failed in ["misfit", "both", "cut", "noblobstruct"] { XCTAssertNil(try stored(db: 1, "scs:session:" + failed), failed) }

        let source = try SCSCodec.decode(lastBlob).get()
        func typed(_ id: String) throws -> JSONObject {
            let g = Sessctl.run(["get", "-s", address("scs", db: 1), id, "-o", "typed"])
            XCTAssertEqual(g.status, 0, g.stderr)
            return try object(g.stdout)
        }
        let sourceTyped = try XCTUnwrap(last["typed"]?.objectValue)
        XCTAssertEqual(try typed("editdata")["userID"], typedNode("int", .number("2002")))
        XCTAssertEqual(try typed("editdata")["lastLogin"], sourceTyped["lastLogin"], "the time.Time stays a time.Time")
        XCTAssertEqual(try typed("edittyped")["userID"], typedNode("int64", .number("1002")))
        XCTAssertEqual(try typed("edittyped")["lastLogin"], sourceTyped["lastLogin"])
        XCTAssertEqual(try typed("bothagree")["userID"], typedNode("int", .number("7")))
        for id in ["editdata", "edittyped", "bothagree"] {
            let blob = try XCTUnwrap(try stored(db: 1, "scs:session:" + id))
            XCTAssertNotEqual(blob, lastBlob, id)
            let decoded = try SCSCodec.decode(blob).get()
            XCTAssertEqual(decoded.deadline, source.deadline, "\(id): the blob's Deadline is kept")
            XCTAssertEqual(decoded.values.entries.first { $0.name == "lastLogin" }, source.values.entries.first { $0.name == "lastLogin" }, id)
        }
        XCTAssertEqual(try typed("noblob"), try XCTUnwrap(try line("login")["typed"]?.objectValue))

        // redistore: the blob is written as it is (even JSON with spaces a re-encoding would
        // drop), and it must be what the line's serializer says.
        let gorilla = Sessctl.run(["export", "-s", address("redistore", db: 0)])
        let json = try XCTUnwrap(gorillaSet.sessions.first { $0.name == "json-login" })
        let jsonLine = try XCTUnwrap(try gorilla.stdoutLines.map(object).first { $0["id"]?.stringValue == id(json, "redistore") })
        let spaced = Array(#"{ "user_id": 42, "username": "bob" }"#.utf8)
        let gInput = [
            renamed(jsonLine, "SPACED") { $0["blob"] = .string(Base64.std(spaced)) },
            renamed(jsonLine, "WRONGSERIALIZER") { $0["serializer"] = .string("gob") },
            renamed(jsonLine, "JSONEDIT") { $0["data"] = .object(JSONObject([("user_id", .number("43")), ("username", .string("bob"))])) }
        ].joined(separator: "\n")
        let g = Sessctl.run(["import", "-s", address("redistore", db: 1)], input: gInput)
        XCTAssertEqual(g.status, 4, g.stderr)
        XCTAssertEqual(try stored(db: 1, "session_SPACED"), spaced)
        XCTAssertTrue(g.stderr.contains("stdin: line 2: session 'WRONGSERIALIZER': its \"blob\" is json, not gob as its \"serializer\" says; nothing was written"), g.stderr)
        XCTAssertNil(try stored(db: 1, "session_WRONGSERIALIZER"))
        XCTAssertEqual(try stored(db: 1, "session_JSONEDIT"), Array(#"{"user_id":43,"username":"bob"}"#.utf8))
    }

    func testImportRefusesSessionsOfAnotherFramework() throws {
        let scs = Sessctl.run(["export", "-s", address("scs", db: 0)]).stdout
        let goframe = #"{"data":{"user_id":1},"expires_at":null,"id":"gf1","layout":"kv"}"# + "\n"
        for (target, framework) in [(address("kv", db: 3), "GoFrame gsession"), (address("redistore", db: 3), "gorilla/sessions")] {
            // The first session line is another framework's: nothing is imported, one line says why.
            let refused = Sessctl.run(["import", "-s", target], input: scs)
            XCTAssertEqual(refused.status, 1, refused.stderr)
            XCTAssertEqual(refused.stdout, "")
            XCTAssertEqual(refused.stderr.filter { $0 == "\n" }.count, 1, refused.stderr)
            XCTAssertTrue(refused.stderr.hasPrefix("sessctl: stdin: line 1 (session '"), refused.stderr)
            XCTAssertTrue(refused.stderr.contains(", layout scs) holds SCS sessions and redis://"), refused.stderr)
            XCTAssertTrue(refused.stderr.contains(" holds \(framework) sessions: an app of one framework cannot read the other's"), refused.stderr)
            XCTAssertTrue(refused.stderr.hasSuffix("; nothing was imported\n"), refused.stderr)
            XCTAssertEqual(try keyCount(db: 3), 0)
        }
        // After a session of its own framework, a foreign line fails alone.
        let mixed = Sessctl.run(["import", "-s", address("kv", db: 3)], input: goframe + scs.split(separator: "\n")[0] + "\n")
        XCTAssertEqual(mixed.status, 4, mixed.stderr)
        XCTAssertEqual(mixed.summary["copied"], "1", mixed.stdout)
        XCTAssertTrue(mixed.stderr.contains("stdin: line 2 (session '") && mixed.stderr.contains("holds SCS sessions"), mixed.stderr)
        XCTAssertEqual(try keyCount(db: 3), 1)
    }

    // MARK: The same on sets made three years earlier (nothing depends on today's date)

    func testExportImportOfEveryGoFixtureKeepsItsBytesAndEqualsMigrateOnFixturesMadeThreeYearsEarlier() throws {
        try testExportImportOfEveryGoFixtureKeepsItsBytesAndEqualsMigrate()
    }

    func testEditedLinesAreLaidOverTheBlobAndBadBlobsFailAloneOnFixturesMadeThreeYearsEarlier() throws {
        try testEditedLinesAreLaidOverTheBlobAndBadBlobsFailAlone()
    }
}
