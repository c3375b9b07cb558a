import Foundation
import SessionKit
import TestSupport
import XCTest

/// `sessctl stats` against figures this test works out on its own from the fixtures.
final class StatsCommandTests: RedisTestCase {
    // MARK: Figures worked out here

    /// The nearest-rank quantile.
    private func rank(_ sorted: [Int], _ q: Double) -> Int {
        sorted[max(Int((q * Double(sorted.count)).rounded(.up)), 1) - 1]
    }

    /// The byte length of each top-level member of a compact JSON object, by key: a small
    /// tokenizer of its own that only tracks strings and nesting.
    private func memberLengths(_ body: [UInt8]) -> [(key: String, bytes: Int)] {
        var out: [(String, Int)] = []
        var depth = 0, inString = false, escaped = false
        var start = 1
        var key: [UInt8]? = nil
        var keyStart = 0
        for (i, b) in body.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 1 && key == nil { key = Array(body[keyStart...i]) }
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
                if depth == 1 && key == nil { keyStart = i }
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 && i > start, let k = key { out.append((decodedKey(k), i - start)) }
            case UInt8(ascii: ",") where depth == 1:
                if let k = key { out.append((decodedKey(k), i - start)) }
                start = i + 1
                key = nil
            default: break
            }
        }
        return out
    }

    private func decodedKey(_ quoted: [UInt8]) -> String {
        (try? JSONParser.parse(quoted))?.stringValue ?? String(decoding: quoted, as: UTF8.self)
    }

    private struct Expected {
        var sizes: [(id: String, size: Int)] = []
        var expired = 0
        var empty = 0
        var keys: [String: (bytes: Int, sessions: Int)] = [:]
        var lifetimes: [String: Int] = [:]
    }

    private func bucket(_ secondsLeft: Double) -> String {
        let bounds: [(Double, String)] = [(60, "1m"), (600, "10m"), (3600, "1h"), (21_600, "6h"), (86_400, "1d"), (604_800, "7d"), (2_592_000, "30d")]
        if secondsLeft < 0 { return "expired" }
        var from = "0"
        for (limit, name) in bounds {
            if secondsLeft < limit { return from == "0" ? "< \(name)" : "\(from) - \(name)" }
            from = name
        }
        return ">= 30d"
    }

    private func check(_ stats: JSONObject, against e: Expected, corrupt: Int, skipped: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        func int(_ v: JSONValue?) -> Int? { if case .number(let n)? = v { return Int(n) } else { return nil } }
        let sorted = e.sizes.map(\.size).sorted()
        XCTAssertEqual(int(stats["sessions"]), e.sizes.count, file: file, line: line)
        XCTAssertEqual(int(stats["expired"]), e.expired, file: file, line: line)
        XCTAssertEqual(int(stats["live"]), e.sizes.count - e.expired, file: file, line: line)
        XCTAssertEqual(int(stats["empty"]), e.empty, file: file, line: line)
        XCTAssertEqual(int(stats["corrupt"]), corrupt, file: file, line: line)
        XCTAssertEqual(int(stats["skipped"]), skipped, file: file, line: line)
        let size = try XCTUnwrap(stats["size"]?.objectValue, file: file, line: line)
        XCTAssertEqual(int(size["total"]), sorted.reduce(0, +), file: file, line: line)
        XCTAssertEqual(int(size["p50"]), rank(sorted, 0.5), file: file, line: line)
        XCTAssertEqual(int(size["p99"]), rank(sorted, 0.99), file: file, line: line)
        XCTAssertEqual(int(size["max"]), sorted.last, file: file, line: line)

        guard case .array(let largest)? = stats["largest"], case .array(let keys)? = stats["keys"],
            case .array(let lifetimes)? = stats["lifetime"]
        else { return XCTFail("shape: \(stats)", file: file, line: line) }
        let byLargest = e.sizes.sorted { $0.size != $1.size ? $0.size > $1.size : $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        XCTAssertEqual(largest.compactMap { $0.objectValue?["id"]?.stringValue }, byLargest.map(\.id), file: file, line: line)
        XCTAssertEqual(largest.compactMap { int($0.objectValue?["size"]) }, byLargest.map(\.size), file: file, line: line)

        let expectedKeys = e.keys.sorted { $0.value.bytes != $1.value.bytes ? $0.value.bytes > $1.value.bytes : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        XCTAssertEqual(keys.compactMap { $0.objectValue?["key"]?.stringValue }, expectedKeys.map(\.key), file: file, line: line)
        XCTAssertEqual(keys.compactMap { int($0.objectValue?["bytes"]) }, expectedKeys.map(\.value.bytes), file: file, line: line)
        XCTAssertEqual(keys.compactMap { int($0.objectValue?["sessions"]) }, expectedKeys.map(\.value.sessions), file: file, line: line)
        XCTAssertEqual(stats["keys_exact"], .bool(true), file: file, line: line)

        var seen: [String: Int] = [:]
        for b in lifetimes { if let o = b.objectValue, let label = o["label"]?.stringValue, let n = int(o["count"]), n > 0 { seen[label] = n } }
        XCTAssertEqual(seen, e.lifetimes, file: file, line: line)
    }

    private func stats(_ store: String) throws -> JSONObject {
        let r = Sessctl.run(["stats", "-s", store, "-o", "json", "--top", "1000"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdoutLines.count, 1, "one line of JSON")
        return try XCTUnwrap(try JSONParser.parse(Array(r.stdout.utf8)).objectValue)
    }

    // MARK: Tests

    func testStatsOfTheFileFixturesEqualFiguresWorkedOutFromTheFiles() throws {
        let dir = TempDirectory()
        let now = SystemTime.nowMillis()
        Fixtures.copyFileStore("file", to: dir, now: now)
        dir.write("broken.session", GSessionFileCodec.header(now) + Array("{\"x\":".utf8))
        dir.write("readme.txt", Array("not a session".utf8))

        var e = Expected()
        for fixture in Fixtures.sessions(backend: "file") where !fixture.encrypted {
            let bytes = try XCTUnwrap(dir.read("\(fixture.id).session"))
            let body = Array(bytes.dropFirst(8))
            e.sizes.append((fixture.id, body.count))
            let timestamp = bytes.prefix(8).enumerated().reduce(Int64(0)) { $0 | Int64($1.element) << (8 * $1.offset) }
            let left = Double(timestamp + 86_400_000 - now) / 1000
            if left < 0 { e.expired += 1 }
            if body == Array("{}".utf8) { e.empty += 1 }
            e.lifetimes[bucket(left), default: 0] += 1
            // Key bytes as GoFrame would write the body again.
            for (key, n) in memberLengths(try XCTUnwrap(fixture.gfReencoded)) {
                e.keys[key, default: (0, 0)].bytes += n
                e.keys[key, default: (0, 0)].sessions += 1
            }
        }
        XCTAssertEqual(e.sizes.count, 13)
        XCTAssertEqual(e.expired, 2)
        try check(try stats(dir.path), against: e, corrupt: 1, skipped: 0)

        // For people: a table with the same figures.
        let table = Sessctl.run(["stats", "-s", dir.path, "-o", "table"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("sessions  13 (11 live, 2 expired)"), table.stdout)
        XCTAssertTrue(table.stdout.contains("remaining lifetime"), table.stdout)
        XCTAssertTrue(table.stdout.contains("largest sessions"), table.stdout)
    }

    func testStatsOfTheRedisFixturesEqualFiguresWorkedOutFromExpectedJSON() throws {
        let server = try startServer()
        try server.pipe(file: Fixtures.gsession + "/redis-kv.resp")
        try server.pipe(file: Fixtures.gsession + "/redis-hash.resp")
        // Under each prefix: a key of another type, a string that is not an object, a corrupt value.
        try server.cli(["RPUSH", "gfsess:queue", "job"])
        try server.cli(["SET", "gfsess:counter", "12"])
        try server.cli(["SET", "gfsess:broken", "{\"a\":"])
        try server.cli(["SET", "gfhash:astring", "x"])

        for backend in ["kv", "hash"] {
            var e = Expected()
            for fixture in Fixtures.sessions(backend: backend) {
                let data = try XCTUnwrap(fixture.data)
                var size = 0
                if backend == "kv" {
                    guard case .number(let stored)? = fixture.raw["stored_body_len"] else { return XCTFail("no stored_body_len") }
                    size = try XCTUnwrap(Int(stored))
                    for (key, n) in memberLengths(try XCTUnwrap(fixture.gfReencoded)) {
                        e.keys[key, default: (0, 0)].bytes += n
                        e.keys[key, default: (0, 0)].sessions += 1
                    }
                } else {
                    let fields = try XCTUnwrap(fixture.raw["fields_b64"]?.objectValue)
                    for (name, value) in fields {
                        let n = name.utf8.count + (Data(base64Encoded: value.stringValue ?? "")?.count ?? -1000)
                        size += n
                        e.keys[name, default: (0, 0)].bytes += n
                        e.keys[name, default: (0, 0)].sessions += 1
                    }
                }
                e.sizes.append((fixture.id, size))
                if data.isEmpty { e.empty += 1 }
                e.lifetimes[bucket(Double(try XCTUnwrap(fixture.pttlMillis)) / 1000 - 30), default: 0] += 1
            }
            let store =
                backend == "kv"
                ? "redis://\(server.host):\(server.port)?prefix=gfsess:"
                : "redis://\(server.host):\(server.port)?prefix=gfhash:&layout=hash"
            try check(try stats(store), against: e, corrupt: backend == "kv" ? 1 : 0, skipped: backend == "kv" ? 2 : 1)
        }
    }

    /// A store larger than sessctl's own memory: stats reads it in one pass whose memory stays
    /// small. (The pass costs some 50 ms per MB in a debug build, hence not a million sessions.)
    func testStatsMemoryStaysBoundedOnALargeStore() throws {
        let server = try startServer()
        let count = 8_000
        let padding = String(repeating: "x", count: 3000)
        var resp: [UInt8] = []
        resp.reserveCapacity(count * 3200)
        func argument(_ s: String) { resp += Array("$\(s.utf8.count)\r\n".utf8) + Array(s.utf8) + [13, 10] }
        var total = 0
        for i in 0..<count {
            let value = #"{"blob":"\#(padding)","key\#(i % 5000)":\#(i),"user":{"id":\#(i % 977)}}"#
            total += value.utf8.count
            resp += Array("*5\r\n".utf8)
            for part in ["SET", "big:s\(i)", value, "PX", "86400000"] { argument(part) }
        }
        let input = TempDirectory()
        input.write("load.resp", resp)
        try server.pipe(file: input.file("load.resp"))

        let store = "redis://\(server.host):\(server.port)?prefix=big:"
        let (status, peakKiB) = try Sessctl.peakMemory(["stats", "-s", store, "-o", "json"], stdoutPath: input.file("stats.json"))
        XCTAssertEqual(status, 0)
        // The values are 24 MB. Held as sessions they would take that twice over (the parsed text and
        // the revision bytes each session carries), on top of the ~20 MB sessctl needs to run.
        XCTAssertLessThan(peakKiB, 40 * 1024, "peak RSS \(peakKiB) KiB")
        let stats = try XCTUnwrap(try JSONParser.parse(try XCTUnwrap(input.read("stats.json"))).objectValue)
        XCTAssertEqual(stats["sessions"], .number(String(count)))
        XCTAssertEqual(stats["size"]?.objectValue?["total"], .number(String(total)))
        XCTAssertEqual(stats["keys_exact"], .bool(false), "5000 distinct keys are more than are counted exactly")
    }
}
