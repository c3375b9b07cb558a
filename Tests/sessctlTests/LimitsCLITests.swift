import Foundation
import SessionKit
import TestSupport
import XCTest

/// The real binary at the edges: stored timestamps no app wrote, durations past Go's longest,
/// values past the JSON limits (64 MiB, 500 levels) and long export lines.
final class LimitsCLITests: XCTestCase {
    private var server: RedisServer?

    override func tearDown() {
        server?.stop()
        super.tearDown()
    }

    private func startRedis() throws -> String {
        let s = try RedisServer()
        server = s
        return "redis://\(s.host):\(s.port)/0?prefix=lim:"
    }

    /// One line on stderr naming the problem, a non-zero exit status, nothing on stdout.
    private func assertOneLineError(_ r: SessctlRun, contains: String..., file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("sessctl: ") && r.stderr.hasSuffix("\n"), r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "one line: \(r.stderr)", file: file, line: line)
        for c in contains { XCTAssertTrue(r.stderr.contains(c), "'\(c)' in: \(r.stderr)", file: file, line: line) }
    }

    private func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> JSONObject {
        try XCTUnwrap(try JSONParser.parse(Array(text.utf8)).objectValue, file: file, line: line)
    }

    private func int(_ v: JSONValue?) -> Int? {
        if case .number(let n)? = v { return Int(n) }
        return nil
    }

    private static func header(_ ms: Int64) -> [UInt8] { GSessionFileCodec.header(ms) }

    private static var nowMillis: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: Time

    func testAbsurdFileTimestampsAreReportedAloneAndNeverPurged() throws {
        let dir = TempDirectory()
        let absurd: [String: Int64] = ["max": .max, "min": .min, "year10000": 253_402_300_800_000, "nearmin": .min + 1]
        for (id, ts) in absurd { dir.write(id + ".session", Self.header(ts) + Array(#"{"a":1}"#.utf8)) }
        dir.write("live.session", Self.header(Self.nowMillis) + Array(#"{"a":1}"#.utf8))
        dir.write("old.session", Self.header(Self.nowMillis - 3 * 86_400_000) + Array(#"{"a":1}"#.utf8))
        let store = "file:" + dir.path

        for id in absurd.keys {
            assertOneLineError(Sessctl.run(["get", "-s", store, id]), contains: "\(id).session", "outside the years 0001-9999")
            assertOneLineError(Sessctl.run(["ttl", "-s", store, id]), contains: "\(id).session", "outside the years 0001-9999")
        }

        let list = Sessctl.run(["list", "--all", "-s", store, "-o", "ndjson"])
        XCTAssertEqual(list.status, 0, list.stderr)
        var problems: [String: String] = [:]
        for line in list.stdoutLines {
            let row = try json(line)
            if case .string(let id)? = row["id"] { problems[id] = row["problem"]?.stringValue ?? "" }
        }
        XCTAssertEqual(Set(problems.keys), Set(absurd.keys).union(["live", "old"]), list.stdout)
        for id in absurd.keys { XCTAssertTrue(problems[id]!.contains("outside the years"), "\(id): \(problems[id]!)") }
        XCTAssertEqual(problems["live"], "")

        let stats = Sessctl.run(["stats", "-s", store, "-o", "json"])
        XCTAssertEqual(stats.status, 0, stats.stderr)
        let s = try json(stats.stdout)
        XCTAssertEqual(int(s["sessions"]), 2)
        XCTAssertEqual(int(s["live"]), 1)
        XCTAssertEqual(int(s["corrupt"]), absurd.count)
        XCTAssertTrue(stats.stderr.contains("4 corrupt sessions could not be read"), stats.stderr)

        let find = Sessctl.run(["find", "--all", "--where", "a=1", "-s", store, "-o", "ids"])
        XCTAssertEqual(find.status, 0, find.stderr)
        XCTAssertEqual(Set(find.stdoutLines), ["live", "old"])
        XCTAssertTrue(find.stderr.contains("outside the years"), "the first corrupt one is named: \(find.stderr)")

        let purge = Sessctl.run(["purge", "--expired", "--yes", "-s", store])
        XCTAssertEqual(purge.status, 0, purge.stderr)
        XCTAssertEqual(
            Set(dir.names()), Set(absurd.keys.map { $0 + ".session" }).union(["live.session"]),
            "only the expired session is purged; no overflow makes an absurd one expired")
    }

    func testDurationsPastTheLongestAreRefusedOnFileAndRedis() throws {
        let dir = TempDirectory()
        dir.write("s.session", Self.header(Self.nowMillis) + Array(#"{"a":1}"#.utf8))
        let redis = try startRedis()
        XCTAssertEqual(Sessctl.run(["set", "-s", redis, "s", "a", "1", "--create"]).status, 0)
        let longest = "106751d23h47m16s854ms"  // Go's longest time.Duration, in whole milliseconds
        for store in ["file:" + dir.path, redis] {
            let before = Sessctl.run(["get", "-s", store, "s"]).stdout
            for beyond in ["106751d23h47m16s855ms", "106751991167d", "106751991168d", "9223372036854775807", "99999999999999999999s"] {
                assertOneLineError(Sessctl.run(["expire", "-s", store, "s", beyond]), contains: "'\(beyond)' is too long", "106751d")
                assertOneLineError(Sessctl.run(["set", "-s", store, "s", "a", "2", "--ttl", beyond]), contains: "too long")
                assertOneLineError(Sessctl.run(["list", "-s", store, "--max-age", beyond]), contains: "too long")
                let sep = store.contains("?") ? "&" : "?"
                assertOneLineError(Sessctl.run(["list", "-s", store + sep + "ttl=" + beyond]), contains: "too long")
            }
            XCTAssertEqual(Sessctl.run(["get", "-s", store, "s"]).stdout, before, "nothing changed")

            let atLimit = Sessctl.run(["expire", "-s", store, "s", longest])
            XCTAssertEqual(atLimit.status, 0, atLimit.stderr)
            let ttl = Sessctl.run(["ttl", "-s", store, "s"])
            XCTAssertEqual(ttl.status, 0, ttl.stderr)
            let seconds = try XCTUnwrap(Int64(ttl.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), ttl.stdout)
            XCTAssertGreaterThan(seconds, 9_223_372_036 - 600, "the lifetime reads back: \(ttl.stdout)")
            XCTAssertEqual(Sessctl.run(["list", "-s", store, "-o", "ids"]).stdoutLines, ["s"])
        }
    }

    func testPurgeWithAnOverflowingMaxAgeIsRefusedAndDeletesNothing() {
        let dir = TempDirectory()
        dir.write("live.session", Self.header(Self.nowMillis) + Array(#"{"a":1}"#.utf8))
        let r = Sessctl.run(["purge", "--expired", "--yes", "-s", "file:" + dir.path, "--max-age", "106751991167d"])
        assertOneLineError(r, contains: "too long")
        XCTAssertEqual(dir.names(), ["live.session"])
    }

    // MARK: Size and depth

    /// `{"big":"xxx..."}`: compact JSON of exactly `size` bytes.
    private static func bigSession(_ size: Int) -> [UInt8] {
        Array(#"{"big":""#.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: size - 10) + Array(#""}"#.utf8)
    }

    /// A RESP `SET key value` command.
    private static func respSet(_ key: String, _ value: [UInt8]) -> [UInt8] {
        Array("*3\r\n$3\r\nSET\r\n$\(key.utf8.count)\r\n\(key)\r\n$\(value.count)\r\n".utf8) + value + Array("\r\n".utf8)
    }

    func testAKVValueOverTheLimitFailsAloneAndSetNeverGrowsASessionPastIt() throws {
        let store = try startRedis()
        let limit = JSONParser.Limits().maxBytes
        let dir = TempDirectory()
        var resp = Self.respSet("lim:huge", Self.bigSession(limit + 1)) + Self.respSet("lim:edge", Self.bigSession(limit - 20))
        for id in ["a", "b", "c"] { resp += Self.respSet("lim:" + id, Array(#"{"user":1}"#.utf8)) }
        dir.write("load.resp", resp)
        resp = []
        try server!.pipe(file: dir.file("load.resp"))

        assertOneLineError(Sessctl.run(["get", "-s", store, "huge"]), contains: "lim:huge", "over sessctl's limit of \(limit) bytes")

        let stats = Sessctl.run(["stats", "-s", store, "-o", "json"])
        XCTAssertEqual(stats.status, 0, stats.stderr)
        XCTAssertEqual(int(try json(stats.stdout)["sessions"]), 4)
        XCTAssertEqual(int(try json(stats.stdout)["corrupt"]), 1)
        XCTAssertTrue(stats.stderr.contains("lim:huge"), stats.stderr)

        let find = Sessctl.run(["find", "--where", "user=1", "-s", store, "-o", "ids"])
        XCTAssertEqual(find.status, 0, find.stderr)
        XCTAssertEqual(Set(find.stdoutLines), ["a", "b", "c"])
        XCTAssertTrue(find.stderr.contains("lim:huge"), find.stderr)

        let edgeBefore = try server!.cli(["STRLEN", "lim:edge"])
        assertOneLineError(
            Sessctl.run(["set", "-s", store, "edge", "k", "a value that does not fit"]),
            contains: "'edge'", "over sessctl's limit", "nothing was written")
        XCTAssertEqual(try server!.cli(["STRLEN", "lim:edge"]), edgeBefore)
        XCTAssertEqual(Sessctl.run(["get", "-s", store, "edge", "big", "-o", "raw"]).stdoutBytes.count, limit - 20 - 8, "the value, quoted")

        let del = Sessctl.run(["del", "--where", "user=1", "--yes", "-s", store])
        XCTAssertEqual(del.status, 0, del.stderr)
        XCTAssertTrue(del.stderr.contains("lim:huge"), del.stderr)
        XCTAssertEqual(try server!.cli(["EXISTS", "lim:a", "lim:b", "lim:c", "lim:huge", "lim:edge"]), "2")
    }

    func testSetNeverGrowsAFileSessionPastTheLimit() {
        let dir = TempDirectory()
        let limit = JSONParser.Limits().maxBytes
        let edge = Self.header(Self.nowMillis) + Self.bigSession(limit - 20)
        dir.write("edge.session", edge)
        let store = "file:" + dir.path
        assertOneLineError(
            Sessctl.run(["set", "-s", store, "edge", "k", "a value that does not fit"]),
            contains: "'edge'", "over sessctl's limit", "nothing was written")
        XCTAssertTrue(dir.read("edge.session") == edge, "the file is unchanged")
        XCTAssertEqual(dir.names(), ["edge.session"], "no temp file left behind")
        XCTAssertEqual(Sessctl.run(["get", "-s", store, "edge", "big", "-o", "raw"]).stdoutBytes.count, limit - 20 - 8, "the value, quoted")
    }

    func testValuesNestedPastTheLimitAreNeverWritten() throws {
        let dir = TempDirectory()
        let redis = try startRedis()
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        for store in ["file:" + dir.path, redis] {
            XCTAssertEqual(Sessctl.run(["set", "-s", store, "s", "a", "1", "--create"]).status, 0)
            assertOneLineError(
                Sessctl.run(["set", "-s", store, "s", "deep", nested(500)]),
                contains: "'s'", "nests 501 levels deep", "nothing was written")
            assertOneLineError(Sessctl.run(["set", "-s", store, "t", "deep", nested(500), "--create"]), contains: "nests 501 levels deep")
            XCTAssertEqual(Sessctl.run(["get", "-s", store, "s"]).stdout, #"{"a":1}"# + "\n")
            XCTAssertEqual(Sessctl.run(["get", "-s", store, "t"]).status, 3, "no session was created")

            XCTAssertEqual(Sessctl.run(["set", "-s", store, "s", "deep", nested(499)]).status, 0)
            let r = Sessctl.run(["get", "-s", store, "s", "deep"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, nested(499) + "\n", "what was written reads back")
        }
    }

    // MARK: NDJSON

    func testALongExportLineImports() throws {
        let dir = TempDirectory()
        let value = String(repeating: "0123456789abcdef", count: 1 << 20)  // 16 MiB: many reads of the input
        let line = #"{"data":{"v":""# + value + #""},"expires_at":null,"id":"long"}"#
        dir.write("in.ndjson", Array((line + "\n").utf8))
        let store = "file:" + dir.path + "/store"
        try FileManager.default.createDirectory(atPath: dir.path + "/store", withIntermediateDirectories: false)
        let imported = Sessctl.run(["import", "-s", store, dir.file("in.ndjson")])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let got = Sessctl.run(["get", "-s", store, "long", "v", "-o", "raw"])
        XCTAssertEqual(got.status, 0, got.stderr)
        XCTAssertTrue(got.stdoutBytes == Array(("\"" + value + "\"").utf8), "the value reads back whole")
    }

    func testADoubledEqualsSignIsRefused() {
        let dir = TempDirectory()
        XCTAssertEqual(Sessctl.run(["set", "-s", "file:" + dir.path, "s", "a", "1", "--create"]).status, 0)
        for args in [["find", "--where", "a==1"], ["del", "--where", "a==1", "--yes"]] {
            assertOneLineError(Sessctl.run(args + ["-s", "file:" + dir.path]), contains: "'a==1'", "'==' is not an operator")
        }
        XCTAssertEqual(dir.names(), ["s.session"])
    }
}
