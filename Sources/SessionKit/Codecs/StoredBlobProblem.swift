/// Why a stored value cannot be read as a session of its layout: written by another codec
/// (`foreign`: JSON where gob belongs, another Go type) or damaged (`broken`: cut off, invalid
/// gob). Either way sessctl shows it and never rewrites it.
public struct StoredBlobProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case foreign
        case broken
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { reason }

    /// Decodes gob, telling data that is not gob at all (foreign) from a damaged gob stream.
    static func decodeGob(_ bytes: [UInt8], expected: String) -> Result<GobDocument, StoredBlobProblem> {
        if bytes.isEmpty { return .failure(StoredBlobProblem(.foreign, "an empty value, not \(expected)")) }
        if let first = bytes.first(where: { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return .failure(StoredBlobProblem(.foreign, "foreign value: JSON text, not \(expected) (written by another codec?); left untouched"))
        }
        do {
            return .success(try GobDecoder.decode(bytes))
        } catch {
            if !looksLikeGob(bytes) {
                return .failure(StoredBlobProblem(.foreign, "foreign value: not a gob stream, so not \(expected) (written by another codec?); left untouched"))
            }
            return .failure(StoredBlobProblem(.broken, "\(error); left untouched"))
        }
    }

    /// A gob stream starts with a message length, then a type definition (a negative id of 64
    /// or more) or a value of a predefined or defined type.
    static func looksLikeGob(_ bytes: [UInt8]) -> Bool {
        func uint(at i: Int) -> (UInt64, Int)? {
            guard i < bytes.count else { return nil }
            let b = bytes[i]
            if b < 0x80 { return (UInt64(b), i + 1) }
            let n = 256 - Int(b)
            guard n <= 8, i + n < bytes.count else { return nil }
            var x: UInt64 = 0
            for k in 1...n { x = x << 8 | UInt64(bytes[i + k]) }
            return (x, i + 1 + n)
        }
        guard let (length, start) = uint(at: 0), length >= 2, let (u, _) = uint(at: start) else { return false }
        let id = u & 1 == 0 ? Int64(bitPattern: u >> 1) : ~Int64(bitPattern: u >> 1)
        if id < 0 { return id <= -64 && id > -Int64(Int32.max) }
        return (1...8).contains(id) || (id >= 64 && id < Int64(Int32.max))
    }
}
