import Foundation
import RedisClient
import SessionKit
import TestSupport
import XCTest

/// Acceptance test 3 of issue 8: the real binary migrates 100,000 File sessions into a Redis
/// Cluster, and through Sentinel, while the target fails over (`CLUSTER FAILOVER` on a replica,
/// `SENTINEL FAILOVER`). Every session must end up in the target exactly once, with its data and
/// the instant it expires, the summary must say what was retried, and a second run copies nothing.
///
/// Each test brings up a cluster or a Sentinel set of its own (never the shared
/// `RedisDeployments`, which other tests keep using) and stops it by pid in `tearDown`; the
/// servers' watchdogs stop them should the test process die. The timeouts are chosen for a
/// loaded 2-core machine: a cluster-node-timeout of 3 s and a down-after of 5 s, so that a
/// starved process is not taken for a dead one (only the forced failover happens), and every wait
/// is a poll with a generous deadline.
final class FailoverMigrateCLITests: XCTestCase {
    private var cluster: TestCluster?
    private var sentinel: TestSentinel?
    private var dirs: [TempDirectory] = []
    private var running: Process?

    static let count = 100_000
    static let maxAgeMillis: Int64 = 2 * 3_600_000
    static let prefix = "fo:"

    private var lastPhase = Date()
    /// Notes on stderr how long the step that just ended took.
    private func phase(_ what: String) {
        let now = Date()
        FileHandle.standardError.write(Data(String(format: "%@: %@ %.1f s\n", name, what, now.timeIntervalSince(lastPhase)).utf8))
        lastPhase = now
    }

    override func tearDown() {
        if let running, running.isRunning {
            kill(running.processIdentifier, SIGKILL)
            running.waitUntilExit()
        }
        running = nil
        cluster?.stop()
        cluster = nil
        sentinel?.stop()
        sentinel = nil
        dirs.removeAll()
        super.tearDown()
    }

    // MARK: The source

    private func body(_ i: Int) -> String { "{\"n\":\(i),\"user\":\"u\(i)\"}" }
    private func id(_ i: Int) -> String { "s\(i)" }

    /// The instant session `i` of `fileStore` expires: its timestamp plus the max age.
    private func expiry(_ i: Int, now: Int64) -> Int64 { now - Int64(i % 1000) * 1000 + Self.maxAgeMillis }

    /// 100,000 File sessions written at `now - 0..999 s`, so each expires at a known instant.
    private func fileStore(now: Int64) -> TempDirectory {
        let dir = TempDirectory("sessctl-failover")
        dirs.append(dir)
        for i in 0..<Self.count {
            // Plain writes (no temp file, no sync): 100,000 of them must be quick.
            let bytes = GSessionFileCodec.header(now - Int64(i % 1000) * 1000) + Array(body(i).utf8)
            let fd = open(dir.file(id(i) + ".session"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            precondition(fd >= 0, "cannot create a session file in \(dir.path)")
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            close(fd)
            precondition(written == bytes.count)
        }
        return dir
    }

    /// Every file of the directory with its bytes, to show the source did not change.
    private func contents(_ dir: TempDirectory) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for n in dir.names() { out[n] = dir.read(n) }
        return out
    }

    // MARK: Running sessctl

    /// Starts `sessctl args` with stdout and stderr going to files of `dir`.
    private func launch(_ args: [String], in dir: TempDirectory) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Sessctl.binary)
        p.arguments = args
        p.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        p.standardInput = FileHandle.nullDevice
        for name in ["out.txt", "err.txt"] {
            guard FileManager.default.createFile(atPath: dir.file(name), contents: nil) else {
                throw RedisServerError("cannot create \(dir.file(name))")
            }
        }
        p.standardOutput = FileHandle(forWritingAtPath: dir.file("out.txt"))
        p.standardError = FileHandle(forWritingAtPath: dir.file("err.txt"))
        try p.run()
        running = p
        return p
    }

    /// Waits for `p` to end, for at most `seconds` (then kills it and fails).
    private func finish(_ p: Process, in dir: TempDirectory, seconds: Double = 300) -> SessctlRun {
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning {
            XCTFail("sessctl did not end within \(Int(seconds)) s")
            kill(p.processIdentifier, SIGKILL)
        }
        p.waitUntilExit()
        running = nil
        let out = String(decoding: dir.read("out.txt") ?? [], as: UTF8.self)
        let err = String(decoding: dir.read("err.txt") ?? [], as: UTF8.self)
        return SessctlRun(status: p.terminationStatus, stdout: out, stderr: err)
    }

    private func summary(_ stdout: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in stdout.split(separator: "\n") {
            guard let r = line.range(of: "  ") else { continue }
            out[String(line[..<r.lowerBound])] = line[r.upperBound...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    /// The `retried (target ...)` line of a run's stderr.
    private func targetRetryLine(_ stderr: String) -> String? {
        stderr.split(separator: "\n").first { $0.hasPrefix("sessctl: retried (target ") }.map(String.init)
    }

    // MARK: The target

    /// Every session key on `masters`: id -> (value, PTTL, the instant PTTL was read). Fails on a
    /// key seen twice and on keys that are not sessions of this test.
    private func readTarget(_ masters: [RedisServer]) throws -> [String: (value: String, pttl: Int64, at: Int64)] {
        var out: [String: (value: String, pttl: Int64, at: Int64)] = [:]
        for node in masters {
            let c = try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: node.host, port: node.port), timeout: 30_000))
            var keys: [[UInt8]] = []
            var cursor: UInt64 = 0
            repeat {
                let reply = try c.command(RedisConnection.scanCommand(cursor: cursor, matchBytes: nil, count: 5000))
                let page = try c.parseScanReply(reply)
                keys += page.keys
                cursor = page.next
            } while cursor != 0
            var start = 0
            while start < keys.count {
                let chunk = keys[start..<min(start + 5000, keys.count)]
                var commands: [[[UInt8]]] = []
                for k in chunk { commands += [[Array("GET".utf8), k], [Array("PTTL".utf8), k]] }
                let replies = try c.pipeline(commands)
                let at = SystemTime.nowMillis()
                for (n, k) in chunk.enumerated() {
                    let key = String(decoding: k, as: UTF8.self)
                    guard key.hasPrefix(Self.prefix) else {
                        XCTFail("a key that is not a session of this test: \(key)")
                        continue
                    }
                    let sid = String(key.dropFirst(Self.prefix.count))
                    XCTAssertNil(out[sid], "\(sid) is in the target twice")
                    out[sid] = (replies[2 * n].string ?? "<\(replies[2 * n])>", replies[2 * n + 1].int ?? -3, at)
                }
                start += chunk.count
            }
        }
        return out
    }

    /// Every one of the 100,000 sessions once, with its data, and a TTL that ends at its
    /// expiry instant within 2 s.
    private func assertEverySessionOnce(_ masters: [RedisServer], now: Int64, file: StaticString = #filePath, line: UInt = #line) throws {
        let found = try readTarget(masters)
        XCTAssertEqual(found.count, Self.count, "sessions in the target", file: file, line: line)
        var missing = 0, wrongData = 0, wrongTTL = 0
        for i in 0..<Self.count {
            guard let f = found[id(i)] else {
                missing += 1
                continue
            }
            if f.value != body(i) { wrongData += 1 }
            if abs(f.at + f.pttl - expiry(i, now: now)) > 2000 { wrongTTL += 1 }
        }
        XCTAssertEqual(missing, 0, "sessions missing in the target", file: file, line: line)
        XCTAssertEqual(wrongData, 0, "sessions whose data differs", file: file, line: line)
        XCTAssertEqual(wrongTTL, 0, "sessions whose TTL does not end at their expiry (±2 s)", file: file, line: line)
    }

    // MARK: The drill

    /// Migrates the File store into `target` with small batches; once `progressed()` says the
    /// run is well under way, `failover()` runs (and returns once the new master serves). Then
    /// the run must end with status 0, having retried, and the migration must not have ended
    /// before the failover did. Returns the run.
    private func migrate(
        from dir: TempDirectory, to target: String, work: TempDirectory, progressed: () throws -> Bool,
        failover: () throws -> Void
    ) throws -> SessctlRun {
        let began = Date()
        let p = try launch(["migrate", "--from", "file://" + dir.path, "--to", target, "--max-age", "2h", "--batch", "100"], in: work)
        try waitUntil("the migration to be under way", seconds: 120) { try !p.isRunning || progressed() }
        XCTAssertTrue(p.isRunning, "the migration ended before the failover could start")
        let failoverStarted = Date()
        try failover()
        let failoverSeconds = Date().timeIntervalSince(failoverStarted)
        XCTAssertTrue(p.isRunning, "the migration ended before the failover did: nothing was written through it")
        let r = finish(p, in: work)
        let line = String(
            format: "%@: migrate %.1f s, failover after %.1f s took %.1f s\n", name, Date().timeIntervalSince(began),
            failoverStarted.timeIntervalSince(began), failoverSeconds)
        FileHandle.standardError.write(Data(line.utf8))
        lastPhase = Date()
        if let retried = targetRetryLine(r.stderr) { FileHandle.standardError.write(Data("\(name): \(retried)\n".utf8)) }
        XCTAssertEqual(r.status, 0, r.stderr)
        let counts = summary(r.stdout)
        XCTAssertEqual(counts["copied"], String(Self.count), r.stdout)
        XCTAssertEqual(counts["skipped existing"], "0", r.stdout)
        XCTAssertEqual(counts["failed"], "0", r.stdout)
        return r
    }

    /// The second run copies nothing and skips every session.
    private func assertSecondRunSkipsAll(from dir: TempDirectory, to target: String, file: StaticString = #filePath, line: UInt = #line) {
        let again = Sessctl.run(["migrate", "--from", "file://" + dir.path, "--to", target, "--max-age", "2h"])
        XCTAssertEqual(again.status, 0, again.stderr, file: file, line: line)
        let counts = summary(again.stdout)
        XCTAssertEqual(counts["copied"], "0", again.stdout, file: file, line: line)
        XCTAssertEqual(counts["skipped existing"], String(Self.count), again.stdout, file: file, line: line)
        XCTAssertEqual(counts["failed"], "0", again.stdout, file: file, line: line)
    }

    func testMigrateIntoAClusterThroughAFailoverCopiesEverySessionOnce() throws {
        lastPhase = Date()
        let c = try TestCluster(pki: nil, nodeTimeout: 3000)
        cluster = c
        phase("cluster up")
        let now = SystemTime.nowMillis()
        let dir = fileStore(now: now)
        let before = contents(dir)
        phase("100,000 File sessions written and read")
        let work = TempDirectory("sessctl-failover-run")
        dirs.append(work)
        let target = "redis+cluster://\(c.seeds)?prefix=\(Self.prefix)&timeout=10s"
        let victim = try c.masters()[1]
        let replica = try c.replica(of: victim.id)

        let r = try migrate(
            from: dir, to: target, work: work,
            progressed: {
                // About a third of the keys go to each master: a tenth of the run is done.
                let keys = Int(try victim.node.cli(["DBSIZE"])) ?? 0
                return keys >= Self.count / 30
            },
            failover: {
                try c.failover(to: replica)
            })
        let retried = targetRetryLine(r.stderr)
        XCTAssertNotNil(retried, "the summary says what was retried: \(r.stderr)")
        // The old master sent the writes for its slots on to the new one.
        XCTAssertNotNil(retried?.range(of: #" [1-9][0-9]* MOVED redirect"#, options: .regularExpression), retried ?? "")
        XCTAssertTrue(try replica.cli(["ROLE"]).hasPrefix("master"))

        try c.waitHealthy(seconds: 60)
        try assertEverySessionOnce(try c.masters().map(\.node), now: now)
        phase("target checked")
        XCTAssertEqual(contents(dir), before, "the source is unchanged")
        assertSecondRunSkipsAll(from: dir, to: target)
        phase("source checked, second run")
    }

    func testMigrateThroughASentinelFailoverCopiesEverySessionOnce() throws {
        lastPhase = Date()
        let s = try TestSentinel(pki: nil, replica: true, sentinels: 3, downAfter: 5000)
        sentinel = s
        phase("sentinels up")
        let now = SystemTime.nowMillis()
        let dir = fileStore(now: now)
        let before = contents(dir)
        phase("100,000 File sessions written and read")
        let work = TempDirectory("sessctl-failover-run")
        dirs.append(work)
        let target = "redis+sentinel://\(s.addresses)/\(s.masterName)?prefix=\(Self.prefix)&timeout=10s"
        let old = try s.master()

        let r = try migrate(
            from: dir, to: target, work: work,
            progressed: {
                let keys = Int(try old.cli(["DBSIZE"])) ?? 0
                return keys >= Self.count / 10
            },
            failover: {
                try s.sentinels[0].cli(["SENTINEL", "FAILOVER", s.masterName])
                try waitUntil("every sentinel to name the new master", seconds: 60) {
                    try s.sentinels.allSatisfy { sentinel in
                        let reply = try sentinel.cli(["SENTINEL", "get-master-addr-by-name", s.masterName]).split(separator: "\n")
                        return reply.count == 2 && reply[1] != Substring(String(old.port))
                    }
                }
            })
        let retried = targetRetryLine(r.stderr)
        XCTAssertNotNil(retried, "the summary says what was retried: \(r.stderr)")
        XCTAssertNotNil(retried?.range(of: #" [1-9][0-9]* failovers?"#, options: .regularExpression), retried ?? "")

        let master = try s.master()
        XCTAssertFalse(master === old, "the sentinels name the replica as master")
        try assertEverySessionOnce([master], now: now)
        phase("target checked")
        XCTAssertEqual(contents(dir), before, "the source is unchanged")
        assertSecondRunSkipsAll(from: dir, to: target)
        phase("source checked, second run")
    }
}
