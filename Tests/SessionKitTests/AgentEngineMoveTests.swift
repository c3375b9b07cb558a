import Foundation
import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

/// Moving trpc-agent-go sessions off the legacy engine (`migrate` from `engine=legacy` to
/// `engine=hashidx`, in place): read through HashIdx afterwards, every session equals what was
/// read through legacy before, and a second run changes nothing.
final class AgentEngineMoveTests: RedisTestCase {
    private func fixtureServer() throws -> RedisServer {
        let s = try startServer()
        try s.pipe(file: Fixtures.shared + "/fixtures/trpc-agent/sessions.resp")
        var real = [UInt8]("*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n".utf8)
        real += try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.shared + "/fixtures/trpc-agent-real/sessions.resp")))
        try s.pipe(bytes: real)
        return s
    }

    private func store(_ s: RedisServer, db: Int, prefix: String, engine: AgentEngine?) throws -> AgentStore {
        let options = RedisStoreOptions(connection: RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db, timeout: 2000), prefix: prefix)
        return try AgentStore(options: options, engine: engine, displayName: "\(engine?.rawValue ?? "both")")
    }

    private func all(_ store: AgentStore) throws -> [Session] {
        var out: [Session] = []
        try store.scanSessions(matching: nil, pageSize: 100) { page in
            XCTAssertTrue(page.broken.isEmpty, "\(page.broken)")
            out += page.sessions
            return .proceed
        }
        return out
    }

    func testLegacySessionsReadThroughHashIdxAfterTheMoveAsThroughLegacyBefore() throws {
        let s = try fixtureServer()
        for (db, prefix) in [(0, ""), (1, ""), (1, "myapp")] {
            let legacy = try store(s, db: db, prefix: prefix, engine: .legacy), hashidx = try store(s, db: db, prefix: prefix, engine: .hashidx)
            let before = try all(legacy)
            XCTAssertFalse(before.isEmpty, "db \(db) prefix \(prefix)")
            let hashidxBefore = try all(hashidx).count
            let migration = Migration(target: hashidx, options: MigrationOptions(verify: true, deleteSource: true))
            let report = try migration.run(from: StoreSessions(legacy), deletingFrom: try legacy.reopened())
            XCTAssertEqual(report.copied, before.count)
            XCTAssertEqual(report.verified, before.count)
            XCTAssertEqual(report.deleted, before.count)
            XCTAssertEqual(report.failed, 0)
            XCTAssertTrue(try all(legacy).isEmpty)
            XCTAssertEqual(try all(hashidx).count, hashidxBefore + before.count)
            let both = try store(s, db: db, prefix: prefix, engine: nil)
            for old in before {
                for reader in [hashidx, both] {
                    let moved = try reader.get(old.id)
                    XCTAssertEqual(moved.agent?.engine, .hashidx)
                    XCTAssertEqual(moved.data, old.data, old.id)
                    switch (moved.expiry, old.expiry) {
                    case (.never, .never): break
                    case (.at(let a), .at(let b)): XCTAssertLessThan(abs(a - b), 1000, old.id)
                    default: XCTFail("\(old.id): \(moved.expiry) vs \(old.expiry)")
                    }
                    XCTAssertNil(old.agent!.conversationDifference(from: moved.agent!), old.id)
                    XCTAssertEqual(moved.agent!.events.map(\.id), old.agent!.events.map(\.id), old.id)
                    let meta = try XCTUnwrap(moved.agent?.record)
                    XCTAssertEqual(meta["appName"]?.stringValue, old.agent!.sessionID.app)
                    XCTAssertEqual(meta["userID"]?.stringValue, old.agent!.sessionID.user)
                    XCTAssertEqual(meta["createdAt"], old.agent!.record?["createdAt"])
                }
            }
            // Run again: nothing left to move, nothing written twice.
            let again = try Migration(target: hashidx, options: MigrationOptions(verify: true, deleteSource: true)).run(
                from: StoreSessions(legacy), deletingFrom: try legacy.reopened())
            XCTAssertEqual(again.copied, 0)
            XCTAssertEqual(try all(hashidx).count, hashidxBefore + before.count)
        }
    }

    func testAMoveCutShortAfterItsCopiesFinishesOnTheNextRunWithoutDuplicates() throws {
        let s = try fixtureServer()
        let legacy = try store(s, db: 1, prefix: "", engine: .legacy), hashidx = try store(s, db: 1, prefix: "", engine: .hashidx)
        let before = try all(legacy)
        // A first run that copied one session and stopped before deleting anything.
        let first = before[0]
        XCTAssertTrue(try hashidx.save([SessionWrite(first, mode: .create)]).allSatisfy(\.isSuccess))
        let report = try Migration(target: hashidx, options: MigrationOptions(verify: true, deleteSource: true)).run(
            from: StoreSessions(legacy), deletingFrom: try legacy.reopened())
        XCTAssertEqual(report.copied, before.count - 1)
        XCTAssertEqual(report.skippedExisting, 1)
        XCTAssertEqual(report.deleted, before.count)
        XCTAssertTrue(try all(legacy).isEmpty)
        let c = try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: 1))
        for old in before {
            let id = old.agent!.sessionID
            let data = "hashidx:evtdata:\(id.app):{\(id.user)}:\(id.session)", index = "hashidx:evtidx:time:\(id.app):{\(id.user)}:\(id.session)"
            XCTAssertEqual(try c.command("HLEN", data).int, Int64(old.agent!.eventCount), old.id)
            XCTAssertEqual(try c.command("ZCARD", index).int, Int64(old.agent!.eventCount), old.id)
        }
    }
}
