/// Gob values as JSON, two ways:
/// - `plain`: as Go's `encoding/json` would print the value (what `get` shows): integers exact,
///   floats shortest, `[]byte` as base64, `time.Time` as RFC 3339 with nanoseconds and offset,
///   structs as objects with every field (zero values for fields not sent; `null` for nil
///   pointers, slices and maps, as Go decodes them), maps with non-string keys keyed by the key
///   as `%v` prints it.
/// - `typed`: every value as `{"type": T, "value": V}`, nested values the same way. T is the
///   name an interface value was registered under (`int64`, `example.com/shop/models.User`),
///   else Go's spelling of the wire type (`int`, `[]string`: gob sends `int64` and `int`
///   alike, so a struct field shows the wire type).
///
/// Output is bounded (`budget` nodes), so a small hostile blob cannot make a huge document
/// (a struct of many fields in a long slice, expanded with zero values).
public struct GobJSONView {
    public let types: GobTypeTable
    private var budget: Int

    public init(types: GobTypeTable, budget: Int = 1_000_000) {
        self.types = types
        self.budget = budget
    }

    // MARK: Plain

    public mutating func plain(_ value: GobValue, type: GobTypeID) throws(GobError) -> JSONValue {
        try plain(value, type, name: nil)
    }

    mutating func plain(_ value: GobValue, _ type: GobTypeID, name: String?) throws(GobError) -> JSONValue {
        try spend()
        guard let kind = types.kind(type) else { throw Self.mismatch(type) }
        switch (kind, value) {
        case (.interface, .interface(nil)): return .null
        case (.interface, .interface(let iv?)): return try plain(iv.value, iv.type, name: iv.name)
        case (.slice, .list([])), (.bytes, .bytes([])):
            return .null  // gob decodes an empty slice as nil, and encoding/json prints nil as null
        case (.array(let elem, _), .list(let items)), (.slice(let elem), .list(let items)):
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try plain(item, elem, name: nil)) }
            return .array(out)
        case (.map(let keyType, let elemType), .map(let entries)):
            var members: [(String, JSONValue)] = []
            members.reserveCapacity(entries.count)
            for e in entries { members.append((try keyText(e.key, keyType), try plain(e.value, elemType, name: nil))) }
            return .object(Self.object(members))
        case (.structure(let fields), .structure(let present)):
            var members: [(String, JSONValue)] = []
            members.reserveCapacity(fields.count)
            var next = present.makeIterator()
            var sent = next.next()
            for (i, f) in fields.enumerated() {
                if let s = sent, s.index == i {
                    members.append((f.name, try plain(s.value, f.type, name: nil)))
                    sent = next.next()
                } else {
                    members.append((f.name, try zeroPlain(f.type)))
                }
            }
            return .object(Self.object(members))
        default:
            return try scalarJSON(value, kind: kind, type: type, name: name)
        }
    }

    /// A scalar's JSON (shared by both views).
    private func scalarJSON(_ value: GobValue, kind: GobKind, type: GobTypeID, name: String?) throws(GobError) -> JSONValue {
        switch (kind, value) {
        case (.bool, .bool(let b)): return .bool(b)
        case (.int, .int(let i)): return .number(String(i))
        case (.uint, .uint(let u)): return .number(String(u))
        case (.float, .float(let bits)):
            let d = Double(bitPattern: bits)
            let width = name == "float32" ? 32 : 64
            if let text = GoFloatFormat.json(d, bits: width) { return .number(text) }
            return .string(GoFloatFormat.percentV(d, bits: width))
        case (.complex, .complex(let re, let im)): return .string(Self.complexText(re, im, name: name))
        case (.bytes, .bytes(let b)): return .string(Base64.std(b))
        case (.string, .string(let s)): return .string(Self.text(s))
        case (.opaque(let wire), .bytes(let b)):
            if case .gobEncoder("Time") = wire, let t = GoTime(binary: b) { return .string(t.rfc3339) }
            if case .textMarshaler = wire, let s = String(validating: b, as: UTF8.self) { return .string(s) }
            return .string(Base64.std(b))
        default:
            throw Self.mismatch(type)
        }
    }

    /// The JSON of a struct field that was not sent: Go's zero value as `encoding/json` prints it
    /// after gob decoded it. Gob always sends a struct or an array, so one that is missing was a
    /// nil pointer: `null`, like nil slices, maps and interfaces. A zero `time.Time` is not sent.
    private mutating func zeroPlain(_ type: GobTypeID) throws(GobError) -> JSONValue {
        try spend()
        guard let kind = types.kind(type) else { throw Self.mismatch(type) }
        switch kind {
        case .bytes, .slice, .map, .interface, .structure, .array: return .null
        case .opaque(let wire):
            if case .gobEncoder("Time") = wire { return .string(GoTime.zero.rfc3339) }
            return .null
        default:
            return try scalarJSON(Self.zeroScalar(kind), kind: kind, type: type, name: nil)
        }
    }

    static func zeroScalar(_ kind: GobKind) -> GobValue {
        switch kind {
        case .bool: return .bool(false)
        case .int: return .int(0)
        case .uint: return .uint(0)
        case .float: return .float(0)
        case .complex: return .complex(real: 0, imaginary: 0)
        case .bytes: return .bytes([])
        default: return .string([])
        }
    }

    // MARK: Typed

    public mutating func typed(_ value: GobValue, type: GobTypeID) throws(GobError) -> JSONValue {
        try typed(value, type, name: nil)
    }

    static func node(_ type: String, _ value: JSONValue) -> JSONValue {
        .object(JSONObject([("type", .string(type)), ("value", value)]))
    }

    /// The type name an interface holding nothing shows.
    public static let nilTypeName = "nil"

    mutating func typed(_ value: GobValue, _ type: GobTypeID, name: String?) throws(GobError) -> JSONValue {
        try spend()
        guard let kind = types.kind(type) else { throw Self.mismatch(type) }
        let spelled = name ?? types.spelling(type)
        switch (kind, value) {
        case (.interface, .interface(nil)): return Self.node(Self.nilTypeName, .null)
        case (.interface, .interface(let iv?)): return try typed(iv.value, iv.type, name: iv.name)
        case (.slice, .list([])), (.bytes, .bytes([])):
            return Self.node(spelled, .null)
        case (.array(let elem, _), .list(let items)), (.slice(let elem), .list(let items)):
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try typed(item, elem, name: nil)) }
            return Self.node(spelled, .array(out))
        case (.map(let keyType, let elemType), .map(let entries)):
            if types.kind(keyType) == .string {
                var members: [(String, JSONValue)] = []
                for e in entries { members.append((try keyText(e.key, keyType), try typed(e.value, elemType, name: nil))) }
                return Self.node(spelled, .object(Self.object(members)))
            }
            var out: [JSONValue] = []
            for e in entries {
                out.append(.object(JSONObject([("key", try typed(e.key, keyType, name: nil)), ("value", try typed(e.value, elemType, name: nil))])))
            }
            return Self.node(spelled, .array(out))
        case (.structure(let fields), .structure(let present)):
            var members: [(String, JSONValue)] = []
            var next = present.makeIterator()
            var sent = next.next()
            for (i, f) in fields.enumerated() {
                if let s = sent, s.index == i {
                    members.append((f.name, try typed(s.value, f.type, name: nil)))
                    sent = next.next()
                } else {
                    members.append((f.name, try zeroTyped(f.type)))
                }
            }
            return Self.node(spelled, .object(Self.object(members)))
        default:
            return Self.node(spelled, try scalarJSON(value, kind: kind, type: type, name: name))
        }
    }

    private mutating func zeroTyped(_ type: GobTypeID) throws(GobError) -> JSONValue {
        guard types.kind(type) == .interface else { return Self.node(types.spelling(type), try zeroPlain(type)) }
        try spend()
        return Self.node(Self.nilTypeName, .null)
    }

    // MARK: %v

    /// The text Go's `%v` prints for a value: how a map key that is not a string shows.
    public mutating func keyText(_ value: GobValue, type: GobTypeID) throws(GobError) -> String {
        try keyText(value, type)
    }

    mutating func keyText(_ value: GobValue, _ type: GobTypeID, name: String? = nil) throws(GobError) -> String {
        try spend()
        guard let kind = types.kind(type) else { throw Self.mismatch(type) }
        switch (kind, value) {
        case (.bool, .bool(let b)): return b ? "true" : "false"
        case (.int, .int(let i)): return String(i)
        case (.uint, .uint(let u)): return String(u)
        case (.float, .float(let bits)): return GoFloatFormat.percentV(Double(bitPattern: bits), bits: name == "float32" ? 32 : 64)
        case (.complex, .complex(let re, let im)): return Self.complexText(re, im, name: name)
        case (.string, .string(let s)): return Self.text(s)
        case (.bytes, .bytes(let b)): return "[" + b.map { String($0) }.joined(separator: " ") + "]"
        case (.opaque(let wire), .bytes(let b)):
            if case .gobEncoder("Time") = wire, let t = GoTime(binary: b) { return t.goString }
            if case .textMarshaler = wire { return Self.text(b) }
            return "[" + b.map { String($0) }.joined(separator: " ") + "]"
        case (.interface, .interface(nil)): return "<nil>"
        case (.interface, .interface(let iv?)): return try keyText(iv.value, iv.type, name: iv.name)
        case (.array(let elem, _), .list(let items)), (.slice(let elem), .list(let items)):
            var parts: [String] = []
            for item in items { parts.append(try keyText(item, elem)) }
            return "[" + parts.joined(separator: " ") + "]"
        case (.map(let k, let e), .map(let entries)):
            var parts: [String] = []
            for entry in entries { parts.append(try keyText(entry.key, k) + ":" + keyText(entry.value, e)) }
            return "map[" + parts.sorted().joined(separator: " ") + "]"
        case (.structure(let fields), .structure(let present)):
            var parts: [String] = []
            for (i, f) in fields.enumerated() {
                if let s = present.first(where: { $0.index == i }) {
                    parts.append(try keyText(s.value, f.type))
                } else {
                    parts.append(try zeroKeyText(f.type, open: [type]))
                }
            }
            return "{" + parts.joined(separator: " ") + "}"
        default:
            throw Self.mismatch(type)
        }
    }

    private mutating func zeroKeyText(_ type: GobTypeID, open: [GobTypeID]) throws(GobError) -> String {
        guard let kind = types.kind(type) else { throw Self.mismatch(type) }
        switch kind {
        case .interface: return "<nil>"
        case .slice, .bytes: return "[]"
        case .map: return "map[]"
        case .opaque(let wire):
            if case .gobEncoder("Time") = wire { return GoTime.zero.goString }
            return "[]"
        case .array(let elem, let length):
            var parts: [String] = []
            for _ in 0..<length {
                try spend()
                parts.append(try zeroKeyText(elem, open: open))
            }
            return "[" + parts.joined(separator: " ") + "]"
        case .structure(let fields):
            if open.contains(type) { return "<nil>" }
            var parts: [String] = []
            for f in fields {
                try spend()
                parts.append(try zeroKeyText(f.type, open: open + [type]))
            }
            return "{" + parts.joined(separator: " ") + "}"
        default:
            return try keyText(Self.zeroScalar(kind), type)
        }
    }

    // MARK: Helpers

    /// An object from members in any order, the last of equal keys winning, built in key order
    /// so each member is appended (a large map or struct costs n log n, not n²).
    static func object(_ members: [(String, JSONValue)]) -> JSONObject {
        let sorted = members.enumerated().sorted { a, b in
            a.element.0.utf8.elementsEqual(b.element.0.utf8) ? a.offset < b.offset : a.element.0.utf8.lexicographicallyPrecedes(b.element.0.utf8)
        }
        var object = JSONObject()
        for (_, m) in sorted { object[m.0] = m.1 }
        return object
    }

    /// Go's `%v` of a complex: `(1+2i)`.
    static func complexText(_ re: UInt64, _ im: UInt64, name: String?) -> String {
        let bits = name == "complex64" ? 32 : 64
        return "(" + GoFloatFormat.percentV(Double(bitPattern: re), bits: bits)
            + GoFloatFormat.percentV(Double(bitPattern: im), bits: bits, plusSign: true) + "i)"
    }

    /// A Go string as text: bytes that are not UTF-8 become U+FFFD, as Go's JSON encoder shows them.
    static func text(_ bytes: [UInt8]) -> String {
        HashFieldCodec.lossyText(bytes)
    }

    private mutating func spend() throws(GobError) {
        budget -= 1
        if budget < 0 { throw GobError(.limit, at: nil, "the value is too large to show") }
    }

    static func mismatch(_ type: GobTypeID) -> GobError {
        GobError(.invalidValue, at: nil, "a value that does not match its type (\(type))")
    }
}
