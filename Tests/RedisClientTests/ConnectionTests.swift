import RedisClient
import TestSupport
import XCTest

final class ConnectionTests: RedisTestCase {
    func testPingOverTCP() throws {
        let server = try startServer()
        let connection = try connect(server)
        XCTAssertEqual(try connection.command("PING"), .status("PONG"))
        XCTAssertEqual(connection.endpoint.description, "127.0.0.1:\(server.port)")
        XCTAssertFalse(connection.isBroken)
    }

    func testPingOverUnixSocket() throws {
        let server = try startServer()
        let connection = try RedisConnection(RedisConnectOptions(endpoint: .unix(path: server.socketPath)))
        XCTAssertEqual(try connection.command("PING"), .status("PONG"))
        XCTAssertEqual(connection.endpoint.description, "unix:\(server.socketPath)")
    }

    func testEndpointDescriptions() {
        XCTAssertEqual(RedisEndpoint.tcp(host: "127.0.0.1", port: 6379).description, "127.0.0.1:6379")
        XCTAssertEqual(RedisEndpoint.tcp(host: "::1", port: 6379).description, "[::1]:6379")
        XCTAssertEqual(RedisEndpoint.unix(path: "/run/redis.sock").description, "unix:/run/redis.sock")
        XCTAssertEqual(RedisConnectOptions(endpoint: .unix(path: "/x")).timeout, 5000)
    }

    func testOptionsNeverPrintThePassword() {
        let options = RedisConnectOptions(
            endpoint: .tcp(host: "127.0.0.1", port: 6379), username: "alice", password: "hunter2-secret", db: 2)
        var dumped = ""
        dump(options, to: &dumped)
        for text in [String(describing: options), String(reflecting: options), "\(options)", dumped] {
            XCTAssertFalse(text.contains("hunter2-secret"), text)
        }
        XCTAssertEqual(
            options.description,
            "RedisConnectOptions(endpoint: 127.0.0.1:6379, username: alice, password: <redacted>, db: 2, timeout: 5000 ms)")
    }

    func testRequirePass() throws {
        let password = "s3cret-Pa55word"
        let server = try startServer(password: password)

        // No password: connecting works, the first command gets a clear NOAUTH error.
        let anonymous = try connect(server)
        let reply = try anonymous.command("GET", "k")
        XCTAssertTrue(reply.isError)
        XCTAssertTrue(reply.errorMessage?.hasPrefix("NOAUTH") ?? false, "\(reply)")
        XCTAssertThrowsError(try reply.checked()) { error in
            XCTAssertEqual((error as? RedisError)?.kind, .auth)
        }
        XCTAssertFalse(anonymous.isBroken)

        // No password but a database to select: fails at connect with kind auth.
        let (selectError, _) = expectRedisError { _ = try self.connect(server, db: 2) }
        XCTAssertEqual(selectError?.kind, .auth)

        // Wrong password: kind auth, and the message never contains a password.
        let wrong = "wrong-Pa55word-xyz"
        let (error, _) = expectRedisError { _ = try self.connect(server, password: wrong) }
        XCTAssertEqual(error?.kind, .auth)
        let message = error?.description ?? ""
        XCTAssertTrue(message.hasPrefix("authentication failed: WRONGPASS"), message)
        XCTAssertFalse(message.contains(wrong), message)
        XCTAssertFalse(message.contains(password), message)

        // Right password.
        let authed = try connect(server, password: password)
        XCTAssertEqual(try authed.command("PING"), .status("PONG"))
        XCTAssertEqual(try authed.command("SET", "k", "v"), .status("OK"))
        XCTAssertEqual(try server.cli(["GET", "k"]), "v")
    }

    func testACLUser() throws {
        let server = try startServer()
        XCTAssertEqual(try server.cli(["ACL", "SETUSER", "alice", "on", ">secret", "~*", "+@all"]), "OK")

        let alice = try connect(server, username: "alice", password: "secret")
        XCTAssertEqual(try alice.command("ACL", "WHOAMI").string, "alice")

        let (unknownUser, _) = expectRedisError { _ = try self.connect(server, username: "mallory", password: "secret") }
        XCTAssertEqual(unknownUser?.kind, .auth)
        XCTAssertFalse(unknownUser?.description.contains("secret") ?? true)

        let (wrongPassword, _) = expectRedisError { _ = try self.connect(server, username: "alice", password: "guess") }
        XCTAssertEqual(wrongPassword?.kind, .auth)
        XCTAssertFalse(wrongPassword?.description.contains("guess") ?? true)
    }

    func testSelectIsolatesDatabases() throws {
        let server = try startServer()
        let db0 = try connect(server)
        let db3 = try connect(server, db: 3)
        XCTAssertEqual(try db0.command("SET", "shared", "zero"), .status("OK"))
        XCTAssertEqual(try db3.command("GET", "shared"), .null)
        XCTAssertEqual(try db3.command("SET", "shared", "three"), .status("OK"))
        XCTAssertEqual(try db0.command("GET", "shared").string, "zero")
        XCTAssertEqual(try db3.command("GET", "shared").string, "three")
        XCTAssertEqual(try server.cli(["-n", "3", "GET", "shared"]), "three")
        XCTAssertEqual(try db3.command("DBSIZE"), .integer(1))

        let (error, _) = expectRedisError { _ = try self.connect(server, db: 99) }
        XCTAssertEqual(error?.kind, .server)
        XCTAssertTrue(error?.description.contains("cannot select database 99") ?? false, "\(String(describing: error))")
    }

    func testClosedPortFailsFastWithConnectError() throws {
        let port = try RedisServer.freePort()  // nothing listens there
        let (error, elapsed) = expectRedisError {
            _ = try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: "127.0.0.1", port: port), timeout: 1000))
        }
        XCTAssertEqual(error?.kind, .connect)
        XCTAssertEqual(error?.description, "cannot connect to 127.0.0.1:\(port): Connection refused")
        XCTAssertLessThan(elapsed.milliseconds, 1000)
    }

    func testInvalidPortIsConnectError() {
        let (error, _) = expectRedisError {
            _ = try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: "127.0.0.1", port: 70000)))
        }
        XCTAssertEqual(error?.kind, .connect)
    }

    func testUnknownHostIsConnectError() {
        let (error, _) = expectRedisError {
            _ = try RedisConnection(
                RedisConnectOptions(endpoint: .tcp(host: "no-such-host.invalid", port: 6379), timeout: 1000))
        }
        XCTAssertEqual(error?.kind, .connect)
        XCTAssertTrue(
            error?.description.hasPrefix("cannot connect to no-such-host.invalid:6379: ") ?? false,
            "\(String(describing: error))")
    }

    func testMissingUnixSocketIsConnectError() {
        let (error, _) = expectRedisError {
            _ = try RedisConnection(RedisConnectOptions(endpoint: .unix(path: "/nonexistent/redis.sock")))
        }
        XCTAssertEqual(error?.kind, .connect)
        XCTAssertTrue(error?.description.hasPrefix("cannot connect to unix:/nonexistent/redis.sock: ") ?? false)
    }

    func testSuspendedServerTimesOut() throws {
        let server = try startServer()
        let timeout = 500
        let connection = try connect(server, timeout: timeout)
        XCTAssertEqual(try connection.command("SET", "k", "v"), .status("OK"))

        server.suspend()
        defer { server.resume() }
        let (error, elapsed) = expectRedisError { _ = try connection.command("GET", "k") }
        XCTAssertEqual(error?.kind, .timeout)
        XCTAssertEqual(error?.description, "no reply from 127.0.0.1:\(server.port) within 500 ms")
        XCTAssertGreaterThanOrEqual(elapsed.milliseconds, Double(timeout) * 0.8)
        XCTAssertLessThan(elapsed.milliseconds, Double(timeout) * 3)

        // The connection is broken now: later calls throw at once.
        XCTAssertTrue(connection.isBroken)
        let (again, fast) = expectRedisError { _ = try connection.command("PING") }
        XCTAssertEqual(again?.kind, .io)
        XCTAssertLessThan(fast.milliseconds, 100)
        let (pipelined, _) = expectRedisError { _ = try connection.pipeline([[bytes("PING")]]) }
        XCTAssertEqual(pipelined?.kind, .io)

        // Resumed, the server is fine and a new connection works.
        server.resume()
        let fresh = try connect(server)
        XCTAssertEqual(try fresh.command("GET", "k").string, "v")
    }

    func testAuthAgainstSuspendedServerTimesOut() throws {
        let server = try startServer(password: "pw-123456")
        server.suspend()
        defer { server.resume() }
        // The kernel still accepts the TCP connection; AUTH gets no reply.
        let (error, elapsed) = expectRedisError { _ = try self.connect(server, password: "pw-123456", timeout: 500) }
        XCTAssertEqual(error?.kind, .timeout)
        XCTAssertFalse(error?.description.contains("pw-123456") ?? true)
        XCTAssertLessThan(elapsed.milliseconds, 1500)
    }

    func testPipelineAgainstSuspendedServerTimesOut() throws {
        let server = try startServer()
        let connection = try connect(server, timeout: 500)
        server.suspend()
        defer { server.resume() }
        let commands = (0..<3_000).map { [bytes("SET"), bytes("k\($0)"), [UInt8](repeating: 0x61, count: 4096)] }
        let (error, elapsed) = expectRedisError { _ = try connection.pipeline(commands) }
        XCTAssertEqual(error?.kind, .timeout)
        // The timeout bounds each read or write: a write that fills the socket buffer returns a
        // partial count after one timeout and the next write fails after another, so allow ~2x.
        XCTAssertLessThan(elapsed.milliseconds, 2500)
        XCTAssertTrue(connection.isBroken)
    }

    func testWrongTypeIsAnErrorReplyAndConnectionStaysUsable() throws {
        let server = try startServer()
        let connection = try connect(server)
        XCTAssertEqual(try connection.command("RPUSH", "list", "a"), .integer(1))
        let reply = try connection.command("GET", "list")
        XCTAssertTrue(reply.isError)
        XCTAssertTrue(reply.errorMessage?.hasPrefix("WRONGTYPE") ?? false, "\(reply)")
        XCTAssertThrowsError(try reply.checked()) { error in
            XCTAssertEqual((error as? RedisError)?.kind, .server)
        }
        XCTAssertTrue(try connection.command("NO-SUCH-COMMAND").isError)
        XCTAssertFalse(connection.isBroken)
        XCTAssertEqual(try connection.command("PING"), .status("PONG"))
        XCTAssertEqual(try connection.command("LRANGE", "list", "0", "-1"), .array([.bulk(bytes("a"))]))
    }

    func testEmptyCommandIsRejectedWithoutBreakingTheConnection() throws {
        let server = try startServer()
        let connection = try connect(server)
        let (error, _) = expectRedisError { _ = try connection.command([]) }
        XCTAssertEqual(error?.kind, .protocol)
        XCTAssertFalse(connection.isBroken)
        XCTAssertEqual(try connection.command("PING"), .status("PONG"))
    }

    func testConnectionKilledByServerIsIOError() throws {
        let server = try startServer()
        let connection = try connect(server)
        guard let id = try connection.command("CLIENT", "ID").int else { return XCTFail("no client id") }
        XCTAssertEqual(try server.cli(["CLIENT", "KILL", "ID", String(id)]), "1")
        let (error, _) = expectRedisError { _ = try connection.command("PING") }
        XCTAssertEqual(error?.kind, .io)
        XCTAssertTrue(error?.description.hasPrefix("connection to 127.0.0.1:\(server.port) lost: ") ?? false)
        XCTAssertTrue(connection.isBroken)
    }

    func testLargeWriteToClosedConnectionThrowsInsteadOfSIGPIPE() throws {
        let server = try startServer()
        let connection = try connect(server)
        guard let id = try connection.command("CLIENT", "ID").int else { return XCTFail("no client id") }
        XCTAssertEqual(try server.cli(["CLIENT", "KILL", "ID", String(id)]), "1")
        usleep(50_000)
        // ~6 MB in one chunk: the kernel cannot take it in one write, so a later write hits EPIPE.
        let value = [UInt8](repeating: 0x62, count: 64 * 1024)
        let commands = (0..<100).map { [bytes("SET"), bytes("big\($0)"), value] }
        let (error, _) = expectRedisError { _ = try connection.pipeline(commands) }
        XCTAssertEqual(error?.kind, .io)
        XCTAssertTrue(connection.isBroken)
    }
}
