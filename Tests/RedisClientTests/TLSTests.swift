import Foundation
import RedisClient
import TestSupport
import XCTest

/// TLS through the socketpair bridge, against the TLS-only server of `RedisDeployments` (its
/// certificate names `localhost` only; it wants a client certificate).
final class TLSTests: XCTestCase {
    private var d: RedisDeployments!

    override func setUpWithError() throws {
        d = try RedisDeployments.shared()
    }

    private func options(host: String = "127.0.0.1", port: Int? = nil, _ tls: RedisTLSOptions, timeout: Int = 2000) -> RedisConnectOptions {
        RedisConnectOptions(endpoint: .tcp(host: host, port: port ?? d.tlsServer.port), timeout: timeout, tls: tls)
    }

    private var good: RedisTLSOptions {
        var t = d.tls
        t.serverName = "localhost"
        return t
    }

    private func failure(_ o: RedisConnectOptions, file: StaticString = #filePath, line: UInt = #line) -> RedisError? {
        do {
            _ = try RedisConnection(o)
            XCTFail("connected", file: file, line: line)
            return nil
        } catch let e as RedisError {
            XCTAssertFalse(e.message.contains("\n"), "one line: \(e.message)", file: file, line: line)
            return e
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return nil
        }
    }

    func testCommandsBinaryValuesAndLargeValuesGoThroughTheBridge() throws {
        let c = try RedisConnection(options(good))
        XCTAssertTrue(c.isTLS)
        XCTAssertEqual(try c.command("PING"), .status("PONG"))
        let binary: [UInt8] = [0, 13, 10, 255, 0x80, 36]
        XCTAssertEqual(try c.command([Array("SET".utf8), Array("tls:bin".utf8), binary]), .status("OK"))
        XCTAssertEqual(try c.command("GET", "tls:bin"), .bulk(binary))
        let big = [UInt8](repeating: 0x61, count: 8 << 20)
        XCTAssertEqual(try c.command([Array("SET".utf8), Array("tls:big".utf8), big]), .status("OK"))
        XCTAssertEqual(try c.command("GET", "tls:big"), .bulk(big))
        let many = (0..<20_000).map { [Array("SET".utf8), Array("tls:k\($0)".utf8), Array("v\($0)".utf8)] }
        XCTAssertEqual(try c.pipeline(many).filter { $0 != .status("OK") }, [])
        XCTAssertEqual(try c.command("DEL", "tls:big", "tls:bin"), .integer(2))
        // By name: localhost may resolve to ::1 first, where nothing listens; the next address is tried.
        XCTAssertEqual(try RedisConnection(options(host: "localhost", d.tls)).command("PING"), .status("PONG"))
    }

    func testAnUnknownCAIsOneClearLineAndInsecureGetsPastIt() throws {
        var t = good
        t.caFile = d.pki.otherCA
        let e = try XCTUnwrap(failure(options(t)))
        XCTAssertEqual(e.kind, .tls)
        XCTAssertTrue(e.message.contains("not signed by the CA in \(d.pki.otherCA)") && e.message.contains("insecure=1"), e.message)
        t.insecure = true
        XCTAssertEqual(try RedisConnection(options(t)).command("PING"), .status("PONG"))
        // The system's CAs do not know the test CA either.
        t = good
        t.caFile = nil
        XCTAssertTrue(try XCTUnwrap(failure(options(t))).message.contains("not signed by the system's CAs"))
    }

    func testAWrongHostNameIsOneClearLineAndInsecureGetsPastIt() throws {
        var t = d.tls  // no sni: the certificate names localhost, not 127.0.0.1
        let e = try XCTUnwrap(failure(options(t)))
        XCTAssertEqual(e.kind, .tls)
        XCTAssertTrue(e.message.contains("not for '127.0.0.1'") && e.message.contains("sni="), e.message)
        t.serverName = "other.example"
        XCTAssertTrue(try XCTUnwrap(failure(options(t))).message.contains("not for 'other.example'"))
        t.insecure = true
        XCTAssertEqual(try RedisConnection(options(t)).command("PING"), .status("PONG"))
    }

    func testAMissingClientCertificateIsOneClearLine() throws {
        for insecure in [false, true] {
            var t = good
            t.certFile = nil
            t.keyFile = nil
            t.insecure = insecure
            let e = try XCTUnwrap(failure(options(t)))
            XCTAssertEqual(e.kind, .tls)
            XCTAssertTrue(e.message.contains("requires a client certificate (set cert= and key=)"), e.message)
        }
    }

    func testPlainPortsAndBadFilesAreOneClearLine() throws {
        // TLS to a plain port: Redis waits for the end of a line that never comes.
        let plain = try XCTUnwrap(
            failure(
                RedisConnectOptions(
                    endpoint: .tcp(host: "127.0.0.1", port: d.sentinel.dataNodes[0].port),
                    timeout: 300, tls: good)))
        XCTAssertTrue(plain.message.contains("TLS handshake timed out (is it a TLS port?)"), plain.message)
        // Nothing listening.
        let refused = try XCTUnwrap(failure(options(port: try RedisServer.freePort(), good)))
        XCTAssertEqual(refused.kind, .connect)
        XCTAssertTrue(refused.message.contains("Connection refused"), refused.message)
        var t = good
        t.caFile = "/nonexistent/ca.pem"
        XCTAssertTrue(try XCTUnwrap(failure(options(t))).message.contains("cannot use the CA file /nonexistent/ca.pem"))
        t = good
        t.keyFile = d.pki.nodeKey
        let mismatch = try XCTUnwrap(failure(options(t)))
        XCTAssertTrue(mismatch.message.contains("does not match the certificate"), mismatch.message)
    }

    func testAFrozenServerTimesOutAndTheBridgeStops() throws {
        let c = try RedisConnection(options(good, timeout: 300))
        d.tlsServer.suspend()
        defer { d.tlsServer.resume() }
        let start = Date()
        XCTAssertThrowsError(try c.command("PING")) { e in
            XCTAssertEqual((e as? RedisError)?.kind, .timeout, "\(e)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        d.tlsServer.resume()
        XCTAssertEqual(try RedisConnection(options(good)).command("PING"), .status("PONG"))
    }

    func testAConnectionTheServerClosesIsAnIOErrorNotACrash() throws {
        let c = try RedisConnection(options(good))
        let id = try XCTUnwrap(c.command("CLIENT", "ID").int)
        let killer = try RedisConnection(options(good))
        XCTAssertEqual(try killer.command("CLIENT", "KILL", "ID", String(id)), .integer(1))
        XCTAssertThrowsError(try c.command("PING")) { e in
            XCTAssertEqual((e as? RedisError)?.kind, .io, "\(e)")
        }
        let value = [UInt8](repeating: 1, count: 1 << 20)
        XCTAssertThrowsError(try c.command([Array("SET".utf8), Array("k".utf8), value]))
    }
}
