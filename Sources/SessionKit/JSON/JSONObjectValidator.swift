/// Checks that bytes are one JSON object, by the same grammar as `JSONParser`, and counts its
/// members, without building any values: what a scan needs to list a million stored sessions.
public enum JSONObjectValidator {
    /// What the bytes are.
    public enum Verdict: Sendable, Equatable {
        /// A JSON object with this many members (a repeated key counts once per occurrence).
        case object(members: Int)
        /// Not meant as an object: empty, or the first byte after whitespace is not `{`.
        case notAnObject
        /// Starts as an object but is not valid JSON.
        case invalid(JSONParseError)
    }

    public static func check(_ bytes: [UInt8], limits: JSONParser.Limits = JSONParser.Limits()) -> Verdict {
        bytes.withUnsafeBufferPointer { check($0, limits: limits) }
    }

    /// Text beyond `limits` is invalid, as `JSONParser` would find it.
    public static func check(_ buf: UnsafeBufferPointer<UInt8>, limits: JSONParser.Limits = JSONParser.Limits()) -> Verdict {
        var v = Scanner(buf: buf, maxDepth: limits.maxDepth)
        v.skipSpace()
        guard v.pos < buf.count, buf[v.pos] == UInt8(ascii: "{") else { return .notAnObject }
        if let why = limits.sizeRefusal(buf.count) { return .invalid(JSONParseError(offset: limits.maxBytes, reason: why, tooLarge: true)) }
        do throws(JSONParseError) {
            let members = try v.object(depth: 1)
            v.skipSpace()
            if v.pos < buf.count { throw v.fail("unexpected data after the object") }
            return .object(members: members)
        } catch {
            return .invalid(error)
        }
    }

    private struct Scanner {
        let buf: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var pos = 0

        init(buf: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.buf = buf
            self.maxDepth = maxDepth
        }

        func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: pos, reason: reason) }

        mutating func skipSpace() {
            while pos < buf.count, buf[pos] == 0x20 || buf[pos] == 0x0a || buf[pos] == 0x0d || buf[pos] == 0x09 { pos += 1 }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(JSONParseError) {
            skipSpace()
            guard pos < buf.count else { throw fail("unexpected end of input") }
            guard buf[pos] == byte else { throw fail("expected \(what)") }
            pos += 1
        }

        /// At `{`; returns the number of members.
        mutating func object(depth: Int) throws(JSONParseError) -> Int {
            if depth > maxDepth { throw fail("nested deeper than \(maxDepth) levels") }
            pos += 1
            skipSpace()
            if pos < buf.count, buf[pos] == UInt8(ascii: "}") { pos += 1; return 0 }
            var members = 0
            while true {
                skipSpace()
                guard pos < buf.count, buf[pos] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                try string()
                try expect(UInt8(ascii: ":"), "':' after an object key")
                skipSpace()
                try value(depth: depth)
                members += 1
                skipSpace()
                guard pos < buf.count else { throw fail("unexpected end of input in an object") }
                if buf[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if buf[pos] == UInt8(ascii: "}") { pos += 1; return members }
                throw fail("expected ',' or '}' in an object")
            }
        }

        mutating func array(depth: Int) throws(JSONParseError) {
            if depth > maxDepth { throw fail("nested deeper than \(maxDepth) levels") }
            pos += 1
            skipSpace()
            if pos < buf.count, buf[pos] == UInt8(ascii: "]") { pos += 1; return }
            while true {
                skipSpace()
                try value(depth: depth)
                skipSpace()
                guard pos < buf.count else { throw fail("unexpected end of input in an array") }
                if buf[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if buf[pos] == UInt8(ascii: "]") { pos += 1; return }
                throw fail("expected ',' or ']' in an array")
            }
        }

        mutating func value(depth: Int) throws(JSONParseError) {
            guard pos < buf.count else { throw fail("unexpected end of input") }
            switch buf[pos] {
            case UInt8(ascii: "{"): _ = try object(depth: depth + 1)
            case UInt8(ascii: "["): try array(depth: depth + 1)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw fail("unexpected byte where a value should start")
            }
        }

        mutating func literal(_ word: StaticString) throws(JSONParseError) {
            let n = word.utf8CodeUnitCount
            guard pos + n <= buf.count else { throw fail("unexpected end of input") }
            for i in 0..<n where buf[pos + i] != word.utf8Start[i] { throw fail("invalid literal, expected '\(word)'") }
            pos += n
        }

        func isDigit(_ i: Int) -> Bool { i < buf.count && buf[i] >= UInt8(ascii: "0") && buf[i] <= UInt8(ascii: "9") }

        mutating func number() throws(JSONParseError) {
            if buf[pos] == UInt8(ascii: "-") { pos += 1 }
            guard isDigit(pos) else { throw fail("invalid number: a digit must follow '-'") }
            if buf[pos] == UInt8(ascii: "0") { pos += 1 } else { while isDigit(pos) { pos += 1 } }
            if pos < buf.count, buf[pos] == UInt8(ascii: ".") {
                pos += 1
                guard isDigit(pos) else { throw fail("invalid number: a digit must follow '.'") }
                while isDigit(pos) { pos += 1 }
            }
            if pos < buf.count, buf[pos] == UInt8(ascii: "e") || buf[pos] == UInt8(ascii: "E") {
                pos += 1
                if pos < buf.count, buf[pos] == UInt8(ascii: "+") || buf[pos] == UInt8(ascii: "-") { pos += 1 }
                guard isDigit(pos) else { throw fail("invalid number: a digit must follow the exponent") }
                while isDigit(pos) { pos += 1 }
            }
        }

        /// At `"`. Invalid UTF-8 is accepted (it reads as U+FFFD), as in `JSONParser`.
        mutating func string() throws(JSONParseError) {
            pos += 1
            while pos < buf.count {
                let b = buf[pos]
                if b == UInt8(ascii: "\"") { pos += 1; return }
                if b < 0x20 { throw fail("control character in a string") }
                if b == UInt8(ascii: "\\") {
                    pos += 1
                    guard pos < buf.count else { break }
                    switch buf[pos] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                        UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        pos += 1
                    case UInt8(ascii: "u"):
                        guard pos + 4 < buf.count, (1...4).allSatisfy({ isHex(buf[pos + $0]) }) else { throw fail("invalid \\u escape") }
                        pos += 5
                    default:
                        throw fail("invalid escape")
                    }
                    continue
                }
                pos += 1
            }
            throw fail("unexpected end of input in a string")
        }

        func isHex(_ b: UInt8) -> Bool {
            (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f"))
                || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "F"))
        }
    }
}
