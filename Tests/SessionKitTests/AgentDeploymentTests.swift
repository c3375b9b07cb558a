import Foundation
import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

/// trpc-agent-go sessions on a 3-master cluster, through Sentinel and over TLS: the real library's
/// sessions copied there key by key, then found, read, edited, counted and deleted.
final class AgentDeploymentTests: RedisTestCase {
    private var d: RedisDeployments!
    nonisolated(unsafe) private static var counter = 0

    override func setUpWithError() throws {
        d = try RedisDeployments.shared()
    }

    private func endpoint(_ port: Int) -> RedisEndpoint { .tcp(host: "127.0.0.1", port: port) }

    private func deployments(prefix: String) -> [(String, RedisStoreOptions)] {
        let seeds = d.cluster.nodes.prefix(2).map { endpoint($0.port) }
        let cluster = RedisStoreOptions(connection: RedisConnectOptions(endpoint: seeds[0], timeout: 5000), deployment: .cluster(seeds: Array(seeds)), prefix: prefix)
        let sentinels = d.sentinel.sentinels.map { endpoint($0.port) }
        let sentinel = RedisStoreOptions(
            connection: RedisConnectOptions(endpoint: sentinels[0], timeout: 5000),
            deployment: .sentinel(RedisSentinelSettings(sentinels: sentinels, masterName: d.sentinel.masterName)), prefix: prefix)
        var tls = d.tls
        tls.serverName = "localhost"
        let tlsServer = RedisStoreOptions(connection: RedisConnectOptions(endpoint: endpoint(d.tlsServer.port), timeout: 5000, tls: tls), prefix: prefix)
        return [("cluster", cluster), ("sentinel", sentinel), ("tls", tlsServer)]
    }

    /// Every session of the real library's set under `prefix`, read from a server of its own.
    private func sourceSessions(prefix: String) throws -> [Session] {
        let s = try startServer()
        try s.pipe(file: Fixtures.shared + "/fixtures/trpc-agent-real/sessions.resp")
        let source = try AgentStore(
            options: RedisStoreOptions(connection: RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), timeout: 2000), prefix: prefix),
            engine: nil, displayName: "source")
        var out: [Session] = []
        try source.scanSessions(matching: nil, pageSize: 100) { page in
            out += page.sessions
            return .proceed
        }
        return out
    }

    func testTheRealLibrarysSessionsOnEveryDeployment() throws {
        for sourcePrefix in ["", "myapp"] {
            let sessions = try sourceSessions(prefix: sourcePrefix)
            XCTAssertGreaterThan(sessions.count, 3)
            for (name, options) in deployments(prefix: "") {
                Self.counter += 1
                var options = options
                options.prefix = "agent\(Self.counter)\(sourcePrefix)"
                let store = try AgentStore(options: options, engine: nil, displayName: name)
                for r in try store.save(sessions.map { SessionWrite($0, mode: .create) }) { XCTAssertNoThrow(try r.get(), name) }

                var seen: [String: Int] = [:]
                try store.scan(matching: nil, pageSize: 3) { page in
                    for info in page.sessions { seen[info.id, default: 0] += 1 }
                    XCTAssertTrue(page.skipped.isEmpty, "\(name): \(page.skipped)")
                    return .proceed
                }
                XCTAssertEqual(seen, Dictionary(uniqueKeysWithValues: sessions.map { ($0.id, 1) }), name)
                XCTAssertEqual(try store.serverSideCount(matching: nil), sessions.count, name)

                for original in sessions {
                    let copy = try store.get(original.id)
                    XCTAssertEqual(copy.data, original.data, "\(name) \(original.id)")
                    XCTAssertEqual(copy.agent?.keys.count, original.agent?.keys.count, "\(name) \(original.id)")
                    for k in original.agent!.keys { XCTAssertEqual(copy.agent?.key(k.role, track: k.track)?.content, k.content, "\(name) \(original.id) \(k.role)") }
                    // One user's sessions, found by the user's slot (cluster), index or scan.
                    let id = original.agent!.sessionID
                    var found: [String] = []
                    try store.scan(matching: AgentSessionID.glob(app: id.app, user: id.user), pageSize: 100) { page in
                        found += page.sessions.map(\.id)
                        return .proceed
                    }
                    XCTAssertTrue(found.contains(original.id), "\(name) \(original.id) in \(found)")
                }

                // An edit of own, user and app state in each engine, read back; then a delete.
                for engine in AgentEngine.allCases {
                    guard let one = sessions.first(where: { $0.agent?.engine == engine }) else { continue }
                    var edited = try store.get(one.id)
                    edited.data["checked"] = .bool(true)
                    edited.data["user:seen"] = .string("yes")
                    edited.data["app:flag"] = .number("2")
                    try store.save(SessionWrite(edited, mode: .update))
                    XCTAssertEqual(try store.get(edited.id).data, edited.data, "\(name) \(engine)")
                    try store.delete(edited.id)
                    if case .found = try store.load(edited.id) { XCTFail("\(name): \(edited.id) still there") }
                }
            }
        }
    }
}
