import RedisClient
import TestSupport
import XCTest

/// Base class: starts private redis-servers on demand and always stops them in tearDown.
class RedisTestCase: XCTestCase {
    private var servers: [RedisServer] = []

    override func tearDown() {
        for server in servers { server.stop() }
        servers.removeAll()
        super.tearDown()
    }

    func startServer(extraArgs: [String] = [], password: String? = nil) throws -> RedisServer {
        let server = try RedisServer(extraArgs: extraArgs, password: password)
        servers.append(server)
        return server
    }

    func connect(
        _ server: RedisServer, username: String? = nil, password: String? = nil, db: Int = 0,
        timeout: Int = 2000
    ) throws -> RedisConnection {
        try RedisConnection(
            RedisConnectOptions(
                endpoint: .tcp(host: server.host, port: server.port),
                username: username, password: password, db: db, timeout: timeout))
    }

    /// Runs `body`, which must throw a `RedisError`, and returns it with the elapsed time.
    func expectRedisError(
        file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void
    ) -> (error: RedisError?, elapsed: Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try body()
            XCTFail("expected a RedisError, nothing was thrown", file: file, line: line)
            return (nil, clock.now - start)
        } catch let error as RedisError {
            return (error, clock.now - start)
        } catch {
            XCTFail("expected a RedisError, got \(error)", file: file, line: line)
            return (nil, clock.now - start)
        }
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
