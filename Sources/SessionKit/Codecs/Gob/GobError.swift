/// Why gob data cannot be read, or a value cannot be written as gob: what kind of failure, where
/// (a byte offset in the stream, when reading) and why, in words a person can act on.
public struct GobError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The data ends before the stream does: cut off.
        case truncated
        /// The bytes are not a gob stream Go would read.
        case corrupt
        /// Beyond what sessctl reads from untrusted data (depth, size).
        case limit
        /// A value that does not fit its Go type, or a type sessctl cannot make.
        case invalidValue
    }

    public let kind: Kind
    /// The byte offset in the stream where reading stopped; nil for a value being written.
    public let offset: Int?
    public let reason: String

    public init(_ kind: Kind, at offset: Int?, _ reason: String) {
        self.kind = kind
        self.offset = offset
        self.reason = reason
    }

    static func value(_ reason: String) -> GobError { GobError(.invalidValue, at: nil, reason) }

    public var description: String {
        let place = offset.map { " at byte \($0)" } ?? ""
        switch kind {
        case .truncated: return "truncated gob data\(place): \(reason)"
        case .corrupt: return "invalid gob data\(place): \(reason)"
        case .limit: return "gob data\(place) beyond sessctl's limits: \(reason)"
        case .invalidValue: return reason
        }
    }
}
