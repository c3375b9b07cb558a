import RedisClient
import SessionKit
import XCTest

/// `sessctl export | sessctl import` between two databases of one test server, and what the copy
/// holds there.
public struct ExportImportCopy {
    public let server: RedisServer

    public init(_ server: RedisServer) {
        self.server = server
    }

    /// The address of database `db` with `query` (`layout=php`, ...).
    public func store(db: Int, _ query: String) -> String { "redis://\(server.host):\(server.port)/\(db)?\(query)" }

    public func connection(db: Int) throws -> RedisConnection {
        try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: server.host, port: server.port), db: db))
    }

    /// The exact value of `key` in database `db`.
    public func value(db: Int, _ key: String) throws -> [UInt8]? {
        try connection(db: db).command([Array("GET".utf8), Array(key.utf8)]).bytes
    }

    /// The export lines of `store`, each one as an object (the export must succeed).
    public func export(_ store: String, file: StaticString = #filePath, line: UInt = #line) throws -> [JSONObject] {
        let r = Sessctl.run(["export", "-s", store])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return try r.stdoutLines.map { try XCTUnwrap(try JSONParser.parse(Array($0.utf8)).objectValue, $0, file: file, line: line) }
    }

    /// `lines` with `edit` applied to each one's `data` (given its id), as by hand.
    public static func editingData(_ lines: [JSONObject], _ edit: (String, inout JSONObject) -> Void) throws -> [JSONObject] {
        try lines.map { line in
            var line = line, data = try XCTUnwrap(line["data"]?.objectValue, "\(line)")
            edit(line["id"]?.stringValue ?? "", &data)
            line["data"] = .object(data)
            return line
        }
    }

    /// The export lines `lines` as text.
    public static func text(_ lines: [JSONObject]) -> String {
        lines.map { String(decoding: GoJSONEncoder.encode($0), as: UTF8.self) + "\n" }.joined()
    }

    /// Imports `lines` into `store` (the import must succeed).
    @discardableResult
    public func `import`(_ lines: [JSONObject], into store: String, file: StaticString = #filePath, line: UInt = #line) -> SessctlRun {
        let r = Sessctl.run(["import", "-s", store], input: Self.text(lines))
        XCTAssertEqual(r.status, 0, "\(r.stdout) \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.summary["copied"], String(lines.count), r.stdout, file: file, line: line)
        return r
    }

    /// Checks that each of `keys` holds the same bytes in database `to` as in `from`, with its TTL
    /// within 1 s (or none in both).
    public func assertSameValues(_ keys: [String], from: Int, to: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try connection(db: from), b = try connection(db: to)
        for key in keys {
            let source = try a.command([Array("GET".utf8), Array(key.utf8)]).bytes
            XCTAssertNotNil(source, "\(key) is in database \(from)", file: file, line: line)
            XCTAssertEqual(try b.command([Array("GET".utf8), Array(key.utf8)]).bytes, source, "\(key): the same bytes", file: file, line: line)
            let ttlA = try XCTUnwrap(try a.command("PTTL", key).int), ttlB = try XCTUnwrap(try b.command("PTTL", key).int)
            if ttlA < 0 {
                XCTAssertEqual(ttlB, ttlA, "\(key): no TTL in either", file: file, line: line)
            } else {
                XCTAssertEqual(Double(ttlB), Double(ttlA), accuracy: 1000, "\(key): the same TTL within 1 s", file: file, line: line)
            }
        }
    }
}
