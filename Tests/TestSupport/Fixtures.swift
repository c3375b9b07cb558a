import Foundation
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

    /// Copies a fixture directory (`file` or `file-crypto`) into `dir`, moving every 8-byte
    /// header by `now - reference_now_ms` so each session has the remaining lifetime it had when
    /// the set was made. Returns the shift in milliseconds.
    @discardableResult
    public static func copyFileStore(_ name: String, to dir: TempDirectory, now: Int64) -> Int64 {
        let shift = now - referenceNowMillis
        let source = gsession + "/" + name
        for file in (try? FileManager.default.contentsOfDirectory(atPath: source)) ?? [] {
            var bytes = [UInt8](FileManager.default.contents(atPath: source + "/" + file)!)
            if let ts = GSessionFileCodec.readTimestamp(bytes) {
                bytes.replaceSubrange(0..<8, with: GSessionFileCodec.header(ts + shift))
            }
            dir.write(file, bytes)
        }
        return shift
    }
}

/// The fixtures written by the real Go libraries in `../shared/fixtures/scs` and
/// `../shared/fixtures/redistore`, and what each library read back (`expected.json`).
public struct GoFixtureSet: Sendable {
    public let directory: String
    public let document: JSONObject

    public static let scs = GoFixtureSet(name: "scs")
    public static let redistore = GoFixtureSet(name: "redistore")

    public init(name: String) {
        directory = Fixtures.shared + "/fixtures/" + name
        let bytes = [UInt8](FileManager.default.contents(atPath: directory + "/expected.json") ?? Data())
        guard case .object(let o)? = try? JSONParser.parse(bytes) else { fatalError("cannot read \(directory)/expected.json") }
        document = o
    }

    public var referenceNowMillis: Int64 {
        guard case .number(let n)? = document["reference_now_ms"], let v = Int64(n) else { fatalError("no reference_now_ms") }
        return v
    }

    public var sessions: [Session] {
        guard case .array(let items)? = document["sessions"] else { return [] }
        return items.compactMap { $0.objectValue.map(Session.init) }
    }

    /// One session of `expected.json`.
    public struct Session: Sendable {
        public let raw: JSONObject
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
        public func int64(_ field: String) -> Int64? {
            switch raw[field] {
            case .number(let n)?: return Int64(n)
            case .string(let s)?: return Int64(s)
            default: return nil
            }
        }
    }
}
