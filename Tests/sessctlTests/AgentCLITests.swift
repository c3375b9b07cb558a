import Foundation
import SessionKit
import TestSupport
import XCTest

/// The real binary on trpc-agent-go sessions (`layout=trpc`) in a real redis-server: db 0 holds
/// the hand-made set (`fixtures/trpc-agent`), db 1 the set written by the real library
/// (`fixtures/trpc-agent-real`), whose `expected.json` is what the library's GetSession returned.
final class AgentCLITests: RedisTestCase {
    private var server: RedisServer!

    private static func document(_ set: String) -> JSONObject {
        let path = Fixtures.shared + "/fixtures/\(set)/expected.json"
        let bytes = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
        guard case .object(let o)? = try? JSONParser.parse(bytes) else { fatalError("cannot read \(path)") }
        return o
    }

    private static let shared = document("trpc-agent")
    private static let real = document("trpc-agent-real")

    private static func sessions(_ doc: JSONObject) -> [JSONObject] {
        guard case .array(let items)? = doc["sessions"] else { return [] }
        return items.compactMap(\.objectValue)
    }

    private static func array(_ v: JSONValue?) -> [JSONValue]? {
        if case .array(let a)? = v { return a }
        return nil
    }

    override func setUpWithError() throws {
        server = try startServer()
        let select1: [UInt8] = Array("*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n".utf8)
        for (set, prefix) in [("trpc-agent", [UInt8]()), ("trpc-agent-real", select1)] {
            let resp = [UInt8](FileManager.default.contents(atPath: Fixtures.shared + "/fixtures/\(set)/sessions.resp") ?? Data())
            XCTAssertFalse(resp.isEmpty, set)
            try server.pipe(bytes: prefix + resp)
        }
    }

    /// db 0: the hand-made set; db 1: the real library's, without and with its `myapp` prefix.
    private var sharedStore: String { "redis://\(server.host):\(server.port)/0?layout=trpc" }
    private func realStore(prefix: String) -> String {
        "redis://\(server.host):\(server.port)/1?layout=trpc" + (prefix.isEmpty ? "" : "&prefix=\(prefix)")
    }

    private func sessctl(_ args: String...) -> SessctlRun { Sessctl.run(Array(args), deadline: 120) }

    private func object(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> JSONObject {
        try XCTUnwrap(try JSONParser.parse(Array(text.utf8)).objectValue, text, file: file, line: line)
    }

    private func id(_ s: JSONObject) -> String {
        AgentSessionID(app: s["app"]!.stringValue!, user: s["user"]!.stringValue!, session: s["session_id"]!.stringValue!).text
    }

    private func realSession(_ name: String) -> JSONObject { Self.sessions(Self.real).first { $0["name"]?.stringValue == name }! }

    private func ids(_ r: SessctlRun, file: StaticString = #filePath, line: UInt = #line) -> Set<String> {
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return Set(r.stdoutLines)
    }

    // MARK: list

    func testListShowsEverySessionWithItsAgentColumnsAndIDsThatGetReads() throws {
        for prefix in ["", "myapp"] {
            let expected = Self.sessions(Self.real).filter { $0["key_prefix"]?.stringValue == prefix }
            let r = sessctl("list", "-s", realStore(prefix: prefix), "-o", "ndjson")
            XCTAssertEqual(r.status, 0, r.stderr)
            var rows: [String: JSONObject] = [:]
            for line in r.stdoutLines {
                let o = try object(line)
                rows[o["id"]!.stringValue!] = o
            }
            XCTAssertEqual(Set(rows.keys), Set(expected.map(id)), prefix)
            for s in expected {
                let row = try XCTUnwrap(rows[id(s)])
                XCTAssertEqual(row["app"]?.stringValue, s["app"]?.stringValue)
                XCTAssertEqual(row["user"]?.stringValue, s["user"]?.stringValue)
                XCTAssertEqual(row["session"]?.stringValue, s["session_id"]?.stringValue)
                XCTAssertEqual(row["engine"]?.stringValue, s["engine"]?.stringValue)
                let report = s["write_report"]?.objectValue
                let appended = Self.array(report?["appendedEventIDs"])?.count ?? 0
                let trimmed = Self.array(report?["trimmedEventIDs"])?.count ?? 0
                XCTAssertEqual(row["events"], .number(String(appended - trimmed)), id(s))
                if case .number? = row["state_keys"] {} else { XCTFail("state_keys: \(row)") }
                XCTAssertNotNil(row["last_activity"]?.stringValue, id(s))
                XCTAssertEqual(sessctl("get", "-s", realStore(prefix: prefix), id(s), "-o", "json").status, 0, id(s))
            }
            XCTAssertEqual(ids(sessctl("list", "-s", realStore(prefix: prefix), "-o", "ids")), Set(expected.map(id)))
        }
        // The table: a heading of the agent columns, then one row per session ending in its id.
        let table = sessctl("list", "-s", realStore(prefix: "myapp"))
        XCTAssertEqual(table.status, 0, table.stderr)
        let heading = table.stdoutLines[0].split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        XCTAssertEqual(heading, "APP USER SESSION ENGINE EVENTS STATE LAST ACTIVITY (UTC) TTL BYTES ID")
        let unicode = try XCTUnwrap(table.stdoutLines.first { $0.hasSuffix(" agent:prod/用户:1%2Fx/sess%2F2026:1#a") })
        XCTAssertTrue(unicode.hasPrefix("agent:prod  用户:1/x"), unicode)
        XCTAssertTrue(unicode.contains(" hashidx "), unicode)
    }

    // MARK: get

    func testGetMarksExactlyTheEventsTheLibrarysGetSessionReturns() throws {
        for s in Self.sessions(Self.real) {
            let store = realStore(prefix: s["key_prefix"]!.stringValue!)
            let r = sessctl("get", "-s", store, id(s), "-o", "json")
            XCTAssertEqual(r.status, 0, r.stderr)
            let doc = try object(r.stdout)
            let library = try XCTUnwrap(s["get_session"]?.objectValue?["session"]?.objectValue)
            let returned = Self.array(library["events"])!.map { $0.objectValue!["id"]!.stringValue! }
            let events = try XCTUnwrap(Self.array(doc["events"])).map { $0.objectValue! }
            XCTAssertEqual(events.filter { $0["in_window"] == .bool(true) }.map { $0["id"]!.stringValue! }, returned, id(s))
            XCTAssertEqual(doc["read_window"], .object(JSONObject([("limit", .number("1000")), ("returned", .number(String(returned.count)))])))
            // Every stored event, in time order: the appended ones that were not trimmed away.
            let report = s["write_report"]!.objectValue!
            let trimmed = Set(Self.array(report["trimmedEventIDs"])?.compactMap(\.stringValue) ?? [])
            let stored = (Self.array(report["appendedEventIDs"]) ?? []).compactMap(\.stringValue).filter { !trimmed.contains($0) }
            XCTAssertEqual(events.map { $0["id"]!.stringValue! }, stored, id(s))
            for e in events {
                XCTAssertEqual(e["event"]?.objectValue?["id"], e["id"])
                XCTAssertEqual(e["author"], e["event"]?.objectValue?["author"])
            }
            for field in ["app", "user"] { XCTAssertEqual(doc[field], s[field]) }
            XCTAssertEqual(doc["session"], s["session_id"])
            XCTAssertEqual(doc["engine"], s["engine"])
            XCTAssertEqual(doc["id"], .string(id(s)))
            XCTAssertEqual(Set(doc["state"]?.objectValue?.keys ?? []), Set(library["state"]?.objectValue?.keys ?? []), id(s))
            XCTAssertEqual(doc["problems"], .array([]))
            XCTAssertNotNil(doc["created_at"]?.stringValue)
        }
        let big = realSession("hashidx-1200-events"), lonely = realSession("hashidx-assistant-only")
        let bigDoc = try object(sessctl("get", "-s", realStore(prefix: ""), id(big), "-o", "json").stdout)
        XCTAssertEqual(Self.array(bigDoc["events"])?.count, 1200)
        XCTAssertEqual(bigDoc["read_window"]?.objectValue?["returned"], .number("1000"))
        let lonelyDoc = try object(sessctl("get", "-s", realStore(prefix: ""), id(lonely), "-o", "json").stdout)
        XCTAssertEqual(Self.array(lonelyDoc["events"])?.count, 1)
        XCTAssertEqual(lonelyDoc["read_window"]?.objectValue?["returned"], .number("0"))
        XCTAssertNotNil(lonelyDoc["summaries"]?.objectValue, "stored summaries are shown even when GetSession drops them")
    }

    func testEventLimitMovesTheWindowToItsFirstUserMessage() throws {
        let big = realSession("hashidx-1200-events")
        for limit in [10, 11] {
            let doc = try object(sessctl("get", "-s", realStore(prefix: ""), id(big), "-o", "json", "--event-limit", String(limit)).stdout)
            let events = Self.array(doc["events"])!.map { $0.objectValue! }
            let inWindow = events.filter { $0["in_window"] == .bool(true) }
            XCTAssertLessThanOrEqual(inWindow.count, limit)
            XCTAssertGreaterThanOrEqual(inWindow.count, limit - 1)
            XCTAssertEqual(inWindow.first?["author"], .string("user"))
            XCTAssertEqual(inWindow.last?["id"], events.last?["id"])
            XCTAssertEqual(doc["read_window"]?.objectValue?["limit"], .number(String(limit)))
        }
        XCTAssertEqual(sessctl("get", "-s", realStore(prefix: ""), id(big), "--event-limit", "-1").status, 64)
    }

    func testGetOneStateKeyReadsOwnUserAndAppStateAndBinaryValues() throws {
        let plain = id(realSession("hashidx-plain")), unicode = id(realSession("hashidx-unicode"))
        let store = realStore(prefix: ""), prefixed = realStore(prefix: "myapp")
        XCTAssertEqual(sessctl("get", "-s", store, plain, "topic").stdout, "\"cats\"\n")
        XCTAssertEqual(sessctl("get", "-s", store, plain, "user:plan").stdout, "\"pro\"\n")
        XCTAssertEqual(sessctl("get", "-s", store, plain, "app:motd").stdout, "\"Welcome\"\n")
        XCTAssertEqual(sessctl("get", "-s", prefixed, unicode, "user:名前").stdout, "\"太郎\"\n")
        XCTAssertEqual(sessctl("get", "-s", prefixed, unicode, "bin").stdout, "{\"$base64\":\"AP+A/g==\"}\n")
        XCTAssertEqual(sessctl("get", "-s", prefixed, unicode, "bin", "-o", "raw").stdoutBytes, [0x00, 0xff, 0x80, 0xfe])
        // User state is read from its hash directly: the exact non-UTF-8 bytes.
        XCTAssertEqual(sessctl("get", "-s", prefixed, unicode, "user:raw", "-o", "raw").stdoutBytes, [0xff, 0x00, 0xfe, 0x41])
        XCTAssertEqual(sessctl("get", "-s", prefixed, unicode, "gone").stdout, "null\n")
        XCTAssertEqual(sessctl("get", "-s", prefixed, unicode, "nope").status, 3)
    }

    // MARK: --app and --user

    func testAppAndUserSelectSessionsOnEveryReadingCommand() throws {
        let store = sharedStore
        let all = Self.sessions(Self.shared)
        func expected(app: String?, user: String?) -> Set<String> {
            Set(all.filter { (app == nil || $0["app"]?.stringValue == app) && (user == nil || $0["user"]?.stringValue == user) }.map(id))
        }
        XCTAssertEqual(ids(sessctl("list", "-s", store, "--app", "chat", "-o", "ids")), expected(app: "chat", user: nil))
        XCTAssertEqual(ids(sessctl("list", "-s", store, "--user", "u7", "-o", "ids")), expected(app: nil, user: "u7"))
        XCTAssertEqual(ids(sessctl("list", "-s", store, "--app", "chat", "--user", "u42", "-o", "ids")), expected(app: "chat", user: "u42"))
        XCTAssertEqual(
            ids(sessctl("list", "-s", store, "--app", "support", "--user", "alice@example.com", "-o", "ids")),
            expected(app: "support", user: "alice@example.com"))
        XCTAssertEqual(sessctl("count", "-s", store, "--app", "chat").stdout, "\(expected(app: "chat", user: nil).count)\n")
        XCTAssertEqual(
            ids(sessctl("find", "-s", store, "--user", "u7", "--where", "topic exists", "-o", "ids")),
            Set(all.filter { $0["user"]?.stringValue == "u7" && $0["state"]?.objectValue?["topic"] != nil }.map(id)))
        let dry = sessctl("del", "-s", store, "--app", "chat", "--user", "u7", "--where", "session~*", "--dry-run")
        XCTAssertEqual(ids(dry), expected(app: "chat", user: "u7"))
        let exported = sessctl("export", "-s", store, "--app", "support")
        XCTAssertEqual(exported.status, 0, exported.stderr)
        XCTAssertEqual(Set(try exported.stdoutLines.map { try object($0)["id"]!.stringValue! }), expected(app: "support", user: nil))
        let stats = try object(sessctl("stats", "-s", store, "--user", "u42", "-o", "json").stdout)
        XCTAssertEqual(stats["sessions"], .number("2"))

        // Usage errors: another layout, or a PATTERN beside them.
        let kv = "redis://\(server.host):\(server.port)/0?layout=kv"
        for args in [["list", "-s", kv, "--app", "chat"], ["count", "-s", kv, "--user", "u7"], ["stats", "-s", kv, "--app", "x"]] {
            let r = Sessctl.run(args)
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains("layout=trpc"), r.stderr)
        }
        XCTAssertEqual(sessctl("list", "-s", store, "--app", "chat", "chat/*").status, 64)
        XCTAssertEqual(sessctl("export", "-s", store, "--app", "chat", "--pattern", "chat/*").status, 64)
        XCTAssertEqual(sessctl("del", "-s", store, "--app", "chat", "--dry-run", "chat/u7/x").status, 64)
    }

    // MARK: where on identity

    func testWhereConditionsSeeAppUserAndSession() throws {
        let store = sharedStore
        let all = Self.sessions(Self.shared)
        XCTAssertEqual(ids(sessctl("find", "-s", store, "--where", "app=chat", "-o", "ids")), Set(all.filter { $0["app"]?.stringValue == "chat" }.map(id)))
        XCTAssertEqual(ids(sessctl("find", "-s", store, "--where", "user~alice@*", "-o", "ids")), Set(all.filter { $0["app"]?.stringValue == "support" }.map(id)))
        let one = all[0]
        XCTAssertEqual(ids(sessctl("find", "-s", store, "--where", "session=\(one["session_id"]!.stringValue!)", "-o", "ids")), [id(one)])
        XCTAssertEqual(
            ids(sessctl("find", "-s", store, "--where", "app!=chat", "--where", "status exists", "-o", "ids")),
            Set(all.filter { $0["app"]?.stringValue != "chat" && $0["state"]?.objectValue?["status"] != nil }.map(id)))
    }

    // MARK: events

    func testEventsShowsTheConversationAndTheStoredBytes() throws {
        let support = Self.sessions(Self.shared).first { $0["app"]?.stringValue == "support" }!
        let stored = Self.array(support["events"])!.map { $0.objectValue! }
        let r = sessctl("events", "-s", sharedStore, id(support))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdoutLines.count, stored.count)
        for (line, e) in zip(r.stdoutLines, stored) {
            let when = try XCTUnwrap(Durations.parseRFC3339(e["timestamp"]!.stringValue!))
            XCTAssertTrue(line.hasPrefix(Durations.shortDate(millis: when) + "  " + e["author"]!.stringValue!), line)
            let choice = Self.array(e["json"]?.objectValue?["choices"])?.first?.objectValue
            if let content = choice?["message"]?.objectValue?["content"]?.stringValue, !content.isEmpty {
                XCTAssertTrue(line.hasSuffix(content), line)
            }
        }
        XCTAssertTrue(r.stdout.contains("[tool call lookup_order {\"order_id\":8812}]"), r.stdout)

        // -o ndjson: each event exactly as the event hash stores it, in time order.
        let key = support["keys"]!.objectValue!["evtdata"]!.stringValue!
        let entry = Self.array(Self.shared["keys"])!.compactMap(\.objectValue).first { $0["key"]?.stringValue == key }!
        let fields = entry["fields"]!.objectValue!
        let ndjson = sessctl("events", "-s", sharedStore, id(support), "-o", "ndjson")
        XCTAssertEqual(ndjson.stdoutLines, stored.map { fields[$0["id"]!.stringValue!]!.objectValue!["text"]!.stringValue! })

        let last = sessctl("events", "-s", sharedStore, id(support), "--last", "1", "-o", "ndjson")
        XCTAssertEqual(last.stdoutLines, [ndjson.stdoutLines.last!])
        let since = sessctl("events", "-s", sharedStore, id(support), "--since", stored[1]["timestamp"]!.stringValue!, "-o", "ndjson")
        let sinceMillis = Durations.parseRFC3339(stored[1]["timestamp"]!.stringValue!)!
        let fromThen = zip(stored, ndjson.stdoutLines).filter { Durations.parseRFC3339($0.0["timestamp"]!.stringValue!)! >= sinceMillis }.map(\.1)
        XCTAssertEqual(since.stdoutLines, fromThen)
        // A duration ago, worked out from the newest event: a minute after it shows none; a minute
        // before it, every event (they are milliseconds apart).
        let newest = Durations.parseRFC3339(stored.last!["timestamp"]!.stringValue!)!
        let ago = SystemTime.nowMillis() - newest
        XCTAssertEqual(sessctl("events", "-s", sharedStore, id(support), "--since", "\(ago - 60_000)ms").stdout, "")
        XCTAssertEqual(sessctl("events", "-s", sharedStore, id(support), "--since", "\(ago + 60_000)ms").stdoutLines.count, stored.count)

        // The real library's 1200 events, all shown; a store of another layout refused.
        let big = realSession("hashidx-1200-events")
        XCTAssertEqual(sessctl("events", "-s", realStore(prefix: ""), id(big)).stdoutLines.count, 1200)
        let kv = sessctl("events", "-s", "redis://\(server.host):\(server.port)/0?layout=kv", "a/b/c")
        XCTAssertEqual(kv.status, 1)
        XCTAssertTrue(kv.stderr.contains("layout=trpc"), kv.stderr)
        XCTAssertEqual(sessctl("events", "-s", sharedStore, "chat/u42/none").status, 3)
    }

    // MARK: stats

    func testStatsCountsAgentSessionsFromTheirListing() throws {
        let r = sessctl("stats", "-s", realStore(prefix: ""), "-o", "json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try object(r.stdout)
        let expected = Self.sessions(Self.real).filter { $0["key_prefix"]?.stringValue == "" }
        XCTAssertEqual(doc["sessions"], .number(String(expected.count)))
        let agent = try XCTUnwrap(doc["agent"]?.objectValue)
        XCTAssertEqual(agent["sessions_per_app"], .object(JSONObject([("chat", .number(String(expected.count)))])))
        XCTAssertEqual(agent["events_per_session"]?.objectValue?["max"], .number("1200"))
        XCTAssertEqual(agent["without_ttl"], .number(String(expected.count)))
        let largest = try XCTUnwrap(Self.array(agent["largest"]))
        XCTAssertEqual(largest.count, 5)
        XCTAssertEqual(largest.first?.objectValue?["id"], .string("chat/u-big/real-h-1200"))
        XCTAssertEqual(largest.first?.objectValue?["events"], .number("1200"))

        let prefixed = try object(sessctl("stats", "-s", realStore(prefix: "myapp"), "-o", "json").stdout)["agent"]!.objectValue!
        XCTAssertEqual(
            prefixed["sessions_per_app"], .object(JSONObject([("agent:prod", .number("2")), ("chat", .number("1")), ("support", .number("2"))])))
        XCTAssertEqual(prefixed["without_ttl"], .number("2"))
        let table = sessctl("stats", "-s", realStore(prefix: ""), "-o", "table")
        XCTAssertTrue(table.stdout.contains("trpc-agent-go sessions"), table.stdout)
        XCTAssertTrue(table.stdout.contains("sessions per app"), table.stdout)
    }
}
