import RedisClient
import TestSupport
import XCTest

/// `RedisRouter.transact` on one server: what a call leaves on its connection for the next.
final class RouterTransactionTests: RedisTestCase {
    private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    func testKeysReadWithoutAWriteAreNotLeftWatchedForTheNextCall() throws {
        let s = try startServer()
        let r = try RedisRouter(RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port)))
        // Read `a` under WATCH and decide there is nothing to write (a session already there).
        try r.transact(keys: [b("a")], reads: { [[self.b("GET"), $0]] }, decide: { _, _ in [] }, settle: { _, _ in [] })
        // The app changes `a`; it has nothing to do with the next call.
        try s.cli(["SET", "a", "changed by the app"])
        var outcomes: [RedisTransactionOutcome] = []
        try r.transact(
            keys: [b("b")], reads: { [[self.b("GET"), $0]] }, decide: { _, _ in [[self.b("SET"), self.b("b"), self.b("1")]] },
            settle: { _, outcome in
                outcomes.append(outcome)
                return []
            })
        XCTAssertEqual(outcomes, [.committed([.status("OK")])], "a key of an earlier call must not abort this one's EXEC")
        XCTAssertEqual(try s.cli(["GET", "b"]), "1")
    }
}
