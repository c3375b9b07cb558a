import TestSupport
import XCTest

@testable import SessionKit

final class FileStoreTests: XCTestCase {
    private let day: Int64 = 86_400_000

    private func fixtureStore(_ name: String, encrypted: Bool = false) throws -> FileStore {
        try FileStore(
            directory: Fixtures.gsession + "/" + name,
            options: .init(cipher: encrypted ? try GSessionCipher() : nil),
            clock: .fixed(Fixtures.referenceNowMillis))
    }

    private func store(_ dir: TempDirectory, now: Int64? = nil, cipher: GSessionCipher? = nil) throws -> FileStore {
        try FileStore(directory: dir.path, options: .init(cipher: cipher), clock: now.map(Clock.fixed) ?? .system)
    }

    // MARK: The conformance suite

    func testConformance() throws {
        var dirs: [TempDirectory] = []
        try StoreConformance(makeStore: {
            let d = TempDirectory()
            dirs.append(d)
            return try FileStore(directory: d.path)
        }).run()
        var suite = StoreConformance(makeStore: {
            let d = TempDirectory()
            dirs.append(d)
            return try FileStore(directory: d.path, options: .init(cipher: try GSessionCipher()))
        })
        suite.invalidIDs += ["../x", "a/b", "a\\b", "..", ".", "x..y"]
        try suite.run()
    }

    // MARK: GoFrame's fixtures

    func testEveryFixtureSessionReadsAsGoFrameReadsIt() throws {
        let expected = Fixtures.sessions(backend: "file")
        XCTAssertEqual(expected.count, 16)
        for e in expected {
            let store = try fixtureStore(e.encrypted ? "file-crypto" : "file", encrypted: e.encrypted)
            let s = try store.get(e.id)
            XCTAssertEqual(s.data, e.data, "data of \(e.id)")
            XCTAssertEqual(s.lastWrite, e.timestampMillis, "timestamp of \(e.id)")
            XCTAssertEqual(s.expiry, .at(e.timestampMillis! + day))
            XCTAssertEqual(s.expiry.isExpired(now: Fixtures.referenceNowMillis), e.expired, "expired flag of \(e.id)")
        }
    }

    func testScanListsEveryFixtureSessionWithItsLifetime() throws {
        for (dir, encrypted) in [("file", false), ("file-crypto", true)] {
            let store = try fixtureStore(dir, encrypted: encrypted)
            var infos: [String: SessionInfo] = [:]
            try store.scan(matching: nil, pageSize: 4) { page in
                for i in page.sessions { infos[i.id] = i }
                return .proceed
            }
            let expected = Fixtures.sessions(backend: "file").filter { $0.encrypted == encrypted }
            XCTAssertEqual(Set(infos.keys), Set(expected.map(\.id)))
            for e in expected {
                let info = try XCTUnwrap(infos[e.id])
                XCTAssertNil(info.problem)
                XCTAssertEqual(info.keyCount, e.data?.count)
                XCTAssertEqual(info.expiry?.isExpired(now: Fixtures.referenceNowMillis), e.expired)
            }
        }
    }

    func testOurEncodingIsWhatGoFrameWouldWrite() throws {
        let cipher = try GSessionCipher()
        for e in Fixtures.sessions(backend: "file") {
            let store = try fixtureStore(e.encrypted ? "file-crypto" : "file", encrypted: e.encrypted)
            let s = try store.get(e.id)
            let reencoded = try XCTUnwrap(e.gfReencoded, e.id)
            XCTAssertEqual(GoJSONEncoder.encode(s.data, style: s.escapeStyle), reencoded, "re-encoding of \(e.id)")
            if e.storedEqualsReencoded {
                let stored = Array(s.revision!.bytes.dropFirst(8))
                XCTAssertEqual(e.encrypted ? cipher.encrypt(reencoded) : reencoded, stored, "stored body of \(e.id)")
            }
        }
    }

    func testWritingBackUnchangedKeepsEveryFileByteIdentical() throws {
        for (name, encrypted) in [("file", false), ("file-crypto", true)] {
            let dir = TempDirectory()
            Fixtures.copyFileStore(name, to: dir, now: Fixtures.referenceNowMillis)
            let store = try FileStore(
                directory: dir.path, options: .init(cipher: encrypted ? try GSessionCipher() : nil),
                clock: .fixed(Fixtures.referenceNowMillis))
            for e in Fixtures.sessions(backend: "file") where e.encrypted == encrypted {
                let file = e.id + ".session"
                let original = try XCTUnwrap(dir.read(file))
                // Set a key to its current value: nothing changes.
                var s = try store.get(e.id)
                if let (k, v) = s.data.members.first.map({ ($0.key, $0.value) }) { s.data[k] = v }
                try store.save(SessionWrite(s, mode: .update))
                XCTAssertEqual(dir.read(file), original, "unchanged set of \(e.id)")
                // Add a key and remove it again through real writes: the body is what GoFrame wrote
                // (or, for a struct written in declaration order, what GoFrame would write on its next save).
                var changed = try store.get(e.id)
                changed.data["sessctl_probe"] = .bool(true)
                try store.save(SessionWrite(changed, mode: .update))
                XCTAssertNotEqual(dir.read(file), original)
                var back = try store.get(e.id)
                back.data.removeValue(forKey: "sessctl_probe")
                try store.save(SessionWrite(back, mode: .update))
                let after = try XCTUnwrap(dir.read(file))
                XCTAssertEqual(Array(after.prefix(8)), Array(original.prefix(8)), "timestamp kept for \(e.id)")
                let expectedBody =
                    e.storedEqualsReencoded
                    ? Array(original.dropFirst(8))
                    : (encrypted ? try GSessionCipher().encrypt(e.gfReencoded!) : e.gfReencoded!)
                XCTAssertEqual(Array(after.dropFirst(8)), expectedBody, "body of \(e.id) after a round trip")
            }
            XCTAssertEqual(dir.names().filter { $0.hasPrefix(".") }, [], "no temp files left")
        }
    }

    func testVersionOneStoresWithoutExtension() throws {
        let dir = TempDirectory()
        let source = Fixtures.gsession + "/file/1qbncq5nyf0dn0nrszi6yde1001t55av.session"
        dir.write("1qbncq5nyf0dn0nrszi6yde1001t55av", [UInt8](FileManager.default.contents(atPath: source)!))
        let store = try FileStore(directory: dir.path, options: .init(fileExtension: ""))
        XCTAssertEqual(try store.get("1qbncq5nyf0dn0nrszi6yde1001t55av").data["username"], .string("alice"))
        try store.save(SessionWrite(Session(id: "new", data: JSONObject([("a", .number("1"))]), expiry: .never), mode: .create))
        XCTAssertNotNil(dir.read("new"))
    }

    // MARK: Bad input

    private func corruptStore() throws -> (TempDirectory, FileStore, [String: String]) {
        let dir = TempDirectory()
        let ts = GSessionFileCodec.header(SystemTime.nowMillis())
        let wrongKey = try GSessionCipher(key: Array("another key for another store!!!".utf8))
        let cases: [String: ([UInt8], String)] = [
            "truncated": (ts + Array(#"{"user_id":10"#.utf8), "invalid JSON at byte 13 of the body: unexpected end of input"),
            "garbage": (ts + Array("\u{1}\u{2}garbage!".utf8), "invalid JSON at byte 0 of the body"),
            "empty": ([], "only 0 bytes, no session body"),
            "header-only": (ts, "only 8 bytes, no session body"),
            "short": ([1, 2, 3], "only 3 bytes"),
            "array": (ts + Array("[1,2]".utf8), "not an object (a array)"),
            "wrongkey": (ts + wrongKey.encrypt(Array(#"{"a":1}"#.utf8)), "does not decrypt")
        ]
        var reasons: [String: String] = [:]
        for (id, (bytes, reason)) in cases {
            dir.write(id + ".session", bytes)
            reasons[id] = reason
        }
        dir.write("good.session", ts + Array(#"{"a":1}"#.utf8))
        return (dir, try FileStore(directory: dir.path, options: .init(cipher: nil)), reasons)
    }

    /// Found by `scripts/fuzz.sh file`: a body that did not decrypt lost the timestamp of the
    /// header (which is never encrypted), so `list` showed no last write or expiry for it, unlike
    /// a file whose JSON is broken.
    func testAFileThatDoesNotDecryptIsListedWithItsTimestamp() throws {
        let dir = TempDirectory()
        let written: Int64 = 1_795_240_858_532
        let wrongKey = try GSessionCipher(key: Array("sixteen byte key".utf8))
        dir.write("wrongkey.session", GSessionFileCodec.header(written) + wrongKey.encrypt(Array(#"{"a":1}"#.utf8)))
        var infos: [SessionInfo] = []
        try store(dir, cipher: try GSessionCipher()).scan(matching: nil, pageSize: 10) { page in
            infos += page.sessions
            return .proceed
        }
        XCTAssertEqual(infos.count, 1)
        XCTAssertTrue(infos.first?.problem?.contains("does not decrypt") == true, "\(String(describing: infos.first?.problem))")
        XCTAssertEqual(infos.first?.lastWrite, written)
        XCTAssertEqual(infos.first?.expiry, .at(written + day))
    }

    func testCorruptFilesAreListedWithTheReasonAndNeverTouched() throws {
        let (dir, store, reasons) = try corruptStore()
        let before = dir.names().map { dir.read($0)! }
        var infos: [String: SessionInfo] = [:]
        try store.scan(matching: nil, pageSize: 2) { page in
            for i in page.sessions { infos[i.id] = i }
            return .proceed
        }
        XCTAssertEqual(Set(infos.keys), Set(reasons.keys).union(["good"]), "listing goes on past every broken file")
        XCTAssertNil(infos["good"]?.problem)
        for (id, reason) in reasons where id != "wrongkey" {
            let problem = try XCTUnwrap(infos[id]?.problem, id)
            XCTAssertTrue(problem.contains(reason), "\(id): \(problem)")
        }
        for (id, reason) in reasons {
            guard case .broken(let e) = try store.load(id) else { XCTFail("\(id) must load as broken"); continue }
            let line = e.description
            if id != "wrongkey" { XCTAssertTrue(line.contains(reason), line) }
            XCTAssertTrue(line.hasPrefix(dir.path + "/" + id + ".session: "), "names the file: \(line)")
            XCTAssertFalse(line.contains("\n"))
            // A write to a broken session is refused and leaves it alone.
            XCTAssertThrowsError(try store.setExpiry(id, .at(0)))
        }
        XCTAssertEqual(dir.names().map { dir.read($0)! }, before, "nothing was modified or removed")
    }

    func testWrongKeyAndPlainFilesInAnEncryptedStoreAreBroken() throws {
        let (dir, _, _) = try corruptStore()
        let encrypted = try FileStore(directory: dir.path, options: .init(cipher: try GSessionCipher()))
        for id in ["wrongkey", "good"] {
            guard case .broken(let e) = try encrypted.load(id) else { XCTFail(id); continue }
            XCTAssertTrue(e.description.contains("does not decrypt"), e.description)
        }
        // The fixture whose ciphertext happens to start with '{' is still decrypted, never taken as plain JSON.
        let crypto = try fixtureStore("file-crypto")
        guard case .broken = try crypto.load("1qbncq5nyf0dn0nrsziwu9rg00o19adi") else { return XCTFail("ciphertext read as plain") }
    }

    func testMissingOrUnusableDirectoryIsOneClearLine() throws {
        XCTAssertThrowsError(try FileStore(directory: "/nonexistent/sessions")) { e in
            XCTAssertEqual(String(describing: e), "file:/nonexistent/sessions: directory does not exist")
        }
        let dir = TempDirectory()
        dir.write("plain", [1])
        XCTAssertThrowsError(try FileStore(directory: dir.file("plain"))) { e in
            XCTAssertTrue(String(describing: e).hasSuffix(": not a directory"))
        }
    }

    func testEvilIDsNeverBuildAPath() throws {
        let outer = TempDirectory()
        let inner = outer.path + "/store"
        mkdir(inner, 0o755)
        outer.write("victim.session", GSessionFileCodec.header(SystemTime.nowMillis()) + Array(#"{"secret":1}"#.utf8))
        let store = try FileStore(directory: inner)
        for id in ["../victim", "..", "a/../../victim", "..\\victim", "x\u{0}y", "x\ny", "/etc/passwd"] {
            XCTAssertThrowsError(try store.get(id), id) { e in
                guard case .invalidID = e as? SessionError else { return XCTFail("\(id): \(e)") }
            }
            XCTAssertThrowsError(try store.delete(id))
            XCTAssertThrowsError(try store.save(SessionWrite(Session(id: id, data: JSONObject(), expiry: .never), mode: .upsert)))
        }
        XCTAssertNotNil(outer.read("victim.session"), "nothing outside the store was touched")
        XCTAssertEqual(TempDirectoryNames(inner), [])
    }

    private func TempDirectoryNames(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    // MARK: Expiry

    func testExpiryEdges() throws {
        let dir = TempDirectory()
        let now: Int64 = 1_800_000_000_000
        let body = Array(#"{"a":1}"#.utf8)
        dir.write("boundary.session", GSessionFileCodec.header(now - day) + body)  // ts + maxAge == now: still valid
        dir.write("justgone.session", GSessionFileCodec.header(now - day - 1) + body)  // one millisecond past
        dir.write("future.session", GSessionFileCodec.header(now + 3_600_000) + body)  // clock skew: written "in the future"
        let store = try self.store(dir, now: now)
        let boundary = try store.get("boundary")
        XCTAssertFalse(boundary.expiry.isExpired(now: now))
        XCTAssertEqual(boundary.expiry.remaining(now: now), 0)
        XCTAssertTrue(try store.get("justgone").expiry.isExpired(now: now))
        let future = try store.get("future")
        XCTAssertFalse(future.expiry.isExpired(now: now))
        XCTAssertEqual(future.expiry.remaining(now: now), day + 3_600_000, "a future timestamp gives more than the max age")
        // A store with another max age moves every expiry with it.
        let short = try FileStore(directory: dir.path, options: .init(maxAgeMillis: 60_000), clock: .fixed(now))
        XCTAssertTrue(try short.get("boundary").expiry.isExpired(now: now))
    }

    func testSetExpiryRewritesOnlyTheHeader() throws {
        let dir = TempDirectory()
        Fixtures.copyFileStore("file", to: dir, now: Fixtures.referenceNowMillis)
        let id = "1qbncq5nyf0dn0nrszilwrn9006xlcry"  // struct fields in declaration order: the body must survive verbatim
        let before = try XCTUnwrap(dir.read(id + ".session"))
        let now = Fixtures.referenceNowMillis
        let store = try self.store(dir, now: now)
        try store.setExpiry(id, .at(now + 600_000))
        let after = try XCTUnwrap(dir.read(id + ".session"))
        XCTAssertEqual(Array(after.dropFirst(8)), Array(before.dropFirst(8)))
        XCTAssertEqual(GSessionFileCodec.readTimestamp(after), now + 600_000 - day)
        XCTAssertEqual(try store.get(id).expiry.remaining(now: now), 600_000)
        XCTAssertThrowsError(try store.setExpiry(id, .never)) { e in
            XCTAssertTrue(String(describing: e).contains("cannot live without an expiry"))
        }
    }

    func testWritesKeepModeAndCreateLikeGoFrame() throws {
        let dir = TempDirectory()
        let store = try self.store(dir)
        try store.save(SessionWrite(Session(id: "s", data: JSONObject([("a", .number("1"))]), expiry: .never), mode: .create))
        var st = stat()
        stat(dir.file("s.session"), &st)
        XCTAssertEqual(st.st_mode & 0o777, 0o777 & ~PosixFile.umaskValue, "a new file gets GoFrame's mode")
        chmod(dir.file("s.session"), 0o640)
        var s = try store.get("s")
        s.data["b"] = .number("2")
        try store.save(SessionWrite(s, mode: .update))
        stat(dir.file("s.session"), &st)
        XCTAssertEqual(st.st_mode & 0o777, 0o640, "a rewrite keeps the old mode")
    }
}

extension FileStoreTests {
    func testRewritesKeepTheFilesOwner() throws {
        guard geteuid() == 0 else { throw XCTSkip("changing a file's owner needs root (CI runs as root)") }
        let dir = TempDirectory()
        let store = try FileStore(directory: dir.path)
        try store.save(SessionWrite(Session(id: "s", data: JSONObject([("a", .number("1"))]), expiry: .never), mode: .create))
        XCTAssertEqual(chown(dir.file("s.session"), 4321, 4322), 0)
        var s = try store.get("s")
        s.data["b"] = .bool(true)
        try store.save(SessionWrite(s, mode: .update))
        var st = stat()
        stat(dir.file("s.session"), &st)
        XCTAssertEqual(st.st_uid, 4321, "the app's user keeps owning its session file")
        XCTAssertEqual(st.st_gid, 4322)
        XCTAssertEqual(try store.get("s").data["b"], .bool(true))
    }

    func testTempFilesHaveNamesNoSessionCanHave() throws {
        let dir = TempDirectory()
        for ext in ["", ".session", ".tmp"] {
            let store = try FileStore(directory: dir.path, options: .init(fileExtension: ext))
            let name = String(store.tempPath().dropFirst(dir.path.count + 1))
            XCTAssertTrue(store.isTempFileName(name), name)
            XCTAssertThrowsError(try store.validate(id: ext.isEmpty ? name : String(name.dropLast(ext.count))), "\(name) with ext '\(ext)'")
            XCTAssertNil(store.sessionID(fromFileName: name, ext: ext), "scans skip it")
            // A name as older versions gave their temp files is one only where no session can have it.
            XCTAssertEqual(store.isTempFileName(".sessctl-1-2-3.tmp"), ext == ".session", "ext '\(ext)'")
            XCTAssertFalse(store.isTempFileName("..sessctl-1-2-3.session"))
        }
    }
}
