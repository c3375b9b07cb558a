import Foundation
import SessionKit
import TestSupport
import XCTest

/// The audit log: a line for every run of a writing command, written by the real binary against
/// a real redis-server, read back with `sessctl audit`; no password ever in it.
final class AuditLogCLITests: RedisTestCase {
    private static let password = "p@ss:w0rd"
    private var server: RedisServer!
    private var state: TempDirectory!
    private var env: [String: String] { ["XDG_STATE_HOME": state.path] }
    private var logPath: String { state.path + "/sessctl/audit.log" }
    /// The password in the address, its `@` escaped.
    private var address: String { "redis://:p%40ss:w0rd@\(server.host):\(server.port)/0?layout=kv" }
    private var shownStore: String { "redis://:***@\(server.host):\(server.port)/0?layout=kv" }

    override func setUpWithError() throws {
        server = try startServer(password: Self.password)
        state = TempDirectory("sessctl-audit")
    }

    private func sessctl(_ args: [String], env more: [String: String] = [:], input: String? = nil) -> SessctlRun {
        Sessctl.run(args, env: env.merging(more) { $1 }, input: input)
    }

    /// The log as `audit -o ndjson` shows it, each line parsed.
    private func entries(_ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> [JSONObject] {
        let r = sessctl(["audit", "-o", "ndjson"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return try r.stdoutLines.map { try XCTUnwrap(JSONParser.parse(Array($0.utf8)).objectValue, $0, file: file, line: line) }
    }

    private func rawLog() -> [UInt8] { FileManager.default.contents(atPath: logPath).map { [UInt8]($0) } ?? [] }

    private func logLines() -> [String] {
        String(decoding: rawLog(), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// None of `secrets` anywhere in the log: in its raw bytes, nor in any string it holds once
    /// JSON escapes are read.
    private func assertNowhere(_ secrets: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let raw = String(decoding: rawLog(), as: UTF8.self)
        XCTAssertFalse(raw.isEmpty, "the log is there", file: file, line: line)
        var decoded = ""
        for text in logLines() {
            let object = try XCTUnwrap(JSONParser.parse(Array(text.utf8)).objectValue, file: file, line: line)
            for (_, value) in object {
                if case .string(let s) = value { decoded += s + "\n" }
                if case .array(let items) = value { decoded += items.compactMap(\.stringValue).joined(separator: "\n") }
            }
        }
        for secret in secrets {
            XCTAssertFalse(raw.contains(secret), "'\(secret)' in the log: \(raw)", file: file, line: line)
            XCTAssertFalse(decoded.contains(secret), "'\(secret)' in the log: \(decoded)", file: file, line: line)
        }
    }

    private static var userName: String {
        getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? String(getuid())
    }

    private static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func assertEntry(
        _ e: JSONObject?, command: String, store: String?, outcome: String = "ok", exit: Int = 0, touched: Int? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let e else { return XCTFail("no line for \(command)", file: file, line: line) }
        XCTAssertEqual(e["command"]?.stringValue, command, file: file, line: line)
        XCTAssertEqual(e["store"], store.map(JSONValue.string) ?? .null, "\(command)", file: file, line: line)
        XCTAssertEqual(e["outcome"]?.stringValue, outcome, "\(command)", file: file, line: line)
        XCTAssertEqual(e["exit"], .number(String(exit)), "\(command)", file: file, line: line)
        XCTAssertEqual(e["user"]?.stringValue, Self.userName, file: file, line: line)
        XCTAssertEqual(e["host"]?.stringValue, Self.hostName, file: file, line: line)
        XCTAssertNotNil(e["pid"], file: file, line: line)
        XCTAssertNotNil(e["trash"], "a trash member, null or an id", file: file, line: line)
        let time = e["time"]?.stringValue.flatMap(Durations.parseRFC3339)
        XCTAssertNotNil(time, file: file, line: line)
        if let time { XCTAssertLessThan(abs(time - SystemTime.nowMillis()), 600_000, file: file, line: line) }
        if let touched {
            XCTAssertEqual(e["touched"], .number(String(touched)), "\(command)", file: file, line: line)
            XCTAssertEqual(e["ids"].flatMap { if case .array(let a) = $0 { a.count } else { nil } }, touched, file: file, line: line)
        }
    }

    // MARK: Writes

    func testEachWriteIsLoggedWithItsPasswordHidden() throws {
        let set = sessctl(["set", "-s", address, "audit1", "k", "v", "--create"])
        XCTAssertEqual(set.status, 0, set.stderr)
        let expire = sessctl(["expire", "--store=" + address, "audit1", "1h"])
        XCTAssertEqual(expire.status, 0, expire.stderr)
        let del = sessctl(["-s", address, "del", "audit1"])
        XCTAssertEqual(del.status, 0, del.stderr)

        // A password with spaces and other scripts, in the address and from the environment.
        let tricky = "Zq7front p@ss wörd ✓:%41 Yk9back"
        let other = try startServer(password: tricky)
        let escaped = tricky.replacingOccurrences(of: "%", with: "%25")
        let spaced = "redis://:\(escaped)@\(other.host):\(other.port)/0?layout=kv"
        let otherShown = "redis://:***@\(other.host):\(other.port)/0?layout=kv"
        let viaOption = sessctl(["set", "-s", spaced, "audit2", "k", "1", "--create"])
        XCTAssertEqual(viaOption.status, 0, viaOption.stderr)
        let plain = "redis://\(other.host):\(other.port)/0?layout=kv"
        let viaEnvironment = sessctl(["persist", "-s", plain, "audit2"], env: ["SESSCTL_REDIS_PASSWORD": tricky])
        XCTAssertEqual(viaEnvironment.status, 0, viaEnvironment.stderr)

        let logged = try entries(["--since", "1h"])
        XCTAssertEqual(logged.count, 5, "\(logged)")
        assertEntry(logged[0], command: "sessctl set -s \(shownStore) audit1 k v --create", store: shownStore, touched: 1)
        XCTAssertEqual(logged[0]["ids"], .array([.string("audit1")]))
        assertEntry(logged[1], command: "sessctl expire --store=\(shownStore) audit1 1h", store: shownStore, touched: 1)
        assertEntry(logged[2], command: "sessctl -s \(shownStore) del audit1", store: shownStore)
        assertEntry(logged[3], command: "sessctl set -s \(otherShown) audit2 k 1 --create", store: otherShown, touched: 1)
        assertEntry(logged[4], command: "sessctl persist -s \(plain) audit2", store: otherShown, touched: 1)
        try assertNowhere([Self.password, "p%40ss", "w0rd", tricky, escaped, "Zq7front", "Yk9back", "wörd"])

        var info = stat()
        XCTAssertEqual(stat(logPath, &info), 0)
        XCTAssertEqual(info.st_mode & 0o7777, 0o600, "the log is the user's alone")
        XCTAssertEqual(stat(state.path + "/sessctl", &info), 0)
        XCTAssertEqual(info.st_mode & 0o7777, 0o700, "and so is its directory")
    }

    func testEveryAddressWordIsMaskedWhateverThePasswordHolds() throws {
        let dir = TempDirectory()
        let files = TempDirectory()
        for (n, password) in TrickyPasswords.all.enumerated() {
            // Unreachable: each run fails, and is logged all the same with its store.
            let unreachable = "redis://u:\(password)@127.0.0.1:1/0?timeout=2s"
            let r = sessctl(["set", "-s", unreachable, "x\(n)", "k", "v"])
            XCTAssertEqual(r.status, 1, r.stderr)
            let migrate = sessctl(["migrate", "--from", "file:\(dir.path)?crypto-key=\(password)&ttl=1h", "--to", unreachable])
            XCTAssertEqual(migrate.status, 1, migrate.stderr)
            let option = sessctl(["import", "--store", "file:\(files.path)?crypto-key=\(password)", "/nonexistent-export"])
            XCTAssertEqual(option.status, 1, option.stderr)
        }
        let logged = try entries()
        XCTAssertEqual(logged.count, 3 * TrickyPasswords.all.count)
        for e in logged {
            XCTAssertEqual(e["outcome"]?.stringValue, "failed", "\(e)")
            XCTAssertNotNil(e["store"]?.stringValue, "the store is named even when it could not be opened: \(e)")
        }
        XCTAssertEqual(logged[1]["store"]?.stringValue, "file:\(dir.path) (encrypted, own key) -> redis://u:***@127.0.0.1:1/0?layout=kv")
        let raw = String(decoding: rawLog(), as: UTF8.self)
        XCTAssertFalse(TrickyPasswords.shown(in: raw), raw)
        try assertNowhere(["Zq7front", "Yk9back"])
    }

    func testDryRunsAndReadsAreNotLoggedAndFailuresAre() throws {
        XCTAssertEqual(sessctl(["set", "-s", address, "audit1", "k", "v", "--create"]).status, 0)
        XCTAssertEqual(logLines().count, 1)
        let target = TempDirectory()
        for args in [
            ["get", "-s", address, "audit1"], ["list", "-s", address], ["count", "-s", address], ["ttl", "-s", address, "audit1"],
            ["expire", "-s", address, "--all", "--dry-run", "1h"], ["del", "-s", address, "--where", "k=v", "--dry-run"],
            ["migrate", "--from", address, "--to", target.path, "--dry-run"], ["audit"]
        ] {
            let r = sessctl(args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            XCTAssertEqual(logLines().count, 1, "\(args) is not logged")
        }
        // Failures: a missing session, a refused write, a wrong password, an unreachable store.
        XCTAssertEqual(sessctl(["set", "-s", address, "nosuch", "k", "v"]).status, 3)
        XCTAssertEqual(sessctl(["set", "-s", address, "--read-only", "audit1", "k", "w"]).status, 1)
        let wrong = "redis://:wrong@\(server.host):\(server.port)/0?layout=kv"
        XCTAssertEqual(sessctl(["expire", "-s", wrong, "audit1", "1h"]).status, 1)
        XCTAssertEqual(sessctl(["persist", "-s", "redis://:wrong@127.0.0.1:1/0?timeout=2s", "audit1"]).status, 1)
        XCTAssertEqual(sessctl(["set", "-s", "", "audit1", "k", "v"]).status, 1)
        let logged = try entries()
        XCTAssertEqual(logged.count, 6)
        assertEntry(logged[1], command: "sessctl set -s \(shownStore) nosuch k v", store: shownStore, outcome: "not found", exit: 3, touched: 0)
        assertEntry(logged[2], command: "sessctl set -s \(shownStore) --read-only audit1 k w", store: shownStore, outcome: "refused", exit: 1, touched: 0)
        let wrongShown = "redis://:***@\(server.host):\(server.port)/0?layout=kv"
        assertEntry(logged[3], command: "sessctl expire -s \(wrongShown) audit1 1h", store: wrongShown, outcome: "failed", exit: 1, touched: 0)
        assertEntry(
            logged[4], command: "sessctl persist -s redis://:***@127.0.0.1:1/0?timeout=2s audit1", store: "redis://:***@127.0.0.1:1/0?layout=kv", outcome: "failed", exit: 1)
        assertEntry(logged[5], command: "sessctl set -s '' audit1 k v", store: nil, outcome: "failed", exit: 1, touched: 0)
        try assertNowhere([Self.password, "w0rd", "wrong"])
    }

    func testConcurrentWritersNeverMixTheirLines() throws {
        // Long lines (a 3000-byte value on each command line), so a mixed write would show.
        let value = String(repeating: "v", count: 3000)
        let results = Locked<[Int32]>([])
        let (address, env) = (self.address, self.env)
        DispatchQueue.concurrentPerform(iterations: 20) { n in
            let r = Sessctl.run(["set", "-s", address, "c\(n)", "k\(n)", value + "\(n)", "--create"], env: env)
            results.update { $0.append(r.status) }
        }
        XCTAssertEqual(results.value, Array(repeating: 0, count: 20))
        let lines = logLines()
        XCTAssertEqual(lines.count, 20)
        var seen: Set<String> = []
        for line in lines {
            let e = try XCTUnwrap(JSONParser.parse(Array(line.utf8)).objectValue, "a whole line: \(line.prefix(200))")
            XCTAssertEqual(e["outcome"]?.stringValue, "ok")
            if case .array(let ids)? = e["ids"], let id = ids.first?.stringValue { seen.insert(id) }
        }
        XCTAssertEqual(seen, Set((0..<20).map { "c\($0)" }))
    }

    // MARK: Reading it

    func testSinceLimitTableAndCorruptLines() throws {
        let missing = sessctl(["audit", "--since", "1h"])
        XCTAssertEqual(missing.status, 0, missing.stderr)
        XCTAssertEqual(missing.stdout, "")
        XCTAssertTrue(missing.stderr.contains("no audit log yet"), missing.stderr)

        // An old line and two that are not log lines, written before the real ones.
        try FileManager.default.createDirectory(atPath: state.path + "/sessctl", withIntermediateDirectories: true)
        let old =
            #"{"command":"sessctl set -s file:/old old k v","exit":0,"host":"h","ids":["old"],"outcome":"ok","pid":1,"store":"file:/old","#
            + #""time":"2020-01-02T03:04:05.000Z","touched":1,"trash":null,"user":"someone"}"#
        _ = FileManager.default.createFile(atPath: logPath, contents: Data((old + "\nnot json\n{\"time\":\"never\"}\n").utf8), attributes: [.posixPermissions: 0o600])
        XCTAssertEqual(sessctl(["set", "-s", address, "audit1", "k", "v", "--create"]).status, 0)
        XCTAssertEqual(sessctl(["expire", "-s", address, "audit1", "2h"]).status, 0)

        let recent = sessctl(["audit", "--since", "1h", "-o", "ndjson"])
        XCTAssertEqual(recent.status, 0, recent.stderr)
        XCTAssertEqual(recent.stdoutLines.count, 2, recent.stdout)
        XCTAssertFalse(recent.stdout.contains("2020-01-02"), "older than --since")
        XCTAssertEqual(recent.stdoutLines, Array(logLines().suffix(2)), "the lines as stored")
        XCTAssertEqual(recent.stderr.split(separator: "\n").count, 1, "the corrupt lines are reported once: \(recent.stderr)")
        XCTAssertTrue(recent.stderr.contains("2 lines are not audit log lines (the first: line 2)"), recent.stderr)

        let all = try entries()
        XCTAssertEqual(all.count, 3)
        XCTAssertEqual(all[0]["user"]?.stringValue, "someone")
        XCTAssertEqual(try entries(["--since", "2020-01-02T03:04:05Z"]).count, 3, "an instant: from then on")
        XCTAssertEqual(try entries(["--since", "2020-01-02T03:04:06+00:00"]).count, 2)
        let last = try entries(["--limit", "1"])
        XCTAssertEqual(last.count, 1)
        XCTAssertEqual(last.first?["command"]?.stringValue, "sessctl expire -s \(shownStore) audit1 2h", "the most recent")
        XCTAssertEqual(try entries(["--limit", "0"]).count, 0)

        let table = sessctl(["audit", "--since", "1h"])
        XCTAssertEqual(table.status, 0, table.stderr)
        let rows = table.stdoutLines
        XCTAssertEqual(rows.count, 3, table.stdout)
        XCTAssertTrue(rows[0].hasPrefix("TIME (UTC)"), rows[0])
        for heading in ["USER", "STORE", "OUTCOME", "TOUCHED", "TRASH", "COMMAND"] { XCTAssertTrue(rows[0].contains(heading), rows[0]) }
        XCTAssertTrue(rows[1].contains(Self.userName) && rows[1].contains(shownStore) && rows[1].contains(" ok "), rows[1])
        XCTAssertTrue(rows[1].hasSuffix("sessctl set -s \(shownStore) audit1 k v --create"), rows[1])
        XCTAssertFalse(table.stdout.contains("\u{1B}["), "no colours when piped")

        let bad = sessctl(["audit", "--since", "yesterday"])
        XCTAssertEqual(bad.status, 64, bad.stderr)
    }

    func testALogThatCannotBeWrittenIsAWarningNotAFailure() throws {
        let elsewhere = TempDirectory()
        try FileManager.default.createDirectory(atPath: state.path + "/sessctl", withIntermediateDirectories: true)
        XCTAssertEqual(symlink(elsewhere.file("target"), logPath), 0)
        let r = sessctl(["set", "-s", address, "audit1", "k", "v", "--create"])
        XCTAssertEqual(r.status, 0, "the write itself succeeded: \(r.stderr)")
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("audit log was not written") && r.stderr.contains("symbolic link"), r.stderr)
        XCTAssertEqual(elsewhere.names(), [], "nothing written through the link")
        XCTAssertEqual(sessctl(["get", "-s", address, "audit1", "k"]).stdout, "\"v\"\n")
        // The shell warns once, however many lines write.
        let shell = sessctl(["shell", "-s", address], input: "set audit1 k w\nexpire audit1 1h\n")
        XCTAssertEqual(shell.status, 0, shell.stderr)
        XCTAssertEqual(shell.stderr.split(separator: "\n").count, 1, shell.stderr)
        XCTAssertEqual(elsewhere.names(), [])
        // Nowhere to keep it: no absolute XDG_STATE_HOME, no HOME.
        let homeless = sessctl(["persist", "-s", address, "audit1"], env: ["XDG_STATE_HOME": "relative", "HOME": ""])
        XCTAssertEqual(homeless.status, 0, homeless.stderr)
        XCTAssertTrue(homeless.stderr.contains("audit log was not written: there is nowhere to keep it"), homeless.stderr)
        // A config file that does not parse is pointed out, and the write stands.
        unlink(logPath)
        let config = TempDirectory()
        try FileManager.default.createDirectory(atPath: config.path + "/sessctl", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: config.path + "/sessctl/config.toml", contents: Data("audit-syslog = maybe\n".utf8))
        let broken = sessctl(["persist", "-s", address, "audit1"], env: ["XDG_CONFIG_HOME": config.path])
        XCTAssertEqual(broken.status, 0, broken.stderr)
        XCTAssertEqual(broken.stderr.split(separator: "\n").count, 1, broken.stderr)
        XCTAssertTrue(broken.stderr.contains("config.toml:1: expected a quoted string or true/false"), broken.stderr)

        // A log with a loose mode is made 0600 again.
        unlink(logPath)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o644])
        XCTAssertEqual(sessctl(["expire", "-s", address, "audit1", "1h"]).status, 0)
        var info = stat()
        XCTAssertEqual(stat(logPath, &info), 0)
        XCTAssertEqual(info.st_mode & 0o7777, 0o600)
        XCTAssertEqual(logLines().count, 1)
    }

    // MARK: The shell

    func testShellLinesAreLoggedAsTyped() throws {
        let script = """
            set audit1 k v --create
            get audit1 k
            expire audit1 30m --dry-run
            expire audit1 30m
            use \(address)
            set audit1 'two words' "x y"
            count
            """
        let r = sessctl(["shell", "-s", address], input: script)
        XCTAssertEqual(r.status, 1, "the --dry-run line is refused for a single id: \(r.stderr)")
        let logged = try entries()
        XCTAssertEqual(logged.count, 3, "\(logged)")
        assertEntry(logged[0], command: "set audit1 k v --create", store: shownStore, touched: 1)
        assertEntry(logged[1], command: "expire audit1 30m", store: shownStore, touched: 1)
        assertEntry(logged[2], command: "set audit1 'two words' 'x y'", store: shownStore, touched: 1)
        // The shell itself is not a write; a --store typed on a line is masked like any other.
        let typed = sessctl(["shell"], input: "persist -s \(address) audit1\n")
        XCTAssertEqual(typed.status, 0, typed.stderr)
        assertEntry(try entries().last, command: "persist -s \(shownStore) audit1", store: shownStore, touched: 1)
        try assertNowhere([Self.password, "w0rd"])
    }

    // MARK: Syslog

    func testAuditSyslogSendsTheSameLine() throws {
        // Without a syslog daemon (no /dev/log here) the line is simply not delivered.
        let quiet = sessctl(["set", "--audit-syslog", "-s", address, "audit1", "k", "v", "--create"])
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertEqual(quiet.stderr, "")

        // In a mount namespace of its own, /dev/log is a socket this test reads.
        guard Self.canUnshare else { throw XCTSkip("needs `unshare -m` (root) to give sessctl a /dev/log of its own") }
        let receiver = try DatagramReceiver(path: state.path + "/log.sock")
        let flag = try runWithDevLog(receiver.path, ["expire", "--audit-syslog", "-s", address, "audit1", "1h"], env: env)
        XCTAssertEqual(flag.status, 0, flag.stderr)
        let message = try XCTUnwrap(receiver.receive(seconds: 20), "a syslog message")
        XCTAssertTrue(message.hasPrefix("<\(10 << 3 | 5)>"), "authpriv.notice: \(message)")
        XCTAssertTrue(message.contains("sessctl["), message)
        let logged = try XCTUnwrap(logLines().last)
        XCTAssertTrue(message.hasSuffix(": " + logged), "the log's line: \(message) / \(logged)")
        XCTAssertFalse(message.contains("w0rd"))

        // The config file's audit-syslog = true does the same.
        let config = TempDirectory()
        try FileManager.default.createDirectory(atPath: config.path + "/sessctl", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: config.path + "/sessctl/config.toml", contents: Data("audit-syslog = true\n".utf8))
        let byConfig = try runWithDevLog(receiver.path, ["persist", "-s", address, "audit1"], env: env.merging(["XDG_CONFIG_HOME": config.path]) { $1 })
        XCTAssertEqual(byConfig.status, 0, byConfig.stderr)
        let second = try XCTUnwrap(receiver.receive(seconds: 20), "a syslog message")
        XCTAssertTrue(second.hasSuffix(": " + (logLines().last ?? "")), second)
        XCTAssertTrue(second.contains("sessctl persist"), second)
        // A read is not sent.
        XCTAssertEqual(try runWithDevLog(receiver.path, ["get", "-s", address, "audit1", "k"], env: env.merging(["XDG_CONFIG_HOME": config.path]) { $1 }).status, 0)
        XCTAssertNil(receiver.receive(seconds: 0), "the run has ended: anything it sent would be here")
    }

    private static let canUnshare: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["-m", "true"]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    /// Runs sessctl in a private mount namespace where /dev is a fresh tmpfs whose `log` is the
    /// socket at `socket` (nothing outside the namespace changes).
    private func runWithDevLog(_ socket: String, _ args: [String], env: [String: String]) throws -> SessctlRun {
        let script = #"set -e; mount -t tmpfs tmpfs /dev; : > /dev/log; mount --bind "$1" /dev/log; shift; exec "$@""#
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["-m", "/bin/sh", "-c", script, "sh", socket, Sessctl.binary] + args
        p.environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": NSTemporaryDirectory()].merging(env) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return SessctlRun(status: p.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// A unix datagram socket that syslog(3) can send to.
private final class DatagramReceiver {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { b in
            precondition(bytes.count < b.count, "socket path too long")
            b.copyBytes(from: bytes)
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// The next message, waiting at most `seconds`; nil when none came.
    func receive(seconds: Double) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(seconds * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : nil
    }
}

/// A value shared by threads.
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
