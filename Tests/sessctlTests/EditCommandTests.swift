import Foundation
import SessionKit
import TestSupport
import XCTest

/// `sessctl edit` driven by scripted editors, on real files and a real redis-server.
final class EditCommandTests: XCTestCase {
    private var dir: TempDirectory!
    /// TMPDIR of every run: the edit buffer must be gone from it afterwards.
    private var tmp: TempDirectory!
    private var scripts: TempDirectory!
    private var server: RedisServer?
    private let id = "1qbncq5nyf0dn0nrszi6yde1001t55av"  // username alice, user_id 1001
    private let kvID = "1qbncq5nyf0dn0nrsziy0u2h00m0gw72"  // username grace

    override func setUp() {
        dir = TempDirectory()
        tmp = TempDirectory()
        scripts = TempDirectory()
        Fixtures.copyFileStore("file", to: dir, now: SystemTime.nowMillis())
    }

    override func tearDown() {
        XCTAssertEqual(tmp.names(), [], "the edit buffer is removed in every case")
        server?.stop()
        (dir, tmp, scripts, server) = (nil, nil, nil, nil)  // XCTest keeps test cases alive: free the directories now
        super.tearDown()
    }

    /// An executable shell script; the file to edit is its last argument.
    private func editor(_ body: String) -> String {
        let name = "editor-\(UInt32.random(in: 0...UInt32.max)).sh"
        scripts.write(name, Array("#!/bin/sh\nfor f; do :; done\n\(body)\n".utf8))
        chmod(scripts.file(name), 0o755)
        return scripts.file(name)
    }

    private func edit(_ store: String, _ id: String, editor: String, env: [String: String] = [:]) -> SessctlRun {
        var environment = ["EDITOR": editor, "TMPDIR": tmp.path]
        for (k, v) in env { environment[k] = v }
        return Sessctl.run(["edit", "-s", store, id], env: environment)
    }

    private func redis() throws -> RedisServer {
        let s = try RedisServer()
        try s.pipe(file: Fixtures.gsession + "/redis-kv.resp")
        try s.pipe(file: Fixtures.gsession + "/redis-hash.resp")
        server = s
        return s
    }

    private func object(_ text: String) throws -> JSONObject {
        try XCTUnwrap(try JSONParser.parse(Array(text.utf8)).objectValue, text)
    }

    // MARK: File

    func testAValidChangeIsWrittenWithTheLifetimeKept() throws {
        let before = try XCTUnwrap(dir.read("\(id).session"))
        let seen = scripts.file("seen")
        // VISUAL wins over EDITOR, and is split into words without a shell.
        let good = editor(
            """
            printf '%s %s %s' "$1" "$(stat -c %a "$f")" "$(dirname "$f")" > '\(seen)'
            basename "$f" > '\(scripts.file("name"))'
            sed -i 's/"alice"/"bob"/' "$f"
            """)
        let r = edit(dir.path, id, editor: editor("exit 7"), env: ["VISUAL": "\(good) --wait"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(try String(contentsOfFile: seen, encoding: .utf8), "--wait 600 \(tmp.path)", "arguments kept, a private file in TMPDIR")
        XCTAssertFalse(try String(contentsOfFile: scripts.file("name"), encoding: .utf8).contains(id), "the session id, a credential, is not in the file name")

        let after = try XCTUnwrap(dir.read("\(id).session"))
        XCTAssertEqual(Array(after.prefix(8)), Array(before.prefix(8)), "the timestamp, and so the lifetime, is kept")
        var expected = try XCTUnwrap(Fixtures.sessions(backend: "file").first { $0.id == id }?.data)
        expected["username"] = .string("bob")
        XCTAssertEqual(try object(Sessctl.run(["get", "-s", dir.path, id]).stdout), expected)
        XCTAssertEqual(
            String(decoding: after.dropFirst(8), as: UTF8.self),
            String(decoding: GoJSONEncoder.encode(expected), as: UTF8.self), "written as Go writes it")
    }

    func testAnUnchangedBufferWritesNothing() throws {
        let path = dir.file("\(id).session")
        var before = stat()
        stat(path, &before)
        for script in ["true", editor("sed -i 's/^  /    /' \"$f\"")] {  // untouched, then only re-indented
            let r = edit(dir.path, id, editor: script)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("no changes; nothing was written"), r.stderr)
        }
        var after = stat()
        stat(path, &after)
        XCTAssertEqual(after.st_ino, before.st_ino, "the file was not rewritten")
        XCTAssertEqual(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec)
    }

    func testInvalidJSONIsRefusedSayingWhereAndNothingIsWritten() throws {
        let before = try XCTUnwrap(dir.read("\(id).session"))
        let r = edit(dir.path, id, editor: editor("printf '{\\n  \"a\": 1,\\n  \"b\": ]\\n}\\n' > \"$f\""))
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("invalid JSON at line 3, column 8"), r.stderr)
        XCTAssertTrue(r.stderr.contains("abandoned"), "not a terminal: no offer to re-open: \(r.stderr)")
        XCTAssertEqual(dir.read("\(id).session"), before)

        let array = edit(dir.path, id, editor: editor("echo '[1, 2]' > \"$f\""))
        XCTAssertEqual(array.status, 1)
        XCTAssertTrue(array.stderr.contains("must be a JSON object"), array.stderr)
        XCTAssertEqual(dir.read("\(id).session"), before)

        let failing = edit(dir.path, id, editor: editor("sed -i 's/alice/bob/' \"$f\"; exit 3"))
        XCTAssertEqual(failing.status, 1)
        XCTAssertTrue(failing.stderr.contains("exited with status 3; nothing was written"), failing.stderr)
        XCTAssertEqual(dir.read("\(id).session"), before)

        let missing = edit(dir.path, id, editor: "/nonexistent/editor")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("cannot run the editor"), missing.stderr)
    }

    /// The edit buffer a failed write kept, named at the end of its one-line error; checked to
    /// hold `edited`, then removed (tearDown checks that nothing else is left).
    private func assertKeptBuffer(_ r: SessctlRun, holds edited: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr, file: file, line: line)
        let range = try XCTUnwrap(r.stderr.range(of: "; your edit is kept in "), r.stderr, file: file, line: line)
        let path = String(r.stderr[range.upperBound...].dropLast())
        XCTAssertEqual(tmp.names().map { tmp.file($0) }, [path], file: file, line: line)
        let kept = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(kept.contains(edited), kept, file: file, line: line)
        XCTAssertEqual(unlink(path), 0)
    }

    func testAChangeByAnotherWriterDuringTheEditIsAConflictTheirChangeStaysAndTheEditIsKept() throws {
        let r = edit(
            dir.path, id,
            editor: editor(
                """
                sed -i 's/"alice"/"mallory"/' "$f"
                '\(Sessctl.binary)' set -s '\(dir.path)' \(id) theme dark
                """))
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("changed while it was being edited; nothing was written"), r.stderr)
        try assertKeptBuffer(r, holds: "\"mallory\"")
        let now = try object(Sessctl.run(["get", "-s", dir.path, id]).stdout)
        XCTAssertEqual(now["theme"], .string("dark"), "the other writer's change stays")
        XCTAssertEqual(now["username"], .string("alice"), "the edit was not applied")
    }

    func testASessionDeletedOrReplacedByALinkDuringTheEditKeepsTheEdit() throws {
        let gone = edit(
            dir.path, id,
            editor: editor(
                """
                sed -i 's/"alice"/"mallory"/' "$f"
                rm '\(dir.file("\(id).session"))'
                """))
        XCTAssertEqual(gone.status, 3)
        XCTAssertTrue(gone.stderr.contains("was deleted while it was being edited; nothing was written"), gone.stderr)
        try assertKeptBuffer(gone, holds: "\"mallory\"")
        XCTAssertNil(dir.read("\(id).session"))

        // A failure root meets too: the session file became a link.
        let other = "1qbncq5nyf0dn0nrszibygy200wgk0jv"
        let target = scripts.file("target")
        let linked = edit(
            dir.path, other,
            editor: editor(
                """
                sed -i 's/"cart"/"basket"/' "$f"
                mv '\(dir.file("\(other).session"))' '\(target)'
                ln -s '\(target)' '\(dir.file("\(other).session"))'
                """))
        XCTAssertEqual(linked.status, 1)
        XCTAssertTrue(linked.stderr.contains("\(other).session: is a symbolic link, not a regular file"), linked.stderr)
        try assertKeptBuffer(linked, holds: "\"basket\"")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: dir.file("\(other).session")), target)
    }

    func testMissingSessionIsStatus3AndNoEditorRuns() {
        let marker = scripts.file("ran")
        let r = edit(dir.path, "nosuchsession", editor: editor("touch '\(marker)'"))
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.contains("no session 'nosuchsession'"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
    }

    func testTheBufferIsRemovedWhenSessctlIsKilledDuringTheEdit() throws {
        let before = try XCTUnwrap(dir.read("\(id).session"))
        let r = edit(dir.path, id, editor: editor("sed -i 's/alice/bob/' \"$f\"; kill -TERM $PPID; sleep 0.3"))
        XCTAssertEqual(r.status, SIGTERM, "killed by the signal it got: \(r.stderr)")
        XCTAssertEqual(dir.read("\(id).session"), before)
        // tearDown checks that the buffer is gone.
    }

    // MARK: Redis

    func testOnRedisKVAValidEditKeepsTheTTLAndAConcurrentWriteIsAConflict() throws {
        let server = try redis()
        let store = "redis://\(server.host):\(server.port)?prefix=gfsess:"
        let key = "gfsess:\(kvID)"
        try server.cli(["PEXPIRE", key, "5000000"])

        let ok = edit(store, kvID, editor: editor("sed -i 's/\"grace\"/\"heidi\"/' \"$f\""))
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try server.cli(["GET", key]), #"{"login_at":1795240858,"roles":["admin"],"user_id":3001,"username":"heidi"}"#)
        let pttl = try XCTUnwrap(Int(server.cli(["PTTL", key])))
        XCTAssertEqual(Double(pttl), 5_000_000, accuracy: 10_000, "the TTL is kept")

        let other = #"{"other":"writer"}"#
        let conflict = edit(
            store, kvID,
            editor: editor(
                """
                sed -i 's/"heidi"/"mallory"/' "$f"
                '\(server.redisCliPath)' -h \(server.host) -p \(server.port) SET \(key) '\(other)' KEEPTTL > /dev/null
                """))
        XCTAssertEqual(conflict.status, 1)
        XCTAssertTrue(conflict.stderr.contains("changed while it was being edited; nothing was written"), conflict.stderr)
        try assertKeptBuffer(conflict, holds: "\"mallory\"")
        XCTAssertEqual(try server.cli(["GET", key]), other, "the other writer's data stays")

        let invalid = edit(store, kvID, editor: editor("echo '{\"a\":' > \"$f\""))
        XCTAssertEqual(invalid.status, 1)
        XCTAssertTrue(invalid.stderr.contains("invalid JSON at line"), invalid.stderr)
        XCTAssertEqual(try server.cli(["GET", key]), other)
    }

    func testOnRedisHashOnlyTheChangedFieldIsWritten() throws {
        let server = try redis()
        let store = "redis://\(server.host):\(server.port)?prefix=gfhash:&layout=hash"
        let key = "gfhash:1qbncq5nyf0dn0nrszjz879s00ljlicj"
        let r = edit(store, "1qbncq5nyf0dn0nrszjz879s00ljlicj", editor: editor("sed -i 's/\"ivan\"/\"olga\"/' \"$f\""))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try server.cli(["HGET", key, "username"]), "olga")
        XCTAssertEqual(try server.cli(["HGET", key, "user_id"]), "4001")
        XCTAssertGreaterThan(try XCTUnwrap(Int(server.cli(["TTL", key]))), 80_000, "the TTL is kept")
    }

    func testOnATerminalAnInvalidBufferCanBeReopenedAndFixed() throws {
        let count = scripts.file("count")
        let twice = editor(
            """
            n=$(cat '\(count)' 2>/dev/null || echo 0); echo $((n + 1)) > '\(count)'
            if [ "$n" = 0 ]; then sed -i 's/"alice"/"bob/' "$f"; else sed -i 's/"bob/"bob"/' "$f"; fi
            """)
        let term = try Tmux([Sessctl.binary, "edit", "-s", dir.path, id], env: ["EDITOR": twice, "TMPDIR": tmp.path])
        let screen = try term.waitFor { $0.contains("[R/a]") }
        XCTAssertTrue(screen.contains("invalid JSON at line"), screen)
        try term.press("Enter")
        try term.waitFor { _ in (try? term.exited()) ?? false }
        XCTAssertEqual(try String(contentsOfFile: count, encoding: .utf8), "2\n", "the editor ran again on the same buffer")
        XCTAssertEqual(Sessctl.run(["get", "-s", dir.path, id, "username"]).stdout, "\"bob\"\n")

        // Abandoning leaves the session as it was.
        let broken = editor("echo '{' > \"$f\"")
        let again = try Tmux([Sessctl.binary, "edit", "-s", dir.path, id], env: ["EDITOR": broken, "TMPDIR": tmp.path])
        try again.waitFor { $0.contains("[R/a]") }
        try again.type("a")
        try again.press("Enter")
        try again.waitFor { $0.contains("edit abandoned") }
        XCTAssertEqual(Sessctl.run(["get", "-s", dir.path, id, "username"]).stdout, "\"bob\"\n")
    }

    // MARK: The shell

    func testEditFromTheShellGivesTheEditorTheTerminal() throws {
        let ask = editor(
            """
            [ -t 0 ] && [ -t 1 ] || exit 9
            printf 'new name? '
            read name
            sed -i "s/\\"alice\\"/\\"$name\\"/" "$f"
            """)
        let term = try Tmux([Sessctl.binary, "shell", "-s", dir.path], env: ["EDITOR": ask, "TMPDIR": tmp.path, "SESSCTL_HISTFILE": "/dev/null"])
        try term.waitFor { $0.contains("sessctl file:") }
        try term.type("edit \(id)")
        try term.press("Enter")
        try term.waitFor { $0.contains("new name?") }  // capture-pane drops trailing spaces
        try term.type("carol")
        try term.press("Enter")
        try term.type("get \(id) username")
        try term.press("Enter")
        try term.waitFor { $0.contains("\"carol\"") }
        try term.type("exit")
        try term.press("Enter")
        try term.waitFor { _ in (try? term.exited()) ?? false }
    }
}
