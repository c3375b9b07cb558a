import Foundation
import RedisClient
import TestSupport
import XCTest

/// The router through Sentinel: the master is asked for, checked with ROLE, and problems are one line.
final class SentinelClientTests: XCTestCase {
    private var d: RedisDeployments!

    override func setUpWithError() throws {
        d = try RedisDeployments.shared()
    }

    private func endpoints(_ s: TestSentinel) -> [RedisEndpoint] {
        s.sentinels.map { .tcp(host: "127.0.0.1", port: $0.port) }
    }

    func testTheMasterIsFoundThroughAnySentinelThatAnswers() throws {
        let dead = RedisEndpoint.tcp(host: "127.0.0.1", port: try RedisServer.freePort())
        let settings = RedisSentinelSettings(sentinels: [dead] + endpoints(d.sentinel), masterName: d.sentinel.masterName)
        let r = try RedisRouter(RedisConnectOptions(endpoint: dead, timeout: 2000), deployment: .sentinel(settings))
        let master = try d.sentinel.master()
        XCTAssertEqual(try r.masterEndpoints(), [.tcp(host: "127.0.0.1", port: master.port)])
        XCTAssertEqual(
            try r.run(keys: [Array("s:k".utf8)]) { [[Array("SET".utf8), $0, Array("1".utf8)], [Array("GET".utf8), $0]] }[0],
            [.status("OK"), .bulk(Array("1".utf8))])
        XCTAssertFalse(r.isCluster)
    }

    func testOverTLSTheSentinelsAndTheMasterSpeakTLS() throws {
        let s = d.tlsSentinel
        let settings = RedisSentinelSettings(sentinels: endpoints(s), masterName: s.masterName)
        let r = try RedisRouter(RedisConnectOptions(endpoint: endpoints(s)[0], timeout: 2000, tls: d.tls), deployment: .sentinel(settings))
        XCTAssertEqual(try r.masterEndpoints(), [.tcp(host: "127.0.0.1", port: s.dataNodes[0].port)])
        XCTAssertEqual(try r.connection(forKey: []).isTLS, true)
        // Without TLS the sentinel cannot be asked: one line, no waiting out the timeout.
        let start = Date()
        XCTAssertThrowsError(try RedisRouter(RedisConnectOptions(endpoint: endpoints(s)[0], timeout: 500), deployment: .sentinel(settings))) { e in
            XCTAssertTrue("\(e)".contains("no sentinel answered"), "\(e)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.5)
        // An unknown CA is said at once.
        var wrongCA = d.tls
        wrongCA.caFile = d.pki.otherCA
        XCTAssertThrowsError(try RedisRouter(RedisConnectOptions(endpoint: endpoints(s)[0], timeout: 3000, tls: wrongCA), deployment: .sentinel(settings))) { e in
            XCTAssertEqual((e as? RedisError)?.kind, .tls, "\(e)")
            XCTAssertTrue("\(e)".contains("not signed by"), "\(e)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testAnUnknownMasterNameAndNoSentinelsAreOneClearLine() throws {
        let settings = RedisSentinelSettings(sentinels: endpoints(d.sentinel), masterName: "nosuch")
        XCTAssertThrowsError(try RedisRouter(RedisConnectOptions(endpoint: endpoints(d.sentinel)[0], timeout: 2000), deployment: .sentinel(settings))) { e in
            XCTAssertEqual("\(e)", "Sentinel knows no master named 'nosuch'")
        }
        let dead = RedisEndpoint.tcp(host: "127.0.0.1", port: try RedisServer.freePort())
        XCTAssertThrowsError(
            try RedisRouter(
                RedisConnectOptions(endpoint: dead, timeout: 300),
                deployment: .sentinel(RedisSentinelSettings(sentinels: [dead], masterName: "m")))
        ) { e in
            XCTAssertTrue("\(e)".hasPrefix("no sentinel answered: cannot connect to 127.0.0.1:"), "\(e)")
            XCTAssertFalse("\(e)".contains("\n"))
        }
        // A data node is not a sentinel.
        let plain = RedisEndpoint.tcp(host: "127.0.0.1", port: try d.sentinel.master().port)
        XCTAssertThrowsError(
            try RedisRouter(
                RedisConnectOptions(endpoint: plain, timeout: 300),
                deployment: .sentinel(RedisSentinelSettings(sentinels: [plain], masterName: "m")))
        ) { e in
            XCTAssertTrue("\(e)".contains("unknown command"), "\(e)")
        }
    }
}
