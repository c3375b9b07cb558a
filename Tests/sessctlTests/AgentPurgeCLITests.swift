import Foundation
import RedisClient
import SessionKit
import TestSupport
import XCTest

/// `purge --idle` and a bulk `expire` on a trpc-agent-go store holding both engines, sessions
/// with and without a TTL, under a prefix, next to sessions of another prefix that must not move.
final class AgentPurgeCLITests: RedisTestCase {
    private let day: Int64 = 86_400_000

    /// A session written as the library writes it, its times relative to now.
    private func write(
        _ c: RedisConnection, prefix: String, legacy: Bool, user: String, sid: String,
        created: Int64, updated: Int64, lastEvent: Int64?, ttl: Int64?
    ) throws {
        let p = prefix.isEmpty ? "" : prefix + ":"
        let (cr, up) = (Durations.rfc3339(millis: created), Durations.rfc3339(millis: updated))
        var commands: [[String]] = []
        var keys: [String] = []
        if legacy {
            let hash = "\(p)sess:{chat}:\(user)"
            commands.append(["HSET", hash, sid, #"{"id":"\#(sid)","state":{},"createdAt":"\#(cr)","updatedAt":"\#(up)"}"#])
            keys.append(hash)
            if let lastEvent {
                let key = "\(p)event:{chat}:\(user):\(sid)"
                commands.append(["ZADD", key, String(lastEvent * 1_000_000), #"{"id":"e1","requestID":"r1","author":"user"}"#])
                keys.append(key)
            }
        } else {
            let tag = "chat:{\(user)}:\(sid)"
            let meta = "\(p)hashidx:meta:\(tag)"
            commands.append(["SET", meta, #"{"id":"\#(sid)","appName":"chat","userID":"\#(user)","state":{},"createdAt":"\#(cr)","updatedAt":"\#(up)"}"#])
            keys.append(meta)
            if let lastEvent {
                commands.append(["HSET", "\(p)hashidx:evtdata:\(tag)", "e1", #"{"id":"e1","requestID":"r1","author":"user"}"#])
                commands.append(["ZADD", "\(p)hashidx:evtidx:time:\(tag)", String(lastEvent * 1_000_000), "e1"])
                keys += ["\(p)hashidx:evtdata:\(tag)", "\(p)hashidx:evtidx:time:\(tag)"]
            }
        }
        if let ttl { for k in keys { commands.append(["PEXPIRE", k, String(ttl)]) } }
        for command in commands { _ = try c.command(command.map { Array($0.utf8) }) }
    }

    private func ids(_ run: SessctlRun) -> Set<String> {
        Set(run.stdout.split(separator: "\n").map(String.init))
    }

    func testPurgeIdleAndBulkExpireTouchExactlyTheSessionsTheyShould() throws {
        let s = try startServer()
        let c = try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port)))
        let now = SystemTime.nowMillis()
        for prefix in ["p", "other"] {
            // Idle: no activity for 10 days, in each engine.
            try write(c, prefix: prefix, legacy: false, user: "a", sid: "h-idle", created: now - 20 * day, updated: now - 20 * day, lastEvent: now - 10 * day, ttl: nil)
            try write(c, prefix: prefix, legacy: true, user: "d", sid: "l-idle", created: now - 20 * day, updated: now - 10 * day, lastEvent: now - 10 * day, ttl: nil)
            // Active: created long ago, but its newest event is minutes old (HashIdx leaves updatedAt alone).
            try write(c, prefix: prefix, legacy: false, user: "b", sid: "h-active", created: now - 40 * day, updated: now - 40 * day, lastEvent: now - 600_000, ttl: nil)
            try write(c, prefix: prefix, legacy: true, user: "e", sid: "l-active", created: now - 40 * day, updated: now - 40 * day, lastEvent: now - 60_000, ttl: nil)
            // Updated an hour ago, no events, with a TTL.
            try write(c, prefix: prefix, legacy: false, user: "c", sid: "h-ttl", created: now - 2 * day, updated: now - 3_600_000, lastEvent: nil, ttl: 3_600_000)
        }
        let store = "redis://\(s.host):\(s.port)/0?layout=trpc&prefix=p"

        let dry = Sessctl.run(["purge", "-s", store, "--idle", "7d", "--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertEqual(ids(dry), ["chat/a/h-idle", "chat/d/l-idle"])
        let refused = Sessctl.run(["purge", "-s", store, "--idle", "7d"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--yes"), refused.stderr)

        let purged = Sessctl.run(["purge", "-s", store, "--idle", "7d", "--yes"])
        XCTAssertEqual(purged.status, 0, purged.stderr)
        let left = Sessctl.run(["list", "-s", store, "-o", "ids"])
        XCTAssertEqual(ids(left), ["chat/b/h-active", "chat/e/l-active", "chat/c/h-ttl"])
        XCTAssertEqual(try c.command("EXISTS", "p:hashidx:evtdata:chat:{a}:h-idle").int, 0)
        XCTAssertEqual(try c.command("EXISTS", "p:event:{chat}:d:l-idle").int, 0)
        let others = Sessctl.run(["list", "-s", "redis://\(s.host):\(s.port)/0?layout=trpc&prefix=other", "-o", "ids"])
        XCTAssertEqual(ids(others).count, 5, "the other prefix is untouched")

        // Give the sessions without a TTL one: the session with a TTL keeps its own.
        let ttlBefore = try c.command("PTTL", "p:hashidx:meta:chat:{c}:h-ttl").int!
        let expired = Sessctl.run(["expire", "-s", store, "--no-ttl-only", "30d", "--yes"])
        XCTAssertEqual(expired.status, 0, expired.stderr)
        for key in ["p:hashidx:meta:chat:{b}:h-active", "p:hashidx:evtidx:time:chat:{b}:h-active", "p:sess:{chat}:e", "p:event:{chat}:e:l-active"] {
            XCTAssertLessThan(abs(try c.command("PTTL", key).int! - 30 * day), 5000, key)
        }
        XCTAssertLessThanOrEqual(try c.command("PTTL", "p:hashidx:meta:chat:{c}:h-ttl").int!, ttlBefore)
        XCTAssertEqual(try c.command("PTTL", "other:hashidx:meta:chat:{b}:h-active").int, -1)

        // One user's sessions, by --app/--user.
        let one = Sessctl.run(["expire", "-s", store, "--app", "chat", "--user", "b", "2h", "--yes"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertLessThan(abs(try c.command("PTTL", "p:hashidx:meta:chat:{b}:h-active").int! - 7_200_000), 5000)
        XCTAssertGreaterThan(try c.command("PTTL", "p:sess:{chat}:e").int!, 29 * day)

        // Stores that do not record activity say so.
        let kv = Sessctl.run(["purge", "-s", "redis://\(s.host):\(s.port)/0?layout=kv&prefix=x:", "--idle", "1d", "--yes"])
        XCTAssertEqual(kv.status, 1)
        XCTAssertTrue(kv.stderr.contains("last active"), kv.stderr)
    }
}
