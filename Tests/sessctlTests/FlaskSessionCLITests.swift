import Foundation
import RedisClient
import SessionKit
import TestSupport
import XCTest

/// `layout=flask-session` against the real Flask-Session 0.8 (scripts/flask-session.py in the venv
/// scripts/flask-env.sh makes; `make test` makes it first): sessions the framework writes, read
/// and changed by sessctl, read back by the framework.
final class FlaskSessionCLITests: XCTestCase {
    private var server: RedisServer!
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .path
    /// Made once per run; a failure here fails every test loudly (no skipping).
    private static let environment: Result<String, Error> = {
        let r = run("/bin/bash", [root + "/scripts/flask-env.sh"])
        guard r.status == 0 else {
            return .failure(RedisServerError("scripts/flask-env.sh failed (python3-venv and pip access are needed; `make test` installs them): \(r.err)"))
        }
        return .success(root + "/.build/flask-venv/bin/python")
    }()

    override func setUpWithError() throws {
        _ = try Self.environment.get()
        server = try RedisServer()
    }

    override func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    private var store: String { "redis://\(server.host):\(server.port)?layout=flask-session" }

    private static func run(_ path: String, _ args: [String], env: [String: String] = [:]) -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if !env.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { return (127, "", "\(error)") }
        let errBox = ErrBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: errBox.data, as: UTF8.self))
    }

    private final class ErrBox: @unchecked Sendable { var data = Data() }

    /// The framework: `write` (returns the session id), `read`, `pickle`, `clear`, on database
    /// `db`, with `lifetime` (seconds) as PERMANENT_SESSION_LIFETIME.
    @discardableResult
    private func flask(
        _ format: String, _ command: String, _ id: String, _ json: String? = nil, db: Int = 0, lifetime: Int? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> String {
        let python = try Self.environment.get()
        var env = ["FLASK_SESSION_DB": String(db)]
        if let lifetime { env["FLASK_SESSION_LIFETIME"] = String(lifetime) }
        let r = Self.run(
            python, [Self.root + "/scripts/flask-session.py", String(server.port), format, command, id] + (json.map { [$0] } ?? []), env: env)
        XCTAssertEqual(r.status, 0, r.err, file: file, line: line)
        return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What Flask-Session reads for `id`: its data and TTL in seconds (nil data: no session).
    private func flaskRead(_ id: String, db: Int = 0, file: StaticString = #filePath, line: UInt = #line) throws -> (data: JSONValue, ttl: Int64?) {
        let text = try flask("msgpack", "read", id, db: db, file: file, line: line)
        let o = try XCTUnwrap(try JSONParser.parse(Array(text.utf8)).objectValue, text, file: file, line: line)
        var ttl: Int64?
        if case .number(let t)? = o["ttl"] { ttl = Int64(t) }
        return (o["data"] ?? .null, ttl)
    }

    private func sessctl(_ args: String...) -> SessctlRun { Sessctl.run(Array(args) + ["--store", store]) }

    private func connection() throws -> RedisConnection {
        try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: server.host, port: server.port)))
    }

    private func stored(_ id: String) throws -> [UInt8]? {
        try connection().command([Array("GET".utf8), Array("session:\(id)".utf8)]).bytes
    }

    private func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    private let rich =
        #"{"user_id":42,"name":"Anné \"q\"\n","b":{"$bytes":"AP8="},"t":{"$tuple":[1,2.5,-300]},"n":null,"#
        + #""big":18446744073709551615,"f":0.1,"nest":{"z":1,"a":[true,false,{"k":"v"}]},"long":"\#(String(repeating: "x", count: 300))"}"#

    /// Test 1: get equals what Flask reads; an unchanged write-back keeps the exact bytes.
    func testGetEqualsFlaskAndUnchangedWriteBackIsByteIdentical() throws {
        for format in ["msgpack", "json"] {
            let id = try flask(format, "write", "-", rich)
            let before = try XCTUnwrap(try stored(id))
            let got = sessctl("get", id)
            XCTAssertEqual(got.status, 0, got.stderr)
            XCTAssertEqual(try json(got.stdout), try flaskRead(id).data, format)
            // A write of what it holds (set to the same value; an edit that saves unchanged) leaves the bytes alone.
            let same = sessctl("set", id, "name", #""Anné \"q\"\n""#)
            XCTAssertEqual(same.status, 0, same.stderr)
            XCTAssertEqual(try stored(id), before, format)
            let edit = Sessctl.run(["edit", id, "--store", store], env: ["EDITOR": "true", "VISUAL": "true"])
            XCTAssertEqual(edit.status, 0, edit.stderr)
            XCTAssertEqual(try stored(id), before, format)
        }
    }

    /// Test 2: set, del --key and expire; Flask reads the new values and lifetime, in its order.
    func testChangesAreWhatFlaskReads() throws {
        for format in ["msgpack", "json"] {
            let id = try flask(format, "write", "-", rich)
            XCTAssertEqual(sessctl("set", id, "name", #""Bob""#).status, 0)
            XCTAssertEqual(sessctl("set", id, "role", #"{"admin":true,"level":3}"#).status, 0)
            XCTAssertEqual(sessctl("del", id, "--key", "t").status, 0)
            XCTAssertEqual(sessctl("expire", id, "2h").status, 0)
            let tmp = TempDirectory()
            tmp.write("editor.sh", Array("#!/bin/sh\nfor f; do :; done\nsed -i 's/\"Bob\"/\"Eve\"/' \"$f\"\n".utf8))
            chmod(tmp.file("editor.sh"), 0o755)
            let edit = Sessctl.run(["edit", id, "--store", store], env: ["EDITOR": tmp.file("editor.sh"), "TMPDIR": tmp.path])
            XCTAssertEqual(edit.status, 0, edit.stderr)
            let read = try flaskRead(id)
            let data = try XCTUnwrap(read.data.objectValue)
            XCTAssertEqual(data["name"], .string("Eve"), format)
            XCTAssertEqual(data["role"], try json(#"{"admin":true,"level":3}"#), format)
            XCTAssertNil(data["t"], format)
            XCTAssertEqual(data["big"], .number("18446744073709551615"), format)
            XCTAssertEqual(try json(sessctl("get", id).stdout), read.data, format)
            let ttl = try XCTUnwrap(read.ttl)
            XCTAssertTrue((7190...7200).contains(ttl), "\(ttl)")
            // The framework keeps working with it, and sessctl reads what it writes back.
            try flask(format, "write", id, #"{"after":1}"#)
            XCTAssertEqual(try XCTUnwrap(try flaskRead(id).data.objectValue)["role"], try json(#"{"admin":true,"level":3}"#))
            // A value Flask-Session cannot read back is refused and nothing changes.
            let before = try stored(id)
            let big = sessctl("set", id, "huge", "18446744073709551616")
            XCTAssertEqual(big.status, 1)
            XCTAssertTrue(big.stderr.contains("cannot read back"), big.stderr)
            XCTAssertEqual(try stored(id), before)
        }
        // msgpack as msgspec writes it: a session set through sessctl equals one Flask wrote.
        let mine = try flask("msgpack", "write", "-", #"{"user_id":42,"name":"Bob"}"#)
        let theirs = try flask("msgpack", "write", "-", #"{"user_id":42,"name":"Ann"}"#)
        XCTAssertEqual(sessctl("set", mine, "name", #""Ann""#).status, 0)
        XCTAssertEqual(try stored(mine), try stored(theirs))
    }

    /// Test 3: del --where user_id=42 removes exactly that user's sessions, in every format.
    func testDeleteWhereRemovesOneUsersSessions() throws {
        var his: [String] = []
        var others: [String] = []
        for format in ["msgpack", "json"] {
            his.append(try flask(format, "write", "-", #"{"user_id":42}"#))
            others.append(try flask(format, "write", "-", #"{"user_id":43}"#))
            others.append(try flask(format, "write", "-", #"{"user_id":"42x"}"#))
        }
        try flask("msgpack", "pickle", "legacy42", #"{"user_id":42,"l":[1,{"$tuple":["a",{"$bytes":"AA=="}]}]}"#)
        his.append("legacy42")
        let r = sessctl("del", "--where", "user_id=42", "--yes")
        XCTAssertEqual(r.status, 0, r.stderr)
        for id in his { XCTAssertNil(try stored(id), id) }
        for id in others { XCTAssertNotNil(try stored(id), id) }
    }

    /// Legacy pickles are read (never executed or written); Flask reads what an edit writes.
    func testLegacyPickleIsReadAndEditedAsMsgpack() throws {
        try flask("msgpack", "pickle", "old", #"{"user_id":7,"f":1.25,"l":[1,{"$tuple":["a",{"$bytes":"AA=="}]}],"no":false,"n":null}"#)
        let before = try stored("old")
        XCTAssertEqual(try json(sessctl("get", "old").stdout), try flaskRead("old").data)
        XCTAssertEqual(sessctl("expire", "old", "1h").status, 0)
        XCTAssertEqual(try stored("old"), before)
        XCTAssertEqual(sessctl("set", "old", "user_id", "8").status, 0)
        XCTAssertEqual(try stored("old")?.first, 0x85)  // a msgpack map of 5 now
        XCTAssertEqual(try XCTUnwrap(try flaskRead("old").data.objectValue)["user_id"], .number("8"))
    }

    // MARK: Export and import

    /// Every session Flask wrote (msgpack, JSON, a legacy pickle) goes through export | import
    /// into another database byte for byte, TTL kept; each line carries the value as blob with
    /// its serializer.
    func testExportImportIsByteIdentical() throws {
        var ids: [String: String] = [:]
        for format in ["msgpack", "json"] { ids[try flask(format, "write", "-", rich)] = format }
        try flask("msgpack", "pickle", "legacy", #"{"user_id":7,"f":1.25,"l":[1,{"$tuple":["a",{"$bytes":"AA=="}]}],"no":false,"n":null}"#)
        ids["legacy"] = "pickle"
        let copy = ExportImportCopy(server)
        let lines = try copy.export(store)
        XCTAssertEqual(lines.count, ids.count)
        for line in lines {
            let id = try XCTUnwrap(line["id"]?.stringValue)
            XCTAssertEqual(line["blob"]?.stringValue.flatMap(Base64.decodeStd), try stored(id), id)
            XCTAssertEqual(line["serializer"], ids[id].map(JSONValue.string), id)
        }
        copy.import(lines, into: copy.store(db: 1, "layout=flask-session"))
        try copy.assertSameValues(ids.keys.map { "session:\($0)" }, from: 0, to: 1)
        for id in ids.keys { XCTAssertEqual(try flaskRead(id, db: 1).data, try flaskRead(id).data, id) }
        // migrate copies the same bytes.
        let migrate = Sessctl.run(["migrate", "--from", store, "--to", copy.store(db: 2, "layout=flask-session")])
        XCTAssertEqual(migrate.status, 0, migrate.stderr)
        try copy.assertSameValues(ids.keys.map { "session:\($0)" }, from: 0, to: 2)
    }

    /// An edited line is written as Flask-Session writes it over the stored value (its format,
    /// the order, the other values' bytes; an edited pickle becomes the store's format), and
    /// Flask reads the new values.
    func testAnEditedExportLineIsWrittenAsFlaskWouldAndFlaskReadsIt() throws {
        let msgpack = try flask("msgpack", "write", "-", #"{"user_id":42,"name":"Ann","cart":[1,2]}"#)
        let json = try flask("json", "write", "-", #"{"user_id":42,"name":"Ann","cart":[1,2]}"#)
        try flask("msgpack", "pickle", "legacy", #"{"user_id":42,"name":"Ann","cart":[1,2]}"#)
        let copy = ExportImportCopy(server)
        let lines = try ExportImportCopy.editingData(try copy.export(store)) { _, data in
            data["user_id"] = .number("43")
            data["role"] = .string("admin")
        }
        copy.import(lines, into: copy.store(db: 2, "layout=flask-session&serializer=json"))
        // What Flask itself writes for the same change, over the same session.
        let theirs = try flask("msgpack", "write", msgpack, #"{"user_id":43,"role":"admin"}"#)
        XCTAssertEqual(try copy.value(db: 2, "session:\(msgpack)"), try stored(theirs), "as msgspec writes it")
        let jsonValue = String(decoding: try XCTUnwrap(try copy.value(db: 2, "session:\(json)")), as: UTF8.self)
        XCTAssertEqual(jsonValue, String(decoding: try XCTUnwrap(try stored(json)), as: UTF8.self).replacingOccurrences(of: ":42,", with: ":43,").dropLast() + #","role":"admin"}"#)
        XCTAssertEqual(try copy.value(db: 2, "session:legacy")?.first, UInt8(ascii: "{"), "an edited pickle in the store's format")
        for id in [msgpack, json, "legacy"] {
            let data = try XCTUnwrap(try flaskRead(id, db: 2).data.objectValue, id)
            XCTAssertEqual(data["user_id"], .number("43"), id)
            XCTAssertEqual(data["role"], .string("admin"), id)
            XCTAssertEqual(data["cart"], .array([.number("1"), .number("2")]), id)
        }
    }

    // MARK: watch

    /// What Flask does to a session (create, change, clear, let expire) is one event each, with
    /// its sid; keys under the prefix that are not sessions are never reported.
    func testWatchReportsWhatFlaskDoesAndNothingForOtherKeys() throws {
        let c = try connection()
        _ = try c.command("CONFIG", "SET", "notify-keyspace-events", "Kg$xen")
        let w = try WatchRun(["-s", store, "--show", "user_id"])
        defer { w.kill() }
        try w.waitReady { _ = try c.command([Array("SET".utf8), Array("session:probe".utf8), [0x80]]) }
        let others = ["session:number", "session:list", "session:hash"]
        _ = try c.command([Array("SET".utf8), Array(others[0].utf8), [0x2a]])
        _ = try c.command("SET", others[1], "[1,2]")
        _ = try c.command("HSET", others[2], "a", "1")
        let sid = try flask("msgpack", "write", "-", #"{"user_id":42}"#)
        try w.waitFor("created", sid)
        _ = try c.command("SET", others[1], "[3]", "KEEPTTL")
        _ = try c.command("EXPIRE", others[2], "600")
        try flask("msgpack", "write", sid, #"{"user_id":43}"#)
        try w.waitFor("changed", sid)
        _ = try c.command("DEL", others[1], others[2])
        _ = try c.command("PEXPIRE", others[0], "1")
        try flask("msgpack", "clear", sid)
        try w.waitFor("deleted", sid)
        try waitUntil("the number to expire") { try c.command("EXISTS", others[0]).int == 0 }
        let short = try flask("json", "write", "-", #"{"user_id":7}"#, lifetime: 1)
        try w.waitFor("expired", short, seconds: 30)
        let r = w.stop()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(w.seen(), ["created \(sid)", "changed \(sid)", "deleted \(sid)", "created \(short)", "expired \(short)"])
        XCTAssertEqual(w.events.filter { $0.id == sid }.map { $0.fields["user_id"] }, [.number("42"), .number("43"), .null])
    }

    /// Test 4: broken values are one clear line each and never rewritten.
    func testBrokenValuesAreOneLineAndUntouched() throws {
        let c = try connection()
        let truncated: [UInt8] = [0x82, 0xa1, 0x61, 0x01, 0xa1]
        // pickle.dumps({'d': datetime.date(2020, 1, 1)}): a class, so STACK_GLOBAL.
        let python = try Self.environment.get()
        let pickled = try XCTUnwrap(
            Self.run(python, ["-c", "import pickle,datetime,sys; sys.stdout.write(pickle.dumps({'d': datetime.date(2020,1,1)}).hex())"]).out.hexBytes)
        let cases: [(String, [UInt8], String)] = [
            ("cut", truncated, "msgpack: truncated"),
            ("obj", pickled, "unsupported pickle opcode STACK_GLOBAL"),
            ("badjson", Array(#"{"a":1,"#.utf8), "JSON")
        ]
        for (id, bytes, reason) in cases {
            _ = try c.command([Array("SET".utf8), Array("session:\(id)".utf8), bytes])
            for args in [["get", id], ["set", id, "x", "1"], ["del", id, "--key", "a"]] {
                let r = Sessctl.run(args + ["--store", store])
                XCTAssertEqual(r.status, 1, "\(args) \(r.stderr)")
                XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
                XCTAssertTrue(r.stderr.contains(reason), r.stderr)
                XCTAssertEqual(try stored(id), bytes, id)
            }
        }
        let list = sessctl("list")
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.contains("unsupported pickle opcode"), list.stdout)
        // A value that is not a dict is not a session: skipped.
        _ = try c.command([Array("SET".utf8), Array("session:num".utf8), [0x2a]])
        XCTAssertTrue(sessctl("get", "num").stderr.contains("not a dict"))
        _ = try c.command("HSET", "session:hash", "a", "1")
        let listed = sessctl("list")
        XCTAssertTrue(listed.stderr.contains("2 non-session keys skipped"), listed.stderr)
    }
}

extension String {
    fileprivate var hexBytes: [UInt8]? {
        let chars = Array(utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let b = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
        }
        return out
    }
}
