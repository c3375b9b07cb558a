import SessionKit
import XCTest

/// The behaviour every `SessionStore` must show, run against each backend with a factory that
/// returns a fresh, empty store. Backend-specific facts (formats, fixtures) are tested apart.
public struct StoreConformance {
    public let makeStore: () throws -> any SessionStore
    /// Ids this backend must refuse.
    public var invalidIDs: [String] = ["", "a\u{0}b", "a\nb", "tab\there", "del\u{7f}"]

    public init(makeStore: @escaping () throws -> any SessionStore) {
        self.makeStore = makeStore
    }

    /// Runs every check; failures are reported at the caller's line.
    public func run(file: StaticString = #filePath, line: UInt = #line) throws {
        let checks: [(String, (any SessionStore) throws -> Void)] = [
            ("empty store", emptyStore), ("create and load", createAndLoad), ("create refuses existing", createRefusesExisting),
            ("update missing", updateMissing), ("update keeps expiry", updateKeepsExpiry),
            ("explicit expiry", explicitExpiry), ("conflict", conflictDetected), ("batch load", batchLoad),
            ("delete", deleteMany), ("scan pages", scanPages), ("scan pattern", scanPattern),
            ("exact values", exactValues), ("invalid ids", refusesInvalidIDs), ("upsert", upsert),
            ("empty session", emptySession), ("persist", persist), ("read-only", readOnly),
            ("scan sessions", scanSessions), ("delete unchanged", deleteUnchanged), ("second handle during a scan", reopenedDuringScan),
            ("create with an expiry", createWithExpiry), ("batch of creates and upserts", mixedBatch), ("data as stored", dataAsStored)
        ]
        for (name, check) in checks {
            let store = try makeStore()
            do {
                try check(store)
            } catch {
                XCTFail("conformance '\(name)' on \(store.displayName): \(error)", file: file, line: line)
            }
        }
    }

    /// The data as the store gives it back: the same, or, for a store that keeps text only
    /// (a Redis hash), every scalar as the text GoFrame writes for it.
    private func stored(_ data: JSONObject, in store: any SessionStore) -> JSONObject {
        if store.capabilities.keepsValueTypes { return data }
        return JSONObject(
            data.map { member -> (String, JSONValue) in
                switch member.value {
                case .number(let n): return (member.key, .string(n))
                case .bool(let b): return (member.key, .string(b ? "1" : "0"))
                case .null: return (member.key, .string(""))
                case .string, .array, .object: return (member.key, member.value)
                }
            })
    }

    /// The members a store keeps in every session for its framework (express-session's
    /// `cookie`): those a new session of it already has. A session written without them gets
    /// them; the checks compare the rest.
    private func ownKeys(_ store: any SessionStore) -> [String] { store.newSession(id: "own", expiry: .never).data.keys }

    /// The data of `session` without the store's own members.
    private func appData(_ session: Session?, in store: any SessionStore) -> JSONObject? {
        guard var data = session?.data else { return nil }
        for key in ownKeys(store) { data[key] = nil }
        return data
    }

    private func sample(_ id: String, _ n: Int = 1) -> Session {
        Session(id: id, data: JSONObject([("user_id", .number(String(n))), ("name", .string("user \(n)"))]), expiry: .never)
    }

    private func loaded(_ store: any SessionStore, _ id: String) throws -> Session? {
        switch try store.load(id) {
        case .found(let s): return s
        case .missing: return nil
        case .broken(let e): throw e
        }
    }

    private func ids(_ store: any SessionStore, pattern: String? = nil, pageSize: Int = 100, detail: ScanDetail = .full) throws -> [String] {
        var out: [String] = []
        try store.scan(matching: pattern, pageSize: pageSize, detail: detail) { page in
            out += page.sessions.map(\.id)
            return .proceed
        }
        return out
    }

    private func emptyStore(_ store: any SessionStore) throws {
        XCTAssertEqual(try ids(store), [])
        guard case .missing = try store.load("nobody") else { return XCTFail("a missing session must load as .missing") }
    }

    private func createAndLoad(_ store: any SessionStore) throws {
        let now = store.clock.nowMillis()
        try store.save(SessionWrite(sample("s1"), mode: .create))
        let s = try XCTUnwrap(loaded(store, "s1"))
        XCTAssertEqual(s.id, "s1")
        XCTAssertEqual(appData(s, in: store), stored(sample("s1").data, in: store))
        for key in ownKeys(store) { XCTAssertNotNil(s.data[key], "a new session holds the store's own '\(key)'") }
        XCTAssertGreaterThan(s.size, 0)
        // A new session without an explicit expiry gets the default lifetime.
        let left = try XCTUnwrap(s.expiry.remaining(now: now))
        XCTAssertEqual(Double(left), Double(store.defaultLifetimeMillis), accuracy: 2000)
        XCTAssertEqual(try ids(store), ["s1"])
    }

    private func createRefusesExisting(_ store: any SessionStore) throws {
        try store.save(SessionWrite(sample("s1", 1), mode: .create))
        XCTAssertThrowsError(try store.save(SessionWrite(sample("s1", 2), mode: .create))) { e in
            XCTAssertEqual(e as? SessionError, .alreadyExists(store: store.displayName, id: "s1"))
        }
        XCTAssertEqual(appData(try loaded(store, "s1"), in: store), stored(sample("s1", 1).data, in: store))
    }

    private func updateMissing(_ store: any SessionStore) throws {
        XCTAssertThrowsError(try store.save(SessionWrite(sample("ghost"), mode: .update))) { e in
            XCTAssertEqual((e as? SessionError)?.isNotFound, true)
        }
        XCTAssertNil(try loaded(store, "ghost"))
    }

    private func updateKeepsExpiry(_ store: any SessionStore) throws {
        let now = store.clock.nowMillis()
        try store.save(SessionWrite(sample("s1"), mode: .create, expiry: .set(.at(now + 3_600_000))))
        var s = try XCTUnwrap(loaded(store, "s1"))
        let before = try XCTUnwrap(s.expiry.remaining(now: now))
        s.data["theme"] = .string("dark")
        try store.save(SessionWrite(s, mode: .update))
        let after = try XCTUnwrap(loaded(store, "s1"))
        XCTAssertEqual(after.data["theme"], .string("dark"))
        XCTAssertEqual(Double(try XCTUnwrap(after.expiry.remaining(now: now))), Double(before), accuracy: 2000)
    }

    private func explicitExpiry(_ store: any SessionStore) throws {
        let now = store.clock.nowMillis()
        try store.save(SessionWrite(sample("s1"), mode: .create))
        try store.setExpiry("s1", .at(now + 600_000))
        let s = try XCTUnwrap(loaded(store, "s1"))
        XCTAssertEqual(Double(try XCTUnwrap(s.expiry.remaining(now: now))), 600_000, accuracy: 2000)
        XCTAssertEqual(appData(s, in: store), stored(sample("s1").data, in: store), "changing the expiry must not touch the data")
        XCTAssertEqual(try store.setExpiry([("nobody", .at(now + 1000))])[0].get(), false)
    }

    private func conflictDetected(_ store: any SessionStore) throws {
        try store.save(SessionWrite(sample("s1"), mode: .create))
        var mine = try XCTUnwrap(loaded(store, "s1"))
        var theirs = try XCTUnwrap(loaded(store, "s1"))
        theirs.data["by"] = .string("app")
        try store.save(SessionWrite(theirs, mode: .update))
        mine.data["by"] = .string("sessctl")
        XCTAssertThrowsError(try store.save(SessionWrite(mine, mode: .update))) { e in
            XCTAssertEqual(e as? SessionError, .conflict(store: store.displayName, id: "s1"))
        }
        XCTAssertEqual(try loaded(store, "s1")?.data["by"], .string("app"), "the other writer's change must stay")
    }

    private func batchLoad(_ store: any SessionStore) throws {
        try store.save(SessionWrite(sample("a", 1), mode: .create))
        try store.save(SessionWrite(sample("c", 3), mode: .create))
        let results = try store.load(["a", "b", "c"])
        XCTAssertEqual(results.count, 3)
        guard case .found(let a) = results[0], case .missing = results[1], case .found(let c) = results[2] else {
            return XCTFail("batch load must keep the order: found, missing, found")
        }
        XCTAssertEqual(appData(a, in: store), stored(sample("a", 1).data, in: store))
        XCTAssertEqual(appData(c, in: store), stored(sample("c", 3).data, in: store))
    }

    private func deleteMany(_ store: any SessionStore) throws {
        for id in ["d1", "d2"] { try store.save(SessionWrite(sample(id), mode: .create)) }
        let results = try store.delete(["d1", "nope", "d2"]).map { try $0.get() }
        XCTAssertEqual(results, [true, false, true])
        XCTAssertEqual(try ids(store), [])
    }

    private func scanPages(_ store: any SessionStore) throws {
        let all = (0..<25).map { "p\($0)" }
        try store.save(all.map { SessionWrite(sample($0), mode: .create) }).forEach { try $0.get() }
        var pages = 0
        var seen: [String] = []
        try store.scan(matching: nil, pageSize: 7) { page in
            pages += 1
            seen += page.sessions.map(\.id)
            for info in page.sessions {
                XCTAssertNil(info.problem)
                XCTAssertGreaterThan(info.size, 0)
            }
            return .proceed
        }
        XCTAssertEqual(seen.sorted(), all.sorted(), "every session exactly once")
        XCTAssertGreaterThan(pages, 1, "a small page size must give several pages")
        XCTAssertEqual(try ids(store, pageSize: 7, detail: .ids).sorted(), all.sorted(), "a light scan sees every session too, the last page included")
        var stopped = 0
        try store.scan(matching: nil, pageSize: 5) { page in
            stopped += 1
            return .stop
        }
        XCTAssertEqual(stopped, 1, "a scan stops when told to")
    }

    private func scanPattern(_ store: any SessionStore) throws {
        for id in ["alpha1", "alpha2", "beta1", "a*b"] { try store.save(SessionWrite(sample(id), mode: .create)) }
        XCTAssertEqual(try ids(store, pattern: "alpha*").sorted(), ["alpha1", "alpha2"])
        XCTAssertEqual(try ids(store, pattern: "*1").sorted(), ["alpha1", "beta1"])
        XCTAssertEqual(try ids(store, pattern: "a\\*b"), ["a*b"])
    }

    private func exactValues(_ store: any SessionStore) throws {
        var data = JSONObject([
            ("big", .number("18446744073709551615")), ("exp", .number("1e+21")), ("negzero", .number("-0")),
            ("float", .number("0.1")), ("text", .string("Grüße <b>&</b> \u{2028} 👋")), ("nested", .object(JSONObject([("k", .array([.bool(true), .null]))])))
        ])
        if store.capabilities.framework != .goframe {
            // Another framework's store writes values as its app reads them back, and may refuse
            // one the app cannot hold (see the store's own tests), writing nothing: a Go-typed
            // store an object the app registered no type for, express-session a number beyond a
            // JavaScript number. What is left must be written.
            let refusable = ["nested", "big"]
            for attempt in 0...refusable.count {
                do {
                    try store.save(SessionWrite(Session(id: "v", data: data, expiry: .never), mode: .create))
                    XCTAssertEqual(appData(try loaded(store, "v"), in: store), store.dataAsStored(data), "as the framework reads it back (PHP: 1e+21 is 1.0E+21)")
                    return
                } catch  where attempt < refusable.count {
                    XCTAssertNil(try loaded(store, "v"), "nothing was written")
                    data[refusable[attempt]] = nil
                }
            }
        }
        try store.save(SessionWrite(Session(id: "v", data: data, expiry: .never), mode: .create))
        XCTAssertEqual(appData(try loaded(store, "v"), in: store), stored(data, in: store), "values, including number literals, come back exactly")
    }

    private func refusesInvalidIDs(_ store: any SessionStore) throws {
        for id in invalidIDs {
            XCTAssertThrowsError(try store.validate(id: id), "id \(SessionError.quote(id)) must be refused")
            XCTAssertThrowsError(try store.save(SessionWrite(sample(id), mode: .upsert)), "id \(SessionError.quote(id)) must not be written")
            guard case .broken(let e) = try store.load(id), case .invalidID = e else {
                XCTFail("loading id \(SessionError.quote(id)) must fail as invalid")
                continue
            }
            XCTAssertThrowsError(try store.delete([id])[0].get())
        }
        XCTAssertEqual(try ids(store), [], "nothing was written for refused ids")
    }

    private func upsert(_ store: any SessionStore) throws {
        try store.save(SessionWrite(sample("u", 1), mode: .upsert))
        try store.save(SessionWrite(sample("u", 2), mode: .upsert))
        XCTAssertEqual(appData(try loaded(store, "u"), in: store), stored(sample("u", 2).data, in: store))
    }

    private func emptySession(_ store: any SessionStore) throws {
        let empty = Session(id: "e", data: JSONObject(), expiry: .never)
        if store.capabilities.canStoreEmptySessions {
            try store.save(SessionWrite(empty, mode: .create))
            XCTAssertEqual(appData(try loaded(store, "e"), in: store), JSONObject())
            XCTAssertEqual(try ids(store), ["e"])
        } else {
            XCTAssertThrowsError(try store.save(SessionWrite(empty, mode: .create))) { e in
                XCTAssertFalse(String(describing: e).contains("\n"), "one line")
            }
            XCTAssertNil(try loaded(store, "e"), "nothing was written")
            // Removing the last key of a stored session is refused the same way, and the session stays.
            try store.save(SessionWrite(sample("e"), mode: .create))
            var s = try XCTUnwrap(loaded(store, "e"))
            s.data = JSONObject()
            XCTAssertThrowsError(try store.save(SessionWrite(s, mode: .update)))
            XCTAssertEqual(appData(try loaded(store, "e"), in: store), stored(sample("e").data, in: store))
        }
    }

    private func deleteUnchanged(_ store: any SessionStore) throws {
        for id in ["k1", "k2"] { try store.save(SessionWrite(sample(id), mode: .create)) }
        let k1 = try XCTUnwrap(loaded(store, "k1"))
        var k2 = try XCTUnwrap(loaded(store, "k2"))
        let stale = try XCTUnwrap(k2.revision)
        k2.data["by"] = .string("app")
        try store.save(SessionWrite(k2, mode: .update))
        let results = try store.delete(unchanged: [("k1", try XCTUnwrap(k1.revision)), ("k2", stale), ("gone", stale)])
        XCTAssertEqual(try results[0].get(), true)
        XCTAssertThrowsError(try results[1].get()) { e in
            XCTAssertEqual(e as? SessionError, .conflict(store: store.displayName, id: "k2"), "a session that changed since it was read stays")
        }
        XCTAssertEqual(try results[2].get(), false)
        XCTAssertNil(try loaded(store, "k1"))
        XCTAssertEqual(try loaded(store, "k2")?.data["by"], .string("app"))
    }

    private func readOnly(_ store: any SessionStore) throws {
        try store.save(SessionWrite(sample("r"), mode: .create))
        let lens = ReadOnlyStore(store, why: "a test")
        let s = try XCTUnwrap(loaded(lens, "r"), "reads go through")
        XCTAssertEqual(try ids(lens), ["r"])
        let refusal = SessionError.readOnly(store: store.displayName, why: "a test")
        let writes: [() throws -> Void] = [
            { _ = try lens.save([SessionWrite(s, mode: .update)]) }, { _ = try lens.save([SessionWrite(sample("new"), mode: .create)]) },
            { _ = try lens.delete(["r"]) }, { _ = try lens.delete(unchanged: [("r", s.revision!)]) },
            { _ = try lens.setExpiry([("r", .at(store.clock.nowMillis() + 1000))]) }
        ]
        for write in writes {
            XCTAssertThrowsError(try write()) { e in XCTAssertEqual(e as? SessionError, refusal) }
        }
        XCTAssertThrowsError(try lens.checkWritable())
        XCTAssertNoThrow(try store.checkWritable())
        XCTAssertEqual(Self.abilitiesHeld(lens.abilities), Self.abilitiesHeld(store.abilities), "the read-only view keeps every ability")
        XCTAssertEqual(lens.writeRefusal, refusal)
        if let leftovers = lens.abilities.leftovers {
            XCTAssertEqual(try leftovers.leftoverTempFiles(remove: false), try XCTUnwrap(store.abilities.leftovers).leftoverTempFiles(remove: false))
            XCTAssertThrowsError(try leftovers.leftoverTempFiles(remove: true)) { e in XCTAssertEqual(e as? SessionError, refusal) }
        }
        XCTAssertEqual(try ids(store), ["r"])
        XCTAssertEqual(appData(try loaded(store, "r"), in: store), stored(sample("r").data, in: store), "nothing was written")
    }

    /// The names of the abilities a store has (every one `StoreAbilities` holds, found by
    /// reflection so a new one is covered too), but the write refusal.
    private static func abilitiesHeld(_ abilities: StoreAbilities) -> [String] {
        Mirror(reflecting: abilities).children.compactMap { child in
            guard let name = child.label, name != "writeRefusal" else { return nil }
            return Mirror(reflecting: child.value).children.isEmpty ? nil : name
        }
    }

    private func scanSessions(_ store: any SessionStore) throws {
        let all = (0..<25).map { "p\($0)" }
        try store.save(all.enumerated().map { SessionWrite(sample($0.element, $0.offset), mode: .create) }).forEach { try $0.get() }
        try store.save(SessionWrite(sample("other"), mode: .create))
        var pages = 0
        var seen: [String] = []
        let other = try store.reopened()
        try store.scanSessions(matching: "p*", pageSize: 7) { page in
            pages += 1
            XCTAssertTrue(page.broken.isEmpty)
            for s in page.sessions {
                seen.append(s.id)
                guard case .found(let loaded)? = try? other.load(s.id) else { XCTFail("\(s.id) must load"); continue }
                XCTAssertEqual(s.data, loaded.data, "scanSessions gives what load gives")
                XCTAssertEqual(s.expiry.remaining(now: 0).map { Double($0) } ?? -1, loaded.expiry.remaining(now: 0).map { Double($0) } ?? -1, accuracy: 2000)
                XCTAssertNotNil(s.revision, "a scanned session carries its revision")
            }
            return .proceed
        }
        XCTAssertEqual(seen.sorted(), all.sorted(), "every matching session exactly once")
        XCTAssertGreaterThan(pages, 1)
        var visits = 0
        try store.scanSessions(matching: nil, pageSize: 5) { _ in
            visits += 1
            return .stop
        }
        XCTAssertEqual(visits, 1, "a scan stops when told to")
    }

    private func reopenedDuringScan(_ store: any SessionStore) throws {
        for i in 0..<20 { try store.save(SessionWrite(sample("r\(i)", i), mode: .create)) }
        let other = try store.reopened()
        XCTAssertEqual(other.displayName, store.displayName)
        var checked = 0
        try store.scanSessions(matching: nil, pageSize: 3) { page in
            for s in page.sessions {
                XCTAssertEqual(try other.delete(unchanged: [(s.id, try XCTUnwrap(s.revision))])[0].get(), true)
                checked += 1
            }
            return .proceed
        }
        XCTAssertEqual(checked, 20)
        XCTAssertEqual(try ids(store), [], "the second handle removed every session while the scan went on")
    }

    private func createWithExpiry(_ store: any SessionStore) throws {
        let now = store.clock.nowMillis()
        let results = try store.save([
            SessionWrite(sample("soon"), mode: .create, expiry: .set(.at(now + 600_000))),
            SessionWrite(sample("never"), mode: .create, expiry: .set(.never))
        ])
        try results[0].get()
        let soon = try XCTUnwrap(loaded(store, "soon"))
        XCTAssertEqual(Double(try XCTUnwrap(soon.expiry.remaining(now: now))), 600_000, accuracy: 2000, "a create writes the exact expiry")
        if store.capabilities.canPersist {
            try results[1].get()
            XCTAssertEqual(try loaded(store, "never")?.expiry, .never)
        }
    }

    private func mixedBatch(_ store: any SessionStore) throws {
        let now = store.clock.nowMillis()
        try store.save(SessionWrite(sample("old", 1), mode: .create))
        try store.save(SessionWrite(sample("kept", 1), mode: .create))
        let results = try store.save([
            SessionWrite(sample("new", 2), mode: .create, expiry: .set(.at(now + 60_000))),
            SessionWrite(sample("kept", 2), mode: .create, expiry: .set(.at(now + 60_000))),
            SessionWrite(sample("old", 2), mode: .upsert, expiry: .set(.at(now + 60_000))),
            SessionWrite(sample("fresh", 2), mode: .upsert, expiry: .set(.at(now + 60_000))),
            SessionWrite(sample("twice", 1), mode: .create),
            SessionWrite(sample("twice", 2), mode: .upsert),
            SessionWrite(sample("past", 2), mode: .create, expiry: .set(.at(now - 60_000)))
        ])
        XCTAssertNoThrow(try results[0].get())
        XCTAssertThrowsError(try results[1].get()) { e in XCTAssertEqual(e as? SessionError, .alreadyExists(store: store.displayName, id: "kept")) }
        for i in 2...5 { XCTAssertNoThrow(try results[i].get(), "write \(i)") }
        XCTAssertEqual(appData(try loaded(store, "new"), in: store), stored(sample("new", 2).data, in: store))
        XCTAssertEqual(appData(try loaded(store, "kept"), in: store), stored(sample("kept", 1).data, in: store), "create leaves an existing session alone")
        XCTAssertEqual(appData(try loaded(store, "old"), in: store), stored(sample("old", 2).data, in: store), "upsert replaces")
        XCTAssertEqual(Double(try XCTUnwrap(try loaded(store, "old")?.expiry.remaining(now: now))), 60_000, accuracy: 2000)
        XCTAssertEqual(appData(try loaded(store, "fresh"), in: store), stored(sample("fresh", 2).data, in: store))
        XCTAssertEqual(appData(try loaded(store, "twice"), in: store), stored(sample("twice", 2).data, in: store), "writes of one id run in order")
        if !store.capabilities.keepsExpiredSessions {
            XCTAssertNil(try loaded(store, "past"), "a session created already expired is not there")
        }
    }

    private func dataAsStored(_ store: any SessionStore) throws {
        let data = JSONObject([
            ("n", .number("1.50")), ("b", .bool(false)), ("z", .null), ("s", .string("{not json")),
            ("o", .object(JSONObject([("k", .number("1"))]))), ("a", .array([.string("x")])), ("t", .string("{\"a\":1}"))
        ])
        do {
            try store.save(SessionWrite(Session(id: "d", data: data, expiry: .never), mode: .create))
        } catch is SessionError where store.capabilities.framework != .goframe {
            return  // a Go-typed store may refuse an object the app registered no type for
        }
        XCTAssertEqual(appData(try loaded(store, "d"), in: store), store.dataAsStored(data), "dataAsStored says what a write reads back as")
    }

    private func persist(_ store: any SessionStore) throws {
        try store.save(SessionWrite(sample("p"), mode: .create))
        if store.capabilities.canPersist {
            try store.setExpiry("p", .never)
            XCTAssertEqual(try loaded(store, "p")?.expiry, .never)
            // A later write that keeps the lifetime keeps "no expiry".
            var s = try XCTUnwrap(loaded(store, "p"))
            s.data["more"] = .string("x")
            try store.save(SessionWrite(s, mode: .update))
            XCTAssertEqual(try loaded(store, "p")?.expiry, .never)
        } else {
            XCTAssertThrowsError(try store.setExpiry("p", .never))
            XCTAssertNotEqual(try loaded(store, "p")?.expiry, .never)
        }
    }
}
