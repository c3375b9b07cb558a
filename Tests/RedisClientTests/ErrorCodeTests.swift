import RedisClient
import TestSupport
import XCTest

/// The code of an error reply, read from what a real server answers, copied or in place.
final class ErrorCodeTests: RedisTestCase {
    func testTheCodeIsTheFirstWordOfTheServersErrorReply() throws {
        let server = try startServer(password: "s3cret")
        let guest = try connect(server)
        XCTAssertEqual(try guest.command("GET", "k").errorCode, .noAuth)
        XCTAssertEqual(try guest.command("AUTH", "wrong").errorCode, .wrongPass)
        XCTAssertTrue(try guest.command("GET", "k").errorCode?.isAuthentication == true)

        let connection = try connect(server, password: "s3cret")
        XCTAssertEqual(try connection.command("SET", "s", "v"), .status("OK"))
        XCTAssertEqual(try connection.command("LPUSH", "s", "x").errorCode, .wrongType)
        XCTAssertEqual(try connection.command("NOSUCHCOMMAND").errorCode, .err)
        XCTAssertEqual(try connection.command("RESTORE", "s", "0", "junk").errorCode, .busyKey)
        XCTAssertNil(try connection.command("GET", "s").errorCode, "not an error reply")
        XCTAssertEqual(try connection.command("ACL", "SETUSER", "reader", "on", ">pw", "~*", "+get").errorCode, nil)
        let reader = try connect(server, username: "reader", password: "pw")
        XCTAssertEqual(try reader.command("SET", "s", "w").errorCode, .noPerm)

        var buffer = RedisCommandBuffer()
        buffer.command([bytes("LPUSH"), bytes("s"), bytes("x")])
        buffer.command([bytes("GET"), bytes("s")])
        try connection.send(buffer)
        let raw = try connection.receiveRaw(buffer.count)
        XCTAssertEqual(raw[0].errorCode, .wrongType)
        XCTAssertFalse(raw[0].isRedirect)
        XCTAssertNil(raw[1].errorCode)
    }

    func testRedirectCodesAreTheOnesAClusterClientFollows() {
        let codes = ["MOVED 3999 127.0.0.1:6381", "ASK 3999 127.0.0.1:6381", "TRYAGAIN Multiple keys", "CLUSTERDOWN Hash slot not served"]
            .map { RedisErrorCode(message: $0) }
        XCTAssertEqual(codes, [.moved, .ask, .tryAgain, .clusterDown])
        XCTAssertTrue(codes.allSatisfy(\.isRedirect))
        XCTAssertFalse(RedisErrorCode(message: "READONLY You can't write against a read only replica.").isRedirect)
        XCTAssertEqual(RedisErrorCode(message: "READONLY You can't write").rawValue, "READONLY")
        XCTAssertEqual(RedisErrorCode(message: ""), RedisErrorCode(rawValue: ""))
        XCTAssertFalse(RedisReplyView.isRedirect("MOVEDX 1 h:1"), "a code is a whole word, not a prefix")
    }
}
