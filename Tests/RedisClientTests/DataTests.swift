import RedisClient
import TestSupport
import XCTest

final class DataTests: RedisTestCase {
    func testBinarySafeSetAndGet() throws {
        let server = try startServer()
        let connection = try connect(server)
        let values: [(key: [UInt8], value: [UInt8])] = [
            (bytes("nul"), [0x61, 0x00, 0x62, 0x00, 0x00]),
            (bytes("empty"), []),
            (bytes("latin1"), [0xE9, 0xFF, 0xFE, 0x80, 0xC3]),  // not valid UTF-8
            ([0x6B, 0x00, 0xFF], bytes("key with NUL and 0xFF")),
            ([], bytes("empty key"))
        ]
        for (key, value) in values {
            XCTAssertEqual(try connection.command([bytes("SET"), key, value]), .status("OK"))
        }
        for (key, value) in values {
            XCTAssertEqual(try connection.command([bytes("GET"), key]), .bulk(value))
            XCTAssertEqual(try connection.command([bytes("STRLEN"), key]), .integer(Int64(value.count)))
        }
        XCTAssertEqual(try connection.command("GET", "missing"), .null)
        XCTAssertEqual(try connection.command([bytes("GET"), bytes("latin1")]).bytes, [0xE9, 0xFF, 0xFE, 0x80, 0xC3])
        XCTAssertEqual(try connection.command("GET", "empty").string, "")
    }

    func testReplyShapes() throws {
        let server = try startServer()
        let connection = try connect(server)
        XCTAssertEqual(try connection.command("INCRBY", "n", "-42"), .integer(-42))
        XCTAssertEqual(try connection.command("INCRBY", "n", "-42").int, -84)
        XCTAssertEqual(try connection.command("HSET", "h", "f", "v"), .integer(1))
        XCTAssertEqual(try connection.command("HGETALL", "h"), .array([.bulk(bytes("f")), .bulk(bytes("v"))]))
        XCTAssertEqual(try connection.command("LRANGE", "nothing", "0", "-1"), .array([]))
        XCTAssertEqual(
            try connection.command("MGET", "h", "missing", "n"),
            .array([.null, .null, .bulk(bytes("-84"))]))
        XCTAssertEqual(try connection.command("SET", "x", "1", "NX", "GET"), .null)
        XCTAssertEqual(try connection.command("PING").string, "PONG")
        XCTAssertEqual(try connection.command("PING").bytes, bytes("PONG"))
        XCTAssertNil(RedisReply.integer(1).string)
        XCTAssertTrue(RedisReply.null.isNull)
    }

    func testPipelineOf10000SetsThenGets() throws {
        let server = try startServer()
        let connection = try connect(server)
        let count = 10_000
        let sets = (0..<count).map { [bytes("SET"), bytes("key:\($0)"), bytes("value:\($0)")] }
        let setReplies = try connection.pipeline(sets)
        XCTAssertEqual(setReplies.count, count)
        XCTAssertTrue(setReplies.allSatisfy { $0 == .status("OK") })

        var gets = (0..<count).map { [bytes("GET"), bytes("key:\($0)")] }
        gets.insert([bytes("GET"), bytes("no-such-key")], at: 5_000)
        gets.insert([bytes("LPUSH"), bytes("key:7"), bytes("x")], at: 7_000)  // WRONGTYPE mid-pipeline
        let replies = try connection.pipeline(gets)
        XCTAssertEqual(replies.count, count + 2)
        for (index, reply) in replies.enumerated() {
            switch index {
            case 5_000: XCTAssertEqual(reply, .null)
            case 7_000: XCTAssertTrue(reply.errorMessage?.hasPrefix("WRONGTYPE") ?? false)
            default:
                let i = index < 5_000 ? index : (index < 7_000 ? index - 1 : index - 2)
                if reply != .bulk(bytes("value:\(i)")) {
                    return XCTFail("reply \(index) is \(reply), expected value:\(i)")
                }
            }
        }
        XCTAssertEqual(try connection.command("DBSIZE"), .integer(Int64(count)))
        XCTAssertEqual(try connection.pipeline([]), [])
        XCTAssertFalse(connection.isBroken)
    }

    func testPipelineOf100000Commands() throws {
        let server = try startServer()
        let connection = try connect(server)
        let commands = (0..<100_000).map { _ in [bytes("INCR"), bytes("counter")] }
        let replies = try connection.pipeline(commands)
        XCTAssertEqual(replies.count, 100_000)
        XCTAssertEqual(replies.first, .integer(1))
        XCTAssertEqual(replies.last, .integer(100_000))
        XCTAssertEqual(try connection.command("GET", "counter").string, "100000")
    }

    func testGlobEscape() {
        XCTAssertEqual(RedisConnection.globEscape("a*b?c[d]e\\f"), "a\\*b\\?c\\[d\\]e\\\\f")
        XCTAssertEqual(RedisConnection.globEscape("plain:prefix-é"), "plain:prefix-é")
        XCTAssertEqual(RedisConnection.globEscape([0x2A, 0x00, 0xFF]), [0x5C, 0x2A, 0x00, 0xFF])
        XCTAssertEqual(RedisConnection.globEscape(""), "")
    }

    func testScanWithEscapedPrefixReturnsEachKeyOnce() throws {
        let server = try startServer()
        let connection = try connect(server)
        let prefix = "sess*?[]\\:"
        let count = 5_000
        var expected = Set<[UInt8]>()
        var commands: [[[UInt8]]] = []
        for i in 0..<count {
            let key = bytes(prefix + "\(i)")
            expected.insert(key)
            commands.append([bytes("SET"), key, bytes("v")])
        }
        // Keys an unescaped pattern would match, and unrelated keys.
        for i in 0..<200 {
            for decoy in ["sessX?[]\\:", "sess*X[]\\:", "sess*?]\\:", "sess*?[]:", "sess*?[]\\", "other:", "sess"] {
                commands.append([bytes("SET"), bytes(decoy + "\(i)"), bytes("v")])
            }
        }
        XCTAssertTrue(try connection.pipeline(commands).allSatisfy { $0 == .status("OK") })

        let pattern = RedisConnection.globEscape(prefix) + "*"
        var seen: [[UInt8]: Int] = [:]
        var cursor: UInt64 = 0
        var pages = 0
        repeat {
            let page = try connection.scanPage(cursor: cursor, match: pattern, count: 500)
            for key in page.keys { seen[key, default: 0] += 1 }
            cursor = page.next
            pages += 1
        } while cursor != 0 && pages < 10_000
        XCTAssertGreaterThan(pages, 1)
        XCTAssertEqual(Set(seen.keys), expected)
        XCTAssertEqual(seen.values.filter { $0 != 1 }.count, 0, "keys returned more than once")

        // The binary variant and TYPE filter.
        var typed = 0
        cursor = 0
        repeat {
            let page = try connection.scanPage(
                cursor: cursor, matchBytes: RedisConnection.globEscape(bytes(prefix)) + bytes("*"), count: 1000,
                type: "string")
            typed += page.keys.count
            cursor = page.next
        } while cursor != 0
        XCTAssertEqual(typed, count)
        let none = try connection.scanPage(cursor: 0, match: nil, count: 10, type: "hash")
        XCTAssertTrue(none.keys.isEmpty)
    }

    func testScanErrorReplyThrows() throws {
        let server = try startServer(password: "pw-scan")
        let connection = try connect(server)  // not authenticated: SCAN gets NOAUTH
        let (error, _) = expectRedisError { _ = try connection.scanPage(cursor: 0, match: nil, count: 10) }
        XCTAssertEqual(error?.kind, .auth)
        XCTAssertFalse(connection.isBroken)
    }
}
