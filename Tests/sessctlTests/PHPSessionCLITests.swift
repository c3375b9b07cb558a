import Foundation
import SessionKit
import TestSupport
import XCTest

/// `layout=php` against the real PHP: `php -r` with `session_start()` and phpredis
/// (`session.save_handler=redis`) writes and reads the sessions sessctl reads and changes, in both
/// serializers. Needs Debian's php-cli and php-redis (`make deps`); fails when they are missing.
final class PHPSessionCLITests: RedisTestCase {
    private var server: RedisServer!
    private var store: String { "redis://\(server.host):\(server.port)/0?layout=php" }
    private static let handlers = ["php", "php_serialize"]

    override func setUpWithError() throws {
        server = try startServer()
    }

    /// Runs `body` in a PHP session `id` stored in database `db` of the test server, with
    /// `handler` as the serializer and the `ini` settings; returns what it prints. `readOnly`: the
    /// session is not written back.
    private func php(
        _ handler: String, _ id: String, readOnly: Bool = false, db: Int = 0, ini: [String: String] = [:], _ body: String
    ) throws -> String {
        guard let php = ["/usr/bin/php", "/usr/local/bin/php"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            XCTFail("php is missing: install php-cli and php-redis (make deps)")
            throw XCTSkip("no php")
        }
        let code = """
            class U { public $a = 1; protected $b = "x"; private $c = [1, 2]; }
            ini_set('session.save_handler', 'redis');
            ini_set('session.save_path', 'tcp://\(server.host):\(server.port)?database=\(db)');
            ini_set('session.serialize_handler', '\(handler)');
            \(ini.map { "ini_set('\($0.key)', '\($0.value)');" }.joined(separator: " "))
            session_id('\(id)');
            session_start(\(readOnly ? "['read_and_close' => true]" : ""));
            \(body)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: php)
        p.arguments = ["-r", code]
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errText = String(decoding: stderr, as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, errText)
        XCTAssertFalse(errText.contains("Warning") || errText.contains("Error"), errText)
        return String(decoding: stdout, as: UTF8.self)
    }

    /// Numbers by their value (PHP's json_encode writes 1.0 as 1 and 1e25 as 1.0e+25).
    private func numbersByValue(_ v: JSONValue) -> JSONValue {
        switch v {
        case .number(let t): return .number(Double(t).map { "\($0)" } ?? t)
        case .array(let a): return .array(a.map(numbersByValue))
        case .object(let o): return .object(numbersByValue(o))
        default: return v
        }
    }

    private func numbersByValue(_ o: JSONObject) -> JSONObject {
        JSONObject(o.members.map { ($0.key, numbersByValue($0.value)) })
    }

    /// What PHP reads of the session, as JSON.
    private func phpReads(_ handler: String, _ id: String, db: Int = 0) throws -> JSONObject {
        let text = try php(handler, id, readOnly: true, db: db, "echo json_encode((object) $_SESSION);")
        return try XCTUnwrap(try JSONParser.parse(Array(text.utf8)).objectValue, text)
    }

    private func sessctl(_ args: String...) -> SessctlRun { Sessctl.run(Array(args)) }

    private func stored(_ id: String) throws -> String {
        try server.cli(["GET", "PHPREDIS_SESSION:\(id)"])
    }

    private func ttl(_ id: String) throws -> Int {
        try XCTUnwrap(Int(try server.cli(["TTL", "PHPREDIS_SESSION:\(id)"]).trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    private static let plainValues = """
        $_SESSION['user_id'] = 42; $_SESSION['name'] = "héllo"; $_SESSION['f'] = 0.1; $_SESSION['g'] = 1.0;
        $_SESSION['big'] = 1e25; $_SESSION['small'] = 0.00001; $_SESSION['n'] = null; $_SESSION['t'] = true;
        $_SESSION['no'] = false; $_SESSION['list'] = [1, 2, 3]; $_SESSION['map'] = ['x' => [1, 'a' => [true]], 5 => 'five'];
        """

    // MARK: Reading

    func testGetEqualsWhatPHPReadsAndUnchangedWriteBackIsByteIdentical() throws {
        for handler in Self.handlers {
            let id = "plain-\(handler)"
            _ = try php(handler, id, Self.plainValues)
            let get = sessctl("get", "-s", store, id)
            XCTAssertEqual(get.status, 0, get.stderr)
            let data = try XCTUnwrap(try JSONParser.parse(Array(get.stdout.utf8)).objectValue)
            XCTAssertEqual(numbersByValue(data), numbersByValue(try phpReads(handler, id)), handler)
            XCTAssertEqual(sessctl("get", "-s", store, id, "name").stdout, "\"héllo\"\n")
            XCTAssertEqual(sessctl("get", "-s", store, id, "g").stdout, "1.0\n", "a float stays a float")
            XCTAssertEqual(sessctl("get", "-s", store, id, "big").stdout, "1.0E+25\n")

            let before = try stored(id)
            XCTAssertTrue(before.contains(#"s:6:"héllo""#), "strings by their byte length: \(before)")
            XCTAssertEqual(sessctl("set", "-s", store, id, "user_id", "42").status, 0)
            XCTAssertEqual(sessctl("set", "-s", store, id, "f", "0.1").status, 0)
            XCTAssertEqual(try stored(id), before, "\(handler): unchanged values write back byte for byte")
            let ids = sessctl("list", "-s", store, "-o", "ids")
            XCTAssertTrue(ids.stdoutLines.contains(id), ids.stdout)
        }
    }

    func testObjectsAndReferencesShowAndStayAsTheyWereThroughAnEdit() throws {
        for handler in Self.handlers {
            let id = "obj-\(handler)"
            _ = try php(handler, id, "$_SESSION['user_id'] = 7; $_SESSION['arr'] = ['k' => 1]; $_SESSION['o'] = new U; $_SESSION['r'] = &$_SESSION['arr'];")
            let o = sessctl("get", "-s", store, id, "o")
            XCTAssertEqual(o.stdout, #"{"$class":"U","$properties":{"\u0000*\u0000b":"x","\u0000U\u0000c":[1,2],"a":1}}"# + "\n", o.stderr)
            XCTAssertTrue(sessctl("get", "-s", store, id, "r").stdout.contains("$reference"))
            let objectBefore = try php(handler, id, readOnly: true, "echo serialize($_SESSION['o']);")

            XCTAssertEqual(sessctl("set", "-s", store, id, "user_id", "8").status, 0)
            XCTAssertEqual(sessctl("set", "-s", store, id, "zz", #"{"new":[1.5,"x"]}"#).status, 0)
            let read = try php(
                handler, id, readOnly: true,
                "echo serialize($_SESSION['o']), '|', $_SESSION['user_id'], '|', json_encode($_SESSION['zz']), '|', var_export($_SESSION['r'] === $_SESSION['arr'], true);")
            XCTAssertEqual(read, objectBefore + #"|8|{"new":[1.5,"x"]}|true"#, handler)

            // A change that moves what a reference names is refused, and nothing is written.
            let stored = try stored(id)
            let moved = sessctl("del", "-s", store, id, "--key", "user_id")
            XCTAssertNotEqual(moved.status, 0)
            XCTAssertTrue(moved.stderr.contains("reference") && moved.stderr.filter { $0 == "\n" }.count == 1, moved.stderr)
            XCTAssertEqual(try self.stored(id), stored)
        }
    }

    // MARK: Writing

    func testSetDelEditAndExpireAreWhatPHPReads() throws {
        for handler in Self.handlers {
            let id = "w-\(handler)"
            _ = try php(handler, id, Self.plainValues)
            XCTAssertEqual(try ttl(id), 1440, accuracy: 2, "session.gc_maxlifetime")
            XCTAssertEqual(sessctl("set", "-s", store, id, "user_id", "43").status, 0)
            XCTAssertEqual(sessctl("set", "-s", store, id, "name", "zoë").status, 0)
            XCTAssertEqual(sessctl("set", "-s", store, id, "cart", #"{"items":[{"sku":"a","qty":2}],"total":9.99}"#).status, 0)
            XCTAssertEqual(sessctl("del", "-s", store, id, "--key", "f").status, 0)
            XCTAssertEqual(sessctl("expire", "-s", store, id, "600").status, 0)
            XCTAssertEqual(try ttl(id), 600, accuracy: 2)

            let editor = FileManager.default.temporaryDirectory.appendingPathComponent("php-editor-\(getpid()).sh").path
            try "#!/bin/sh\nfor f; do :; done\nsed -i 's/\"t\": true/\"t\": false/' \"$f\"\n".write(toFile: editor, atomically: true, encoding: .utf8)
            chmod(editor, 0o755)
            let edit = Sessctl.run(["edit", "-s", store, id], env: ["EDITOR": editor])
            XCTAssertEqual(edit.status, 0, edit.stderr)

            let reads = try phpReads(handler, id)
            XCTAssertEqual(reads["user_id"], .number("43"))
            XCTAssertEqual(reads["name"], .string("zoë"))
            XCTAssertEqual(reads["t"], .bool(false), "the edit")
            XCTAssertNil(reads["f"])
            XCTAssertEqual(reads["cart"]?.objectValue?["total"], .number("9.99"))
            XCTAssertEqual(reads["list"], .array([.number("1"), .number("2"), .number("3")]))
            let get = try XCTUnwrap(try JSONParser.parse(Array(sessctl("get", "-s", store, id).stdout.utf8)).objectValue)
            XCTAssertEqual(numbersByValue(get), numbersByValue(reads), handler)
            XCTAssertEqual(try ttl(id), 600, accuracy: 2, "the expiry asked for")
        }
    }

    func testDelWhereRemovesExactlyOneUsersSessions() throws {
        _ = try php("php", "u42a", "$_SESSION['user_id'] = 42;")
        _ = try php("php_serialize", "u42b", "$_SESSION['user_id'] = 42; $_SESSION['x'] = 'y';")
        _ = try php("php", "u7", "$_SESSION['user_id'] = 7;")
        _ = try php("php_serialize", "u420", "$_SESSION['user_id'] = 420;")
        let del = sessctl("del", "-s", store, "--where", "user_id=42", "--yes")
        XCTAssertEqual(del.status, 0, del.stderr)
        XCTAssertEqual(sessctl("list", "-s", store, "-o", "ids").stdoutLines.sorted(), ["u420", "u7"])
        XCTAssertEqual(try phpReads("php", "u42a"), JSONObject())
        XCTAssertEqual(try phpReads("php", "u7")["user_id"], .number("7"))
    }

    func testMigrateCopiesEachSessionByteForByte() throws {
        _ = try php("php", "m1", Self.plainValues)
        _ = try php("php_serialize", "m2", "$_SESSION['o'] = new U; $_SESSION['a'] = [1]; $_SESSION['r'] = &$_SESSION['a'];")
        let target = "redis://\(server.host):\(server.port)/1?layout=php"
        let migrate = sessctl("migrate", "--from", store, "--to", target, "--yes")
        XCTAssertEqual(migrate.status, 0, migrate.stderr)
        for id in ["m1", "m2"] {
            XCTAssertEqual(try server.cli(["-n", "1", "GET", "PHPREDIS_SESSION:\(id)"]), try stored(id), id)
        }
    }

    // MARK: Export and import

    /// Every session PHP wrote (both serializers, objects and references, one emptied) goes
    /// through export | import into another database byte for byte, TTL kept; each line carries
    /// the value as blob with its serializer.
    func testExportImportIsByteIdentical() throws {
        var keys: [String] = []
        for handler in Self.handlers {
            _ = try php(handler, "plain-\(handler)", Self.plainValues)
            _ = try php(handler, "obj-\(handler)", "$_SESSION['o'] = new U; $_SESSION['arr'] = ['k' => 1]; $_SESSION['r'] = &$_SESSION['arr'];")
            _ = try php(handler, "emptied-\(handler)", ini: ["session.gc_maxlifetime": "900"], "$_SESSION['a'] = 1;")
            _ = try php(handler, "emptied-\(handler)", ini: ["session.gc_maxlifetime": "900"], "unset($_SESSION['a']);")
            keys += ["plain", "obj", "emptied"].map { "PHPREDIS_SESSION:\($0)-\(handler)" }
        }
        let copy = ExportImportCopy(server)
        let lines = try copy.export(store)
        XCTAssertEqual(lines.count, keys.count)
        for line in lines {
            let id = try XCTUnwrap(line["id"]?.stringValue)
            XCTAssertEqual(line["blob"]?.stringValue.flatMap(Base64.decodeStd), try copy.value(db: 0, "PHPREDIS_SESSION:\(id)"), id)
            XCTAssertEqual(line["serializer"], .string(id.hasSuffix("php_serialize") ? "php_serialize" : "php"), id)
        }
        copy.import(lines, into: copy.store(db: 1, "layout=php"))
        try copy.assertSameValues(keys, from: 0, to: 1)
        XCTAssertEqual(try copy.value(db: 1, "PHPREDIS_SESSION:emptied-php"), [], "an emptied session is an empty string")
    }

    /// An edited line is written as PHP writes it over the stored value (the other values'
    /// bytes, the order and the serializer kept), and PHP reads the new values; a line without
    /// blob is a new session, in the store's serializer=.
    func testAnEditedExportLineIsWrittenAsPHPWouldAndPHPReadsIt() throws {
        for handler in Self.handlers { _ = try php(handler, "e-\(handler)", Self.plainValues) }
        let copy = ExportImportCopy(server)
        let lines = try ExportImportCopy.editingData(try copy.export(store)) { _, data in
            data["user_id"] = .number("99")
            data["added"] = .string("new")
        }
        copy.import(lines, into: copy.store(db: 2, "layout=php"))
        for handler in Self.handlers {
            let id = "e-\(handler)"
            var reads = try phpReads(handler, id, db: 2)
            XCTAssertEqual(reads.removeValue(forKey: "user_id"), .number("99"), handler)
            XCTAssertEqual(reads.removeValue(forKey: "added"), .string("new"), handler)
            var before = try phpReads(handler, id)
            before["user_id"] = nil
            XCTAssertEqual(numbersByValue(reads), numbersByValue(before), "\(handler): the rest as it was")
            let old = String(decoding: try XCTUnwrap(try copy.value(db: 0, "PHPREDIS_SESSION:\(id)")), as: UTF8.self)
            let expected =
                handler == "php"
                ? old.replacingOccurrences(of: "user_id|i:42;", with: "user_id|i:99;") + #"added|s:3:"new";"#
                : String(
                    old.replacingOccurrences(of: #"a:11:{s:7:"user_id";i:42;"#, with: #"a:12:{s:7:"user_id";i:99;"#).dropLast()) + #"s:5:"added";s:3:"new";}"#
            XCTAssertEqual(String(decoding: try XCTUnwrap(try copy.value(db: 2, "PHPREDIS_SESSION:\(id)")), as: UTF8.self), expected, handler)
        }
        // Without its blob the line is a new session: the store's serializer=, which PHP so configured reads.
        var bare = try XCTUnwrap(lines.first { $0["id"] == .string("e-php") })
        bare["blob"] = nil
        bare["serializer"] = nil
        copy.import([bare], into: copy.store(db: 3, "layout=php&serializer=php_serialize"))
        XCTAssertEqual(try copy.value(db: 3, "PHPREDIS_SESSION:e-php")?.prefix(6), Array("a:12:{".utf8)[...])
        XCTAssertEqual(try phpReads("php_serialize", "e-php", db: 3)["added"], .string("new"))

        // A blob PHP could not read, or not of the line's serializer, fails its line; nothing is written.
        var wrong = try XCTUnwrap(lines.first { $0["id"] == .string("e-php_serialize") })
        wrong["id"] = .string("wrong")
        wrong["serializer"] = .string("php")
        var foreign = wrong
        foreign["id"] = .string("foreign")
        foreign["blob"] = .string(Base64.std(Array("hello world".utf8)))
        foreign["serializer"] = nil
        for (line, says) in [
            (wrong, #"stdin: line 1: session 'wrong': its "blob" is php_serialize, not php as its "serializer" says; nothing was written"#),
            (foreign, #"stdin: line 1: session 'foreign': its "blob" is not a value layout=php reads: foreign value"#)
        ] {
            let r = Sessctl.run(["import", "-s", copy.store(db: 4, "layout=php")], input: ExportImportCopy.text([line]))
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(says), r.stderr)
        }
        XCTAssertEqual(try copy.connection(db: 4).command("DBSIZE").int, 0)
    }

    // MARK: serializer=

    /// `serializer=php_serialize` writes new sessions as PHP with `session.serialize_handler =
    /// php_serialize` does, and that PHP reads them; a stored session keeps its own serializer;
    /// a value of the option that is not one is one line naming the ones there are.
    func testSerializerOptionWritesNewSessionsForPHPSerialize() throws {
        let serialize = store + "&serializer=php_serialize"
        XCTAssertEqual(sessctl("set", "-s", serialize, "new1", "user_id", "42", "--create").status, 0)
        XCTAssertEqual(sessctl("set", "-s", serialize, "new1", "cart", #"{"items":["a","b"],"total":9.5}"#).status, 0)
        XCTAssertEqual(try stored("new1"), #"a:2:{s:7:"user_id";i:42;s:4:"cart";a:2:{s:5:"items";a:2:{i:0;s:1:"a";i:1;s:1:"b";}s:5:"total";d:9.5;}}"#)
        let reads = try phpReads("php_serialize", "new1")
        XCTAssertEqual(reads["user_id"], .number("42"))
        XCTAssertEqual(reads["cart"]?.objectValue?["total"], .number("9.5"))
        XCTAssertEqual(try ttl("new1"), 1440, accuracy: 2)
        _ = try php("php_serialize", "new1", "$_SESSION['after'] = 1;")
        XCTAssertEqual(sessctl("get", "-s", store, "new1", "after").stdout, "1\n")

        // A stored session keeps its serializer; without the option new sessions are php.
        _ = try php("php", "old1", "$_SESSION['user_id'] = 7;")
        XCTAssertEqual(sessctl("set", "-s", serialize, "old1", "user_id", "8").status, 0)
        XCTAssertEqual(try stored("old1"), "user_id|i:8;")
        XCTAssertEqual(sessctl("set", "-s", store, "new2", "a", "1", "--create").status, 0)
        XCTAssertEqual(try stored("new2"), "a|i:1;")

        for (query, says) in [
            ("&serializer=phps", "serializer= takes gob or json (redistore), php or php_serialize (php), msgpack or json (flask-session)"),
            ("&serializer=json", "serializer=json is not a php serializer (layout=php takes php or php_serialize)")
        ] {
            let r = sessctl("list", "-s", store + query)
            XCTAssertNotEqual(r.status, 0, query)
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(says), r.stderr)
        }
    }

    // MARK: watch

    /// What PHP does to a session (create, change, destroy, let expire) is one event each, with
    /// the id; keys under the prefix that are not sessions (a lock's, other strings, a hash) are
    /// never reported.
    func testWatchReportsWhatPHPDoesAndNothingForOtherKeys() throws {
        let w = try WatchRun(["-s", store, "--enable-notifications", "--show", "user_id"])
        defer { w.kill() }
        try w.waitReady { _ = try self.server.cli(["SET", "PHPREDIS_SESSION:probe", "p|i:1;"]) }
        let others = ["PHPREDIS_SESSION:w1_LOCK", "PHPREDIS_SESSION:plain", "PHPREDIS_SESSION:hash"]
        _ = try server.cli(["SET", others[0], "host|4242"])
        _ = try server.cli(["SET", others[1], "hello world"])
        _ = try server.cli(["HSET", others[2], "f", "v"])
        _ = try php("php", "w1", "$_SESSION['user_id'] = 42;")
        try w.waitFor("created", "w1")
        _ = try server.cli(["SET", others[1], "hello again", "KEEPTTL"])
        _ = try server.cli(["EXPIRE", others[2], "600"])
        _ = try php("php", "w1", "$_SESSION['user_id'] = 43;")
        try w.waitFor("changed", "w1")
        _ = try server.cli(["DEL", others[1], others[2]])
        _ = try server.cli(["PEXPIRE", others[0], "1"])
        _ = try php("php", "w1", "session_destroy();")
        try w.waitFor("deleted", "w1")
        try waitUntil("the lock key to expire") { try self.server.cli(["EXISTS", others[0]]).hasPrefix("0") }
        _ = try php("php_serialize", "w2", ini: ["session.gc_maxlifetime": "1"], "$_SESSION['user_id'] = 7;")
        try w.waitFor("expired", "w2", seconds: 30)
        let r = w.stop()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(w.seen(), ["created w1", "changed w1", "deleted w1", "created w2", "expired w2"])
        XCTAssertEqual(w.events.filter { $0.id == "w1" }.map { $0.fields["user_id"] }, [.number("42"), .number("43"), .null])
    }

    // MARK: What is not a session

    func testBrokenValuesAreOneLineAndNeverRewrittenAndOtherKeysSkipped() throws {
        _ = try php("php", "good", "$_SESSION['user_id'] = 1;")
        let cut = [#"user_id|i:42;name|s:5:"ab"#, #"a:2:{s:7:"user_id";i:42;s:1:"x";"#, #"user_id|i:4"#]
        for (n, value) in cut.enumerated() { _ = try server.cli(["SET", "PHPREDIS_SESSION:cut\(n)", value]) }
        _ = try server.cli(["SET", "PHPREDIS_SESSION:plain", "hello world"])
        _ = try server.cli(["HSET", "PHPREDIS_SESSION:hash", "f", "v"])
        for n in cut.indices {
            let get = sessctl("get", "-s", store, "cut\(n)")
            XCTAssertNotEqual(get.status, 0)
            XCTAssertEqual(get.stdout, "")
            XCTAssertEqual(get.stderr.filter { $0 == "\n" }.count, 1, get.stderr)
            XCTAssertTrue(get.stderr.contains("not a readable PHP session"), get.stderr)
            let set = sessctl("set", "-s", store, "cut\(n)", "x", "1")
            XCTAssertNotEqual(set.status, 0)
            XCTAssertEqual(set.stderr.filter { $0 == "\n" }.count, 1, set.stderr)
            XCTAssertEqual(try stored("cut\(n)"), cut[n], "never rewritten")
        }
        let list = sessctl("list", "-s", store, "-o", "ndjson")
        let listed = try list.stdoutLines.map { try XCTUnwrap(try JSONParser.parse(Array($0.utf8)).objectValue?["id"]?.stringValue) }
        XCTAssertEqual(listed.sorted(), ["cut0", "cut1", "cut2", "good"])
        XCTAssertTrue(list.stderr.hasPrefix("sessctl: 2 non-session keys skipped"), list.stderr)
        XCTAssertEqual(sessctl("count", "-s", store, "--verbose").stdout, "1\nexpired 0\ncorrupt 3\nskipped 2\n")
        XCTAssertEqual(try stored("plain"), "hello world")
    }
}
