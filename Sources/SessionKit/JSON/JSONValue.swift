#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A JSON value as Go's `encoding/json` (with `UseNumber`) holds it: numbers keep the exact
/// literal text they were written with, so nothing is rounded and integers beyond 2^53 stay exact.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// A number literal, exactly as written (`1e+21`, `-0`, `18446744073709551615`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The value's string if it is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value's object if it is an object.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// A word for the kind of value, for messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSONValue: Equatable {
    /// Structural equality: strings and keys compare byte for byte (as Go does, not by Unicode
    /// canonical equivalence), numbers by their literal text.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return Bytes.equal(a, b)
        case let (.string(a), .string(b)): return Bytes.equal(a, b)
        case let (.array(a), .array(b)): return a.count == b.count && zip(a, b).allSatisfy { $0 == $1 }
        case let (.object(a), .object(b)): return a == b
        default: return false
        }
    }
}

/// A JSON object with its members kept sorted by the UTF-8 bytes of their keys, which is the
/// order Go's encoder writes map keys in. Keys are unique; setting an existing key replaces it.
public struct JSONObject: Sendable, Equatable, Sequence {
    public typealias Member = (key: String, value: JSONValue)

    public private(set) var members: [Member] = []

    public init() {}

    /// Builds an object from pairs in any order; a later duplicate key wins, as in Go.
    public init<S: Sequence>(_ pairs: S) where S.Element == (String, JSONValue) {
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }

    public subscript(key: String) -> JSONValue? {
        get {
            let (i, found) = position(of: key)
            return found ? members[i].value : nil
        }
        set {
            let (i, found) = position(of: key)
            switch (found, newValue) {
            case (true, let v?): members[i].value = v
            case (true, nil): members.remove(at: i)
            case (false, let v?):
                if i == members.count { members.append((key, v)) } else { members.insert((key, v), at: i) }
            case (false, nil): break
            }
        }
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        let old = self[key]
        self[key] = nil
        return old
    }

    /// Binary search by UTF-8 bytes; appending in order (the common case when parsing what Go
    /// wrote) is checked first.
    private func position(of key: String) -> (Int, Bool) {
        if let last = members.last {
            if JSONObject.less(last.key, key) { return (members.count, false) }
        } else {
            return (0, false)
        }
        var lo = 0, hi = members.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let k = members[mid].key
            if JSONObject.less(k, key) {
                lo = mid + 1
            } else if JSONObject.less(key, k) {
                hi = mid
            } else {
                return (mid, true)
            }
        }
        return (lo, false)
    }

    /// Room for `n` members, for a parser that knows more are coming.
    mutating func reserveCapacity(_ n: Int) {
        members.reserveCapacity(n)
    }

    /// Go's string order: byte-wise on UTF-8.
    static func less(_ a: String, _ b: String) -> Bool {
        let order = a.utf8.withContiguousStorageIfAvailable { pa in
            b.utf8.withContiguousStorageIfAvailable { pb -> Bool in
                let common = Swift.min(pa.count, pb.count)
                let c = common == 0 ? 0 : memcmp(pa.baseAddress!, pb.baseAddress!, common)
                return c != 0 ? c < 0 : pa.count < pb.count
            }
        }
        return (order ?? nil) ?? a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { Bytes.equal($0.key, $1.key) && $0.value == $1.value }
    }
}
