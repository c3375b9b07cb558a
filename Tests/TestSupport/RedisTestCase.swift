import RedisClient
import XCTest

/// Base class of the tests that start their own redis-servers: `startServer` starts one, and
/// tearDown always stops them all (after resuming any a test paused).
open class RedisTestCase: XCTestCase {
    private var servers: [RedisServer] = []

    open override func tearDown() {
        for server in servers {
            server.resume()
            server.stop()
        }
        servers.removeAll()
        super.tearDown()
    }

    public func startServer(extraArgs: [String] = [], password: String? = nil) throws -> RedisServer {
        let server = try RedisServer(extraArgs: extraArgs, password: password)
        servers.append(server)
        return server
    }

    public func connect(
        _ server: RedisServer, username: String? = nil, password: String? = nil, db: Int = 0,
        timeout: Int = 2000
    ) throws -> RedisConnection {
        try RedisConnection(
            RedisConnectOptions(
                endpoint: .tcp(host: server.host, port: server.port),
                username: username, password: password, db: db, timeout: timeout))
    }

    /// Runs `body`, which must throw a `RedisError`, and returns it with the elapsed time.
    public func expectRedisError(
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
