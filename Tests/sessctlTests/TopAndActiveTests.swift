import Foundation
import SessionKit
import TestSupport
import XCTest

/// `--active` on count, list and find, `stats`' activity histogram, and `top` on a terminal and
/// piped, on stores whose activity the tests set up relative to now.
final class TopAndActiveTests: RedisTestCase {
    private let minute: Int64 = 60_000
    private let day: Int64 = 86_400_000

    private func sessctl(_ args: String...) -> SessctlRun { Sessctl.run(Array(args), deadline: 60) }

    /// Writes a session file as GoFrame does, last touched `age` ago.
    private func writeFile(_ dir: TempDirectory, _ id: String, age: Int64, json: String = "{}") {
        dir.write(id + ".session", GSessionFileCodec.header(SystemTime.nowMillis() - age) + Array(json.utf8))
    }

    /// Ages of sessions (touched within 10 minutes: the first three).
    private let ages: [Int64] = [30_000, 4 * 60_000, 9 * 60_000, 11 * 60_000, 2 * 3_600_000, 23 * 3_600_000]

    func testCountActiveIsTheSessionsTouchedInTheWindowOnFileKVAndHashStores() throws {
        // File: the header's timestamp is the last touch.
        let dir = TempDirectory()
        for (i, age) in ages.enumerated() { writeFile(dir, "s\(i)", age: age, json: #"{"n":1}"#) }
        writeFile(dir, "gone", age: 2 * day)  // expired: never active
        let file = "file:" + dir.path

        // Redis KV and Hash: gsession sets the TTL to the max age at each access, so a session
        // touched `age` ago has max age - age left.
        let server = try startServer()
        for (i, age) in ages.enumerated() {
            _ = try server.cli(["SET", "kv:s\(i)", #"{"n":1}"#, "PX", String(day - age)])
            _ = try server.cli(["HSET", "h:s\(i)", "n", "1"])
            _ = try server.cli(["PEXPIRE", "h:s\(i)", String(day - age)])
        }
        _ = try server.cli(["SET", "kv:forever", "{}"])  // no TTL: no activity known
        let kv = "redis://\(server.host):\(server.port)?prefix=kv:"
        let hash = "redis://\(server.host):\(server.port)?prefix=h:&layout=hash"

        for store in [file, kv, hash] {
            let active = sessctl("count", "-s", store, "--active", "10m")
            XCTAssertEqual(active.status, 0, active.stderr)
            XCTAssertEqual(active.stdout, "3\n", store)
            XCTAssertEqual(sessctl("count", "-s", store, "--active", "1m").stdout, "1\n", store)
            XCTAssertEqual(sessctl("count", "-s", store, "--active", "1d").stdout, "6\n", store)
            let listed = sessctl("list", "-s", store, "--active", "10m", "-o", "ids")
            XCTAssertEqual(Set(listed.stdout.split(separator: "\n")), ["s0", "s1", "s2"], store)
            let found = sessctl("find", "-s", store, "--active", "10m", "--where", "n=1", "-o", "ids")
            XCTAssertEqual(Set(found.stdout.split(separator: "\n")), ["s0", "s1", "s2"], store)

            // stats: how many sessions were last active in each window.
            let stats = sessctl("stats", "-s", store, "-o", "json")
            let doc = try XCTUnwrap(try JSONParser.parse(Array(stats.stdout.utf8)).objectValue, stats.stderr)
            guard case .array(let buckets)? = doc["activity"] else { return XCTFail("no activity in \(stats.stdout)") }
            let counts = buckets.map { bucket -> String in
                if case .number(let n)? = bucket.objectValue?["count"] { return n }
                return "?"
            }
            // < 1m, 1m-5m, 5m-15m, 15m-1h, 1h-1d, >= 1d, unknown
            let expected =
                store == file
                ? ["1", "1", "2", "0", "2", "1", "0"] : store == kv ? ["1", "1", "2", "0", "2", "0", "1"] : ["1", "1", "2", "0", "2", "0", "0"]
            XCTAssertEqual(counts, expected, store)
        }
    }

    func testTopPipedPrintsOneSummaryLinePerInterval() throws {
        let dir = TempDirectory()
        for (i, age) in ages.enumerated() { writeFile(dir, "s\(i)", age: age, json: #"{"user":{"id":\#(i % 2)}}"#) }
        let run = sessctl("top", "-s", "file:" + dir.path, "--by", "user.id", "--count", "3", "--interval", "200ms")
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, run.stdout)
        for line in lines {
            XCTAssertTrue(line.contains(" alive 6 "), String(line))
            XCTAssertTrue(line.contains(" active 1m 1 5m 2 15m 4"), String(line))
            XCTAssertTrue(line.hasSuffix(" top user.id=0 (3)"), String(line))
        }
    }

    func testTopInATerminalShowsTheStoreAsItChangesAndQuitsOnQ() throws {
        let dir = TempDirectory()
        for i in 0..<3 { writeFile(dir, "s\(i)", age: 20 * minute, json: #"{"user":{"id":"u\#(i % 2)"}}"#) }
        let store = "file:" + dir.path
        // After top, the shell shows the terminal's modes: echo and line editing are back.
        let script = "'\(Sessctl.binary)' -s '\(store)' top --by user.id --interval 200ms; echo \"status $?\"; stty -a; echo top-exited"
        let tmux = try Tmux(["/bin/sh", "-c", script], env: ["NO_COLOR": "1"])
        try tmux.waitFor {
            $0.contains("alive       3") && $0.contains("most sessions by user.id")
                && $0.split(separator: "\n").contains { $0.hasPrefix("  u0 ") && $0.hasSuffix(" 2") }
        }
        XCTAssertEqual(try tmux.display("#{alternate_on}"), "1")

        // Activity the test makes: a login through sessctl, one written by the app, a logout.
        XCTAssertEqual(sessctl("set", "-s", store, "--create", "new", "user", #"{"id":"u9"}"#).status, 0)
        writeFile(dir, "app", age: 0)
        unlink(dir.file("s0.session"))
        let screen = try tmux.waitFor { $0.contains("created 2") && $0.contains("deleted 1") && $0.contains("alive       4") }
        XCTAssertTrue(screen.contains("active      1m 2   5m 2   15m 2"), screen)

        try tmux.type("p")
        try tmux.waitFor { $0.contains("[paused]") }
        try tmux.type("q")
        let after = try tmux.waitFor { $0.contains("top-exited") }
        XCTAssertTrue(after.contains("status 0"), after)
        XCTAssertEqual(try tmux.display("#{alternate_on}"), "0")
        let modes = after.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" })
        XCTAssertTrue(modes.contains("icanon") && modes.contains("echo"), after)
        XCTAssertFalse(modes.contains("-icanon") || modes.contains("-echo"), after)
    }

    func testTopQuitsOnCtrlCAndPutsTheTerminalBack() throws {
        let dir = TempDirectory()
        writeFile(dir, "s0", age: 0)
        // The shell only notes Ctrl-C (its own trap), so it goes on after top.
        let script = "trap 'true' INT; '\(Sessctl.binary)' -s 'file:\(dir.path)' top; echo \"status $?\"; stty -a; echo top-exited"
        let tmux = try Tmux(["/bin/sh", "-c", script])
        try tmux.waitFor { $0.contains("alive       1") }
        try tmux.press("C-c")
        let after = try tmux.waitFor { $0.contains("top-exited") }
        XCTAssertTrue(after.contains("status 130"), after)
        XCTAssertEqual(try tmux.display("#{alternate_on}"), "0")
        let modes = after.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" })
        XCTAssertFalse(modes.contains("-icanon") || modes.contains("-echo"), after)
    }
}
