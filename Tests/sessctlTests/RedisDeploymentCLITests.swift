import Foundation
import RedisClient
import SessionKit
import TestSupport
import XCTest

/// The real binary on a cluster, through Sentinel and over TLS: every command, the TLS failures as
/// one line each, and `list`/`count` while `redis-cli --cluster reshard` moves slots.
final class RedisDeploymentCLITests: XCTestCase {
    private var d: RedisDeployments!
    nonisolated(unsafe) private static var counter = 0

    override func setUpWithError() throws {
        d = try RedisDeployments.shared()
    }

    private func uniquePrefix(_ name: String) -> String {
        Self.counter += 1
        return "cli-\(name)\(Self.counter):"
    }

    private func sessctl(_ args: String..., input: String? = nil) -> SessctlRun {
        Sessctl.run(Array(args), input: input)
    }

    /// One line on stderr naming the problem, exit status `status`, nothing on stdout.
    private func assertOneLineError(_ r: SessctlRun, status: Int32 = 1, contains: String..., file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("sessctl: ") && r.stderr.hasSuffix("\n"), r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "one line: \(r.stderr)", file: file, line: line)
        for c in contains { XCTAssertTrue(r.stderr.contains(c), "'\(c)' in: \(r.stderr)", file: file, line: line) }
    }

    private var tlsQuery: String { d.tlsQuery }

    /// Every kind of address, each with its own prefix.
    private func addresses() -> [(name: String, address: String)] {
        let c = d.cluster, s = d.sentinel, t = d.tlsSentinel
        return [
            ("cluster", "redis+cluster://\(c.seeds)?prefix=\(uniquePrefix("c"))"),
            ("cluster-hash", "redis+cluster://\(c.seeds)?prefix=\(uniquePrefix("ch"))&layout=hash"),
            ("tls-cluster", "rediss+cluster://\(c.tlsSeeds)?prefix=\(uniquePrefix("tc"))&\(tlsQuery)"),
            ("sentinel", "redis+sentinel://\(s.addresses)/\(s.masterName)?prefix=\(uniquePrefix("s"))"),
            ("tls-sentinel", "redis+sentinel://\(t.addresses)/\(t.masterName)/0?prefix=\(uniquePrefix("ts"))&tls=1&\(tlsQuery)"),
            ("tls", "rediss://localhost:\(d.tlsServer.port)?prefix=\(uniquePrefix("t"))&\(tlsQuery)&layout=hash")
        ]
    }

    func testEveryCommandWorksOnEveryDeployment() throws {
        // The command line for a few, the shell (the same command tree) for the rest: one process each.
        let script = """
            set beta n 1 --create
            set alpha theme dark
            get alpha
            get beta n
            list a* -o ids
            count -v
            ttl alpha
            expire alpha 30m
            ttl alpha
            persist alpha
            ttl alpha
            del alpha --key theme
            get alpha
            list -o ndjson
            del alpha beta
            count

            """
        for (name, store) in addresses() {
            let hash = store.contains("layout=hash")
            let created = sessctl("set", "-s", store, "alpha", "user", "{\"id\":7}", "--create")
            XCTAssertEqual(created.status, 0, "\(name): \(created.stderr)")
            XCTAssertEqual(sessctl("list", "-s", store, "-o", "ids").stdout, "alpha\n", name)
            let shell = sessctl("shell", "-s", store, input: script)
            XCTAssertEqual(shell.status, 0, "\(name): \(shell.stderr)")
            let out = shell.stdoutLines
            guard out.count == 14 else { XCTFail("\(name): \(shell.stdout) \(shell.stderr)"); continue }
            XCTAssertEqual(out[0], "{\"theme\":\"dark\",\"user\":{\"id\":7}}", name)
            XCTAssertEqual(out[1], hash ? "\"1\"" : "1", name)
            XCTAssertEqual(out[2], "alpha", name)
            XCTAssertEqual(Array(out[3...6]), ["2", "expired 0", "corrupt 0", "skipped 0"], name)
            XCTAssertEqual(Double(out[7]) ?? 0, 86_400, accuracy: 5, name)
            XCTAssertEqual(Double(out[8]) ?? 0, 1_800, accuracy: 5, name)
            XCTAssertEqual(out[9], "-1", name)
            XCTAssertEqual(out[10], "{\"user\":{\"id\":7}}", name)
            XCTAssertTrue(out[11].contains("\"id\":\"alpha\"") && out[12].contains("\"id\":\"beta\"") || out[12].contains("\"id\":\"alpha\""), name)
            XCTAssertEqual(out[13], "0", name)
            assertOneLineError(sessctl("get", "-s", store, "nobody"), status: 3, contains: "no session 'nobody'")
        }
    }

    func testTLSFailuresAreOneClearLineAndInsecureGetsPastTheFirstTwo() throws {
        let port = d.tlsServer.port
        let pki = d.pki
        let client = "cert=\(pki.clientCert)&key=\(pki.clientKey)&prefix=\(uniquePrefix("tlsfail"))"
        // Unknown CA.
        assertOneLineError(
            sessctl("count", "-s", "rediss://localhost:\(port)?ca=\(pki.otherCA)&\(client)"),
            contains: "sessctl: rediss://localhost:\(port)/0?prefix=", "&layout=kv: TLS to localhost:\(port): the server's certificate is not signed by the CA in \(pki.otherCA)",
            "set ca=", "insecure=1")
        XCTAssertEqual(sessctl("count", "-s", "rediss://localhost:\(port)?ca=\(pki.otherCA)&\(client)&insecure=1").stdout, "0\n")
        // Wrong host name: the certificate names localhost only.
        assertOneLineError(
            sessctl("count", "-s", "rediss://127.0.0.1:\(port)?ca=\(pki.ca)&\(client)"),
            contains: "the server's certificate is not for '127.0.0.1' (certificate verify failed: IP address mismatch)", "sni=")
        XCTAssertEqual(sessctl("count", "-s", "rediss://127.0.0.1:\(port)?ca=\(pki.ca)&\(client)&sni=localhost").stdout, "0\n")
        XCTAssertEqual(sessctl("count", "-s", "rediss://127.0.0.1:\(port)?ca=\(pki.ca)&\(client)&insecure=1").stdout, "0\n")
        // No client certificate: insecure=1 does not help, the server wants one.
        for extra in ["", "&insecure=1"] {
            assertOneLineError(
                sessctl("count", "-s", "rediss://localhost:\(port)?ca=\(pki.ca)\(extra)"),
                contains: "the server requires a client certificate (set cert= and key=)")
        }
        // TLS to a plain port, and plain TCP to a TLS port.
        let plain = d.cluster.nodes[0].port
        assertOneLineError(sessctl("count", "-s", "rediss://127.0.0.1:\(plain)?ca=\(pki.ca)&timeout=300ms"), contains: "is it a TLS port?")
        assertOneLineError(sessctl("count", "-s", "redis://127.0.0.1:\(port)?timeout=1s"), contains: "redis://127.0.0.1:\(port)/0?layout=kv")
        // TLS options need TLS.
        assertOneLineError(sessctl("count", "-s", "redis://localhost:\(port)?ca=\(pki.ca)"), contains: "ca= is a TLS option: use rediss:// or add tls=1")
    }

    func testClusterAndSentinelAddressesAreCheckedAndNeverShowPasswords() throws {
        let c = d.cluster
        assertOneLineError(sessctl("count", "-s", "redis+cluster://\(c.seeds)/3"), contains: "only database 0")
        assertOneLineError(sessctl("count", "-s", "redis+cluster://\(c.seeds)?db=1"), contains: "only database 0")
        assertOneLineError(sessctl("count", "-s", "redis+sentinel://\(d.sentinel.addresses)"), contains: "name the master")
        assertOneLineError(
            sessctl("count", "-s", "redis+sentinel://\(d.sentinel.addresses)/nosuch"),
            contains: "Sentinel knows no master named 'nosuch'")
        let dead = try RedisServer.freePort()
        assertOneLineError(
            sessctl("count", "-s", "redis+sentinel://u:Top-Secret-9@127.0.0.1:\(dead)/m?sentinel-password=Also-Secret-9&timeout=300ms"),
            contains: "redis+sentinel://u:***@127.0.0.1:\(dead)/m/0?sentinel-password=***", "no sentinel answered")
        let r = sessctl("count", "-s", "redis+cluster://:Top-Secret-9@\(c.seeds)")
        assertOneLineError(r, contains: "redis+cluster://:***@")
        XCTAssertFalse(r.stderr.contains("Secret-9"))
        // A dead seed is passed over.
        XCTAssertEqual(sessctl("count", "-s", "redis+cluster://127.0.0.1:\(dead),\(c.seeds)?prefix=\(uniquePrefix("dead"))").stdout, "0\n")
    }

    func testCredentialsReachEveryNodeAndEverySentinelAndAreNeverShown() throws {
        let c = d.cluster, s = d.sentinel
        let dataNodes = c.nodes + s.dataNodes
        for n in dataNodes { try n.cli(["ACL", "SETUSER", "sessops", "on", ">Pw-Secret-1", "~*", "+@all"]) }
        for n in s.sentinels { try n.cli(["ACL", "SETUSER", "sessmon", "on", ">Sent-Secret-1", "+@all"]) }
        defer {
            for n in dataNodes { _ = try? n.cli(["ACL", "DELUSER", "sessops"]) }
            for n in s.sentinels { _ = try? n.cli(["ACL", "DELUSER", "sessmon"]) }
        }
        var runs: [SessctlRun] = []
        func ok(_ store: String, _ name: String) {
            let set = sessctl("set", "-s", store, "who", "k", "v", "--create")
            let count = sessctl("count", "-s", store)
            runs += [set, count]
            XCTAssertEqual(set.status, 0, "\(name): \(set.stderr)")
            XCTAssertEqual(count.stdout, "1\n", "\(name): \(count.stderr)")
        }
        ok("redis+cluster://sessops:Pw-Secret-1@\(c.seeds)?prefix=\(uniquePrefix("auth"))", "cluster")
        ok("rediss+cluster://sessops:Pw-Secret-1@\(c.tlsSeeds)?prefix=\(uniquePrefix("auth"))&\(tlsQuery)", "tls cluster")
        ok(
            "redis+sentinel://sessops:Pw-Secret-1@\(s.addresses)/\(s.masterName)?sentinel-user=sessmon&sentinel-password=Sent-Secret-1&prefix=\(uniquePrefix("auth"))",
            "sentinel")
        let wrongData = sessctl("count", "-s", "redis+cluster://sessops:Wrong-Secret-1@\(c.seeds)")
        assertOneLineError(wrongData, contains: "redis+cluster://sessops:***@", "WRONGPASS")
        let wrongSentinel = sessctl("count", "-s", "redis+sentinel://\(s.addresses)/\(s.masterName)?sentinel-user=sessmon&sentinel-password=Wrong-Secret-1")
        assertOneLineError(wrongSentinel, contains: "sentinel-password=***", "Sentinel 127.0.0.1:")
        for r in runs + [wrongData, wrongSentinel] {
            XCTAssertFalse((r.stdout + r.stderr).contains("Secret-1"), "a password was shown: \(r.stdout)\(r.stderr)")
        }
    }

    /// Test 2 of the issue: 100,000 sessions over every slot, each found exactly once by `list`
    /// and `count`, also while `redis-cli --cluster reshard` moves slots one way and back.
    func testListAndCountFindEverySessionOnceAlsoWhileSlotsAreResharded() throws {
        let (prefix, ids) = try d.hundredThousandSessions()
        defer { try? d.removeHundredThousandSessions() }
        let store = "redis+cluster://\(d.cluster.seeds)?prefix=\(prefix)"
        let expected = Set(ids)

        func check(_ what: String) {
            let count = sessctl("count", "-s", store)
            XCTAssertEqual(count.stdout, "100000\n", "count \(what): \(count.stderr)")
            let list = sessctl("list", "-s", store, "-o", "ids")
            XCTAssertEqual(list.status, 0, list.stderr)
            XCTAssertEqual(list.stdoutLines.count, 100_000, "list \(what): no session twice")
            XCTAssertEqual(Set(list.stdoutLines), expected, "list \(what): no session missed")
        }
        let masters = try d.cluster.masters()
        let (from, to) = (masters[0].node, masters[1].node)
        let cluster = d.cluster
        let reshard = Background { try cluster.reshard(slots: 400, from: from, to: to) }
        var runs = 0
        repeat {
            check("while resharding (run \(runs + 1))")
            if runs == 0 {
                // Every session once with its metadata too (read on the node that holds it now).
                let ndjson = sessctl("list", "-s", store, "-o", "ndjson")
                let listed = ndjson.stdoutLines.compactMap { line -> Substring? in
                    guard let r = line.range(of: ",\"id\":\""), let end = line[r.upperBound...].firstIndex(of: "\"") else { return nil }
                    return line[r.upperBound..<end]
                }
                XCTAssertEqual(listed.count, 100_000, ndjson.stderr)
                XCTAssertEqual(Set(listed).count, 100_000)
            }
            runs += 1
        } while !reshard.isFinished
        try reshard.wait()
        check("at rest after the reshard")
    }
}
