import RedisClient
import TestSupport
import XCTest

/// Pre-formatted command flights and replies read in place: what a scan of millions of keys uses.
final class RawReplyTests: RedisTestCase {
    func testFormattedCommandsAreBinarySafeAndRepliesReadInPlace() throws {
        let server = try startServer()
        let connection = try connect(server)
        let odd: [UInt8] = [0x00, 0xff, 0x0d, 0x0a, 0x24]  // NUL, a non-UTF-8 byte, CRLF, '$'
        var buffer = RedisCommandBuffer()
        buffer.command([bytes("SET"), odd, bytes("v")])
        buffer.begin(3)
        buffer.argument("RPUSH")
        buffer.argument(bytes("list"))
        buffer.argument([UInt8]())  // an empty argument
        buffer.begin(2)
        buffer.argument("GET")
        buffer.argument(odd[...])
        buffer.command([bytes("GET"), bytes("list")])
        buffer.command([bytes("PTTL"), bytes("nothing")])
        buffer.command([bytes("LRANGE"), bytes("list"), bytes("0"), bytes("-1")])
        buffer.command([bytes("GET"), bytes("missing")])
        XCTAssertEqual(buffer.count, 7)
        try connection.send(buffer)
        let replies = try connection.receiveRaw(buffer.count)
        XCTAssertEqual(replies.count, 7)
        XCTAssertTrue(replies[0].isStatus && replies[0].hasBytes("OK"))
        XCTAssertEqual(replies[1].integer, 1)
        XCTAssertTrue(replies[2].isBulk)
        XCTAssertEqual(Array(replies[2].bytes), bytes("v"))
        XCTAssertTrue(replies[3].isError && replies[3].bytes.starts(with: "WRONGTYPE".utf8))
        XCTAssertEqual(replies[4].integer, -2)
        XCTAssertTrue(replies[5].isArray)
        XCTAssertEqual(replies[5].count, 1)
        XCTAssertEqual(replies[5][0].bytes.count, 0)
        XCTAssertTrue(replies[6].isNull)
        XCTAssertEqual(replies[5].value, .array([.bulk([])]))
        // The connection is in step again afterwards.
        XCTAssertEqual(try connection.command("PING"), .status("PONG"))
    }

    func testScanFlightsPipelineTheNextCursor() throws {
        let server = try startServer()
        let connection = try connect(server)
        _ = try connection.pipeline((0..<500).map { [bytes("SET"), bytes("k:\($0)"), bytes("x")] } + [[bytes("SET"), bytes("other"), bytes("x")]])
        var seen = Set<[UInt8]>()
        var cursor: UInt64 = 0
        repeat {
            var buffer = RedisCommandBuffer()
            RedisConnection.appendScan(to: &buffer, cursor: cursor, matchBytes: bytes("k:*"), count: 50)
            buffer.command([bytes("PING")])
            try connection.send(buffer)
            let replies = try connection.receiveRaw(2)
            let (next, keys) = try connection.parseScanReply(replies[0])
            for i in 0..<keys.count { seen.insert(Array(keys[i].bytes)) }
            XCTAssertTrue(replies[1].hasBytes("PONG"))
            cursor = next
        } while cursor != 0
        XCTAssertEqual(seen.count, 500)
        XCTAssertFalse(seen.contains(bytes("other")))

        // An error reply to SCAN is thrown, and the connection stays usable.
        var bad = RedisCommandBuffer()
        bad.command([bytes("SCAN"), bytes("not-a-cursor")])
        try connection.send(bad)
        let replies = try connection.receiveRaw(1)
        XCTAssertThrowsError(try connection.parseScanReply(replies[0])) { e in
            XCTAssertEqual((e as? RedisError)?.kind, .server)
        }
        XCTAssertEqual(try connection.command("PING"), .status("PONG"))
    }

    func testAHungServerTimesOutWhileReceiving() throws {
        let server = try startServer()
        let connection = try connect(server, timeout: 300)
        server.suspend()
        defer { server.resume() }
        var buffer = RedisCommandBuffer()
        buffer.command([bytes("PING")])
        try connection.send(buffer)  // lands in the socket buffer
        let (error, elapsed) = expectRedisError { _ = try connection.receiveRaw(1) }
        XCTAssertEqual(error?.kind, .timeout)
        XCTAssertLessThan(elapsed.milliseconds, 2_000)
        XCTAssertTrue(connection.isBroken)
    }
}
