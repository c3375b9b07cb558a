import Foundation
import SessionKit
import TestSupport
import XCTest

/// `migrate` off trpc-agent-go's legacy engine as an operator runs it: killed part-way and run again.
final class AgentEngineMoveCLITests: RedisTestCase {
    /// `count` legacy sessions of `events` events each, over 50 users.
    private func legacySessions(_ s: RedisServer, count: Int, events: Int) throws {
        let script = """
            for i = 0, tonumber(ARGV[1]) - 1 do
              local user, sid = 'u' .. (i % 50), 'sess-' .. i
              redis.call('HSET', 'sess:{chat}:' .. user, sid, '{"id":"' .. sid .. '","state":{"topic":"ImNhdHMi"},"createdAt":"2026-03-20T10:00:00Z","updatedAt":"2026-03-20T10:00:00Z"}')
              for e = 1, tonumber(ARGV[2]) do
                local id = sid .. '-e' .. e
                redis.call('ZADD', 'event:{chat}:' .. user .. ':' .. sid, 1773972001000000000 + e * 1000, '{"requestID":"r' .. e .. '","author":"user","id":"' .. id .. '"}')
              end
            end
            return 1
            """
        try s.cli(["EVAL", script, "0", String(count), String(events)])
    }

    private func count(_ s: RedisServer, _ pattern: String) throws -> Int {
        let script = "local c, n = '0', 0 repeat local r = redis.call('SCAN', c, 'MATCH', ARGV[1], 'COUNT', 1000) c = r[1] n = n + #r[2] until c == '0' return n"
        return Int(try s.cli(["EVAL", script, "0", pattern])) ?? -1
    }

    func testAMoveKilledPartWayFinishesOnTheNextRunWithNothingDuplicated() throws {
        let s = try startServer()
        let sessions = 3000, events = 20
        try legacySessions(s, count: sessions, events: events)
        let base = "redis://\(s.host):\(s.port)/0?layout=trpc"
        let args = ["migrate", "--from", base + "&engine=legacy", "--to", base + "&engine=hashidx", "--delete-source", "--yes", "--batch", "100"]
        let running = try RunningSessctl(args)
        let killed = running.signal(SIGKILL) { ((try? self.count(s, "hashidx:meta:*")) ?? 0) > 0 && ((try? self.count(s, "event:*")) ?? 0) > 0 }
        _ = running.finish()
        if killed {
            let moved = try count(s, "hashidx:meta:*")
            XCTAssertLessThan(moved, sessions, "killed part-way")
        }
        let again = Sessctl.run(args, deadline: 300)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try count(s, "hashidx:meta:*"), sessions)
        XCTAssertEqual(try count(s, "event:*"), 0)
        XCTAssertEqual(try count(s, "sess:*"), 0)
        // Every session's events once: the hash and the index agree on 20 each.
        let check = """
            local bad = 0
            for i = 0, tonumber(ARGV[1]) - 1 do
              local key = 'chat:{u' .. (i % 50) .. '}:sess-' .. i
              if redis.call('HLEN', 'hashidx:evtdata:' .. key) ~= tonumber(ARGV[2]) or redis.call('ZCARD', 'hashidx:evtidx:time:' .. key) ~= tonumber(ARGV[2]) then bad = bad + 1 end
            end
            return bad
            """
        XCTAssertEqual(try s.cli(["EVAL", check, "0", String(sessions), String(events)]), "0")
        let listed = Sessctl.run(["count", "-s", base])
        XCTAssertEqual(listed.stdout.trimmingCharacters(in: .whitespacesAndNewlines), String(sessions), listed.stderr)
    }
}
