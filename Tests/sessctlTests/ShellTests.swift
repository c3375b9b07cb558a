import SessionKit
import TestSupport
import XCTest

final class ShellTests: XCTestCase {
    private var dir: TempDirectory!
    private let id = "1qbncq5nyf0dn0nrszi6yde1001t55av"

    override func setUp() {
        dir = TempDirectory()
        Fixtures.copyFileStore("file", to: dir, now: SystemTime.nowMillis())
    }

    func testScriptModeRunsEachLineAndReportsFailure() {
        let script = """
            # a comment, then the tour
            list -o ids '*t55av'
            get \(id) username
            set \(id) theme "dark mode"
            get \(id) theme
            del \(id) --key theme
            get \(id) nosuchkey
            get \(id) user_id
            bogus
            count
            """
        let r = Sessctl.run(["shell", "-s", dir.path], input: script)
        XCTAssertEqual(r.status, 1, "a failed line makes the script fail")
        XCTAssertEqual(r.stdout, "\(id)\n\"alice\"\n\"dark mode\"\n1001\n11\n")
        XCTAssertEqual(
            r.stderr,
            """
            sessctl: file:\(dir.path): session '\(id)' has no key 'nosuchkey'
            sessctl: unknown command 'bogus'; try help

            """)
        XCTAssertFalse(r.stdout.contains("\u{1B}["), "no colours in script mode")

        let ok = Sessctl.run(["shell"], env: ["SESSCTL_STORE": dir.path], input: "count\nuse \(dir.path)\nttl \(id)\nexit\ncount\n")
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdoutLines.count, 2, "exit stops the script: \(ok.stdout)")
    }

    func testInteractiveCompletionHistoryAndCtrlC() throws {
        let history = dir.file("../shell-history-\(getpid())")
        defer { unlink(history) }
        let env = ["SESSCTL_HISTFILE": history]
        let prompt = "sessctl file:\(dir.path)> "  // capture-pane drops trailing spaces: match up to ">"
        let shown = String(prompt.dropLast())
        var term = try Tmux([Sessctl.binary, "shell", "-s", dir.path], env: env)
        try term.waitFor { $0.contains(shown) }

        // Tab completes a command name…
        try term.type("cou")
        try term.press("Tab")
        try term.waitFor { $0.contains(prompt + "count") }
        try term.press("Enter")
        try term.waitFor { $0.contains("\n11\n") }

        // …a session id from the real store, and a key of that session.
        try term.type("get 1qbncq5nyf0dn0nrszi6y")
        try term.press("Tab")
        try term.waitFor { $0.contains(prompt + "get \(self.id)") }
        try term.type("las")
        try term.press("Tab")
        try term.waitFor { $0.contains("get \(self.id) last_page") }
        try term.press("Enter")
        try term.waitFor { $0.contains("\"/dashboard\"") }

        // UTF-8 input goes through.
        try term.type("set \(id) greeting Grüße")
        try term.press("Enter")
        try term.type("get \(id) greeting")
        try term.press("Enter")
        try term.waitFor { $0.contains("\"Grüße\"") }

        // Ctrl-C abandons the line and the shell stays; an error is one line and the shell stays.
        // (Each step waits for the screen: the terminal sends SIGINT at once, ahead of keys the
        // shell has not read yet, which a person's typing never outruns.)
        try term.type("list half-typed")
        try term.waitFor { $0.contains(prompt + "list half-typed") }
        try term.press("C-c")
        try term.waitFor { screen in screen.split(separator: "\n").last.map { String($0) == shown } ?? false }
        try term.type("get nobody")
        try term.press("Enter")
        try term.waitFor { $0.contains("no session 'nobody'") }
        let missing = dir.file("../no-such-dir-\(getpid())")  // never /tmp/x: anyone may have made that
        try term.type("use file:\(missing)?crypto-key=topsecretkey1234")
        try term.press("Enter")
        try term.waitFor { $0.contains("directory does not exist") }
        try term.type("count")
        try term.press("Enter")
        try term.waitFor { $0.components(separatedBy: "\n11\n").count >= 3 }
        XCTAssertFalse(try term.exited())
        try term.press("C-d")
        try term.waitFor { _ in (try? term.exited()) ?? false }

        // The history file holds the commands, with the key masked.
        // libedit writes its own format: a header line, and spaces as \040.
        let saved = try String(contentsOfFile: history, encoding: .utf8).replacingOccurrences(of: "\\040", with: " ")
        XCTAssertTrue(saved.contains("count"), saved)
        XCTAssertTrue(saved.contains("get \(id) last_page"), saved)
        XCTAssertTrue(saved.contains("crypto-key=***"), saved)
        XCTAssertFalse(saved.contains("topsecretkey1234"), saved)
        XCTAssertFalse(saved.contains("half-typed"), "an abandoned line is not kept")

        // After a restart, Up brings back the previous run's last command.
        term = try Tmux([Sessctl.binary, "shell", "-s", dir.path], env: env)
        try term.waitFor { $0.contains(shown) }
        try term.press("Up")
        try term.waitFor { $0.contains(prompt + "count") }
    }

    /// Store options may come before the command, on the command line and in the shell, and a
    /// store given on a shell line wins over the shell's own.
    func testStoreOptionsBeforeTheCommandAndOverTheShellsStore() throws {
        let empty = TempDirectory()
        try FileManager.default.createDirectory(atPath: empty.file("count"), withIntermediateDirectories: false)
        for args in [
            ["-s", empty.path, "count"], ["--store=" + empty.path, "--no-color", "count"],
            ["--read-only", "-s", empty.path, "count"], ["-s", "count", "count"]
        ] {
            let r = Sessctl.run(args, cwd: empty.path)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdout, "0\n", "\(args)")
        }
        let bad = Sessctl.run(["--bogus", "-s", dir.path, "count"])
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("Unknown option '--bogus'"), bad.stderr)

        let script = """
            count
            count -s \(empty.path)
            -s \(empty.path) count
            count --store=\(empty.path)
            count
            """
        let r = Sessctl.run(["shell", "-s", dir.path], input: script)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "11\n0\n0\n0\n11\n")
    }

    func testHistoryNeverHoldsAPasswordTypedInUse() throws {
        let history = dir.file("../shell-history-secret-\(getpid())")
        defer { unlink(history) }
        let term = try Tmux([Sessctl.binary, "shell", "-s", dir.path], env: ["SESSCTL_HISTFILE": history])
        try term.waitFor { $0.contains("sessctl file:") }
        // Each `use` fails (nothing listens, or the address is bad): one error line each.
        func errorLines(_ screen: String) -> Int { screen.split(separator: "\n").filter { $0.hasPrefix("sessctl: ") }.count }
        for (n, password) in TrickyPasswords.all.enumerated() {
            // Quoted, as a password with a space in it must be at a shell prompt.
            try term.type("use 'redis://user:\(password)@127.0.0.1:1/0?timeout=2s'")
            try term.press("Enter")
            try term.waitFor { errorLines($0) > n }
        }
        try term.type("use redis://user:\(TrickyPasswords.all[0])@127.0.0.1:1/0")
        try term.press("Enter")
        try term.waitFor { errorLines($0) > TrickyPasswords.all.count }
        let errors = try term.screen().split(separator: "\n").filter { $0.hasPrefix("sessctl: ") }.joined(separator: "\n")
        XCTAssertFalse(TrickyPasswords.shown(in: errors), "no error line shows the password: \(errors)")
        try term.press("C-d")
        try term.waitFor { _ in (try? term.exited()) ?? false }
        let saved = try String(contentsOfFile: history, encoding: .utf8).replacingOccurrences(of: "\\040", with: " ")
        XCTAssertFalse(TrickyPasswords.shown(in: saved), saved)
        XCTAssertTrue(saved.contains("use redis://user:***@127.0.0.1:1/0?timeout=2s"), saved)
        XCTAssertTrue(saved.contains("use redis://user:***@127.0.0.1:1/0"), saved)
    }

    func testCommandsWithoutAStoreOptionWorkAfterUse() {
        let copy = TempDirectory()
        let home = TempDirectory()
        let script = """
            use \(dir.path)
            stores
            migrate --from \(dir.path) --to \(copy.path)
            count -s \(copy.path)
            """
        let r = Sessctl.run(["shell"], env: ["XDG_CONFIG_HOME": home.path], input: script)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("Unknown option"), r.stderr)
        XCTAssertEqual(r.summary["copied"], "11", r.stdout)
        XCTAssertEqual(r.stdoutLines.last, "11")
    }

    func testSIGTERMDuringAMigrateEndsTheScriptAfterTheSummary() throws {
        let source = TempDirectory(), target = TempDirectory()
        let now = SystemTime.nowMillis()
        Fixtures.writeFileSessions(3000, to: source, timestamp: { _ in now }, body: { "{\"n\":\($0)}" })
        let script = TempDirectory()
        script.write("lines", Array("migrate --from \(source.path) --to \(target.path) --batch 100\ncount -s \(target.path)\n".utf8))
        let running = try RunningSessctl(["shell"], stdin: script.file("lines"))
        func copied() -> Int { target.names().filter { $0.hasSuffix(".session") }.count }
        XCTAssertTrue(running.signal(SIGTERM) { (200...2_700).contains(copied()) }, "part-way")
        let r = running.finish()
        XCTAssertEqual(r.status, 130, r.stderr)
        XCTAssertEqual(r.summary["copied"], String(copied()), r.stdout)
        XCTAssertEqual(r.stdoutLines.last?.hasPrefix("seconds"), true, "the script stops: no count after it: \(r.stdout)")
        XCTAssertEqual(target.names().filter { $0.hasPrefix(".sessctl-") }, [])
    }
}
