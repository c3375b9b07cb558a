import Foundation
import RedisClient
import SessionKit
import TestSupport
import XCTest

/// The real binary on SCS and gorilla/redistore sessions written by the real libraries, in a
/// real redis-server: the issue's tests 1 and 3 (test 2 is in RedisGoStoreTests and GobCodecTests).
final class GoStoreCLITests: XCTestCase {
    private var server: RedisServer!
    private var scripts: TempDirectory!
    /// The fixture sets as loaded, relative to now.
    private var scsSet = GoFixtureSet.scs, gorillaSet = GoFixtureSet.redistore

    override func setUpWithError() throws {
        server = try RedisServer()
        let earlier = GoFixtureSet.madeEarlierMillis(forTest: name)
        scsSet = try GoFixtureSet.scs.madeEarlier(byMillis: earlier).load(into: server)
        gorillaSet = try GoFixtureSet.redistore.madeEarlier(byMillis: earlier).load(into: server)
        scripts = TempDirectory()
    }

    override func tearDown() {
        server?.stop()
        (server, scripts) = (nil, nil)
        super.tearDown()
    }

    private var scs: String { "redis://\(server.host):\(server.port)?layout=scs" }
    private var gorilla: String { "redis://\(server.host):\(server.port)?layout=redistore" }

    private func sessctl(_ args: String..., env: [String: String] = [:]) -> SessctlRun {
        Sessctl.run(Array(args), env: env)
    }

    private func object(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> JSONObject {
        try XCTUnwrap(try JSONParser.parse(Array(text.utf8)).objectValue, text, file: file, line: line)
    }

    private func connection() throws -> RedisConnection {
        try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: server.host, port: server.port)))
    }

    private func stored(_ key: String) throws -> [UInt8]? {
        try connection().command([Array("GET".utf8), Array(key.utf8)]).bytes
    }

    private func pttl(_ key: String) throws -> Int64 { try connection().command("PTTL", key).int! }

    private func scsID(_ name: String) -> (id: String, session: GoFixtureSet.Session) {
        let s = scsSet.sessions.first { $0.name == name }!
        return (String(s.key.dropFirst("scs:session:".count)), s)
    }

    /// One line on stderr naming the problem, exit status `status`, nothing on stdout.
    private func assertOneLineError(_ r: SessctlRun, status: Int32 = 1, contains: String..., file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("sessctl: ") && r.stderr.hasSuffix("\n"), r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "one line: \(r.stderr)", file: file, line: line)
        for c in contains { XCTAssertTrue(r.stderr.contains(c), "'\(c)' in: \(r.stderr)", file: file, line: line) }
    }

    // MARK: Test 1: every fixture session, plain and typed

    func testPlainAndTypedGetOfEveryFixtureSessionEqualWhatTheLibraryReads() throws {
        let now = SystemTime.nowMillis()
        var rows: [String: JSONObject] = [:]
        for line in sessctl("list", "-s", scs, "-o", "ndjson").stdoutLines {
            let o = try object(line)
            rows[o["id"]!.stringValue!] = o
        }
        XCTAssertEqual(rows.count, 11)
        for e in scsSet.sessions {
            let id = String(e.key.dropFirst("scs:session:".count))
            let plain = sessctl("get", "-s", scs, id), typed = sessctl("get", "-s", scs, id, "-o", "typed")
            XCTAssertEqual(plain.status, 0, plain.stderr)
            XCTAssertEqual(typed.status, 0, typed.stderr)
            let values = try XCTUnwrap(e.raw["values"]?.objectValue)
            let shown = try object(plain.stdout), shownTyped = try object(typed.stdout)
            XCTAssertEqual(shown.count, values.count, e.name)
            XCTAssertEqual(shownTyped.count, values.count, e.name)
            for (key, v) in values {
                XCTAssertEqual(GoTypedExpectation.plainDifferences(shown[key], v.objectValue!, path: "\(e.name).\(key)"), [])
                XCTAssertEqual(GoTypedExpectation.typedDifferences(shownTyped[key], v.objectValue!, path: "\(e.name).\(key)"), [])
            }
            // The deadline as list shows it, and the lifetime: the earlier of deadline and TTL.
            let row = try XCTUnwrap(rows[id], e.name)
            let deadline = try XCTUnwrap(GoTime(rfc3339: e.raw["deadline"]!.stringValue!))
            XCTAssertEqual(row["deadline"], .string(Durations.rfc3339(millis: deadline.unixMillis)), e.name)
            XCTAssertEqual(row["keys"], .number(String(values.count)))
            guard case .number(let ttl)? = row["ttl_seconds"] else { return XCTFail(e.name) }
            XCTAssertEqual(Double(ttl)!, Double(min(e.pttlMillis, deadline.unixMillis - now)) / 1000, accuracy: 60, e.name)
        }
        for e in gorillaSet.sessions {
            let id = String(e.key.dropFirst("session_".count))
            let shown = try object(sessctl("get", "-s", gorilla, id).stdout)
            let shownTyped = try object(sessctl("get", "-s", gorilla, id, "-o", "typed").stdout)
            guard case .array(let entries)? = e.raw["values"] else { return XCTFail() }
            XCTAssertEqual(shown.count, entries.count, e.name)
            for entry in entries {
                let key = entry.objectValue!["key"]!.objectValue!["value"]!.stringValue!
                let value = entry.objectValue!["value"]!.objectValue!
                XCTAssertEqual(GoTypedExpectation.plainDifferences(shown[key], value, path: "\(e.name).\(key)"), [])
                XCTAssertEqual(GoTypedExpectation.typedDifferences(shownTyped[key], value, path: "\(e.name).\(key)"), [])
            }
        }
        // One key, typed; and piped output is Go's compact JSON.
        let (custom, _) = scsID("custom-struct")
        XCTAssertEqual(sessctl("get", "-s", scs, custom, "user", "-o", "typed").stdoutLines.count, 1)
        XCTAssertEqual(sessctl("get", "-s", scs, scsID("cart-total").id, "cartTotal").stdout, "59.97\n")
        XCTAssertEqual(sessctl("get", "-s", scs, scsID("csrf-bytes").id, "thumb").stdout, "\"AAEC/v8=\"\n")
        // A cookie token finds a HashTokenInStore session.
        let hashed = scsID("hashed-token").session
        XCTAssertEqual(sessctl("get", "-s", scs, "--hashed-tokens", hashed.raw["token"]!.stringValue!).stdout, "{\"userID\":42}\n")
        assertOneLineError(sessctl("get", "-s", scs, hashed.raw["token"]!.stringValue!), status: 3, contains: "no session")
        assertOneLineError(sessctl("get", "-s", gorilla, "x", "--hashed-tokens"), contains: "--hashed-tokens is for SCS stores")
        assertOneLineError(sessctl("get", "-s", "redis://\(server.host):\(server.port)?prefix=gfsess:", "x", "-o", "typed"), status: 3)
        XCTAssertEqual(sessctl("list", "-s", scs, "-o", "ids").stdoutLines.count, 11)
        let (idle, idleSession) = scsID("idle-timeout")
        XCTAssertEqual(
            Double(sessctl("ttl", "-s", scs, idle).stdout.dropLast())!, Double(idleSession.pttlMillis) / 1000, accuracy: 60,
            "the TTL when it comes before the Deadline")
        XCTAssertEqual(sessctl("count", "-s", gorilla).stdout, "9\n")
    }

    func testCutAndForeignEntriesAreOneClearLineEachAndNeverRewritten() throws {
        let c = try connection()
        let login = scsID("login").session
        let flashes = try XCTUnwrap(gorillaSet.sessions.first { $0.name == "flashes" })
        let entries: [(store: String, key: String, id: String, bytes: [UInt8], says: String)] = [
            (scs, "scs:session:cut", "cut", Array(login.stored.prefix(150)), "truncated gob data"),
            (scs, "scs:session:json", "json", Array(#"{"deadline":"2026-11-22T06:17:28Z","values":{"userID":1001}}"#.utf8), "foreign value: JSON text, not an SCS session"),
            (scs, "scs:session:gorilla", "gorilla", flashes.stored, "foreign value: a gob stream of map[interface {}]interface {}"),
            (gorilla, "session_cut", "cut", Array(flashes.stored.dropLast(3)), "truncated gob data"),
            (gorilla, "session_cookie", "cookie", Array("MTc5NTI0MTg0OHxEdi1CQkFFQ180SUFBUkFCRUFBQUJQLUNBQUE9fA==".utf8), "foreign value: not a gob stream")
        ]
        for e in entries { _ = try c.command([Array("SET".utf8), Array(e.key.utf8), e.bytes, Array("PX".utf8), Array("600000".utf8)]) }
        let editor = scripts.file("editor.sh")
        scripts.write("editor.sh", Array("#!/bin/sh\nexit 0\n".utf8))
        chmod(editor, 0o755)
        for e in entries {
            assertOneLineError(sessctl("get", "-s", e.store, e.id), contains: e.says, "left untouched")
            assertOneLineError(sessctl("get", "-s", e.store, e.id, "-o", "typed"), contains: e.says)
            for attempt in [["set", e.id, "userID", "1"], ["del", e.id, "--key", "userID"], ["edit", e.id]] {
                assertOneLineError(Sessctl.run([attempt[0], "-s", e.store] + attempt.dropFirst(), env: ["EDITOR": editor]), contains: e.says)
            }
            if e.store == scs { assertOneLineError(sessctl("expire", "-s", e.store, e.id, "1h"), contains: e.says) }
            XCTAssertEqual(try stored(e.key), e.bytes, "\(e.key) is never rewritten")
            XCTAssertGreaterThan(try pttl(e.key), 500_000)
        }
        // Listed with the reason, counted as corrupt, and still deletable by id.
        let rows = sessctl("list", "-s", scs, "-o", "ndjson").stdoutLines.compactMap { try? object($0) }
        XCTAssertEqual(rows.filter { $0["problem"] != .null }.count, 3)
        XCTAssertEqual(sessctl("count", "-s", gorilla, "--verbose").stdout, "9\nexpired 0\ncorrupt 2\nskipped 0\n")
        XCTAssertEqual(sessctl("del", "-s", scs, "cut", "json", "gorilla").status, 0)
        XCTAssertNil(try stored("scs:session:cut"))
    }

    // MARK: Test 3: writes that SCS reads back

    func testSetExpireAndDelKeyOnAnSCSSessionWriteWhatSCSReads() throws {
        let (id, e) = scsID("login")
        XCTAssertEqual(sessctl("set", "-s", scs, id, "userID", "1002").status, 0)
        XCTAssertEqual(sessctl("set", "-s", scs, id, "username", "bob").status, 0)
        XCTAssertEqual(sessctl("set", "-s", scs, id, "visits", "5", "--type", "int64").status, 0)
        XCTAssertEqual(sessctl("set", "-s", scs, id, "ratio", "0.25", "--type", "float32").status, 0)
        XCTAssertEqual(sessctl("set", "-s", scs, id, "flash", "saved").status, 0)
        XCTAssertEqual(sessctl("del", "-s", scs, id, "--key", "flash").status, 0)
        let now = SystemTime.nowMillis()
        XCTAssertEqual(sessctl("expire", "-s", scs, id, "2h").status, 0)
        let blob = try XCTUnwrap(try stored(e.key))
        let decoded = try SCSCodec.decode(blob).get()
        func interface(_ key: String) -> GobInterfaceValue? {
            if case .interface(let iv?)? = decoded.values.entries.first(where: { $0.name == key })?.value { return iv }
            return nil
        }
        XCTAssertEqual(decoded.values.entries.map(\.name), ["userID", "username", "visits", "ratio"])
        XCTAssertEqual(interface("userID"), GobInterfaceValue(name: "int", type: GobBuiltin.int, value: .int(1002)))
        XCTAssertEqual(interface("username"), GobInterfaceValue(name: "string", type: GobBuiltin.string, value: .string(Array("bob".utf8))))
        XCTAssertEqual(interface("visits"), GobInterfaceValue(name: "int64", type: GobBuiltin.int, value: .int(5)))
        XCTAssertEqual(interface("ratio"), GobInterfaceValue(name: "float32", type: GobBuiltin.float, value: .float(0.25.bitPattern)))
        let deadline = try XCTUnwrap(decoded.deadline)
        XCTAssertTrue(deadline.isUTC, "SCS keeps its Deadline in UTC")
        XCTAssertEqual(Double(deadline.unixMillis - now), 7_200_000, accuracy: 5_000)
        XCTAssertEqual(Double(try pttl(e.key)), 7_200_000, accuracy: 5_000, "the TTL goes with the Deadline")
        // The blob starts as SCS's own: the same three definitions, Go's numbering.
        XCTAssertEqual(Array(blob.prefix(96)), Array(e.stored.prefix(96)))

        // Values that do not fit their type are refused, and nothing is written.
        for (args, says) in [
            (["userID", "1.5"], "int takes a whole number, not 1.5"), (["small", "300", "--type", "uint8"], "300 is out of range for uint8"),
            (["visits", "9223372036854775808"], "int64 takes a whole number"), (["ratio", "1e39"], "out of range for float32"),
            (["when", "soon", "--type", "time.Time"], "unknown type 'time.Time'")
        ] {
            assertOneLineError(Sessctl.run(["set", "-s", scs, id] + args), contains: says, "nothing was written")
        }
        XCTAssertEqual(try stored(e.key), blob)
        // A registered struct keeps its name and its field types.
        let (custom, ce) = scsID("custom-struct")
        let user = #"{"Admin":true,"Email":"carol@example.com","ID":1004,"JoinedAt":"2024-02-29T12:00:00+01:00","Name":"Carol","Roles":["editor"]}"#
        XCTAssertEqual(sessctl("set", "-s", scs, custom, "user", user).status, 0)
        let c2 = try SCSCodec.decode(try XCTUnwrap(try stored(ce.key))).get()
        guard case .interface(let iv?) = c2.values.entries[0].value else { return XCTFail() }
        XCTAssertEqual(iv.name, "example.com/shop/models.User")
        XCTAssertEqual(try c2.values.plainData()["user"], try JSONParser.parse(Array(user.utf8)))
        XCTAssertEqual(c2.deadline, try SCSCodec.decode(ce.stored).get().deadline, "set keeps the Deadline")
    }

    func testEditWorksOnTypedJSON() throws {
        let (id, e) = scsID("remember-me")
        let editor = scripts.file("typed.sh")
        scripts.write(
            "typed.sh",
            Array(
                #"""
                #!/bin/sh
                for f; do :; done
                sed -i -e 's/"value": 4503599627370497/"value": 7/' -e 's/"type": "int64"/"type": "int32"/' "$f"
                """#.utf8))
        chmod(editor, 0o755)
        let r = Sessctl.run(["edit", "-s", scs, id], env: ["EDITOR": editor])
        XCTAssertEqual(r.status, 0, r.stderr)
        let typed = try object(sessctl("get", "-s", scs, id, "-o", "typed").stdout)
        XCTAssertEqual(typed["authenticatedUserID"], .object(JSONObject([("type", .string("int32")), ("value", .number("7"))])))
        XCTAssertEqual(typed["isAdmin"], .object(JSONObject([("type", .string("bool")), ("value", .bool(true))])))
        XCTAssertEqual(try SCSCodec.decode(try XCTUnwrap(try stored(e.key))).get().deadline, try SCSCodec.decode(e.stored).get().deadline)
        // A value that does not fit is refused with where and why (elsewhere than a terminal: abandoned).
        scripts.write(
            "bad.sh",
            Array(
                #"""
                #!/bin/sh
                for f; do :; done
                sed -i -e 's/"value": 7/"value": 3000000000/' "$f"
                """#.utf8))
        chmod(scripts.file("bad.sh"), 0o755)
        let before = try stored(e.key)
        let bad = Sessctl.run(["edit", "-s", scs, id], env: ["EDITOR": scripts.file("bad.sh")])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("authenticatedUserID: 3000000000 is out of range for int32"), bad.stderr)
        XCTAssertEqual(try stored(e.key), before)
        // A JSON session is edited as Go reads it (numbers are float64), and what was not
        // changed keeps its text, 9007199254740993 included.
        let big = try XCTUnwrap(gorillaSet.sessions.first { $0.name == "json-escapes-bigint" })
        scripts.write(
            "json.sh",
            Array(
                #"""
                #!/bin/sh
                for f; do :; done
                sed -i -e 's/"value": "Zo/"value": "Chlo/' "$f"
                """#.utf8))
        chmod(scripts.file("json.sh"), 0o755)
        let j = Sessctl.run(["edit", "-s", gorilla, String(big.key.dropFirst(8))], env: ["EDITOR": scripts.file("json.sh")])
        XCTAssertEqual(j.status, 0, j.stderr)
        XCTAssertEqual(
            String(decoding: try XCTUnwrap(try stored(big.key)), as: UTF8.self),
            #"{"big":9007199254740993,"name":"Chloë 🙂","next":"/search?q=a\u0026b=\u003cc\u003e"}"#)
    }

    func testRedistoreSessionsAreFoundAndEditedLikeAnyOther() throws {
        let login = try XCTUnwrap(gorillaSet.sessions.first { $0.name == "login" })
        let jsonLogin = try XCTUnwrap(gorillaSet.sessions.first { $0.name == "json-login" })
        let id = String(login.key.dropFirst(8)), jsonID = String(jsonLogin.key.dropFirst(8))
        // find --where reads gob and JSON values alike.
        let found = sessctl("find", "-s", gorilla, "--where", "user_id=42", "-o", "ids")
        XCTAssertEqual(Set(found.stdoutLines), [id, jsonID], found.stderr)
        XCTAssertEqual(sessctl("find", "-s", gorilla, "--where", "_flash.*=Second", "-o", "ids").stdoutLines.count, 1)
        // An int stays an int; a JSON session stays JSON, its other bytes as they were.
        XCTAssertEqual(sessctl("set", "-s", gorilla, id, "user_id", "43").status, 0)
        guard case .gob(let values) = try RedistoreCodec.decode(try XCTUnwrap(try stored(login.key))).get() else { return XCTFail() }
        XCTAssertEqual(try values.typedData()["user_id"], .object(JSONObject([("type", .string("int")), ("value", .number("43"))])))
        XCTAssertEqual(sessctl("set", "-s", gorilla, jsonID, "user_id", "43").status, 0)
        XCTAssertEqual(try stored(jsonLogin.key), Array(#"{"user_id":43,"username":"bob"}"#.utf8))
        assertOneLineError(sessctl("set", "-s", gorilla, jsonID, "n", "1", "--type", "int64"), contains: "stored as JSON")
        // The TTL is Redis' own: kept by writes, changed by expire, removed by persist.
        let before = try pttl(login.key)
        XCTAssertEqual(Double(before), Double(login.pttlMillis), accuracy: 120_000)
        XCTAssertEqual(sessctl("expire", "-s", gorilla, id, "1h").status, 0)
        XCTAssertEqual(Double(try pttl(login.key)), 3_600_000, accuracy: 5_000)
        XCTAssertEqual(sessctl("persist", "-s", gorilla, id).status, 0)
        XCTAssertEqual(try pttl(login.key), -1)
        assertOneLineError(sessctl("persist", "-s", scs, scsID("login").id), contains: "always ends at the Deadline")
        // A new session of the default serializer is gob, with the key's type as asked.
        XCTAssertEqual(sessctl("set", "-s", gorilla, "NEW", "step", "2", "--type", "int", "--create").status, 0)
        XCTAssertEqual(
            try object(sessctl("get", "-s", gorilla, "NEW", "-o", "typed").stdout)["step"],
            .object(JSONObject([("type", .string("int")), ("value", .number("2"))])))
        XCTAssertEqual(Double(try pttl("session_NEW")), 2_592_000_000, accuracy: 5_000)
    }

    // MARK: The same on sets made three years earlier (nothing depends on today's date)

    func testPlainAndTypedGetOfEveryFixtureSessionEqualWhatTheLibraryReadsOnFixturesMadeThreeYearsEarlier() throws {
        try testPlainAndTypedGetOfEveryFixtureSessionEqualWhatTheLibraryReads()
    }

    func testSetExpireAndDelKeyOnAnSCSSessionWriteWhatSCSReadsOnFixturesMadeThreeYearsEarlier() throws {
        try testSetExpireAndDelKeyOnAnSCSSessionWriteWhatSCSReads()
    }

    func testEditWorksOnTypedJSONOnFixturesMadeThreeYearsEarlier() throws {
        try testEditWorksOnTypedJSON()
    }

    func testRedistoreSessionsAreFoundAndEditedLikeAnyOtherOnFixturesMadeThreeYearsEarlier() throws {
        try testRedistoreSessionsAreFoundAndEditedLikeAnyOther()
    }
}
