import SessionKit
import TestSupport
import XCTest

/// The real binary on real File stores, as an operator runs it.
final class FileStoreCLITests: XCTestCase {
    private var dir: TempDirectory!
    private var cryptoDir: TempDirectory!

    override func setUp() {
        // Copies of GoFrame's fixtures whose headers are moved to "now", so each session has the
        // remaining lifetime it had when the set was made (the expired ones stay expired).
        dir = TempDirectory()
        cryptoDir = TempDirectory()
        let now = SystemTime.nowMillis()
        Fixtures.copyFileStore("file", to: dir, now: now)
        Fixtures.copyFileStore("file-crypto", to: cryptoDir, now: now)
    }

    private func sessctl(_ args: String..., env: [String: String] = [:]) -> SessctlRun {
        Sessctl.run(Array(args), env: env)
    }

    private var cryptoStore: String { "file:\(cryptoDir.path)?encrypted=true" }

    private func parseObject(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> JSONObject {
        let value = try JSONParser.parse(Array(text.utf8))
        return try XCTUnwrap(value.objectValue, file: file, line: line)
    }

    func testGetOfEveryFixtureSessionEqualsWhatGoFrameReadsBack() throws {
        for e in Fixtures.sessions(backend: "file") {
            let store = e.encrypted ? cryptoStore : dir.path
            let r = sessctl("get", "-s", store, e.id)
            XCTAssertEqual(r.status, 0, "\(e.id): \(r.stderr)")
            // Piped output is the compact JSON the app stores, number literals identical.
            let data = try parseObject(r.stdout)
            XCTAssertEqual(data, e.data, e.id)
            XCTAssertEqual(r.stdoutLines.count, 1)
            XCTAssertEqual(r.stderr.contains("expired"), e.expired == true, "expired note for \(e.id)")
        }
        let big = sessctl("get", "-s", dir.path, "1qbncq5nyf0dn0nrszinr51a00uxgyaw", "int64_max")
        XCTAssertEqual(big.stdout, "9223372036854775807\n")
        let pretty = sessctl("get", "-s", dir.path, "1qbncq5nyf0dn0nrszifr4s4008ds9av", "-o", "pretty")
        XCTAssertTrue(pretty.stdout.contains("\n  \"html\": \"<b>Tom & Jerry</b>\""), pretty.stdout)
    }

    func testListShowsEverySessionWithItsLifetimeAndMarksExpiredOnes() throws {
        let r = sessctl("list", "-s", dir.path, "--all")
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = r.stdoutLines.dropFirst()
        XCTAssertTrue(r.stdoutLines.first?.hasPrefix("ID ") ?? false)
        let expected = Fixtures.sessions(backend: "file").filter { !$0.encrypted }
        XCTAssertEqual(rows.count, expected.count)
        for e in expected {
            let row = try XCTUnwrap(rows.first { $0.hasPrefix(e.id) }, e.id)
            if e.expired == true {
                XCTAssertTrue(row.contains("expired 2d"), row)
            } else {
                XCTAssertTrue(row.contains(" 23h"), "about a day left: \(row)")
            }
        }
        // Without --all the expired ones are hidden; --expired shows only them.
        XCTAssertEqual(sessctl("list", "-s", dir.path).stdoutLines.count, expected.count - 2 + 1)
        let onlyExpired = sessctl("list", "-s", dir.path, "--expired", "-o", "ids").stdoutLines.sorted()
        XCTAssertEqual(onlyExpired, expected.filter { $0.expired == true }.map(\.id).sorted())
        let crypto = sessctl("list", "-s", cryptoStore, "-o", "ids")
        XCTAssertEqual(crypto.stdoutLines.sorted(), Fixtures.sessions(backend: "file").filter(\.encrypted).map(\.id).sorted())
    }

    func testListFormatsFilterSortAndLimit() throws {
        let ndjson = sessctl("list", "-s", dir.path, "--all", "-o", "ndjson")
        XCTAssertEqual(ndjson.stdoutLines.count, 13)
        for line in ndjson.stdoutLines {
            let o = try parseObject(line)
            XCTAssertNotNil(o["id"]?.stringValue)
            XCTAssertNotNil(o["expires_at"]?.stringValue)
            guard case .number = o["ttl_seconds"], case .number = o["size"], case .bool = o["expired"] else { return XCTFail(line) }
        }
        let json = try JSONParser.parse(Array(sessctl("list", "-s", dir.path, "-o", "json").stdout.utf8))
        guard case .array(let items) = json else { return XCTFail("json output is an array") }
        XCTAssertEqual(items.count, 11)
        XCTAssertEqual(sessctl("list", "-s", dir.path, "-o", "json", "zzz*").stdout, "[]\n")
        XCTAssertEqual(sessctl("list", "-s", dir.path, "-o", "ids", "*t55av").stdout, "1qbncq5nyf0dn0nrszi6yde1001t55av\n")
        XCTAssertEqual(sessctl("list", "-s", dir.path, "-o", "ids", "--limit", "3").stdoutLines.count, 3)
        let bySize = sessctl("list", "-s", dir.path, "-o", "ids", "--sort", "size", "--reverse", "--limit", "2").stdoutLines
        XCTAssertEqual(bySize, ["1qbncq5nyf0dn0nrszifr4s4008ds9av", "1qbncq5nyf0dn0nrszinr51a00uxgyaw"])
        let byID = sessctl("list", "-s", dir.path, "-o", "ids", "--sort", "id").stdoutLines
        XCTAssertEqual(byID, byID.sorted())
    }

    func testSetGetDelExpireTTLCount() throws {
        let id = "1qbncq5nyf0dn0nrszi6yde1001t55av"
        let s = dir.path
        let ttlBefore = Int(sessctl("ttl", "-s", s, id).stdout.trimmingCharacters(in: .whitespacesAndNewlines))!
        XCTAssertEqual(sessctl("set", "-s", s, id, "theme", "dark").status, 0)
        XCTAssertEqual(sessctl("get", "-s", s, id, "theme").stdout, "\"dark\"\n")
        XCTAssertEqual(sessctl("set", "-s", s, id, "count", "42").status, 0)
        XCTAssertEqual(sessctl("get", "-s", s, id, "count").stdout, "42\n")
        XCTAssertEqual(sessctl("set", "-s", s, id, "count", "42", "--string").status, 0)
        XCTAssertEqual(sessctl("get", "-s", s, id, "count").stdout, "\"42\"\n")
        XCTAssertEqual(sessctl("set", "-s", s, id, "prefs", #"{"lang":"de","zoom":1.25}"#).status, 0)
        XCTAssertEqual(sessctl("get", "-s", s, id, "prefs").stdout, #"{"lang":"de","zoom":1.25}"# + "\n")
        let ttlAfter = Int(sessctl("ttl", "-s", s, id).stdout.trimmingCharacters(in: .whitespacesAndNewlines))!
        XCTAssertLessThanOrEqual(ttlBefore - ttlAfter, 2, "set keeps the remaining lifetime")

        XCTAssertEqual(sessctl("set", "-s", s, id, "x", "1", "--ttl", "30m").status, 0)
        XCTAssertEqual(Double(sessctl("ttl", "-s", s, id).stdout.trimmingCharacters(in: .whitespacesAndNewlines))!, 1800, accuracy: 2)
        XCTAssertEqual(sessctl("expire", "-s", s, id, "90").status, 0)
        XCTAssertEqual(Double(sessctl("ttl", "-s", s, id).stdout.trimmingCharacters(in: .whitespacesAndNewlines))!, 90, accuracy: 2)

        XCTAssertEqual(sessctl("del", "-s", s, id, "--key", "theme", "--key", "count").status, 0)
        let data = try parseObject(sessctl("get", "-s", s, id).stdout)
        XCTAssertNil(data["theme"])
        XCTAssertNil(data["count"])
        XCTAssertEqual(data["username"], .string("alice"))
        let missingKey = sessctl("del", "-s", s, id, "--key", "nope")
        XCTAssertEqual(missingKey.status, 3)
        XCTAssertTrue(missingKey.stderr.contains("has no key 'nope'"), missingKey.stderr)

        XCTAssertEqual(sessctl("count", "-s", s).stdout, "11\n")
        XCTAssertEqual(sessctl("count", "-s", s, "--verbose").stdout, "11\nexpired 2\ncorrupt 0\nskipped 0\n")
        XCTAssertEqual(sessctl("expire", "-s", s, id, "0").status, 0)
        XCTAssertEqual(sessctl("count", "-s", s).stdout, "10\n", "expire 0 ends the session")
        XCTAssertEqual(sessctl("del", "-s", s, id, "1qbncq5nyf0dn0nrszibygy200wgk0jv").status, 0)
        XCTAssertEqual(sessctl("count", "-s", s, "--verbose").stdout, "9\nexpired 2\ncorrupt 0\nskipped 0\n")
        XCTAssertNil(dir.read(id + ".session"))
    }

    func testCreateNeedsCreate() throws {
        let s = dir.path
        let r = sessctl("set", "-s", s, "brandnew", "a", "1")
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.contains("--create"), r.stderr)
        XCTAssertNil(dir.read("brandnew.session"))
        XCTAssertEqual(sessctl("set", "-s", s, "brandnew", "a", "1", "--create").status, 0)
        let bytes = try XCTUnwrap(dir.read("brandnew.session"))
        XCTAssertEqual(Array(bytes.dropFirst(8)), Array(#"{"a":1}"#.utf8))
        XCTAssertEqual(Double(sessctl("ttl", "-s", s, "brandnew").stdout.trimmingCharacters(in: .whitespacesAndNewlines))!, 86400, accuracy: 2)
    }

    func testEncryptedWritesStayEncrypted() throws {
        let id = "1qbncq5nyf0dn0nrszitqzse00rcdhxq"
        XCTAssertEqual(sessctl("set", "-s", cryptoStore, id, "role", "admin").status, 0)
        let bytes = try XCTUnwrap(cryptoDir.read(id + ".session"))
        let plain = try XCTUnwrap(try GSessionCipher().decrypt(Array(bytes.dropFirst(8))))
        XCTAssertEqual(String(decoding: plain, as: UTF8.self), #"{"role":"admin","roles":["user"],"user_id":2001,"username":"frank"}"#)
    }

    func testStoreFromEnvironmentAndOptionsBeforeTheCommand() {
        XCTAssertEqual(sessctl("count", env: ["SESSCTL_STORE": dir.path]).stdout, "11\n")
        XCTAssertEqual(sessctl("-s", dir.path, "count").stdout, "11\n")
        XCTAssertEqual(sessctl("--store=\(dir.path)", "count").stdout, "11\n")
        XCTAssertEqual(sessctl("count", "-s", "file:\(dir.path)?ttl=30d").stdout, "13\n", "a longer max age revives the expired ones")
        XCTAssertEqual(sessctl("count", "-s", "file:\(dir.path)?ttl=30d", "--max-age", "24h").stdout, "11\n", "--max-age wins")
        // With nothing given, GoFrame's default directory under TMPDIR.
        let tmp = TempDirectory()
        mkdir(tmp.path + "/gsessions", 0o755)
        mkdir(tmp.path + "/gsessions/default", 0o755)
        XCTAssertEqual(sessctl("count", env: ["TMPDIR": tmp.path]).stdout, "0\n")
    }

    func testErrorsAreOneLineWithTheRightStatus() {
        let s = dir.path
        let cases: [([String], Int32, String)] = [
            (["get", "-s", s, "nope"], 3, "no session 'nope'"),
            (["ttl", "-s", s, "nope"], 3, "no session 'nope'"),
            (["expire", "-s", s, "nope", "1h"], 3, "no session 'nope'"),
            (["del", "-s", s, "nope"], 3, "no session 'nope'"),
            (["get", "-s", s, "1qbncq5nyf0dn0nrszi6yde1001t55av", "nokey"], 3, "has no key 'nokey'"),
            (["get", "-s", s, "../x"], 1, "invalid session id '../x'"),
            (["del", "-s", s, "a/b"], 1, "invalid session id 'a/b'"),
            (["set", "-s", s, "..", "k", "v", "--create"], 1, "invalid session id '..'"),
            (["get", "-s", s, "x\u{1}y"], 1, "invalid session id 'x\\x01y'"),
            (["list", "-s", "/no/such/dir"], 1, "file:/no/such/dir: directory does not exist"),
            (["list", "-s", "ftp://example"], 1, "unknown scheme"),
            (["list", "-s", "memory:"], 1, "inside the app process"),
            (["expire", "-s", s, "1qbncq5nyf0dn0nrszi6yde1001t55av", "soon"], 1, "invalid duration 'soon'")
        ]
        for (args, status, message) in cases {
            let r = Sessctl.run(args)
            XCTAssertEqual(r.status, status, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("sessctl: ") && r.stderr.contains(message), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)")
            XCTAssertEqual(r.stdout, "")
        }
        XCTAssertEqual(Sessctl.run(["list", "--expired", "--all", "-s", s]).status, 64, "usage errors as ArgumentParser reports them")
    }

    func testCorruptFilesDoNotStopTheListingAndGetNamesTheFile() throws {
        dir.write("broken.session", GSessionFileCodec.header(SystemTime.nowMillis()) + Array(#"{"a":"#.utf8))
        dir.write("tiny.session", [0, 0, 0, 0, 0, 0, 0, 0])
        let before = dir.names().map { dir.read($0)! }
        let list = sessctl("list", "-s", dir.path)
        XCTAssertEqual(list.status, 0)
        XCTAssertEqual(list.stdoutLines.count, 1 + 11 + 2)
        XCTAssertTrue(list.stdoutLines.contains { $0.hasPrefix("broken ") && $0.contains("CORRUPT") && $0.contains("invalid JSON at byte 5 of the body") })
        XCTAssertTrue(list.stdoutLines.contains { $0.hasPrefix("tiny ") && $0.contains("only 8 bytes") })
        let get = sessctl("get", "-s", dir.path, "broken")
        XCTAssertEqual(get.status, 1)
        XCTAssertEqual(get.stderr, "sessctl: \(dir.path)/broken.session: invalid JSON at byte 5 of the body: unexpected end of input\n")
        XCTAssertEqual(sessctl("set", "-s", dir.path, "broken", "a", "1").status, 1)
        XCTAssertEqual(sessctl("expire", "-s", dir.path, "tiny", "1h").status, 1)
        XCTAssertEqual(sessctl("count", "-s", dir.path, "-v").stdout, "11\nexpired 2\ncorrupt 2\nskipped 0\n")
        XCTAssertEqual(dir.names().map { dir.read($0)! }, before, "nothing was rewritten or removed")
    }

    func testInterruptedWritesNeverLeaveAHalfWrittenSession() throws {
        // Rewriting a session of 8 MB takes a while; SIGKILL lands at points spread over the time
        // one uninterrupted rewrite takes here, so some land while the new file is being written.
        let id = "bigsession"
        let blob = String(repeating: "x", count: 8 << 20)
        let original = GSessionFileCodec.header(SystemTime.nowMillis()) + Array("{\"blob\":\"\(blob)\"}".utf8)
        dir.write(id + ".session", original)
        let start = SystemTime.monotonicSeconds()
        XCTAssertEqual(sessctl("set", "-s", dir.path, id, "flag", "0").status, 0)
        let full = SystemTime.monotonicSeconds() - start
        dir.write(id + ".session", original)
        var interrupted = 0
        // (The early ones land before the rename however fast the later runs are on a loaded machine.)
        for fraction in [0.2, 0.35, 0.5, 0.8, 0.9, 0.95, 1.0] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Sessctl.binary)
            p.arguments = ["set", "-s", dir.path, id, "flag", "1"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32(full * fraction * 1_000_000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let now = try XCTUnwrap(dir.read(id + ".session"))
            if now == original {
                interrupted += 1
            } else {
                // The write finished before the kill: the whole new session is in place.
                let body = try XCTUnwrap(try JSONParser.parse(Array(now.dropFirst(8))).objectValue)
                XCTAssertEqual(body["blob"]?.stringValue?.utf8.count, 8 << 20)
                XCTAssertEqual(body["flag"], .number("1"))
                dir.write(id + ".session", original)
            }
        }
        XCTAssertGreaterThan(interrupted, 0, "at least one kill must land before the rename")
        let listing = sessctl("list", "-s", dir.path, "--all", "-o", "ids")
        XCTAssertEqual(listing.stdoutLines.count, 14, "left-over temp files never show as sessions")
    }
}
