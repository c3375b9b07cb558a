#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The trash: `$XDG_STATE_HOME/sessctl/trash` (else `~/.local/state/sessctl/trash`), mode
/// 0700, one file per operation (see `TrashFile`), named by the operation id
/// `YYYYMMDD-HHMMSS-xxxx` (UTC, then random hex), so names sort oldest first.
public struct TrashDirectory: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The trash of this environment; nil without an absolute XDG_STATE_HOME or a HOME.
    public static func forEnvironment(_ environment: [String: String]) -> TrashDirectory? {
        StateDirectory.path(environment: environment).map { TrashDirectory(path: $0 + "/trash") }
    }

    /// Makes the directory (and missing parents) with mode 0700; refuses a link in its place.
    public func ensure() throws(SessionError) {
        try StateDirectory.make(path)
    }

    static func newOperationID(now: Int64) -> String {
        let hex = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return timePart(now) + "-" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// An id's first part, `YYYYMMDD-HHMMSS` (UTC): ids sort by it, oldest first.
    static func timePart(_ millis: Int64) -> String {
        var digits = Array(Durations.rfc3339(millis: millis).utf8.filter { $0 >= 0x30 && $0 <= 0x39 }.prefix(14))
        digits.insert(0x2d, at: 8)
        return String(decoding: digits, as: UTF8.self)
    }

    /// Whether `text` has the shape of an operation id (so it is safe as a file name).
    public static func isOperationID(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 20, b[8] == 0x2d, b[15] == 0x2d else { return false }
        let hexDigit: (UInt8) -> Bool = { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
        return b.enumerated().allSatisfy { i, c in i == 8 || i == 15 || (i < 15 ? (c >= 0x30 && c <= 0x39) : hexDigit(c)) }
    }

    /// One operation in the trash.
    public struct Entry: Sendable {
        public var id: String
        public var path: String
        public var bytes: Int64
    }

    /// The operations kept, oldest first; an empty list when the directory does not exist.
    public func entries() throws(SessionError) -> [Entry] {
        let reader: PosixFile.DirectoryReader
        do {
            reader = try PosixFile.DirectoryReader(path)
        } catch {
            if error.errno == ENOENT { return [] }
            throw SessionError.io(location: path, reason: "cannot read: \(error.message)")
        }
        var out: [Entry] = []
        while case let batch = reader.next(256), !batch.isEmpty {
            for name in batch.map(\.name) where name.hasSuffix(".ndjson") {
                let id = String(name.dropLast(7))
                guard Self.isOperationID(id), let st = PosixFile.lstatInfo(path + "/" + name), st.st_mode & S_IFMT == S_IFREG else { continue }
                out.append(Entry(id: id, path: path + "/" + name, bytes: Int64(st.st_size)))
            }
        }
        return out.sorted { $0.id < $1.id }
    }

    /// Removes operations older than `maxAgeMillis`, then the oldest until the rest take at
    /// most `maxBytes`; never `keeping`. The ids removed.
    @discardableResult
    public func prune(maxBytes: Int64, maxAgeMillis: Int64, now: Int64, keeping: String? = nil) throws(SessionError) -> [String] {
        let all = try self.entries()
        var total = all.reduce(Int64(0)) { $0.addingClamped($1.bytes) }
        var entries = all.filter { $0.id != keeping }
        let cutoff = Self.timePart(now.subtractingClamped(maxAgeMillis))
        var removed: [String] = []
        while let oldest = entries.first, oldest.id.prefix(cutoff.count) < cutoff || total > maxBytes {
            entries.removeFirst()
            if unlink(oldest.path) == 0 || errno == ENOENT { removed.append(oldest.id) }
            total = total.subtractingClamped(oldest.bytes)
        }
        return removed
    }
}
