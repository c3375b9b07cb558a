import Foundation
import RedisClient
import SessionKit
import TestSupport
import XCTest

/// `export`, `import` and `migrate` of trpc-agent-go sessions through the binary: every key of
/// every session arrives byte for byte with its TTL.
final class AgentTransferCLITests: RedisTestCase {
    private func connection(_ s: RedisServer, db: Int) throws -> RedisConnection {
        try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db))
    }

    /// Every key of a database: its type, content (hashes and sets as sorted lists, zsets in
    /// order with their scores) and PTTL.
    private func dump(_ c: RedisConnection) throws -> [String: (content: String, pttl: Int64)] {
        var out: [String: (String, Int64)] = [:]
        var cursor = "0"
        repeat {
            let r = try c.command("SCAN", cursor, "COUNT", "1000").array!
            cursor = r[0].string!
            for k in r[1].array! {
                let key = k.bytes!
                let type = try c.command([Array("TYPE".utf8), key]).string!
                let content: [RedisReply]
                switch type {
                case "string": content = [try c.command([Array("GET".utf8), key])]
                case "hash": content = try c.command([Array("HGETALL".utf8), key]).array!
                case "zset": content = try c.command([Array("ZRANGE".utf8), key, Array("0".utf8), Array("-1".utf8), Array("WITHSCORES".utf8)]).array!
                default: content = try c.command([Array("SMEMBERS".utf8), key]).array!
                }
                var parts = content.map { Base64.std($0.bytes ?? []) }
                if type == "hash" { parts = stride(from: 0, to: parts.count, by: 2).map { parts[$0] + "=" + parts[$0 + 1] }.sorted() }
                if type == "set" { parts.sort() }
                out[String(decoding: key, as: UTF8.self)] = (type + " " + parts.joined(separator: ","), try c.command([Array("PTTL".utf8), key]).int!)
            }
        } while cursor != "0"
        return out
    }

    private func assertSameKeys(_ source: RedisConnection, _ target: RedisConnection, prefix: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try dump(source).filter { prefix.isEmpty ? !$0.key.hasPrefix("myapp:") : $0.key.hasPrefix(prefix + ":") }
        let b = try dump(target)
        for (key, value) in b {
            guard let original = a[key] else {
                XCTFail("\(key) is in the target only", file: file, line: line)
                continue
            }
            XCTAssertEqual(value.content, original.content, key, file: file, line: line)
            if original.pttl < 0 {
                XCTAssertEqual(value.pttl, -1, key, file: file, line: line)
            } else {
                XCTAssertLessThan(abs(value.pttl - original.pttl), 1000, key, file: file, line: line)
            }
        }
        // Only the HashIdx copies of legacy users' state (dual-written in Transition mode), which
        // no session of either engine reads, stay behind.
        let left = Set(a.keys).subtracting(b.keys)
        for key in left { XCTAssertTrue(key.contains("hashidx:userstate:"), "\(key) was not copied", file: file, line: line) }
        XCTAssertLessThanOrEqual(left.count, 1, "\(left)", file: file, line: line)
    }

    func testExportImportAndMigrateCarryEveryKeyByteForByteWithItsTTL() throws {
        let s = try startServer(extraArgs: ["--databases", "32"])
        try AgentFixtureSet.real.load(into: s, db: 0)
        for (n, prefix) in ["", "myapp"].enumerated() {
            let from = "redis://\(s.host):\(s.port)/0?layout=trpc&prefix=\(prefix)"
            let exported = Sessctl.run(["export", "-s", from])
            XCTAssertEqual(exported.status, 0, exported.stderr)
            XCTAssertTrue(exported.stdout.contains("\"agent\":"))
            let imported = Sessctl.run(["import", "-s", "redis://\(s.host):\(s.port)/\(10 + n)?layout=trpc&prefix=\(prefix)"], input: exported.stdout)
            XCTAssertEqual(imported.status, 0, imported.stderr)
            try assertSameKeys(try connection(s, db: 0), try connection(s, db: 10 + n), prefix: prefix)
            // Importing again skips every session that is there and changes nothing.
            let again = Sessctl.run(["import", "-s", "redis://\(s.host):\(s.port)/\(10 + n)?layout=trpc&prefix=\(prefix)"], input: exported.stdout)
            XCTAssertEqual(again.status, 0, again.stderr)
            XCTAssertTrue(again.stdout.contains("copied            0"), again.stdout)
            try assertSameKeys(try connection(s, db: 0), try connection(s, db: 10 + n), prefix: prefix)

            let migrated = Sessctl.run(["migrate", "--from", from, "--to", "redis://\(s.host):\(s.port)/\(20 + n)?layout=trpc&prefix=\(prefix)", "--verify"])
            XCTAssertEqual(migrated.status, 0, migrated.stderr)
            try assertSameKeys(try connection(s, db: 0), try connection(s, db: 20 + n), prefix: prefix)
        }
    }
}
