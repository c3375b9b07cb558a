import Foundation
import SessionKit
import TestSupport
import XCTest

/// The real binary against a real redis-server holding GoFrame's Redis fixtures.
final class RedisCLITests: RedisTestCase {
    private var server: RedisServer!

    override func setUpWithError() throws {
        server = try startServer()
        try server.pipe(file: Fixtures.gsession + "/redis-kv.resp")
        try server.pipe(file: Fixtures.gsession + "/redis-hash.resp")
    }

    private var kv: String { "redis://\(server.host):\(server.port)/0?prefix=gfsess:" }
    private var hash: String { "redis://\(server.host):\(server.port)?prefix=gfhash:&layout=hash" }

    private func sessctl(_ args: String..., env: [String: String] = [:]) -> SessctlRun {
        Sessctl.run(Array(args), env: env)
    }

    private func object(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> JSONObject {
        try XCTUnwrap(try JSONParser.parse(Array(text.utf8)).objectValue, file: file, line: line)
    }

    /// One line on stderr naming the problem, exit status `status`, nothing on stdout.
    private func assertOneLineError(_ r: SessctlRun, status: Int32 = 1, contains: String..., file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("sessctl: ") && r.stderr.hasSuffix("\n"), r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "one line: \(r.stderr)", file: file, line: line)
        for c in contains { XCTAssertTrue(r.stderr.contains(c), "'\(c)' in: \(r.stderr)", file: file, line: line) }
    }

    // MARK: Reading

    func testGetOfEverySessionEqualsWhatGoFrameReadsBack() throws {
        for e in Fixtures.sessions(backend: "kv") {
            let r = sessctl("get", "-s", kv, e.id)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try object(r.stdout), e.data, e.id)
            XCTAssertEqual(Array(r.stdout.utf8.dropLast()), e.gfReencoded, "piped output is the JSON GoFrame writes")
        }
        for e in Fixtures.sessions(backend: "hash") {
            let r = sessctl("get", "-s", hash, e.id)
            XCTAssertEqual(r.status, 0, r.stderr)
            let data = try object(r.stdout)
            for (key, value) in try XCTUnwrap(e.data) {
                let text = try XCTUnwrap(value.stringValue)
                if let string = data[key]?.stringValue {
                    XCTAssertEqual(string, text, "\(e.id).\(key)")
                } else {
                    XCTAssertEqual(data[key], try JSONParser.parse(Array(text.utf8)), "\(e.id).\(key): JSON text shows as JSON")
                }
            }
            XCTAssertEqual(r.stderr, "")
        }
        XCTAssertEqual(sessctl("get", "-s", kv, "1qbncq5nyf0dn0nrszjucs0p009y59ky", "big").stdout, "9007199254740992\n")
        XCTAssertEqual(sessctl("get", "-s", hash, "1qbncq5nyf0dn0nrszkc1od100dzchmo", "f32").stdout, "\"0.10000000149011612\"\n")
        let raw = sessctl("get", "-s", hash, "1qbncq5nyf0dn0nrszkaknoz006b1hzj", "account", "-o", "raw")
        XCTAssertEqual(raw.stdout, "{\"name\":\"ken\",\"age\":28,\"email\":\"ken@example.net\",\"tags\":[\"a\"]}", "the stored text, field order and all")
        assertOneLineError(sessctl("get", "-s", kv, "nobody"), status: 3, contains: "no session 'nobody'")
    }

    func testListAndCountShowExactlyTheSessionsWithTheirTTLs() throws {
        for (store, backend) in [(kv, "kv"), (hash, "hash")] {
            let expected = Fixtures.sessions(backend: backend)
            let ids = sessctl("list", "-s", store, "-o", "ids")
            XCTAssertEqual(ids.status, 0, ids.stderr)
            XCTAssertEqual(ids.stdoutLines.sorted(), expected.map(\.id).sorted())
            let ndjson = sessctl("list", "-s", store, "-o", "ndjson")
            XCTAssertEqual(ndjson.stdoutLines.count, expected.count)
            for line in ndjson.stdoutLines {
                let o = try object(line)
                let e = try XCTUnwrap(expected.first { $0.id == o["id"]?.stringValue })
                guard case .number(let ttl)? = o["ttl_seconds"], case .number(let size)? = o["size"] else { return XCTFail(line) }
                XCTAssertEqual(Double(ttl)!, Double(e.pttlMillis!) / 1000, accuracy: 60, line)
                XCTAssertGreaterThan(Int(size)!, 0)
                XCTAssertEqual(o["keys"], .number(String(e.data!.count)))
                XCTAssertEqual(o["expired"], .bool(false))
            }
            let table = sessctl("list", "-s", store)
            XCTAssertEqual(table.stdoutLines.count, expected.count + 1)
            XCTAssertEqual(sessctl("count", "-s", store).stdout, "\(expected.count)\n")
            XCTAssertEqual(
                sessctl("list", "-s", store, "1qbncq5nyf0dn0nrszk[!0-5]*", "-o", "ids").stdoutLines.sorted(),
                expected.map(\.id).filter { $0.hasPrefix("1qbncq5nyf0dn0nrszk") && !"012345".contains($0.dropFirst(19).first!) }.sorted())
        }
        // Sessions without a TTL show "no expiry".
        try server.cli(["PERSIST", "gfsess:1qbncq5nyf0dn0nrszjorekl00k5y59p"])
        let row = sessctl("list", "-s", kv).stdoutLines.first { $0.hasPrefix("1qbncq5nyf0dn0nrszjorekl00k5y59p") }
        XCTAssertTrue(row?.contains("no expiry") ?? false, row ?? "no row")
        let line = sessctl("list", "-s", kv, "1qbncq5nyf0dn0nrszjorekl00k5y59p", "-o", "ndjson").stdout
        XCTAssertEqual(try object(line)["ttl_seconds"], .number("-1"))
        XCTAssertEqual(sessctl("ttl", "-s", kv, "1qbncq5nyf0dn0nrszjorekl00k5y59p").stdout, "-1\n")
    }

    func testKeysThatAreNotSessionsAreSkippedCountedAndReported() throws {
        try server.cli(["RPUSH", "gfsess:queue", "job"])
        try server.cli(["SET", "gfsess:counter", "12345"])
        let count = sessctl("count", "-s", kv, "--verbose")
        XCTAssertEqual(count.stdout, "11\nexpired 0\ncorrupt 0\nskipped 2\n")
        XCTAssertEqual(sessctl("list", "-s", kv, "-o", "ndjson").stdoutLines.count, 11)
        // The fast paths trust a non-empty prefix (the app owns it): every key under it counts.
        XCTAssertEqual(sessctl("count", "-s", kv).stdout, "13\n")
        XCTAssertEqual(sessctl("list", "-s", kv, "-o", "ids").stdoutLines.count, 13)
        // GoFrame's default empty prefix: every other key of the database is skipped.
        let all = sessctl("count", "-s", "redis://\(server.host):\(server.port)", "-v")
        XCTAssertEqual(all.stdoutLines.first, "12", "11 KV sessions and the JSON object cache:homepage")
        XCTAssertEqual(all.stdoutLines.last, "skipped \(10 + 5 + 2)")
        // On a terminal, list says so at the end.
        let tty = try runOnTerminal(["list", "-s", kv])
        XCTAssertTrue(tty.contains("2 non-session keys skipped, left untouched (e.g. 'gfsess:"), tty)
        // Piped too, on stderr, as --help says; count says so without --verbose (which counts them on stdout).
        let note = "sessctl: 2 non-session keys skipped, left untouched (e.g. 'gfsess:"
        let piped = sessctl("list", "-s", kv, "-o", "ndjson")
        XCTAssertTrue(piped.stderr.hasPrefix(note), piped.stderr)
        XCTAssertEqual(piped.stdoutLines.count, 11)
        let plain = sessctl("count", "-s", "redis://\(server.host):\(server.port)")
        XCTAssertEqual(plain.stdout, "12\n")
        XCTAssertTrue(plain.stderr.hasPrefix("sessctl: 17 non-session keys skipped, left untouched (e.g. "), plain.stderr)
        XCTAssertEqual(plain.stderr.split(separator: "\n").count, 1, plain.stderr)
        XCTAssertEqual(count.stderr, "", "--verbose counts them on stdout")
        XCTAssertEqual(try server.cli(["LLEN", "gfsess:queue"]), "1")
    }

    // MARK: Writing

    func testSetDelExpireTTLPersistOnBothLayouts() throws {
        for (store, prefix, backend) in [(kv, "gfsess:", "kv"), (hash, "gfhash:", "hash")] {
            let id = Fixtures.sessions(backend: backend)[0].id
            let key = prefix + id
            let pttl = Double(try server.cli(["PTTL", key]))!
            XCTAssertEqual(sessctl("set", "-s", store, id, "theme", "dark").status, 0)
            XCTAssertEqual(sessctl("set", "-s", store, id, "visits", "7").status, 0)
            XCTAssertEqual(Double(try server.cli(["PTTL", key]))!, pttl, accuracy: 5_000, "\(backend): set keeps the TTL")
            let data = try object(sessctl("get", "-s", store, id).stdout)
            XCTAssertEqual(data["theme"], .string("dark"))
            XCTAssertEqual(data["visits"], backend == "kv" ? .number("7") : .string("7"), "a hash stores text")
            if backend == "hash" { XCTAssertEqual(try server.cli(["HGET", key, "visits"]), "7") }

            XCTAssertEqual(sessctl("expire", "-s", store, id, "30m").status, 0)
            XCTAssertEqual(Double(sessctl("ttl", "-s", store, id).stdout.dropLast())!, 1800, accuracy: 5)
            XCTAssertEqual(sessctl("persist", "-s", store, id).status, 0)
            XCTAssertEqual(try server.cli(["PTTL", key]), "-1")
            XCTAssertEqual(sessctl("ttl", "-s", store, id).stdout, "-1\n")
            XCTAssertEqual(sessctl("set", "-s", store, id, "theme", "light", "--ttl", "1h").status, 0)
            XCTAssertEqual(Double(try server.cli(["PTTL", key]))!, 3_600_000, accuracy: 5_000)

            XCTAssertEqual(sessctl("del", "-s", store, id, "--key", "theme").status, 0)
            XCTAssertNil(try object(sessctl("get", "-s", store, id).stdout)["theme"])
            XCTAssertEqual(sessctl("del", "-s", store, id, "--key", "theme").status, 3)

            assertOneLineError(sessctl("set", "-s", store, "fresh-\(backend)", "k", "v"), status: 3, contains: "--create")
            XCTAssertEqual(sessctl("set", "-s", store, "fresh-\(backend)", "k", "v", "--create").status, 0)
            XCTAssertEqual(Double(sessctl("ttl", "-s", store, "fresh-\(backend)").stdout.dropLast())!, 86_400, accuracy: 5, "the default lifetime")
            XCTAssertEqual(sessctl("del", "-s", store, id, "fresh-\(backend)").status, 0)
            XCTAssertEqual(try server.cli(["EXISTS", key]), "0")
            assertOneLineError(sessctl("del", "-s", store, id), status: 3, contains: "no session")
            assertOneLineError(sessctl("expire", "-s", store, id, "1h"), status: 3)
            assertOneLineError(sessctl("persist", "-s", store, id), status: 3)
        }
        // A hash cannot be empty: removing the last key is refused and the session stays.
        let last = "1qbncq5nyf0dn0nrszk6enow009rbpqo"
        assertOneLineError(sessctl("del", "-s", hash, last, "--key", "profile"), contains: "cannot be empty")
        XCTAssertEqual(try server.cli(["HLEN", "gfhash:" + last]), "1")
    }

    func testPersistOnAFileStoreIsRefused() throws {
        let dir = TempDirectory()
        Fixtures.copyFileStore("file", to: dir, now: SystemTime.nowMillis())
        assertOneLineError(sessctl("persist", "-s", dir.path, "1qbncq5nyf0dn0nrszi6yde1001t55av"), contains: "without an expiry")
    }

    func testKeysOfAnotherTypeNamedLikeSessionsAreRefusedAndNeverTouched() throws {
        try server.cli(["RPUSH", "gfsess:queue", "job"])
        try server.cli(["SET", "gfhash:plain", "text"])
        for r in [
            sessctl("get", "-s", kv, "queue"), sessctl("set", "-s", kv, "queue", "k", "v"),
            sessctl("set", "-s", kv, "queue", "k", "v", "--create"), sessctl("del", "-s", kv, "queue"),
            sessctl("expire", "-s", kv, "queue", "10"), sessctl("ttl", "-s", kv, "queue"), sessctl("persist", "-s", kv, "queue"),
            sessctl("get", "-s", hash, "plain"), sessctl("del", "-s", hash, "plain"), sessctl("set", "-s", hash, "plain", "k", "v")
        ] {
            assertOneLineError(r, contains: "is not a session (a Redis ", "left untouched")
        }
        XCTAssertEqual(try server.cli(["LRANGE", "gfsess:queue", "0", "-1"]), "job")
        XCTAssertEqual(try server.cli(["TTL", "gfsess:queue"]), "-1")
        XCTAssertEqual(try server.cli(["GET", "gfhash:plain"]), "text")
    }

    func testAHashFieldThatIsNotUTF8() throws {
        let bad: [UInt8] = [0x61, 0xff, 0x62]
        var resp: [UInt8] = []
        let args: [[UInt8]] = [Array("HSET".utf8), Array("gfhash:bin".utf8), Array("token".utf8), bad, Array("user".utf8), Array("1".utf8)]
        resp += Array("*\(args.count)\r\n".utf8)
        for a in args { resp += Array("$\(a.count)\r\n".utf8) + a + Array("\r\n".utf8) }
        let dir = TempDirectory()
        dir.write("bin.resp", resp)
        try server.pipe(file: dir.path + "/bin.resp")

        let r = sessctl("get", "-s", hash, "bin")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try object(r.stdout)["token"], .string("a\u{FFFD}b"))
        XCTAssertTrue(r.stderr.contains("key 'token'") && r.stderr.contains("not UTF-8"), r.stderr)
        XCTAssertEqual(sessctl("get", "-s", hash, "bin", "token", "-o", "raw").stdoutBytes, bad)
        XCTAssertNotEqual(sessctl("get", "-s", hash, "bin", "-o", "raw").status, 0, "-o raw needs a key")
        XCTAssertEqual(sessctl("set", "-s", hash, "bin", "user", "2").status, 0)
        XCTAssertEqual(try server.cli(["HGET", "gfhash:bin", "user"]), "2")
        XCTAssertEqual(sessctl("get", "-s", hash, "bin", "token", "-o", "raw").stdoutBytes, bad, "other edits never touch it")
    }

    // MARK: Reaching the server

    func testUnixSocketAndDatabaseIndex() throws {
        let socket = "redis+unix://\(server.socketPath)?prefix=gfsess:"
        XCTAssertEqual(sessctl("count", "-s", socket).stdout, "11\n")
        try server.cli(["-n", "5", "SET", "gfsess:elsewhere", "{\"db\":5}"])
        XCTAssertEqual(sessctl("get", "-s", "redis://\(server.host):\(server.port)/5?prefix=gfsess:", "elsewhere").stdout, "{\"db\":5}\n")
        XCTAssertEqual(sessctl("get", "-s", "redis+unix://\(server.socketPath)?db=5&prefix=gfsess:", "elsewhere").stdout, "{\"db\":5}\n")
        XCTAssertEqual(sessctl("get", "-s", kv, "elsewhere").status, 3)
        XCTAssertEqual(sessctl("count", "-s", "redis://\(server.host):\(server.port)/5").stdout, "1\n")
        let env = sessctl("count", env: ["SESSCTL_STORE": socket])
        XCTAssertEqual(env.stdout, "11\n", env.stderr)
    }

    func testPasswordsAndACLUsers() throws {
        let password = "pw-Zq7-secret"
        let locked = try startServer(password: password)
        try locked.cli(["ACL", "SETUSER", "ops", "on", ">ops-Zq7-secret", "~*", "+@all"])
        try locked.cli(["ACL", "SETUSER", "viewer", "on", ">viewer-Zq7-secret", "~*", "+get", "+type", "+pttl"])
        let base = "\(locked.host):\(locked.port)"
        var outputs: [SessctlRun] = []
        func check(_ r: SessctlRun, _ status: Int32, _ contains: String...) {
            outputs.append(r)
            if status == 0 {
                XCTAssertEqual(r.status, 0, r.stderr)
            } else {
                XCTAssertEqual(r.status, status, r.stderr)
                XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
                for c in contains { XCTAssertTrue(r.stderr.contains(c), "'\(c)' in: \(r.stderr)") }
            }
        }
        check(sessctl("count", "-s", "redis://:\(password)@\(base)"), 0)
        check(sessctl("count", "-s", "redis://\(base)", env: ["SESSCTL_REDIS_PASSWORD": password]), 0)
        check(sessctl("count", "-s", "redis://ops:ops-Zq7-secret@\(base)/0"), 0)
        check(sessctl("count", "-s", "redis://:wrong-Zq7-secret@\(base)"), 1, "redis://:***@\(base)/0", "WRONGPASS")
        check(sessctl("count", "-s", "redis://\(base)"), 1, "NOAUTH")
        check(sessctl("count", "-s", "redis://ops:wrong-Zq7-secret@\(base)"), 1, "redis://ops:***@", "WRONGPASS")
        check(sessctl("count", "-s", "redis://ghost@\(base)", env: ["SESSCTL_REDIS_PASSWORD": "ops-Zq7-secret"]), 1, "redis://ghost:***@", "WRONGPASS")
        check(sessctl("list", "-s", "redis://viewer:viewer-Zq7-secret@\(base)"), 1, "NOPERM")
        check(sessctl("get", "-s", "redis://:wrong-Zq7-secret@\(base)/99", "x"), 1)
        check(sessctl("count", "-s", "redis://:\(password)@\(base)?colour=red"), 1, "unknown option 'colour'")
        for r in outputs {
            XCTAssertFalse((r.stdout + r.stderr).contains("Zq7-secret"), "a password was shown: \(r.stdout)\(r.stderr)")
        }
    }

    func testUnreachableOrHungServersFailWithinTheTimeout() throws {
        func timed(_ args: String...) -> (SessctlRun, Double) {
            let start = SystemTime.monotonicSeconds()
            let r = Sessctl.run(Array(args))
            return (r, SystemTime.monotonicSeconds() - start)
        }
        let closed = try RedisServer.freePort()
        var (r, t) = timed("count", "-s", "redis://127.0.0.1:\(closed)?timeout=500ms")
        assertOneLineError(r, contains: "redis://127.0.0.1:\(closed)/0?layout=kv: cannot connect", "refused")
        XCTAssertLessThan(t, 2)
        (r, t) = timed("get", "-s", "redis://no-such-host.invalid:6379?timeout=500ms", "x")
        assertOneLineError(r, contains: "cannot connect to no-such-host.invalid:6379")
        XCTAssertLessThan(t, 5)
        (r, t) = timed("count", "-s", "redis+unix:///nonexistent/redis.sock?timeout=500ms")
        assertOneLineError(r, contains: "cannot connect to unix:/nonexistent/redis.sock")

        // A server that stops answering: every command gives up after the timeout.
        server.suspend()
        defer { server.resume() }
        for args in [["count"], ["list", "-o", "ids"], ["get", "1qbncq5nyf0dn0nrszjucs0p009y59ky"], ["set", "x", "k", "v", "--create"], ["del", "x"]] {
            let start = SystemTime.monotonicSeconds()
            let run = Sessctl.run([args[0], "-s", kv + "&timeout=500ms"] + args.dropFirst())
            XCTAssertLessThan(SystemTime.monotonicSeconds() - start, 2.5, args[0])
            assertOneLineError(run, contains: "no reply from \(server.host):\(server.port) within 500 ms")
        }
        server.resume()
        XCTAssertEqual(sessctl("count", "-s", kv).stdout, "11\n", "the server is fine again")
    }

    func testBadRedisAddressesAreOneClearLine() {
        assertOneLineError(sessctl("count", "-s", "redis+cluster://h:7000/1"), contains: "only database 0")
        assertOneLineError(sessctl("count", "-s", "redis+sentinel://h:26379"), contains: "name the master")
        assertOneLineError(sessctl("count", "-s", "redis://h?cert=c.pem"), contains: "TLS option")
        assertOneLineError(sessctl("count", "-s", "redis://h:99999"), contains: "invalid port")
        assertOneLineError(sessctl("count", "-s", "redis://h/x"), contains: "database number")
        assertOneLineError(sessctl("count", "-s", "redis://h?layout=list"), contains: "kv or hash")
        // An option given twice: which one would win is anyone's guess, so neither does.
        let twice = sessctl("del", "-s", "\(kv)&prefix=gfhash:", "--where", "user_id=1001", "--yes")
        XCTAssertEqual(twice.stderr, "sessctl: bad store address '\(kv)&prefix=gfhash:': prefix= is given twice\n")
        XCTAssertEqual(twice.status, 1)
        assertOneLineError(sessctl("count", "-s", "\(kv)&ttl=1h&max-age=2h"), contains: "ttl= and max-age= are the same option")
    }

    /// Runs sessctl with stdout and stderr on a terminal (`script`), returning what it showed.
    private func runOnTerminal(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        let command = ([Sessctl.binary] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        p.arguments = ["-qec", command, "/dev/null"]
        p.environment = ["PATH": "/usr/bin:/bin", "NO_COLOR": "1", "TERM": "dumb"]
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: Values that begin with '-'

    /// `set ID count -42` sets -42, as `redis-cli SET k -42` does, on every layout; options still
    /// come before or after it, and `--` still ends the options.
    func testValuesThatBeginWithADashAreValues() throws {
        let dir = TempDirectory()
        for store in [kv, hash, "file:" + dir.path] {
            XCTAssertEqual(sessctl("set", "-s", store, "dash", "seed", "1", "--create").status, 0, store)
            for (key, value) in [("count", "-42"), ("note", "-x"), ("exp", "-1.5e3"), ("long", "--verbose"), ("neg", "-0")] {
                let r = sessctl("set", "-s", store, "dash", key, value)
                XCTAssertEqual(r.status, 0, "\(store) \(key): \(r.stderr)")
            }
            XCTAssertEqual(sessctl("set", "--string", "-s", store, "dash", "s", "-7", "--ttl", "2h").status, 0, store)
            XCTAssertEqual(sessctl("set", "-s", store, "dash", "opt", "--", "--ttl").status, 0, store)
            let data = try object(sessctl("get", "-s", store, "dash").stdout)
            XCTAssertEqual(data["count"], store == hash ? .string("-42") : .number("-42"), "a hash keeps text: \(store)")
            XCTAssertEqual(sessctl("get", "-s", store, "dash", "count", "-o", "raw").stdout, "-42", store)
            XCTAssertEqual(data["note"], .string("-x"), store)
            XCTAssertEqual(data["long"], .string("--verbose"), store)
            XCTAssertEqual(data["s"], .string("-7"), store)
            XCTAssertEqual(data["opt"], .string("--ttl"), store)
            XCTAssertEqual(sessctl("get", "-s", store, "dash", "exp", "-o", "raw").stdout, "-1.5e3", store)
            let ttl = try XCTUnwrap(Double(sessctl("ttl", "-s", store, "dash").stdout.trimmingCharacters(in: .whitespacesAndNewlines)), store)
            XCTAssertEqual(ttl, 7200, accuracy: 60, "--ttl after the value still applies: \(store)")
            // Two values, or none, are usage errors; a mistyped option is not silently a value.
            for args in [["dash", "k", "a", "b"], ["dash", "k"], ["dash", "k", "v", "--tll", "5m"]] {
                let r = Sessctl.run(["set", "-s", store] + args)
                XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            }
            XCTAssertEqual(try object(sessctl("get", "-s", store, "dash").stdout), data, "nothing written by a refused set")
        }
    }
}
