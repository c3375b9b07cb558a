import Foundation
import TestSupport
import XCTest

/// The test helper itself: other test targets rely on it.
final class RedisServerTests: XCTestCase {
    func testStartCliPipeAndStop() throws {
        let server = try RedisServer()
        defer { server.stop() }
        XCTAssertEqual(server.host, "127.0.0.1")
        XCTAssertTrue(FileManager.default.fileExists(atPath: server.socketPath))
        XCTAssertEqual(try server.cli(["PING"]), "PONG")
        XCTAssertEqual(try server.cli(["CONFIG", "GET", "appendonly"]), "appendonly\nno")

        let file = server.directory + "/commands.resp"
        let resp = "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n"
        try resp.write(toFile: file, atomically: true, encoding: .utf8)
        try server.pipe(file: file)
        XCTAssertEqual(try server.cli(["MGET", "a", "b"]), "1\n2")

        let pid = server.pid
        let directory = server.directory
        XCTAssertEqual(kill(pid, 0), 0)
        server.stop()
        server.stop()  // idempotent
        XCTAssertFalse(server.isRunning)
        XCTAssertNotEqual(kill(pid, 0), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory))
    }

    func testPasswordAndExtraArgs() throws {
        let server = try RedisServer(extraArgs: ["--maxmemory", "12mb"], password: "pw-abc")
        defer { server.stop() }
        XCTAssertEqual(try server.cli(["CONFIG", "GET", "maxmemory"]), "maxmemory\n12582912")
        XCTAssertTrue(try server.cli(["PING"], authenticate: false).hasPrefix("NOAUTH"))
        let file = server.directory + "/commands.resp"
        try "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n".write(toFile: file, atomically: true, encoding: .utf8)
        try server.pipe(file: file)
        XCTAssertEqual(try server.cli(["GET", "k"]), "v")
    }

    func testStopsASuspendedServer() throws {
        let server = try RedisServer()
        let pid = server.pid
        server.suspend()
        server.stop()
        XCTAssertNotEqual(kill(pid, 0), 0)
    }

    func testBadArgumentsFailWithTheLog() {
        XCTAssertThrowsError(try RedisServer(extraArgs: ["--no-such-option", "1"])) { error in
            XCTAssertTrue("\(error)".contains("no-such-option"), "\(error)")
        }
    }
}
