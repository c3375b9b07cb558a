/// How GoFrame's `StorageRedisHashTable` turns one session value into the text of a hash field,
/// and how sessctl reads a field back.
///
/// Writing follows GoFrame (its Redis adapter and go-redis): strings raw, numbers as their literal
/// text, bools `1`/`0`, null as the empty string, objects and arrays as compact Go JSON.
/// Reading cannot recover the type (GoFrame's app sees strings too): a field is an object or an
/// array when its whole text is one, else a string.
public enum HashFieldCodec {
    /// The field text for a value.
    public static func encode(_ value: JSONValue, style: JSONEscapeStyle = .modern) -> [UInt8] {
        switch value {
        case .string(let s): return Array(s.utf8)
        case .number(let n): return Array(n.utf8)
        case .bool(let b): return [b ? UInt8(ascii: "1") : UInt8(ascii: "0")]
        case .null: return []
        case .array, .object: return GoJSONEncoder.encode(value, style: style)
        }
    }

    /// `body` of `encode(value)`, without building an array for text and scalars.
    static func withEncoded<R>(_ value: JSONValue, style: JSONEscapeStyle, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        switch value {
        case .string(var s): return s.withUTF8(body)
        case .number(var n): return n.withUTF8(body)
        case .bool(let b):
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { buf in
                buf[0] = b ? UInt8(ascii: "1") : UInt8(ascii: "0")
                return body(UnsafeBufferPointer(buf))
            }
        case .null: return body(UnsafeBufferPointer(start: nil, count: 0))
        case .array, .object: return GoJSONEncoder.encode(value, style: style).withUnsafeBufferPointer(body)
        }
    }

    /// The value a field reads as, and whether its bytes were UTF-8 text. Bytes that are not are
    /// shown with one U+FFFD per bad byte, as Go's JSON reads and writes them: inside the strings
    /// of an object or array, or as a string, so that the value reads the same once written.
    public static func decode(_ bytes: [UInt8]) -> (value: JSONValue, isUTF8: Bool) {
        let text = String(validating: bytes, as: UTF8.self)
        if let first = bytes.first, let last = bytes.last,
            (first == UInt8(ascii: "{") && last == UInt8(ascii: "}")) || (first == UInt8(ascii: "[") && last == UInt8(ascii: "]")),
            let value = try? JSONParser.parse(bytes)
        {
            return (value, text != nil)
        }
        guard let text else { return (.string(lossyText(bytes)), false) }
        return (.string(text), true)
    }

    /// The value a value becomes once written to a field and read back (`decode(encode(value))`).
    public static func asStored(_ value: JSONValue) -> JSONValue {
        decode(encode(value)).value
    }

    /// One field of a hash as Redis returns it.
    public struct Field: Sendable {
        public var name: [UInt8]
        public var value: [UInt8]

        public init(name: [UInt8], value: [UInt8]) {
            self.name = name
            self.value = value
        }
    }

    /// A hash's fields read as a session.
    public struct DecodedFields: Sendable {
        public var data = JSONObject()
        /// The stored bytes of every key's value.
        public var rawValues: [String: [UInt8]] = [:]
        /// The stored names that are not UTF-8 text, by the key they show as.
        public var rawNames: [String: [UInt8]] = [:]
        /// The keys whose name or value is not UTF-8 text, in byte order, each once.
        public var undecodableKeys: [String] = []
        /// The bytes of all names and values.
        public var size = 0
    }

    /// The session data of a hash's fields, in the order Redis gave them (a later field whose
    /// name shows as the same key wins).
    public static func decode(fields: [Field]) -> DecodedFields {
        var out = DecodedFields()
        var undecodable = Set<String>()
        for f in fields {
            let (key, nameIsText) = decodeName(f.name)
            let (value, valueIsText) = decode(f.value)
            out.data[key] = value
            out.rawValues[key] = f.value
            out.rawNames[key] = nameIsText ? nil : f.name
            if !nameIsText || !valueIsText { undecodable.insert(key) }
            out.size += f.name.count + f.value.count
        }
        out.undecodableKeys = undecodable.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return out
    }

    /// A field name as a session key, and whether it was UTF-8 text.
    public static func decodeName(_ bytes: [UInt8]) -> (key: String, isUTF8: Bool) {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, true) }
        return (lossyText(bytes), false)
    }

    /// The bytes as text with each byte that is not part of a well-formed UTF-8 sequence
    /// replaced by U+FFFD (Go's rule; Swift's own decoding would merge some of them).
    static func lossyText(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                if b[i] < 0x80 {
                    out.append(b[i])
                    i += 1
                    continue
                }
                let n = JSONParser.validUTF8Length(b, at: i)
                if n == 0 {
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    i += 1
                } else {
                    out.append(contentsOf: b[i..<i + n])
                    i += n
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
