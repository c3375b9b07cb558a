/// Why a JSON text was refused, with the byte offset where the problem is.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let offset: Int
    public let reason: String
    /// The text is beyond the size limit (`reason` says so), not read at all.
    public var tooLarge = false

    public init(offset: Int, reason: String, tooLarge: Bool = false) {
        self.offset = offset
        self.reason = reason
        self.tooLarge = tooLarge
    }

    public var description: String { tooLarge ? reason : "invalid JSON at byte \(offset): \(reason)" }

    /// The error in a message about `part` (`the value`, `the body`).
    public func describing(_ part: String) -> String {
        tooLarge ? reason : "invalid JSON at byte \(offset) of \(part): \(reason)"
    }
}

/// Which escapes a JSON text used for U+0008 and U+000C: Go 1.22 and later write `\b` and `\f`,
/// Go 1.21 and earlier `\u0008` and `\u000c`. Writing back in the same style keeps an unchanged
/// session byte-identical.
public enum JSONEscapeStyle: Sendable, Equatable {
    case modern
    case legacy
}

/// A parser for untrusted JSON that reads it the way Go's `encoding/json` with `UseNumber` does:
/// number literals kept as text, invalid UTF-8 and lone surrogates read as U+FFFD, the last of
/// duplicate keys wins. Depth and size are bounded.
public struct JSONParser {
    public struct Limits: Sendable {
        public var maxDepth: Int
        public var maxBytes: Int
        public init(maxDepth: Int = 500, maxBytes: Int = 64 << 20) {
            self.maxDepth = maxDepth
            self.maxBytes = maxBytes
        }
    }

    /// Parses one JSON value with nothing but whitespace around it.
    public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) throws(JSONParseError) -> JSONValue {
        try parseDocument(bytes, limits: limits).value
    }

    /// Parses a JSON value and reports the escape style it used.
    public static func parseDocument(_ bytes: [UInt8], limits: Limits = Limits()) throws(JSONParseError) -> (value: JSONValue, style: JSONEscapeStyle) {
        let result: Result<(JSONValue, JSONEscapeStyle), JSONParseError> = bytes.withUnsafeBufferPointer { buf in
            do throws(JSONParseError) {
                return .success(try parseDocument(buf, limits: limits))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// `parseDocument` of bytes in place (part of a larger buffer, say).
    public static func parseDocument(_ buf: UnsafeBufferPointer<UInt8>, limits: Limits = Limits()) throws(JSONParseError) -> (value: JSONValue, style: JSONEscapeStyle) {
        if let why = limits.sizeRefusal(buf.count) { throw JSONParseError(offset: limits.maxBytes, reason: why, tooLarge: true) }
        var p = JSONParser(buf, limits: limits)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.pos < buf.count { throw p.fail("unexpected \(p.describe(buf[p.pos])) after the value") }
        return (v, p.sawLegacy && !p.sawModern ? .legacy : .modern)
    }

    private let buf: UnsafeBufferPointer<UInt8>
    private let limits: Limits
    private var pos = 0
    private var sawLegacy = false
    private var sawModern = false

    private init(_ buf: UnsafeBufferPointer<UInt8>, limits: Limits) {
        self.buf = buf
        self.limits = limits
    }

    private func fail(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? pos, reason: reason)
    }

    private func describe(_ b: UInt8) -> String {
        if b >= 0x21 && b < 0x7f { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x" + String(b, radix: 16, uppercase: false)
    }

    private mutating func skipSpace() {
        while pos < buf.count {
            switch buf[pos] {
            case 0x20, 0x09, 0x0a, 0x0d: pos += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard pos < buf.count else { throw fail("unexpected end of input") }
        switch buf[pos] {
        case UInt8(ascii: "{"): return .object(try object(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try array(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case let b: throw fail("unexpected \(describe(b)) where a value should start")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        let start = pos
        for i in 0..<n {
            guard pos < buf.count else { throw fail("unexpected end of input") }
            guard buf[pos] == word.utf8Start[i] else { throw fail("invalid literal, expected '\(word)'", at: start) }
            pos += 1
        }
    }

    private mutating func object(depth: Int) throws(JSONParseError) -> JSONObject {
        if depth > limits.maxDepth { throw fail("nested deeper than \(limits.maxDepth) levels") }
        pos += 1
        var obj = JSONObject()
        if depth == 1 { obj.reserveCapacity(8) }  // a session: a handful of keys; nested ones stay lean
        skipSpace()
        if pos < buf.count && buf[pos] == UInt8(ascii: "}") { pos += 1; return obj }
        while true {
            skipSpace()
            guard pos < buf.count else { throw fail("unexpected end of input in an object") }
            guard buf[pos] == UInt8(ascii: "\"") else { throw fail("expected a string key, found \(describe(buf[pos]))") }
            let key = try string()
            skipSpace()
            guard pos < buf.count else { throw fail("unexpected end of input in an object") }
            guard buf[pos] == UInt8(ascii: ":") else { throw fail("expected ':' after an object key, found \(describe(buf[pos]))") }
            pos += 1
            skipSpace()
            obj[key] = try value(depth: depth)
            skipSpace()
            guard pos < buf.count else { throw fail("unexpected end of input in an object") }
            switch buf[pos] {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "}"): pos += 1; return obj
            case let b: throw fail("expected ',' or '}' in an object, found \(describe(b))")
            }
        }
    }

    private mutating func array(depth: Int) throws(JSONParseError) -> [JSONValue] {
        if depth > limits.maxDepth { throw fail("nested deeper than \(limits.maxDepth) levels") }
        pos += 1
        var items: [JSONValue] = []
        skipSpace()
        if pos < buf.count && buf[pos] == UInt8(ascii: "]") { pos += 1; return items }
        while true {
            skipSpace()
            items.append(try value(depth: depth))
            skipSpace()
            guard pos < buf.count else { throw fail("unexpected end of input in an array") }
            switch buf[pos] {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "]"): pos += 1; return items
            case let b: throw fail("expected ',' or ']' in an array, found \(describe(b))")
            }
        }
    }

    private func isDigit(_ i: Int) -> Bool {
        i < buf.count && buf[i] >= UInt8(ascii: "0") && buf[i] <= UInt8(ascii: "9")
    }

    private mutating func number() throws(JSONParseError) -> String {
        let start = pos
        if buf[pos] == UInt8(ascii: "-") { pos += 1 }
        guard isDigit(pos) else { throw fail("invalid number: a digit must follow '-'", at: start) }
        if buf[pos] == UInt8(ascii: "0") {
            pos += 1
        } else {
            while isDigit(pos) { pos += 1 }
        }
        if pos < buf.count && buf[pos] == UInt8(ascii: ".") {
            pos += 1
            guard isDigit(pos) else { throw fail("invalid number: a digit must follow '.'") }
            while isDigit(pos) { pos += 1 }
        }
        if pos < buf.count && (buf[pos] == UInt8(ascii: "e") || buf[pos] == UInt8(ascii: "E")) {
            pos += 1
            if pos < buf.count && (buf[pos] == UInt8(ascii: "+") || buf[pos] == UInt8(ascii: "-")) { pos += 1 }
            guard isDigit(pos) else { throw fail("invalid number: a digit must follow the exponent") }
            while isDigit(pos) { pos += 1 }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
    }

    private mutating func string() throws(JSONParseError) -> String {
        let start = pos
        pos += 1
        // Fast path: plain ASCII with no escapes.
        var i = pos
        while i < buf.count {
            let b = buf[i]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: buf[pos..<i]), as: UTF8.self)
                pos = i + 1
                return s
            }
            if b == UInt8(ascii: "\\") || b < 0x20 || b >= 0x80 { break }
            i += 1
        }
        var out: [UInt8] = Array(buf[pos..<i])
        pos = i
        while true {
            guard pos < buf.count else { throw fail("unexpected end of input in a string that starts at byte \(start)") }
            let b = buf[pos]
            switch b {
            case UInt8(ascii: "\""):
                pos += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &out)
            case 0..<0x20:
                throw fail("control character \(describe(b)) in a string")
            case 0..<0x80:
                out.append(b)
                pos += 1
            default:
                let n = JSONParser.validUTF8Length(buf, at: pos)
                if n == 0 {
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    pos += 1
                } else {
                    out.append(contentsOf: buf[pos..<pos + n])
                    pos += n
                }
            }
        }
    }

    private mutating func escape(into out: inout [UInt8]) throws(JSONParseError) {
        let start = pos
        pos += 1
        guard pos < buf.count else { throw fail("unexpected end of input in an escape") }
        let c = buf[pos]
        pos += 1
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(c)
        case UInt8(ascii: "b"): out.append(0x08); sawModern = true
        case UInt8(ascii: "f"): out.append(0x0c); sawModern = true
        case UInt8(ascii: "n"): out.append(0x0a)
        case UInt8(ascii: "r"): out.append(0x0d)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            guard var scalar = hex4(at: pos) else { throw fail("invalid \\u escape", at: start) }
            pos += 4
            if scalar == 0x08 || scalar == 0x0c { sawLegacy = true }
            if (0xD800..<0xE000).contains(scalar) {
                // A high surrogate followed by an escaped low surrogate is one character;
                // anything else is U+FFFD, and the following escape is read on its own.
                if scalar < 0xDC00, pos + 1 < buf.count, buf[pos] == UInt8(ascii: "\\"), buf[pos + 1] == UInt8(ascii: "u"),
                    let low = hex4(at: pos + 2), (0xDC00..<0xE000).contains(low)
                {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    pos += 6
                } else {
                    scalar = 0xFFFD
                }
            }
            out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
        default:
            throw fail("invalid escape '\\\(Character(Unicode.Scalar(c)))'", at: start)
        }
    }

    private func hex4(at i: Int) -> UInt32? {
        guard i + 4 <= buf.count else { return nil }
        var v: UInt32 = 0
        for j in i..<i + 4 {
            let b = buf[j]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// The length of the well-formed UTF-8 sequence at `i` (a byte >= 0x80), or 0 when it is
    /// not one; like Go's `utf8.DecodeRune`, so each bad byte becomes one U+FFFD.
    static func validUTF8Length(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let b0 = b[i]
        func cont(_ j: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            j < b.count && b[j] >= lo && b[j] <= hi
        }
        switch b0 {
        case 0xC2...0xDF: return cont(i + 1) ? 2 : 0
        case 0xE0: return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(i + 1) && cont(i + 2) ? 3 : 0
        case 0xED: return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0
        case 0xF0: return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF1...0xF3: return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF4: return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0
        default: return 0
        }
    }
}
