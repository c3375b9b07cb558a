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
