import Foundation
import RedisClient
import SessionKit
import TestSupport
import XCTest

/// `sessctl reindex` and `sessctl check` on the real library's keys: output for scripts, exit
/// statuses, the --yes rail and --read-only.
final class AgentMaintenanceCLITests: RedisTestCase {
    private func fixtureServer() throws -> RedisServer {
        let s = try startServer()
        try s.pipe(file: Fixtures.shared + "/fixtures/trpc-agent-real/sessions.resp")
        return s
    }

    private func json(_ r: SessctlRun) throws -> JSONObject {
        try XCTUnwrap(JSONParser.parse(Array(r.stdout.utf8)).objectValue, r.stdout)
    }

    private func count(_ o: JSONObject, _ path: String...) -> Int? {
        var v: JSONValue? = .object(o)
        for p in path { v = v?.objectValue?[p] }
        if case .number(let n)? = v { return Int(n) }
        return nil
    }

    func testReindexDryRunThenWriteThenNothingLeft() throws {
        let s = try fixtureServer()
        let store = "redis://\(s.host):\(s.port)/0?layout=trpc"
        let dry = Sessctl.run(["reindex", "-s", store, "--dry-run", "-o", "json"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertEqual(count(try json(dry), "added", "count"), 6)
        XCTAssertEqual(try s.cli(["EXISTS", "hashidx:sessidx:chat:{u42}"]), "0")
        let ro = Sessctl.run(["reindex", "-s", store, "--read-only"])
        XCTAssertEqual(ro.status, 1)
        XCTAssertEqual(try s.cli(["EXISTS", "hashidx:sessidx:chat:{u42}"]), "0")
        let done = Sessctl.run(["reindex", "-s", store])
        XCTAssertEqual(done.status, 0, done.stderr)
        XCTAssertTrue(done.stdout.contains("added 6 sessions"), done.stdout)
        XCTAssertEqual(try s.cli(["HLEN", "hashidx:sessidx:chat:{u42}"]), "2")
        let again = Sessctl.run(["reindex", "-s", store, "-o", "json"])
        XCTAssertEqual(count(try json(again), "added", "count"), 0)
        let kv = Sessctl.run(["reindex", "-s", "redis://\(s.host):\(s.port)/0"])
        XCTAssertEqual(kv.status, 1)
        XCTAssertTrue(kv.stderr.contains("layout=trpc"), kv.stderr)
    }

    func testCheckExitStatusesAndTheFixRails() throws {
        let s = try fixtureServer()
        let store = "redis://\(s.host):\(s.port)/0?layout=trpc"
        let clean = Sessctl.run(["check", "-s", store, "-o", "json"])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        let cleanReport = try json(clean)
        XCTAssertEqual(count(cleanReport, "problems"), 0)
        XCTAssertEqual(count(cleanReport, "legacy_sessions"), 3)
        XCTAssertEqual(cleanReport["compat_mode_none_safe"], .bool(false))

        _ = try s.cli(["HSET", "hashidx:evtdata:chat:{u-gone}:s1", "e1", "{}"])
        _ = try s.cli(["RPUSH", "hashidx:meta:chat:{u42}:listy", "x"])
        let found = Sessctl.run(["check", "-s", store])
        XCTAssertEqual(found.status, 5, found.stderr)
        XCTAssertTrue(found.stdout.contains("hashidx:evtdata:chat:{u-gone}:s1"), found.stdout)
        XCTAssertTrue(found.stdout.contains("hashidx:meta:chat:{u42}:listy (list, expected string)"), found.stdout)

        // Not on a terminal: --fix needs --yes; read-only refuses; nothing changes either way.
        let asked = Sessctl.run(["check", "-s", store, "--fix"])
        XCTAssertEqual(asked.status, 1)
        XCTAssertTrue(asked.stderr.contains("--yes"), asked.stderr)
        XCTAssertEqual(Sessctl.run(["check", "-s", store, "--fix", "--yes", "--read-only"]).status, 1)
        XCTAssertEqual(try s.cli(["EXISTS", "hashidx:evtdata:chat:{u-gone}:s1"]), "1")

        let fixed = Sessctl.run(["check", "-s", store, "--fix", "--yes", "-o", "json"])
        XCTAssertEqual(fixed.status, 5, fixed.stderr)  // the list at a meta's name is left, so problems remain
        let report = try json(fixed)
        XCTAssertEqual(count(report, "findings", "event_data_without_meta", "count"), 1)
        XCTAssertEqual(count(report, "fix", "fixed", "event_data_without_meta"), 1)
        XCTAssertEqual(try s.cli(["EXISTS", "hashidx:evtdata:chat:{u-gone}:s1"]), "0")
        XCTAssertEqual(try s.cli(["EXISTS", "hashidx:meta:chat:{u42}:listy"]), "1")

        _ = try s.cli(["DEL", "hashidx:meta:chat:{u42}:listy"])
        _ = try s.cli(["SET", "hashidx:stateinit:chat:{u42}:gone:\(String(repeating: "0f", count: 32))", "tok"])
        let all = Sessctl.run(["check", "-s", store, "--fix", "--yes"])
        XCTAssertEqual(all.status, 0, all.stdout + all.stderr)
        XCTAssertEqual(Sessctl.run(["check", "-s", store]).status, 0)
    }
}
