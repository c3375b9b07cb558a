import Foundation
import RedisClient
import SessionKit

/// The GoFrame gsession fixtures in `../shared/fixtures/gsession`, and what GoFrame read back
/// from them (`expected.json`).
public enum Fixtures {
    /// `../shared` beside the repository, or `$SESSCTL_SHARED`.
    public static let shared: String = {
        if let env = ProcessInfo.processInfo.environment["SESSCTL_SHARED"], !env.isEmpty { return env }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared").path
    }()

    public static let gsession = shared + "/fixtures/gsession"

    /// One session of `expected.json`.
    public struct Expected {
        public let raw: JSONObject
        public var backend: String { raw["backend"]!.stringValue! }
        public var id: String { raw["id"]!.stringValue! }
        public var path: String? { raw["path"]?.stringValue }
        public var key: String? { raw["key"]?.stringValue }
        public var encrypted: Bool { raw["encrypted"] == .bool(true) }
        public var expired: Bool? { if case .bool(let b)? = raw["expired"] { return b } else { return nil } }
        public var timestampMillis: Int64? { if case .number(let n)? = raw["timestamp_ms"] { return Int64(n) } else { return nil } }
        public var data: JSONObject? { raw["data"]?.objectValue }
        public var storedEqualsReencoded: Bool { raw["stored_body_equals_reencoded"] == .bool(true) }
        /// The exact bytes GoFrame would write if the session were saved again.
        public var gfReencoded: [UInt8]? { raw["gf_reencoded"]?.stringValue.map { Array($0.utf8) } }
        public var pttlMillis: Int64? { if case .number(let n)? = raw["pttl_ms"] { return Int64(n) } else { return nil } }
    }

    public static let expectedDocument: JSONObject = {
        let bytes = [UInt8](FileManager.default.contents(atPath: gsession + "/expected.json") ?? Data())
        guard case .object(let o)? = try? JSONParser.parse(bytes) else { fatalError("cannot read \(gsession)/expected.json") }
        return o
    }()

    public static var referenceNowMillis: Int64 {
        guard case .number(let n)? = expectedDocument["reference_now_ms"], let v = Int64(n) else { fatalError("no reference_now_ms") }
        return v
    }

    public static var sessions: [Expected] {
        guard case .array(let items)? = expectedDocument["sessions"] else { return [] }
        return items.compactMap { $0.objectValue.map(Expected.init) }
    }

    public static func sessions(backend: String) -> [Expected] { sessions.filter { $0.backend == backend } }

    /// Writes `count` File sessions `s0.session`, `s1.session`, ... into `dir`, session `i`
    /// holding the JSON object `body(i)` last written at `timestamp(i)`: plain writes (no temp
    /// file, no sync), so that thousands of them are quick.
    public static func writeFileSessions(_ count: Int, to dir: TempDirectory, timestamp: (Int) -> Int64, body: (Int) -> String) {
        for i in 0..<count {
            let bytes = GSessionFileCodec.header(timestamp(i)) + Array(body(i).utf8)
            let fd = open(dir.file("s\(i).session"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            precondition(fd >= 0 && bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count, "cannot write \(dir.path)")
            close(fd)
        }
    }

    /// Copies a fixture directory (`file` or `file-crypto`) into `dir` through `FixtureClock`:
    /// every 8-byte header moves by `now - reference_now_ms`, so each session has the remaining
    /// lifetime it had when the set was made. Returns the shift in milliseconds.
    @discardableResult
    public static func copyFileStore(_ name: String, to dir: TempDirectory, now: Int64) -> Int64 {
        let clock = FixtureClock(referenceNowMillis: referenceNowMillis, now: now)
        let source = gsession + "/" + name
        for file in (try? FileManager.default.contentsOfDirectory(atPath: source)) ?? [] {
            dir.write(file, clock.movingHeader([UInt8](FileManager.default.contents(atPath: source + "/" + file)!)))
        }
        return clock.shiftMillis
    }
}

/// The one way fixtures holding absolute instants are loaded: every instant moves by
/// `now - reference_now`, so a session has, when it is loaded, the lifetime it had left when the
/// set was made, whatever today's date. File headers and SCS `Deadline`s (inside the gob) move.
public struct FixtureClock: Sendable {
    /// Added to every absolute instant of the set.
    public let shiftMillis: Int64

    public init(referenceNowMillis: Int64, now: Int64) { shiftMillis = now - referenceNowMillis }

    /// A gsession File body with its 8-byte header moved (anything without a header as it is).
    public func movingHeader(_ file: [UInt8]) -> [UInt8] {
        guard let ts = GSessionFileCodec.readTimestamp(file) else { return file }
        var out = file
        out.replaceSubrange(0..<8, with: GSessionFileCodec.header(ts + shiftMillis))
        return out
    }

    /// `t` moved, in its own zone.
    public func moving(_ t: GoTime) -> GoTime {
        let nanos = Int64(t.nanoseconds) + shiftMillis % 1000 * 1_000_000
        let carry: Int64 = nanos < 0 ? -1 : nanos >= 1_000_000_000 ? 1 : 0
        return GoTime(
            seconds: t.seconds + shiftMillis / 1000 + carry, nanoseconds: Int32(nanos - carry * 1_000_000_000),
            offsetMinutes: t.offsetMinutes, offsetSeconds: t.offsetSeconds)
    }

    /// An SCS blob with the `Deadline` inside the gob moved; the rest of the bytes unchanged (the
    /// Deadline's `MarshalBinary` form keeps its length). Blobs SCS cannot read stay as they are.
    public func movingDeadline(_ blob: [UInt8]) -> [UInt8] {
        guard case .success(let c) = SCSCodec.decode(blob), let deadline = c.deadline else { return blob }
        let old = deadline.binary, new = moving(deadline).binary
        precondition(old.count == new.count, "a moved Deadline keeps its length")
        // The Deadline is the first field of the value, ahead of every time.Time in Values.
        guard let at = (0...(blob.count - old.count)).first(where: { blob[$0..<($0 + old.count)].elementsEqual(old) }) else {
            preconditionFailure("the Deadline's bytes are in the blob")
        }
        var out = blob
        out.replaceSubrange(at..<(at + old.count), with: new)
        return out
    }
}

/// The fixtures written by the real Go libraries in `../shared/fixtures/scs` and
/// `../shared/fixtures/redistore`, and what each library read back (`expected.json`).
///
/// Load a set with `load(into:)`: it goes through `FixtureClock`, and what it returns is the set as
/// loaded (SCS `Deadline`s, in the blobs and in the expected values, moved like the data).
public struct GoFixtureSet: Sendable {
    public let directory: String
    public let document: JSONObject
    /// How far every absolute instant of this copy lies from the set as written.
    public let movedMillis: Int64

    public static let scs = GoFixtureSet(name: "scs")
    public static let redistore = GoFixtureSet(name: "redistore")

    public init(name: String) {
        directory = Fixtures.shared + "/fixtures/" + name
        let bytes = [UInt8](FileManager.default.contents(atPath: directory + "/expected.json") ?? Data())
        guard case .object(let o)? = try? JSONParser.parse(bytes) else { fatalError("cannot read \(directory)/expected.json") }
        document = o
        movedMillis = 0
        sessions = Self.sessions(of: o)
    }

    private init(_ set: GoFixtureSet, moving clock: FixtureClock) {
        directory = set.directory
        document = set.document
        movedMillis = set.movedMillis + clock.shiftMillis
        sessions = set.sessions.map { $0.moved(clock) }
    }

    private static func sessions(of document: JSONObject) -> [Session] {
        guard case .array(let items)? = document["sessions"] else { return [] }
        return items.compactMap { $0.objectValue.map(Session.init) }
    }

    /// The instant the set was made (moved with the rest).
    public var referenceNowMillis: Int64 {
        guard case .number(let n)? = document["reference_now_ms"], let v = Int64(n) else { fatalError("no reference_now_ms") }
        return v + movedMillis
    }

    public let sessions: [Session]

    /// The same set as if it had been made `millis` earlier: what it will look like to a suite run
    /// that much later. Loading it must give the same sessions as loading the set itself.
    public func madeEarlier(byMillis millis: Int64) -> GoFixtureSet {
        GoFixtureSet(self, moving: FixtureClock(referenceNowMillis: millis, now: 0))
    }

    /// Writes every session into `server` (`DEL`, `SET`, `PEXPIRE` with the TTL it had left when
    /// the set was made) with its instants moved to `now`, and returns the set as loaded.
    @discardableResult
    public func load(into server: RedisServer, now: Int64 = SystemTime.nowMillis()) throws -> GoFixtureSet {
        let loaded = GoFixtureSet(self, moving: FixtureClock(referenceNowMillis: referenceNowMillis, now: now))
        var resp = RedisCommandBuffer()
        for s in loaded.sessions {
            let key = Array(s.key.utf8)
            for args in [[Array("DEL".utf8), key], [Array("SET".utf8), key, s.stored], [Array("PEXPIRE".utf8), key, Array(String(s.pttlMillis).utf8)]] {
                resp.begin(args.count)
                for a in args { resp.argument(a) }
            }
        }
        try server.pipe(bytes: resp.bytes)
        return loaded
    }

    /// One session of `expected.json`.
    public struct Session: Sendable {
        public private(set) var raw: JSONObject
        public var name: String { raw["name"]!.stringValue! }
        public var key: String { raw["key"]!.stringValue! }
        public var serializer: String { raw["serializer"]?.stringValue ?? "gob" }
        public var stored: [UInt8] {
            if let b64 = raw["stored_b64"]?.stringValue { return Base64.decodeStd(b64)! }
            return Array(raw["stored_text"]!.stringValue!.utf8)
        }
        public var reencoded: [UInt8] {
            if let b64 = raw["reencoded_b64"]?.stringValue { return Base64.decodeStd(b64)! }
            return Array(raw["reencoded_text"]!.stringValue!.utf8)
        }
        public var reencodedEqualsStored: Bool { raw["reencoded_equals_stored"] == .bool(true) }
        public var mapOrderRandom: Bool { raw["map_order_random"] == .bool(true) }
        public var pttlMillis: Int64 { if case .number(let n)? = raw["pttl_ms"] { return Int64(n)! } else { return 0 } }
        /// The session with its Deadline moved: in both blobs and in the expected values.
        func moved(_ clock: FixtureClock) -> Session {
            var out = self
            for (field, blob) in [("stored_b64", stored), ("reencoded_b64", reencoded)] where raw[field] != nil {
                out.raw[field] = .string(Base64.std(clock.movingDeadline(blob)))
            }
            if let text = raw["deadline"]?.stringValue, let deadline = GoTime(rfc3339: text) {
                let moved = clock.moving(deadline)
                out.raw["deadline"] = .string(moved.rfc3339)
                out.raw["deadline_unix_nano"] = .string(String((moved.seconds - GoTime(unixMillis: 0).seconds) * 1_000_000_000 + Int64(moved.nanoseconds)))
            }
            if let text = raw["expires_at"]?.stringValue, let at = GoTime(rfc3339: text) { out.raw["expires_at"] = .string(clock.moving(at).rfc3339) }
            return out
        }

        public func int64(_ field: String) -> Int64? {
            switch raw[field] {
            case .number(let n)?: return Int64(n)
            case .string(let s)?: return Int64(s)
            default: return nil
            }
        }
    }
}

extension GoFixtureSet {
    /// Three years of 365.25 days.
    public static let threeYearsMillis: Int64 = 3 * 31_557_600_000

    /// How much earlier than it was the test named `testName` takes the sets to be made: three
    /// years for a test whose name ends in `OnFixturesMadeThreeYearsEarlier`, else nothing. Such a
    /// test is a twin that proves its original does not depend on the date it runs.
    public static func madeEarlierMillis(forTest testName: String) -> Int64 {
        testName.contains("OnFixturesMadeThreeYearsEarlier") ? threeYearsMillis : 0
    }
}
