#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Tells, without building any values, whether bytes are a JSON object exactly as
/// `GoJSONEncoder` writes what `JSONParser` reads from them: then a store can pass the text on
/// as it is instead of parsing and writing it again (GoFrame's own output always is, once a
/// session has been saved after a read).
///
/// The text is canonical when it has no whitespace between tokens, every object's keys are in
/// strictly increasing byte order (as decoded), every string is valid UTF-8 with exactly Go's
/// escapes (`\"` `\\` `\n` `\r` `\t`, `\b` `\f` or `\u0008` `\u000c` by style, `\u00XX` for
/// other control characters, `\u003c` `\u003e` `\u0026`, `\u2028` `\u2029`, lowercase hex,
/// nothing else escaped and nothing of these raw), and it does not mix both escape styles.
/// Numbers are kept as written, so any valid literal is canonical.
public enum GoJSONCanonical {
    /// The member count and escape style of a canonical JSON object; nil for anything else,
    /// including text beyond `JSONParser`'s limits (which it would refuse).
    public static func check(_ buf: UnsafeBufferPointer<UInt8>, limits: JSONParser.Limits = JSONParser.Limits()) -> (members: Int, style: JSONEscapeStyle)? {
        var s = Scanner(buf: buf, maxDepth: limits.maxDepth)
        guard buf.count > 1, buf.count <= limits.maxBytes, buf[0] == UInt8(ascii: "{"), let members = s.object(depth: 1), s.pos == buf.count,
            !(s.sawLegacy && s.sawModern)
        else { return nil }
        return (members, s.sawLegacy ? .legacy : .modern)
    }

    public static func check(_ bytes: ArraySlice<UInt8>) -> (members: Int, style: JSONEscapeStyle)? {
        bytes.withUnsafeBufferPointer { check($0) }
    }

    private struct Scanner {
        let buf: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var pos = 0
        var sawLegacy = false
        var sawModern = false

        init(buf: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.buf = buf
            self.maxDepth = maxDepth
        }

        private func at(_ b: UInt8) -> Bool { pos < buf.count && buf[pos] == b }

        /// At `{`; the member count, or nil.
        mutating func object(depth: Int) -> Int? {
            if depth > maxDepth { return nil }
            pos += 1
            if at(UInt8(ascii: "}")) { pos += 1; return 0 }
            var members = 0
            var previous = Key.none
            while true {
                guard at(UInt8(ascii: "\"")) else { return nil }
                let start = pos
                guard let escaped = string() else { return nil }
                let key: Key = escaped ? .decoded(decode(start + 1, pos - 1)) : .raw(start + 1..<pos - 1)
                guard previous.isBefore(key, in: buf) else { return nil }
                previous = key
                guard at(UInt8(ascii: ":")) else { return nil }
                pos += 1
                guard value(depth: depth) else { return nil }
                members += 1
                if at(UInt8(ascii: ",")) { pos += 1; continue }
                if at(UInt8(ascii: "}")) { pos += 1; return members }
                return nil
            }
        }

        mutating func array(depth: Int) -> Bool {
            if depth > maxDepth { return false }
            pos += 1
            if at(UInt8(ascii: "]")) { pos += 1; return true }
            while true {
                guard value(depth: depth) else { return false }
                if at(UInt8(ascii: ",")) { pos += 1; continue }
                if at(UInt8(ascii: "]")) { pos += 1; return true }
                return false
            }
        }

        mutating func value(depth: Int) -> Bool {
            guard pos < buf.count else { return false }
            switch buf[pos] {
            case UInt8(ascii: "{"): return object(depth: depth + 1) != nil
            case UInt8(ascii: "["): return array(depth: depth + 1)
            case UInt8(ascii: "\""): return string() != nil
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return false
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard pos + n <= buf.count else { return false }
            for i in 0..<n where buf[pos + i] != word.utf8Start[i] { return false }
            pos += n
            return true
        }

        private func isDigit(_ i: Int) -> Bool { i < buf.count && buf[i] >= UInt8(ascii: "0") && buf[i] <= UInt8(ascii: "9") }

        mutating func number() -> Bool {
            if buf[pos] == UInt8(ascii: "-") { pos += 1 }
            guard isDigit(pos) else { return false }
            if buf[pos] == UInt8(ascii: "0") { pos += 1 } else { while isDigit(pos) { pos += 1 } }
            if at(UInt8(ascii: ".")) {
                pos += 1
                guard isDigit(pos) else { return false }
                while isDigit(pos) { pos += 1 }
            }
            if at(UInt8(ascii: "e")) || at(UInt8(ascii: "E")) {
                pos += 1
                if at(UInt8(ascii: "+")) || at(UInt8(ascii: "-")) { pos += 1 }
                guard isDigit(pos) else { return false }
                while isDigit(pos) { pos += 1 }
            }
            return true
        }

        /// At `"`: past the closing quote and whether the string held escapes, or nil when it is
        /// not a string as Go writes it.
        mutating func string() -> Bool? {
            pos += 1
            var escaped = false
            while pos < buf.count {
                let c = buf[pos]
                switch c {
                case UInt8(ascii: "\""):
                    pos += 1
                    return escaped
                case UInt8(ascii: "\\"):
                    guard escape() else { return nil }
                    escaped = true
                case 0..<0x20, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                    return nil  // Go escapes these
                case 0..<0x80:
                    pos += 1
                default:
                    let n = JSONParser.validUTF8Length(buf, at: pos)
                    // Invalid UTF-8 reads as U+FFFD; U+2028 and U+2029 are written escaped.
                    if n == 0 || (n == 3 && c == 0xE2 && buf[pos + 1] == 0x80 && (buf[pos + 2] == 0xA8 || buf[pos + 2] == 0xA9)) { return nil }
                    pos += n
                }
            }
            return nil
        }

        /// At `\`: past the escape when it is one Go writes.
        private mutating func escape() -> Bool {
            guard pos + 1 < buf.count else { return false }
            switch buf[pos + 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                pos += 2
                return true
            case UInt8(ascii: "b"), UInt8(ascii: "f"):
                sawModern = true
                pos += 2
                return true
            case UInt8(ascii: "u"):
                guard let v = lowercaseHex4(pos + 2) else { return false }
                switch v {
                case 0x08, 0x0c: sawLegacy = true
                case 0x09, 0x0a, 0x0d: return false  // Go writes \t \n \r
                case 0..<0x20, 0x3c, 0x3e, 0x26, 0x2028, 0x2029: break
                default: return false
                }
                pos += 6
                return true
            default:
                return false
            }
        }

        private func lowercaseHex4(_ i: Int) -> UInt32? {
            guard i + 4 <= buf.count else { return nil }
            var v: UInt32 = 0
            for j in i..<i + 4 {
                let b = buf[j]
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): v = v << 4 | UInt32(b - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): v = v << 4 | UInt32(b - UInt8(ascii: "a") + 10)
                default: return nil
                }
            }
            return v
        }

        /// The decoded bytes of a string's content from `start` to `end` (exclusive), which
        /// `string()` found canonical.
        private func decode(_ start: Int, _ end: Int) -> [UInt8] {
            var out: [UInt8] = []
            var i = start
            while i < end {
                let c = buf[i]
                guard c == UInt8(ascii: "\\") else {
                    out.append(c)
                    i += 1
                    continue
                }
                switch buf[i + 1] {
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "u"):
                    out.append(contentsOf: String(Character(Unicode.Scalar(lowercaseHex4(i + 2)!)!)).utf8)
                    i += 6
                    continue
                default: out.append(buf[i + 1])  // `"` or `\`
                }
                i += 2
            }
            return out
        }
    }

    /// An object key as decoded: where it lies when it has no escapes, else its bytes.
    private enum Key {
        case none
        case raw(Range<Int>)
        case decoded([UInt8])

        /// Strictly before `other` in byte order (everything is after `.none`).
        func isBefore(_ other: Key, in buf: UnsafeBufferPointer<UInt8>) -> Bool {
            func bytes<R>(_ key: Key, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
                switch key {
                case .none: return body(UnsafeBufferPointer(start: nil, count: 0))
                case .raw(let r): return body(UnsafeBufferPointer(rebasing: buf[r]))
                case .decoded(let d): return d.withUnsafeBufferPointer(body)
                }
            }
            if case .none = self { return true }
            return bytes(self) { a in
                bytes(other) { b in
                    let common = min(a.count, b.count)
                    let c = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
                    return c != 0 ? c < 0 : a.count < b.count
                }
            }
        }
    }
}
