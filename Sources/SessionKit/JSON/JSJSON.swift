/// JSON as JavaScript's `JSON.stringify` writes it (express-session's values in connect-redis):
/// members in insertion order, numbers as JavaScript prints them, no escaping of `/`, `<`, `>`,
/// `&`, DEL, U+2028 or U+2029; `\b \f \n \r \t` and `\u00xx` for the other C0 controls.
///
/// `JSONObject` keeps its members sorted, so the insertion order comes from the stored text
/// (`KeyOrder`): a rewritten value keeps every member where it was, new members follow in
/// `JSONObject` order.
enum JSJSON {
    /// The member order of a JSON text: per object its keys in order with each one's own order,
    /// per array each element's.
    indirect enum KeyOrder: Equatable {
        case leaf
        case object([(key: String, order: KeyOrder)])
        case array([KeyOrder])

        static func == (a: KeyOrder, b: KeyOrder) -> Bool {
            switch (a, b) {
            case (.leaf, .leaf): return true
            case (.object(let x), .object(let y)):
                return x.count == y.count && zip(x, y).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.order == $1.order }
            case (.array(let x), .array(let y)): return x == y
            default: return false
            }
        }

        /// The order of the member `key` of an object.
        func member(_ key: String) -> KeyOrder? {
            guard case .object(let members) = self else { return nil }
            return members.first { $0.key.utf8.elementsEqual(key.utf8) }?.order
        }
    }

    /// Why a value cannot be written as JavaScript would read it back.
    struct Refusal: Error {
        let reason: String
    }

    // MARK: Reading the order

    /// The member order of `bytes`, nil when they are not one JSON value (or nest deeper than
    /// `maxDepth`). Meant for text `JSONParser` has read; it checks only the structure.
    static func keyOrder(of bytes: [UInt8], maxDepth: Int = 512) -> KeyOrder? {
        var walker = Walker(b: bytes, maxDepth: maxDepth)
        guard let order = walker.value(depth: 0) else { return nil }
        walker.skipSpace()
        return walker.i == bytes.count ? order : nil
    }

    private struct Walker {
        let b: [UInt8]
        let maxDepth: Int
        var i = 0

        mutating func skipSpace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0a || b[i] == 0x0d { i += 1 }
        }

        mutating func value(depth: Int) -> KeyOrder? {
            guard depth <= maxDepth else { return nil }
            skipSpace()
            guard i < b.count else { return nil }
            switch b[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(key: String, order: KeyOrder)] = []
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: "}") {
                    i += 1
                    return .object(members)
                }
                while true {
                    skipSpace()
                    guard let key = string() else { return nil }
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
                    i += 1
                    guard let order = value(depth: depth + 1) else { return nil }
                    // The last one wins, in its place (as in JavaScript); keys compare by their bytes.
                    if let at = members.firstIndex(where: { $0.key.utf8.elementsEqual(key.utf8) }) { members.remove(at: at) }
                    members.append((key, order))
                    skipSpace()
                    guard i < b.count else { return nil }
                    i += 1
                    if b[i - 1] == UInt8(ascii: "}") { return .object(members) }
                    guard b[i - 1] == UInt8(ascii: ",") else { return nil }
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [KeyOrder] = []
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: "]") {
                    i += 1
                    return .array(items)
                }
                while true {
                    guard let item = value(depth: depth + 1) else { return nil }
                    items.append(item)
                    skipSpace()
                    guard i < b.count else { return nil }
                    i += 1
                    if b[i - 1] == UInt8(ascii: "]") { return .array(items) }
                    guard b[i - 1] == UInt8(ascii: ",") else { return nil }
                }
            case UInt8(ascii: "\""):
                return string() == nil ? nil : .leaf
            default:
                let start = i
                while i < b.count, !"{}[],: \t\r\n\"".utf8.contains(b[i]) { i += 1 }
                return i > start ? .leaf : nil
            }
        }

        /// A string token, decoded by `JSONParser` (as it decodes keys) unless plain ASCII.
        mutating func string() -> String? {
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
            let start = i
            var plain = true  // ASCII without escapes reads as it is
            i += 1
            while i < b.count, b[i] != UInt8(ascii: "\"") {
                if b[i] == UInt8(ascii: "\\") || b[i] >= 0x80 || b[i] < 0x20 {
                    plain = false
                    if b[i] == UInt8(ascii: "\\") { i += 1 }
                }
                i += 1
            }
            guard i < b.count else { return nil }
            i += 1
            if plain { return String(decoding: b[(start + 1)..<(i - 1)], as: UTF8.self) }
            guard case .string(let s)? = try? JSONParser.parse(Array(b[start..<i])) else { return nil }
            return s
        }
    }

    // MARK: Writing

    /// `object` as `JSON.stringify` writes it, members ordered by `order` (the stored text's).
    static func encode(_ object: JSONObject, order: KeyOrder?) throws(Refusal) -> [UInt8] {
        var out: [UInt8] = []
        try write(.object(object), order: order, path: "", into: &out)
        return out
    }

    private static func write(_ value: JSONValue, order: KeyOrder?, path: String, into out: inout [UInt8]) throws(Refusal) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let literal):
            guard let text = number(literal) else {
                throw Refusal(reason: "\(path.isEmpty ? "a value" : "'\(path)'") is \(literal), which a JavaScript number cannot hold exactly")
            }
            out += Array(text.utf8)
        case .string(let s): string(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            var orders: [KeyOrder] = []
            if case .array(let o)? = order { orders = o }
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, order: n < orders.count ? orders[n] : nil, path: "\(path)[\(n)]", into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            var first = true
            var written = Set<[UInt8]>()  // by bytes, as `JSONObject` tells keys apart
            var members: [(key: String, order: KeyOrder?)] = []
            if case .object(let o)? = order {
                for m in o where object[m.key] != nil {
                    members.append((m.key, m.order))
                    written.insert(Array(m.key.utf8))
                }
            }
            for key in object.keys where !written.contains(Array(key.utf8)) { members.append((key, nil)) }
            for m in members {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                string(m.key, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(object[m.key]!, order: m.order, path: path.isEmpty ? m.key : "\(path).\(m.key)", into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A string as `JSON.stringify` quotes it.
    static func string(_ s: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), b]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), b]
            case 0x08: out += Array("\\b".utf8)
            case 0x0c: out += Array("\\f".utf8)
            case 0x0a: out += Array("\\n".utf8)
            case 0x0d: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0..<0x20: out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xf)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A number literal as JavaScript prints the number it reads (`Number.prototype.toString`):
    /// `1.0` → `1`, `1e21` → `1e+21`, `-0` → `0`. Nil when the number is beyond a double's range,
    /// or is an integer written with more digits than a double keeps (JavaScript would change it).
    static func number(_ literal: String) -> String? {
        guard let d = Double(literal), d.isFinite else { return nil }
        if d == 0 { return "0" }
        let shown = d.magnitude.description  // the shortest digits that read back as `d`
        var mantissa = Substring(shown), exponent = 0
        if let e = shown.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = shown[..<e]
            guard let n = Int(shown[shown.index(after: e)...].drop { $0 == "+" }) else { return nil }
            exponent = n
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        var digits = Array(parts[0].utf8) + (parts.count > 1 ? Array(parts[1].utf8) : [])
        var n = parts[0].count + exponent  // the point sits after `n` digits
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            n -= 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        let k = digits.count
        let text = String(decoding: digits, as: UTF8.self)
        var out = d < 0 ? "-" : ""
        if k <= n && n <= 21 {
            out += text + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            out += text.prefix(n) + "." + text.dropFirst(n)
        } else if -6 < n && n <= 0 {
            out += "0." + String(repeating: "0", count: -n) + text
        } else {
            let e = n - 1
            out += text.prefix(1) + (k > 1 ? "." + text.dropFirst(1) : "") + "e" + (e < 0 ? "-" : "+") + String(e.magnitude)
        }
        let integer = !literal.contains { $0 == "." || $0 == "e" || $0 == "E" }
        if integer && out != literal && !(literal == "-0") { return nil }
        return out
    }
}
