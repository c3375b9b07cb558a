import Foundation
import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

/// `layout=trpc` against a real redis-server (and the test cluster) holding the trpc-agent-go
/// fixture sets: the hand-made one in the library's shapes, and the one the real library wrote.
final class AgentStoreTests: RedisTestCase {

    /// A server with the shared set in db 0 and the real set in db 1 (they share key names).
    private func fixtureServer() throws -> RedisServer {
        let s = try startServer()
        for (db, set) in AgentFixtureSet.all.enumerated() { try set.load(into: s, db: db) }
        return s
    }

    private func db(of set: AgentFixtureSet) -> Int { set.name == "shared" ? 0 : 1 }

    private func store(_ s: RedisServer, prefix: String, db: Int, engine: AgentEngine? = nil) throws -> AgentStore {
        let options = RedisStoreOptions(connection: RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db, timeout: 5000), prefix: prefix)
        return try AgentStore(options: options, engine: engine, displayName: "trpc-test")
    }

    private func clusterStore(_ cluster: TestCluster, prefix: String, engine: AgentEngine? = nil) throws -> AgentStore {
        let seeds = cluster.nodes.prefix(2).map { RedisEndpoint.tcp(host: "127.0.0.1", port: $0.port) }
        let options = RedisStoreOptions(connection: RedisConnectOptions(endpoint: seeds[0], timeout: 5000), deployment: .cluster(seeds: Array(seeds)), prefix: prefix)
        return try AgentStore(options: options, engine: engine, displayName: "trpc-cluster-test")
    }

    // MARK: Loading

    func testEverySessionLoadsWithItsExactBytes() throws {
        let s = try fixtureServer()
        for set in AgentFixtureSet.all {
            try checkLoads(set) { try self.store(s, prefix: $0, db: self.db(of: set)) }
        }
    }

    func testEverySessionLoadsFromACluster() throws {
        let cluster = try RedisDeployments.shared().cluster
        for set in AgentFixtureSet.all {
            try set.load(into: cluster)
            defer { try? set.unload(from: cluster) }
            try checkLoads(set) { try self.clusterStore(cluster, prefix: $0) }
            try checkScans(set) { try self.clusterStore(cluster, prefix: $0, engine: $1) }
        }
    }

    /// Loads every session of `set` by id and compares it with the set: state, events, summaries,
    /// tracks, and every key it read byte for byte with its expiry.
    private func checkLoads(_ set: AgentFixtureSet, file: StaticString = #filePath, line: UInt = #line, _ makeStore: (String) throws -> AgentStore) throws {
        var covered = Set<String>()
        for prefix in set.prefixes {
            let store = try makeStore(prefix)
            let expected = set.sessions.filter { $0.prefix == prefix }
            let results = try store.load(expected.map(\.id))
            let now = store.clock.nowMillis()
            for (e, result) in zip(expected, results) {
                let what = "\(set.name) \(e.name)"
                guard case .found(let session) = result else {
                    XCTFail("\(what): \(result)", file: file, line: line)
                    continue
                }
                covered.formUnion(try check(session, e, set: set, now: now, what: what, file: file, line: line))
            }
        }
        // Every key of the set was read by some session, but the user state the library's
        // Transition mode also writes in HashIdx's layout for users whose sessions are legacy.
        let unread = Set(set.keys.map(\.name)).subtracting(covered)
        let dualWritten = Set(set.sessions.filter { $0.engine == "legacy" }.map { "\($0.legacyHead)hashidx:userstate:\($0.app):{\($0.user)}" })
        XCTAssertTrue(unread.isSubset(of: dualWritten), "\(set.name): keys no session read: \(unread.subtracting(dualWritten).sorted())", file: file, line: line)
    }

    /// Compares a loaded session with its fixture entry; returns the names of the keys it holds.
    private func check(
        _ session: Session, _ e: AgentFixtureSession, set: AgentFixtureSet, now: Int64, what: String, file: StaticString, line: UInt
    ) throws -> Set<String> {
        let parts = try XCTUnwrap(session.agent, what, file: file, line: line)
        let id = AgentSessionID(app: e.app, user: e.user, session: e.sessionID)
        XCTAssertEqual(session.id, e.id, what, file: file, line: line)
        XCTAssertEqual(parts.engine.rawValue, e.engine, what, file: file, line: line)
        XCTAssertEqual(parts.sessionID, id, what, file: file, line: line)
        XCTAssertEqual(parts.problems, [], what, file: file, line: line)

        // State: the exact bytes, and `data` as AgentStateValue shows them.
        var state: [String: [UInt8]?] = [:]
        for (k, v) in parts.record?["state"]?.objectValue ?? JSONObject() { state.updateValue(v.stringValue.map { Base64.decodeStd($0)! }, forKey: k) }
        for f in parts.stateFields(parts.userStateRole) { state["user:" + String(decoding: f.field, as: UTF8.self)] = f.value }
        for f in parts.stateFields(.appstate) { state["app:" + String(decoding: f.field, as: UTF8.self)] = f.value }
        XCTAssertEqual(state, e.state, what, file: file, line: line)
        var data = JSONObject()
        for (k, v) in e.state { data[k] = AgentStateValue.decode(v) }
        XCTAssertEqual(session.data, data, what, file: file, line: line)
        if let library = e.libraryState {
            // The library differs only where it read user state through cjson: bytes that are
            // not UTF-8 come back with U+FFFD; sessctl keeps them.
            XCTAssertEqual(Set(library.keys), Set(e.state.keys), what, file: file, line: line)
            for (k, exact) in e.state where library[k]! != exact {
                XCTAssertTrue(k.hasPrefix("user:") && e.engine == "hashidx", "\(what): \(k)", file: file, line: line)
                let bytes = try XCTUnwrap(exact, what, file: file, line: line)
                XCTAssertNil(String(validating: bytes, as: UTF8.self), "\(what): \(k)", file: file, line: line)
                XCTAssertEqual(library[k]!, Array(String(decoding: bytes, as: UTF8.self).utf8), "\(what): \(k)", file: file, line: line)
            }
        }

        // Events as stored, in time-index order; the library's window is their tail.
        XCTAssertEqual(parts.events.map(\.id), e.eventIDs, what, file: file, line: line)
        XCTAssertEqual(parts.eventCount, e.eventIDs.count, what, file: file, line: line)
        XCTAssertEqual(parts.orphanEventIDs, [], what, file: file, line: line)
        if let window = e.libraryEventIDs {
            XCTAssertEqual(Array(e.eventIDs.suffix(window.count)), window, what, file: file, line: line)
        }
        XCTAssertEqual(parts.summaries, e.summaries, what, file: file, line: line)
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: parts.tracks.map { ($0.name, $0.events) }), e.tracks, what, file: file, line: line)

        // Every key it holds, byte for byte, with its expiry.
        let names = AgentKeys(prefix: e.prefix)
        var held = Set<String>()
        for k in parts.keys {
            let name = String(decoding: names.key(k.role, id, track: k.track), as: UTF8.self)
            held.insert(name)
            let at = "\(what): \(name)"
            guard let stored = set.key(name) else {
                XCTFail("\(at): not in the set", file: file, line: line)
                continue
            }
            XCTAssertEqual(stored.type, k.role.redisType, at, file: file, line: line)
            switch k.content {
            case .string(let b): XCTAssertEqual(b, stored.value, at, file: file, line: line)
            case .hash(let fields) where k.role.isSessionField:
                XCTAssertEqual(fields.map(\.field), [Array(e.sessionID.utf8)], at, file: file, line: line)
                XCTAssertEqual(fields.first?.value, stored.field(Array(e.sessionID.utf8)), at, file: file, line: line)
            case .hash(let fields):
                XCTAssertEqual(fields.count, stored.fields.count, at, file: file, line: line)
                XCTAssertEqual(
                    Dictionary(fields.map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a }),
                    Dictionary(stored.fields.map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a }), at, file: file, line: line)
            case .zset(let members):
                XCTAssertEqual(members.map(\.member), stored.members.map(\.member), at, file: file, line: line)
                XCTAssertEqual(members.map { String(decoding: $0.score, as: UTF8.self) }, stored.members.map(\.score), at, file: file, line: line)
            case .set(let members): XCTAssertEqual(Set(members), Set(stored.setMembers), at, file: file, line: line)
            }
            switch k.expiry {
            case .never: XCTAssertEqual(stored.pttlMillis, -1, at, file: file, line: line)
            case .at(let t):
                XCTAssertGreaterThan(stored.pttlMillis, 0, at, file: file, line: line)
                XCTAssertEqual(Double(t - now), Double(stored.pttlMillis), accuracy: 120_000, at, file: file, line: line)
            }
        }
        for (role, name) in e.keyNames where role != "sess_hash_field" {
            // A user's shared hash without a field for this session holds nothing of it.
            if role.hasSuffix("_hash"), set.key(name)?.field(Array(e.sessionID.utf8)) == nil { continue }
            XCTAssertTrue(held.contains(name), "\(what): \(role) \(name) not read", file: file, line: line)
        }
        return held
    }

    // MARK: Scanning

    func testScansFindEverySessionOnce() throws {
        let s = try fixtureServer()
        for set in AgentFixtureSet.all {
            try checkScans(set) { try self.store(s, prefix: $0, db: self.db(of: set), engine: $1) }
        }
    }

    /// For each prefix of the set, both engines and each one alone: `scan` (ids and full) and
    /// `scanSessions` find each session exactly once, a pattern of one app and user finds that
    /// user's sessions, and `load` finds a session only in its engine.
    private func checkScans(_ set: AgentFixtureSet, file: StaticString = #filePath, line: UInt = #line, _ makeStore: (String, AgentEngine?) throws -> AgentStore) throws {
        for prefix in set.prefixes {
            for engine in [nil] + AgentEngine.allCases {
                let store = try makeStore(prefix, engine)
                let what = "\(set.name) prefix \"\(prefix)\" engine \(engine?.rawValue ?? "both")"
                let all = set.sessions.filter { $0.prefix == prefix }
                let expected = all.filter { engine == nil || $0.engine == engine!.rawValue }
                for detail in [ScanDetail.ids, .full] {
                    var seen: [String] = [], skipped: [String] = [], problems: [String] = []
                    try store.scan(matching: nil, pageSize: 2, detail: detail) { page in
                        seen += page.sessions.map(\.id)
                        problems += page.sessions.compactMap(\.problem)
                        skipped += page.skipped.map(\.key)
                        return .proceed
                    }
                    XCTAssertEqual(seen.sorted(), expected.map(\.id).sorted(), "\(what) \(detail)", file: file, line: line)
                    XCTAssertEqual(problems + skipped, [], "\(what) \(detail)", file: file, line: line)
                }
                var seen: [String] = [], troubles: [String] = []
                try store.scanSessions(matching: nil, pageSize: 2) { page in
                    seen += page.sessions.map(\.id)
                    troubles += page.broken.map(\.error.description) + page.skipped.map(\.key)
                    return .proceed
                }
                XCTAssertEqual(seen.sorted(), expected.map(\.id).sorted(), "\(what) scanSessions", file: file, line: line)
                XCTAssertEqual(troubles, [], "\(what) scanSessions", file: file, line: line)

                // One app and user (as --app/--user ask): the direct reads.
                for e in expected {
                    let pattern = AgentSessionID.glob(app: e.app, user: e.user)
                    let mine = expected.filter { $0.app == e.app && $0.user == e.user }.map(\.id).sorted()
                    var ids: [String] = []
                    try store.scan(matching: pattern, pageSize: 100, detail: .full) { page in
                        ids += page.sessions.map(\.id)
                        return .proceed
                    }
                    XCTAssertEqual(ids.sorted(), mine, "\(what) \(pattern ?? "")", file: file, line: line)
                }

                for (e, result) in zip(all, try store.load(all.map(\.id))) {
                    switch result {
                    case .found(let s): XCTAssertEqual(s.agent?.engine.rawValue, e.engine, "\(what) \(e.name)", file: file, line: line)
                    case .missing: XCTAssertTrue(engine != nil && e.engine != engine!.rawValue, "\(what) \(e.name) missing", file: file, line: line)
                    case .broken(let error): XCTFail("\(what) \(e.name): \(error)", file: file, line: line)
                    }
                }
            }
        }
    }

    // MARK: Export lines

    func testExportLinesCarryEveryKeyAndParseBack() throws {
        let s = try fixtureServer()
        for set in AgentFixtureSet.all {
            for prefix in set.prefixes {
                let store = try store(s, prefix: prefix, db: db(of: set))
                let sessions = set.sessions.filter { $0.prefix == prefix }
                for (e, result) in zip(sessions, try store.load(sessions.map(\.id))) {
                    guard case .found(let session) = result, let parts = session.agent else { return XCTFail("\(e.name): \(result)") }
                    var line: [UInt8] = []
                    SessionNDJSON.append(session, layout: .trpc, to: &line)
                    XCTAssertEqual(line.last, UInt8(ascii: "\n"))
                    line.removeLast()
                    // Written as Go writes JSON: members in byte order, compact.
                    XCTAssertEqual(GoJSONEncoder.encode(try JSONParser.parse(line)), line, e.name)
                    let parsed = try SessionNDJSON.parseLine(line, location: "line 1")
                    XCTAssertEqual(parsed.layout, .trpc, e.name)
                    XCTAssertEqual(parsed.session.id, e.id, e.name)
                    XCTAssertEqual(parsed.session.data, session.data, e.name)
                    let back = try XCTUnwrap(parsed.session.agent, e.name)
                    XCTAssertEqual(back.engine, parts.engine, e.name)
                    XCTAssertEqual(back.sessionID, parts.sessionID, e.name)
                    XCTAssertEqual(back.keys, parts.keys, e.name)
                    // Hash fields and zset members keep their order too.
                    for (a, b) in zip(back.keys, parts.keys) {
                        if case .hash(let x) = a.content, case .hash(let y) = b.content { XCTAssertTrue(x.elementsEqual(y) { $0 == $1 }, e.name) }
                    }
                }
            }
        }
    }

    func testExportLinesWithBadAgentKeysAreRefused() throws {
        func line(id: String = "chat/u1/s1", engine: String = "hashidx", _ key: String) -> [UInt8] {
            Array("{\"agent\":{\"engine\":\"\(engine)\",\"keys\":[\(key)]},\"data\":{},\"expires_at\":null,\"id\":\"\(id)\",\"layout\":\"trpc\"}".utf8)
        }
        let meta = "{\"expires_at\":null,\"role\":\"meta\",\"type\":\"string\",\"value\":\"e30=\"}"
        let good = try SessionNDJSON.parseLine(line(meta), location: "line 1")
        XCTAssertEqual(good.session.agent?.keys, [AgentStoredKey(role: .meta, content: .string(Array("{}".utf8)), expiry: .never)])
        let refused: [(String, [UInt8])] = [
            ("not an agent session id", line(id: "s1", meta)),
            ("no \"engine\"", line(engine: "zset", meta)),
            ("no \"role\"", line("{\"expires_at\":null,\"role\":\"metadata\",\"type\":\"string\",\"value\":\"e30=\"}")),
            ("\"type\" must say so", line("{\"expires_at\":null,\"role\":\"meta\",\"type\":\"hash\",\"fields\":[]}")),
            ("not a key of the hashidx engine", line("{\"expires_at\":null,\"members\":[],\"role\":\"event\",\"type\":\"zset\"}")),
            ("not a base64 string", line("{\"expires_at\":null,\"role\":\"meta\",\"type\":\"string\",\"value\":\"{}\"}")),
            ("needs its \"track\"", line("{\"expires_at\":null,\"members\":[],\"role\":\"trkidx\",\"type\":\"zset\"}")),
            ("only for a track's keys", line("{\"expires_at\":null,\"role\":\"meta\",\"track\":\"t\",\"type\":\"string\",\"value\":\"e30=\"}")),
            ("not a number", line("{\"expires_at\":null,\"members\":[[\"YQ==\",\"soon\"]],\"role\":\"evtidx\",\"type\":\"zset\"}")),
            ("[a, b] pairs", line("{\"expires_at\":null,\"fields\":[[\"YQ==\"]],\"role\":\"evtdata\",\"type\":\"hash\"}")),
            ("named by the session id", line("{\"expires_at\":null,\"fields\":[[\"YQ==\",\"YQ==\"]],\"role\":\"sessidx\",\"type\":\"hash\"}")),
            ("a second meta key", line(meta + "," + meta)),
            ("RFC 3339", line("{\"expires_at\":\"tomorrow\",\"role\":\"meta\",\"type\":\"string\",\"value\":\"e30=\"}"))
        ]
        for (reason, bytes) in refused {
            XCTAssertThrowsError(try SessionNDJSON.parseLine(bytes, location: "line 7"), reason) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("line 7: ") && text.contains(reason) && !text.contains("\n"), "\(reason): \(text)")
            }
        }
    }

    // MARK: Broken entries

    func testBrokenEntriesAreReportedAndLeftAlone() throws {
        let s = try startServer()
        let set = AgentFixtureSet.shared
        try set.load(into: s)
        let c = try connect(s)
        let goodMeta = "{\"id\":\"s1\",\"appName\":\"chat\",\"userID\":\"u97\",\"state\":{},\"createdAt\":\"2026-11-21T06:17:28Z\",\"updatedAt\":\"2026-11-21T06:17:28Z\"}"
        // (a) a meta that is not JSON; (b) an index entry without event data; (c) keys of the
        // wrong type: a list at a meta key, a string at an event hash, a string at a legacy user hash.
        try c.command("SET", "hashidx:meta:chat:{u99}:bad-json", "not json{").checked()
        try c.command("ZADD", "hashidx:evtidx:time:chat:{u42}:71210f70-d8be-4f04-87c8-ad4dbdd34dd0", "1.7952418487400000e+18", "ghost-event").checked()
        try c.command("RPUSH", "hashidx:meta:chat:{u98}:listy", "a").checked()
        try c.command("SET", "hashidx:meta:chat:{u97}:s1", goodMeta).checked()
        try c.command("SET", "hashidx:evtdata:chat:{u97}:s1", "not a hash").checked()
        try c.command("SET", "sess:{chat}:strange", "not a hash").checked()
        let before = try dump(c)

        let store = try store(s, prefix: "", db: 0)
        let results = try store.load(["chat/u99/bad-json", "chat/u42/71210f70-d8be-4f04-87c8-ad4dbdd34dd0", "chat/u98/listy", "chat/u97/s1"])
        guard case .broken(let notJSON) = results[0] else { return XCTFail("\(results[0])") }
        XCTAssertTrue(notJSON.description.contains("not a JSON object"), notJSON.description)
        guard case .found(let orphaned) = results[1], let parts = orphaned.agent else { return XCTFail("\(results[1])") }
        XCTAssertEqual(parts.orphanEventIDs, ["ghost-event"])
        XCTAssertEqual(parts.problems.count, 1)
        XCTAssertTrue(parts.problems.first?.contains("ghost-event") == true, "\(parts.problems)")
        XCTAssertEqual(parts.events.map(\.id), set.sessions.first { $0.sessionID == "71210f70-d8be-4f04-87c8-ad4dbdd34dd0" }!.eventIDs)
        guard case .broken(let list) = results[2] else { return XCTFail("\(results[2])") }
        XCTAssertTrue(list.description.contains("not a Redis string"), list.description)
        guard case .broken(let stringHash) = results[3] else { return XCTFail("\(results[3])") }
        XCTAssertTrue(stringHash.description.contains("evtdata") && stringHash.description.contains("not a Redis hash"), stringHash.description)

        // A full scan: the bad meta as a broken session, the list and the legacy string skipped.
        var problems: [String: String] = [:], skipped: [String] = [], ids: [String] = []
        try store.scan(matching: nil, pageSize: 3, detail: .full) { page in
            for info in page.sessions {
                ids.append(info.id)
                if let p = info.problem { problems[info.id] = p }
            }
            skipped += page.skipped.map(\.key)
            return .proceed
        }
        XCTAssertEqual(Set(problems.keys), ["chat/u99/bad-json"])
        XCTAssertEqual(skipped.sorted(), ["hashidx:meta:chat:{u98}:listy", "sess:{chat}:strange"])
        XCTAssertEqual(ids.sorted(), (set.sessions.map(\.id) + ["chat/u97/s1", "chat/u99/bad-json"]).sorted())

        // Whole sessions: the bad meta and the string event hash broken, the rest whole.
        var broken: [String] = [], whole: [String] = [], skippedAgain: [String] = []
        try store.scanSessions(matching: nil, pageSize: 3) { page in
            broken += page.broken.map(\.id)
            whole += page.sessions.map(\.id)
            skippedAgain += page.skipped.map(\.key)
            return .proceed
        }
        XCTAssertEqual(broken.sorted(), ["chat/u97/s1", "chat/u99/bad-json"])
        XCTAssertEqual(whole.sorted(), set.sessions.map(\.id).sorted())
        XCTAssertEqual(skippedAgain.sorted(), ["hashidx:meta:chat:{u98}:listy", "sess:{chat}:strange"])

        let after = try dump(c)
        XCTAssertEqual(after.mapValues(\.dump), before.mapValues(\.dump), "reading changed a key")
        for (key, was) in before {
            XCTAssertEqual(after[key]?.pttl == -1, was.pttl == -1, key)
            XCTAssertEqual(Double(after[key]?.pttl ?? 0), Double(was.pttl), accuracy: 10_000, key)
        }
    }

    /// Every key of the database with its DUMP and PTTL.
    private func dump(_ c: RedisConnection) throws -> [String: (dump: [UInt8], pttl: Int64)] {
        var out: [String: (dump: [UInt8], pttl: Int64)] = [:]
        for k in try c.command("KEYS", "*").array ?? [] {
            let key = try XCTUnwrap(k.bytes)
            let value = try XCTUnwrap(c.command([Array("DUMP".utf8), key]).bytes)
            let pttl = try XCTUnwrap(c.command([Array("PTTL".utf8), key]).int)
            out[String(decoding: key, as: UTF8.self)] = (value, pttl)
        }
        return out
    }
}
