import Foundation
import SessionKit
import TestSupport
import XCTest

/// `sessctl migrate`, `export` and `import`, run as an operator runs them: interrupted by
/// SIGKILL, by a Redis server that stops answering, and run again.
final class MigrateCLITests: RedisTestCase {
    private var dirs: [TempDirectory] = []

    override func tearDown() {
        dirs.removeAll()
        super.tearDown()
    }

    private func tempDir() -> TempDirectory {
        let d = TempDirectory("sessctl-migrate-cli")
        dirs.append(d)
        return d
    }

    private func address(_ s: RedisServer, prefix: String, layout: String = "kv", db: Int = 0, timeout: String = "5s") -> String {
        "redis://\(s.host):\(s.port)/\(db)?prefix=\(prefix)&layout=\(layout)&timeout=\(timeout)"
    }

    /// The body of session `i` of the generated stores: canonical Go JSON, so KV holds it as is.
    private func body(_ i: Int) -> String { "{\"n\":\(i),\"user\":\"u\(i)\"}" }

    /// `count` File sessions with an hour or more to live (each `padding` bytes bigger).
    private func fileStore(_ count: Int, padding: Int = 0) -> TempDirectory {
        let dir = tempDir()
        let now = SystemTime.nowMillis()
        let pad = padding > 0 ? ",\"pad\":\"" + String(repeating: "x", count: padding) + "\"}" : "}"
        Fixtures.writeFileSessions(count, to: dir, timestamp: { now - Int64($0 % 1000) * 1000 }, body: { body($0).dropLast() + pad })
        return dir
    }

    /// `count` KV sessions under `prefix`, each with a TTL of an hour or more.
    private func kvStore(_ s: RedisServer, _ count: Int, prefix: String) throws {
        let file = tempDir().file("load.resp")
        var resp = ""
        for i in 0..<count {
            let key = prefix + "s\(i)", value = body(i), ttl = String(3_600_000 + i)
            resp += "*5\r\n$3\r\nSET\r\n$\(key.utf8.count)\r\n\(key)\r\n$\(value.utf8.count)\r\n\(value)\r\n$2\r\nPX\r\n$\(ttl.count)\r\n\(ttl)\r\n"
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data(resp.utf8)))
        try s.pipe(file: file)
    }

    /// Every key of a database: `type ttl|none value` (hash fields sorted, `name=value&...`).
    private func dump(_ s: RedisServer, db: Int = 0) throws -> [String: String] {
        let script = """
            local out = {}
            for _, k in ipairs(redis.call('KEYS', '*')) do
              local t = redis.call('TYPE', k).ok
              local v = ''
              if t == 'string' then v = redis.call('GET', k)
              elseif t == 'hash' then
                local h = redis.call('HGETALL', k)
                local parts = {}
                for i = 1, #h, 2 do parts[#parts + 1] = h[i] .. '=' .. h[i + 1] end
                table.sort(parts)
                v = table.concat(parts, '&')
              end
              out[#out + 1] = k .. '\\t' .. t .. ' ' .. (redis.call('PTTL', k) > 0 and 'ttl' or 'none') .. ' ' .. v
            end
            return out
            """
        var out: [String: String] = [:]
        for line in try s.cli(["-n", String(db), "EVAL", script, "0"]).split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }

    private func keyCount(_ s: RedisServer, db: Int = 0) -> Int {
        Int((try? s.cli(["-n", String(db), "DBSIZE"])) ?? "") ?? -1
    }

    private func fileContents(_ dir: TempDirectory) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for n in dir.names() { out[n] = dir.read(n) }
        return out
    }

    /// Starts sessctl without waiting for it.
    private func launch(_ args: [String]) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Sessctl.binary)
        p.arguments = args
        p.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        try p.run()
        return (p, err)
    }

    /// Waits until `ready` or the process ends, for at most 60 s; true when `ready` came first.
    private func wait(for p: Process, until ready: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if ready() { return p.isRunning }
            if !p.isRunning { return false }
            usleep(2000)
        }
        return false
    }

    // MARK: Test 2: interrupted, then run again

    func testKilledBySignalPartWayThenRunAgainCopiesEverySessionOnce() throws {
        let count = 6000
        let dir = fileStore(count)
        let before = fileContents(dir)
        let s = try startServer()
        let target = address(s, prefix: "gfsess:")
        let (p, _) = try launch(["migrate", "--from", dir.path, "--to", target, "--batch", "10"])
        XCTAssertTrue(wait(for: p) { keyCount(s) >= 200 }, "the migration must still be running when it is killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        let partial = keyCount(s)
        XCTAssertLessThan(partial, count)
        XCTAssertEqual(fileContents(dir), before, "the source is unchanged")

        let r = Sessctl.run(["migrate", "--from", dir.path, "--to", target, "--verify"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let counts = r.summary
        XCTAssertEqual(counts["copied"], String(count - partial))
        XCTAssertEqual(counts["skipped existing"], String(partial))
        XCTAssertEqual(counts["verified"], String(count - partial))
        XCTAssertEqual(counts["failed"], "0")
        let keys = try dump(s)
        XCTAssertEqual(keys.count, count, "every session once, nothing else")
        for i in 0..<count {
            XCTAssertEqual(keys["gfsess:s\(i)"], "string ttl " + body(i), "s\(i)")
        }
        XCTAssertEqual(fileContents(dir), before, "the source is still unchanged")
    }

    func testCtrlCStopsAfterTheBatchInHandWithASummary() throws {
        let count = 6000
        let dir = fileStore(count)
        let s = try startServer()
        let target = address(s, prefix: "gfsess:")
        let (p, err) = try launch(["migrate", "--from", dir.path, "--to", target, "--batch", "10"])
        XCTAssertTrue(wait(for: p) { keyCount(s) >= 200 }, "the migration must still be running when it is interrupted")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("interrupted: run the same command again to finish"), "[\(stderr)] \(p.terminationReason == .exit)")
        let r = Sessctl.run(["migrate", "--from", dir.path, "--to", target])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(keyCount(s), count)
        XCTAssertEqual(Int(r.summary["copied"] ?? "") ?? 0, count - Int(r.summary["skipped existing"] ?? "0")!)
    }

    func testTargetRedisStoppingPartWayThenRunAgainCopiesEverySessionOnce() throws {
        let count = 6000
        let source = try startServer()
        try kvStore(source, count, prefix: "kv:")
        let sourceBefore = try dump(source)
        let t = try startServer()
        let target = address(t, prefix: "h:", layout: "hash", timeout: "1s")
        let (p, err) = try launch(["migrate", "--from", address(source, prefix: "kv:"), "--to", target, "--batch", "10"])
        XCTAssertTrue(wait(for: p) { keyCount(t) >= 200 }, "the migration must still be running when the target stops")
        t.suspend()
        let stopped = Date()
        p.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertLessThan(Date().timeIntervalSince(stopped), 10, "a Redis that stops answering ends the run within its timeout")
        XCTAssertEqual(p.terminationStatus, 1, stderr)
        XCTAssertTrue(stderr.contains("run the same command again"), stderr)
        t.resume()
        let partial = keyCount(t)
        XCTAssertGreaterThan(partial, 0)
        XCTAssertLessThan(partial, count)
        XCTAssertEqual(try dump(source), sourceBefore.mapValues { $0 }, "the source is unchanged")

        let r = Sessctl.run(["migrate", "--from", address(source, prefix: "kv:"), "--to", target])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.summary["skipped existing"], String(partial))
        let keys = try dump(t)
        XCTAssertEqual(keys.count, count)
        for i in 0..<count {
            XCTAssertEqual(keys["h:s\(i)"], "hash ttl n=\(i)&user=u\(i)", "s\(i): whole, with its TTL")
        }
        let ttl = Int(try t.cli(["PTTL", "h:s4000"])) ?? 0
        XCTAssertEqual(Double(ttl), Double(3_600_000 + 4000) - Date().timeIntervalSince(stopped) * 1000, accuracy: 15_000)
    }

    func testKilledWhileDeletingTheSourceLosesNothing() throws {
        let count = 4000
        let s = try startServer()
        try kvStore(s, count, prefix: "kv:")
        let args = [
            "migrate", "--from", address(s, prefix: "kv:"), "--to", address(s, prefix: "h:", layout: "hash"),
            "--delete-source", "--yes", "--batch", "10"
        ]
        let (p, _) = try launch(args)
        func sourceLeft() -> Int { Int((try? s.cli(["EVAL", "return #redis.call('KEYS', 'kv:*')", "0"])) ?? "") ?? count }
        XCTAssertTrue(wait(for: p) { sourceLeft() <= count - 200 }, "the migration must still be running when it is killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        var keys = try dump(s)
        for i in 0..<count {
            let inSource = keys["kv:s\(i)"], inTarget = keys["h:s\(i)"]
            XCTAssertTrue(
                inSource == "string ttl " + body(i) || inTarget == "hash ttl n=\(i)&user=u\(i)",
                "s\(i) is in the source, or its verified copy is in the target")
            if inSource == nil { XCTAssertNotNil(inTarget, "s\(i): gone from the source only once copied") }
        }
        let r = Sessctl.run(args)
        XCTAssertEqual(r.status, 0, r.stderr)
        keys = try dump(s)
        XCTAssertEqual(keys.count, count, "the source is empty, the target full")
        for i in 0..<count { XCTAssertEqual(keys["h:s\(i)"], "hash ttl n=\(i)&user=u\(i)") }
    }

    func testSIGTERMStopsAfterTheBatchInHandWithASummaryAndNoTempFiles() throws {
        let count = 3000
        let source = fileStore(count)
        let target = tempDir()
        func copied() -> Int { target.names().filter { $0.hasSuffix(".session") }.count }
        let args = ["migrate", "--from", source.path, "--to", target.path, "--batch", "100"]
        let running = try RunningSessctl(args)
        XCTAssertTrue(running.signal(SIGTERM) { (200...count - 300).contains(copied()) }, "the migration must be part-way when SIGTERM comes")
        let r = running.finish()
        XCTAssertEqual(r.status, 130, "as for Ctrl-C: \(r.stderr)")
        XCTAssertEqual(target.names().filter { $0.hasPrefix(".sessctl-") }, [], "no temp file left behind")
        XCTAssertEqual(r.summary["copied"], String(copied()), r.stdout)
        XCTAssertLessThan(copied(), count)
        XCTAssertTrue(r.stderr.contains("interrupted: run the same command again to finish"), r.stderr)

        let again = Sessctl.run(args)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(copied(), count)
    }

    func testAFullRedisIsOneLinePerReasonNotOnePerSession() throws {
        let source = fileStore(4000, padding: 1000)
        let s = try startServer(extraArgs: ["--maxmemory", "2mb", "--maxmemory-policy", "noeviction"])
        let target = address(s, prefix: "gfsess:")
        let migrated = Sessctl.run(["migrate", "--from", source.path, "--to", target])
        XCTAssertEqual(migrated.status, 4, migrated.stderr)
        let failed = Int(migrated.summary["failed"] ?? "") ?? 0
        XCTAssertGreaterThan(failed, 1000, "Redis is full long before 4 MB of sessions: \(migrated.stdout)")
        let lines = migrated.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, migrated.stderr)
        XCTAssertTrue(lines.first?.contains("OOM command not allowed") ?? false, migrated.stderr)
        XCTAssertTrue(lines.last?.hasPrefix("sessctl: \(failed - 1) more sessions ('s") ?? false, migrated.stderr)

        // import: the same reason, one summary. Sessions the migrate copied are skipped as
        // existing; a few a full Redis may still take.
        let export = tempDir().file("all.ndjson")
        let exported = Sessctl.run(["export", "-s", source.path])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        XCTAssertTrue(FileManager.default.createFile(atPath: export, contents: Data(exported.stdoutBytes)))
        let imported = Sessctl.run(["import", "-s", target, export])
        let importFailed = Int(imported.summary["failed"] ?? "") ?? 0, importCopied = Int(imported.summary["copied"] ?? "") ?? 0
        XCTAssertEqual(importFailed + importCopied + (Int(imported.summary["skipped existing"] ?? "") ?? 0), 4000, imported.stdout)
        XCTAssertGreaterThan(importFailed, 1000, imported.stdout)
        XCTAssertEqual(imported.status, importCopied == 0 ? 1 : 4, imported.stderr)
        XCTAssertEqual(imported.stderr.split(separator: "\n").count, 2, imported.stderr)
    }

    // MARK: Test 3: dry run, broken sessions

    func testDryRunWritesNothingAndSaysWhatWouldHappen() throws {
        let dir = fileStore(50)
        let s = try startServer()
        let target = address(s, prefix: "gfsess:")
        _ = try s.cli(["SET", "gfsess:s3", "{\"mine\":1}"])
        _ = try s.cli(["SET", "unrelated", "x"])
        let before = try dump(s)
        let files = fileContents(dir)
        let r = Sessctl.run(["migrate", "--from", dir.path, "--to", target, "--dry-run", "--delete-source"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try dump(s), before, "the target is compared before and after")
        XCTAssertEqual(fileContents(dir), files)
        let counts = r.summary
        XCTAssertNotNil(counts["dry run"], r.stdout)
        XCTAssertEqual(counts["would copy"], "49")
        XCTAssertEqual(counts["skipped existing"], "1")
    }

    func testCorruptSourceSessionsAreReportedAndTheRestCopied() throws {
        let dir = fileStore(20)
        dir.write("broken.session", GSessionFileCodec.header(SystemTime.nowMillis()) + Array("{\"a\":tru".utf8))
        dir.write("short.session", [1, 2, 3, 4, 5])
        let s = try startServer()
        let r = Sessctl.run(["migrate", "--from", dir.path, "--to", address(s, prefix: "gfsess:")])
        XCTAssertEqual(r.status, 4, "some sessions failed: \(r.stderr)")
        XCTAssertTrue(r.stderr.contains(dir.path + "/broken.session: invalid JSON"), r.stderr)
        XCTAssertTrue(r.stderr.contains(dir.path + "/short.session: only 5 bytes"), r.stderr)
        XCTAssertEqual(r.summary["copied"], "20")
        XCTAssertEqual(r.summary["failed"], "2")
        XCTAssertEqual(keyCount(s), 20)
    }

    func testRefusalsAndFailuresAreOneLineWithStatusOne() throws {
        let dir = fileStore(3)
        let s = try startServer()
        func oneLine(_ r: SessctlRun, _ text: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr, file: file, line: line)
            XCTAssertTrue(r.stderr.contains(text), r.stderr, file: file, line: line)
        }
        oneLine(Sessctl.run(["migrate", "--from", dir.path, "--to", "file:" + dir.path + "/"]), "hold the same sessions")
        oneLine(Sessctl.run(["migrate", "--from", address(s, prefix: "a:"), "--to", address(s, prefix: "a:b:", layout: "hash")]), "hold the same sessions")
        oneLine(Sessctl.run(["migrate", "--from", dir.path, "--to", address(s, prefix: "x:"), "--delete-source"]), "add --yes")
        XCTAssertEqual(keyCount(s), 0)
        XCTAssertEqual(dir.names().count, 3, "nothing deleted without --yes")
        let closed = try RedisServer.freePort()
        oneLine(Sessctl.run(["migrate", "--from", dir.path, "--to", "redis://:s3cret@127.0.0.1:\(closed)/0?timeout=1s"]), "127.0.0.1:\(closed)")
        XCTAssertFalse(Sessctl.run(["migrate", "--from", dir.path, "--to", "redis://:s3cret@127.0.0.1:\(closed)/0"]).stderr.contains("s3cret"))
        // Every session failing is "nothing could be done".
        let target = tempDir()
        let binary = try startServer()
        _ = try binary.cli(["HSET", "h:bin", "k", "\u{1}"])
        _ = try binary.cli(["EVAL", "redis.call('HSET', 'h:bin', 'k', '\\255') return 1", "0"])
        let allFail = Sessctl.run(["migrate", "--from", address(binary, prefix: "h:", layout: "hash"), "--to", target.path])
        XCTAssertEqual(allFail.status, 1, allFail.stderr)
        XCTAssertTrue(allFail.stderr.contains("'bin'") && allFail.stderr.contains("UTF-8"), allFail.stderr)
    }

    // MARK: export and import

    func testExportLinesAndExportImportEqualsMigrate() throws {
        let dir = tempDir()
        Fixtures.copyFileStore("file", to: dir, now: SystemTime.nowMillis())
        let live = Fixtures.sessions(backend: "file").filter { !$0.encrypted && $0.expired == false }
        let export = Sessctl.run(["export", "-s", dir.path])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stderr.contains("exported \(live.count) sessions"), export.stderr)
        XCTAssertTrue(export.stderr.contains("2 expired, not exported"), export.stderr)
        let lines = export.stdoutLines
        XCTAssertEqual(lines.count, live.count)
        for line in lines {
            let o = try XCTUnwrap(try JSONParser.parse(Array(line.utf8)).objectValue)
            XCTAssertEqual(o.keys, ["data", "expires_at", "id", "layout"])
            XCTAssertEqual(o["layout"], .string("file"))
            let id = try XCTUnwrap(o["id"]?.stringValue)
            let e = try XCTUnwrap(live.first { $0.id == id })
            XCTAssertEqual(o["data"]?.objectValue, e.data)
            let at = try XCTUnwrap(o["expires_at"]?.stringValue)
            XCTAssertTrue(at.hasSuffix("Z") && at.count == 24, at)
        }

        let s = try startServer()
        let imported = Sessctl.run(["import", "-s", address(s, prefix: "gfsess:", db: 1), "--verify"], input: export.stdout)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertEqual(imported.summary["copied"], String(live.count))
        XCTAssertEqual(imported.summary["verified"], String(live.count))
        let migrated = Sessctl.run(["migrate", "--from", dir.path, "--to", address(s, prefix: "gfsess:", db: 2)])
        XCTAssertEqual(migrated.status, 0, migrated.stderr)
        XCTAssertEqual(try dump(s, db: 1), try dump(s, db: 2), "export | import equals migrate")
        for e in live {
            let a = Int(try s.cli(["-n", "1", "PTTL", "gfsess:" + e.id])) ?? 0
            let b = Int(try s.cli(["-n", "2", "PTTL", "gfsess:" + e.id])) ?? 0
            XCTAssertEqual(Double(a), Double(b), accuracy: 2000, "\(e.id): the same expiry instant")
        }
        // Run again: everything is there.
        let again = Sessctl.run(["import", "-s", address(s, prefix: "gfsess:", db: 1)], input: export.stdout)
        XCTAssertEqual(again.summary["skipped existing"], String(live.count))
    }

    func testImportFromAHashExportKeepsBinaryFieldsAndReportsBadLines() throws {
        let s = try startServer()
        _ = try s.cli(["EVAL", "redis.call('HSET', 'h:bin', 'raw', '\\255\\254A', 'text', 'héllo', 'na\\255me', 'v') redis.call('PEXPIRE', 'h:bin', 600000) return 1", "0"])
        _ = try s.cli(["HSET", "h:plain", "user", "{\"id\":1}", "n", "42"])
        let export = Sessctl.run(["export", "-s", address(s, prefix: "h:", layout: "hash")])
        XCTAssertEqual(export.status, 0, export.stderr)
        let binLine = try XCTUnwrap(export.stdoutLines.first { $0.contains("\"id\":\"h:bin\"") || $0.contains("\"id\":\"bin\"") })
        XCTAssertTrue(binLine.contains("\"raw\":{\"na\u{FFFD}me\":\"dg==\",\"raw\":\"//5B\"},\"raw_names\":{\"na\u{FFFD}me\":\"bmH/bWU=\"}"), binLine)
        XCTAssertTrue(binLine.contains("\"layout\":\"hash\""), binLine)

        let input = export.stdout + "not json\n{\"id\":\"x\",\"data\":{},\"expires_at\":\"yesterday\"}\n"
        let r = Sessctl.run(["import", "-s", address(s, prefix: "copy:", layout: "hash")], input: input)
        XCTAssertEqual(r.status, 4, r.stderr)
        XCTAssertTrue(r.stderr.contains("stdin: line 3: not a session line"), r.stderr)
        XCTAssertTrue(r.stderr.contains("stdin: line 4: \"expires_at\" is not an RFC 3339 instant"), r.stderr)
        XCTAssertEqual(try s.cli(["HGET", "copy:bin", "text"]), "héllo")
        XCTAssertEqual(try s.cli(["EVAL", "return redis.call('HGET', 'copy:bin', 'raw') == '\\255\\254A' and 'same' or 'different'", "0"]), "same")
        XCTAssertEqual(try s.cli(["PTTL", "copy:plain"]), "-1", "no expiry stays no expiry")
        // Field names that are not UTF-8 keep their exact bytes, through import and through migrate.
        let migrated = Sessctl.run(["migrate", "--from", address(s, prefix: "h:", layout: "hash"), "--to", address(s, prefix: "moved:", layout: "hash"), "--verify"])
        XCTAssertEqual(migrated.status, 0, migrated.stderr)
        for key in ["copy:bin", "moved:bin"] {
            XCTAssertEqual(
                try s.cli(["EVAL", "return redis.call('HGET', KEYS[1], 'na\\255me') == 'v' and redis.call('HLEN', KEYS[1]) == 3 and 'same' or 'different'", "1", key]), "same", key)
        }

        let dir = tempDir()
        let toFile = Sessctl.run(["import", "-s", dir.path], input: export.stdout)
        XCTAssertEqual(toFile.status, 4, toFile.stderr)
        XCTAssertTrue(toFile.stderr.contains("'bin'") && toFile.stderr.contains("'na\u{FFFD}me'") && toFile.stderr.contains("UTF-8"), toFile.stderr)
        XCTAssertEqual(dir.names(), ["plain.session"])
    }
}
