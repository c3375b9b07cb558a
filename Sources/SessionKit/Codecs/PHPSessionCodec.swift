/// What PHP's session module stores (phpredis `session.save_handler=redis`): `$_SESSION` in one
/// of its serializers, told apart per value. `php` writes `name|value` for each string key (a key
/// holding `|` cannot be written at all); `php_serialize` writes the whole array as one
/// `serialize()` value, `a:N:{...}`. Values are PHP's `serialize()` format.
///
/// The JSON view: arrays with keys 0..n-1 in order are JSON arrays, other arrays JSON objects (int
/// keys as their decimal text); ints and floats are numbers (a float always with a `.` or an
/// exponent, as `serialize_precision=-1` prints it, so it stays a float); strings that are not
/// UTF-8 show as `{"$base64": "..."}`; INF and NAN as `{"$float": "INF"}`; objects as
/// `{"$class": "C", "$properties": {...}}` (private and protected property names keep PHP's NUL
/// markers), `Serializable` objects as `{"$class": "C", "$serialized": "..."}`, enums as
/// `{"$enum": "C:Case"}` and references as `{"$reference": "R:2"}` (or `r:`), the slot they name.
///
/// Writing keeps the exact bytes of every value whose JSON view did not change (an unchanged
/// session is byte-identical) and the order of the keys it had; a new or changed value is written
/// as PHP's `serialize()` writes it. A result PHP cannot read back, or one whose references would
/// point elsewhere than before, is refused.
public enum PHPSessionCodec {
    public enum Format: String, Sendable {
        case php
        case phpSerialize = "php_serialize"
    }

    /// One value as read: its JSON view, where its bytes are, and its members (arrays and objects).
    struct Node {
        var json: JSONValue
        var range: Range<Int>
        var members: [(key: String, node: Node)] = []
        /// For a reference: the path of the value it names.
        var target: [String]?
    }

    public struct Decoded {
        public let format: Format
        public let data: JSONObject
        let top: [(key: String, node: Node)]
        let bytes: [UInt8]
        /// Every reference: its path and the path of the value it names.
        let references: [([String], [String])]
    }

    public static let base64Marker = "$base64"
    static let maxDepth = 256
    static let expected = "a PHP session (php or php_serialize serializer)"

    // MARK: Reading

    public static func decode(_ bytes: [UInt8]) -> Result<Decoded, StoredBlobProblem> {
        if !looksLikeSession(bytes) {
            return .failure(StoredBlobProblem(.foreign, "foreign value: not \(expected); left untouched"))
        }
        var serializeError: String?
        if bytes.starts(with: Array("a:".utf8)) {
            var p = Parser(bytes: bytes)
            do {
                let node = try p.value(path: [])
                guard p.i == bytes.count else { throw PHPError("\(bytes.count - p.i) bytes after the serialized array at byte \(p.i)") }
                let data = objectView(node)
                return .success(Decoded(format: .phpSerialize, data: data, top: node.members, bytes: bytes, references: p.references))
            } catch {
                serializeError = "\(error)"
            }
        }
        var p = Parser(bytes: bytes)
        do {
            var top: [(key: String, node: Node)] = []
            var data = JSONObject()
            while p.i < bytes.count {
                guard let bar = bytes[p.i...].firstIndex(of: UInt8(ascii: "|")) else {
                    throw PHPError("a name with no '|' after it at byte \(p.i)")
                }
                guard let name = String(validating: bytes[p.i..<bar], as: UTF8.self) else { throw PHPError("a name that is not UTF-8 at byte \(p.i)") }
                p.i = bar + 1
                let node = try p.value(path: [name])
                if data[name] == nil { top.append((name, node)) } else { top = top.map { $0.key == name ? (name, node) : $0 } }
                data[name] = node.json
            }
            return .success(Decoded(format: .php, data: data, top: top, bytes: bytes, references: p.references))
        } catch {
            let reason = serializeError ?? "\(error)"
            return .failure(StoredBlobProblem(.broken, "not a readable PHP session: \(reason); left untouched"))
        }
    }

    /// Whether a value is meant as a PHP session at all: empty, a serialized array, or a name
    /// followed by `|` and the start of a serialized value.
    static func looksLikeSession(_ bytes: [UInt8]) -> Bool {
        if bytes.isEmpty || bytes.starts(with: Array("a:".utf8)) { return true }
        guard let bar = bytes.firstIndex(of: UInt8(ascii: "|")), bar + 1 < bytes.count else { return false }
        return Array("abCdEiNObrRsS".utf8).contains(bytes[bar + 1])
    }

    public struct PHPError: Error, CustomStringConvertible {
        public let message: String
        init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// A recursive-descent reader of `serialize()` output, as `unserialize()` reads it.
    struct Parser {
        let bytes: [UInt8]
        var i = 0
        /// The path of every value in order: PHP numbers them from 1 (`R:`/`r:` name them).
        var slots: [[String]] = []
        var references: [([String], [String])] = []
        var depth = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ what: String) -> PHPError { PHPError("\(what) at byte \(i)") }

        mutating func expect(_ c: UInt8) throws(PHPError) {
            guard i < bytes.count else { throw fail("cut off (expected '\(Character(Unicode.Scalar(c)))')") }
            guard bytes[i] == c else { throw fail("expected '\(Character(Unicode.Scalar(c)))'") }
            i += 1
        }

        /// Digits with an optional sign, up to `end`.
        mutating func integer(until end: UInt8) throws(PHPError) -> Int64 {
            let start = i
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
            let digits = i
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
            guard i > digits else { throw fail(i >= bytes.count ? "cut off (expected a number)" : "expected a number") }
            guard let n = Int64(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw fail("a number out of range") }
            try expect(end)
            return n
        }

        mutating func length(until end: UInt8) throws(PHPError) -> Int {
            let n = try integer(until: end)
            guard n >= 0, n <= bytes.count - i else { throw fail("a length of \(n) longer than what follows") }
            return Int(n)
        }

        /// `"bytes"` of a known length.
        mutating func quoted(_ n: Int) throws(PHPError) -> ArraySlice<UInt8> {
            try expect(UInt8(ascii: "\""))
            guard n <= bytes.count - i else { throw fail("cut off (a string of \(n) bytes)") }
            let s = bytes[i..<i + n]
            i += n
            try expect(UInt8(ascii: "\""))
            return s
        }

        mutating func value(path: [String]) throws(PHPError) -> Node {
            guard depth < maxDepth else { throw fail("values nested deeper than \(maxDepth)") }
            depth += 1
            defer { depth -= 1 }
            guard i + 1 < bytes.count else { throw fail("cut off (expected a value)") }
            let start = i
            let tag = bytes[i]
            if tag != UInt8(ascii: "R") { slots.append(path) }
            if tag == UInt8(ascii: "N") {
                i += 1
                try expect(UInt8(ascii: ";"))
                return Node(json: .null, range: start..<i)
            }
            i += 1
            try expect(UInt8(ascii: ":"))
            switch tag {
            case UInt8(ascii: "b"):
                let n = try integer(until: UInt8(ascii: ";"))
                guard n == 0 || n == 1 else { throw fail("a bool that is not 0 or 1") }
                return Node(json: .bool(n == 1), range: start..<i)
            case UInt8(ascii: "i"):
                let n = try integer(until: UInt8(ascii: ";"))
                return Node(json: .number(String(n)), range: start..<i)
            case UInt8(ascii: "d"):
                guard let end = bytes[i...].firstIndex(of: UInt8(ascii: ";")) else { throw fail("cut off (a float)") }
                let text = String(decoding: bytes[i..<end], as: UTF8.self)
                guard let d = PHPFloat.parse(text) else { throw fail("a float that is not a number") }
                i = end + 1
                return Node(json: PHPFloat.json(d), range: start..<i)
            case UInt8(ascii: "s"):
                let n = try length(until: UInt8(ascii: ":"))
                let s = try quoted(n)
                try expect(UInt8(ascii: ";"))
                return Node(json: stringView(s), range: start..<i)
            case UInt8(ascii: "a"):
                let n = try length(until: UInt8(ascii: ":"))
                try expect(UInt8(ascii: "{"))
                let members = try self.members(n, path: path)
                try expect(UInt8(ascii: "}"))
                var node = Node(json: .null, range: start..<i, members: members)
                node.json = arrayView(members)
                return node
            case UInt8(ascii: "O"):
                let c = try quoted(try length(until: UInt8(ascii: ":")))
                try expect(UInt8(ascii: ":"))
                let className = try utf8(c, "a class name")
                let n = try length(until: UInt8(ascii: ":"))
                try expect(UInt8(ascii: "{"))
                let members = try self.members(n, path: path)
                try expect(UInt8(ascii: "}"))
                var properties = JSONObject()
                for m in members { properties[m.key] = m.node.json }
                return Node(json: marked(["$class": .string(className), "$properties": .object(properties)]), range: start..<i, members: members)
            case UInt8(ascii: "C"):
                let c = try quoted(try length(until: UInt8(ascii: ":")))
                try expect(UInt8(ascii: ":"))
                let className = try utf8(c, "a class name")
                let n = try length(until: UInt8(ascii: ":"))
                try expect(UInt8(ascii: "{"))
                guard n <= bytes.count - i else { throw fail("cut off (a payload of \(n) bytes)") }
                let payload = bytes[i..<i + n]
                i += n
                try expect(UInt8(ascii: "}"))
                return Node(json: marked(["$class": .string(className), "$serialized": stringView(payload)]), range: start..<i)
            case UInt8(ascii: "E"):
                let n = try length(until: UInt8(ascii: ":"))
                let name = try utf8(try quoted(n), "an enum case")
                guard name.contains(":") else { throw fail("an enum case without its class") }
                try expect(UInt8(ascii: ";"))
                return Node(json: marked(["$enum": .string(name)]), range: start..<i)
            case UInt8(ascii: "r"), UInt8(ascii: "R"):
                let n = try integer(until: UInt8(ascii: ";"))
                // `r:` was numbered itself already and cannot name itself; `R:` is not numbered.
                let count = tag == UInt8(ascii: "r") ? slots.count - 1 : slots.count
                guard n >= 1, n <= count else { throw fail("a reference to value \(n), which does not exist") }
                let target = slots[Int(n) - 1]
                references.append((path, target))
                let text = String(decoding: bytes[start..<i - 1], as: UTF8.self)
                return Node(json: marked(["$reference": .string(text)]), range: start..<i, target: target)
            default:
                throw PHPError("an unsupported value type '\(String(decoding: [tag], as: UTF8.self))' at byte \(start)")
            }
        }

        func utf8(_ s: ArraySlice<UInt8>, _ what: String) throws(PHPError) -> String {
            guard let text = String(validating: s, as: UTF8.self) else { throw fail("\(what) that is not UTF-8") }
            return text
        }

        /// `n` key-value pairs: keys are `i:` or `s:` (not numbered).
        mutating func members(_ n: Int, path: [String]) throws(PHPError) -> [(key: String, node: Node)] {
            var out: [(key: String, node: Node)] = []
            var seen = Set<String>()
            for _ in 0..<n {
                guard i < bytes.count else { throw fail("cut off (expected a key)") }
                let key: String
                switch bytes[i] {
                case UInt8(ascii: "i"):
                    i += 1
                    try expect(UInt8(ascii: ":"))
                    key = String(try integer(until: UInt8(ascii: ";")))
                case UInt8(ascii: "s"):
                    i += 1
                    try expect(UInt8(ascii: ":"))
                    let s = try quoted(try length(until: UInt8(ascii: ":")))
                    try expect(UInt8(ascii: ";"))
                    key = try utf8(s, "a key")
                default:
                    throw fail("a key that is not an int or a string")
                }
                let node = try value(path: path + [key])
                // A repeated key replaces the value it had, in its place (as PHP's hash update does).
                if seen.insert(key).inserted {
                    out.append((key, node))
                } else if let k = out.firstIndex(where: { $0.key == key }) {
                    out[k].node = node
                }
            }
            return out
        }
    }

    static func stringView(_ s: ArraySlice<UInt8>) -> JSONValue {
        if let text = String(validating: s, as: UTF8.self) { return .string(text) }
        return marked([base64Marker: .string(Base64.std(Array(s)))])
    }

    static func marked(_ members: [String: JSONValue]) -> JSONValue {
        .object(JSONObject(members.map { ($0.key, $0.value) }))
    }

    /// A list when its keys are 0..n-1 in order, else an object.
    static func arrayView(_ members: [(key: String, node: Node)]) -> JSONValue {
        if members.enumerated().allSatisfy({ $0.element.key == String($0.offset) }) { return .array(members.map(\.node.json)) }
        return .object(JSONObject(members.map { ($0.key, $0.node.json) }))
    }

    /// An array's members as an object, whatever its keys (the top level of `php_serialize`).
    static func objectView(_ node: Node) -> JSONObject {
        JSONObject(node.members.map { ($0.key, $0.node.json) })
    }

    /// The number of keys of a value and why it cannot be read, for listings.
    public static func summary(_ bytes: [UInt8]) -> (keys: Int?, problem: String?) {
        switch decode(bytes) {
        case .success(let d): return (d.data.count, nil)
        case .failure(let p): return (nil, p.reason)
        }
    }

    // MARK: Writing

    /// The bytes PHP would write for `data` in `format`, keeping the bytes of what did not change
    /// since `previous`. Throws when PHP could not write or read it back.
    public static func encode(_ data: JSONObject, format: Format, previous: Decoded?) throws(PHPError) -> [UInt8] {
        if let previous, previous.format == format, previous.data == data { return previous.bytes }
        let old = previous?.format == format ? previous : nil
        var w = Writer(old: old?.bytes ?? [])
        let members = ordered(data.members.map { ($0.key, $0.value) }, old: old?.top ?? [])
        switch format {
        case .php:
            for (key, value, node) in members {
                if key.utf8.contains(UInt8(ascii: "|")) {
                    throw PHPError("the php serializer cannot write the key \(SessionError.quote(key)) (it holds '|'); PHP would write nothing")
                }
                w.out.append(contentsOf: key.utf8)
                w.out.append(UInt8(ascii: "|"))
                try w.value(value, old: node)
            }
        case .phpSerialize:
            try w.array(members)
        }
        // What is written must read back, with every reference naming what it named before.
        let again: Decoded
        switch decode(w.out) {
        case .success(let d): again = d
        case .failure(let p): throw PHPError("the result would not read back (\(p.reason))")
        }
        if old == nil, !again.references.isEmpty {
            throw PHPError("a reference (R:/r:) names a value by its place in the stored value, and there is none to keep it in place")
        }
        if let old {
            let before = Dictionary(old.references.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
            for (path, target) in again.references where before[path].map({ $0 != target }) ?? false {
                throw PHPError("the reference at \(path.joined(separator: ".")) would name another value after this change")
            }
        }
        return w.out
    }

    /// The members in the order they had (kept keys first, in their old order), then new ones.
    static func ordered(_ members: [(String, JSONValue)], old: [(key: String, node: Node)]) -> [(String, JSONValue, Node?)] {
        let values = Dictionary(members, uniquingKeysWith: { _, b in b })
        var out: [(String, JSONValue, Node?)] = []
        var done = Set<String>()
        for (key, node) in old {
            if let v = values[key], done.insert(key).inserted { out.append((key, v, node)) }
        }
        for (key, v) in members where done.insert(key).inserted { out.append((key, v, nil)) }
        return out
    }

    struct Writer {
        let old: [UInt8]
        var out: [UInt8] = []
        var depth = 0

        mutating func text(_ s: String) { out.append(contentsOf: s.utf8) }

        mutating func string(_ bytes: some Collection<UInt8>) {
            text("s:\(bytes.count):\"")
            out.append(contentsOf: bytes)
            text("\";")
        }

        /// An array key: a decimal int in range is an int key (PHP turns such strings into ints).
        mutating func key(_ k: String) {
            if let n = Int64(k), String(n) == k { text("i:\(n);") } else { string(Array(k.utf8)) }
        }

        mutating func array(_ members: [(String, JSONValue, Node?)]) throws(PHPError) {
            text("a:\(members.count):{")
            for (k, v, node) in members {
                key(k)
                try value(v, old: node)
            }
            text("}")
        }

        mutating func value(_ v: JSONValue, old node: Node?) throws(PHPError) {
            if let node, node.json == v {
                out.append(contentsOf: old[node.range])
                return
            }
            guard depth < maxDepth else { throw PHPError("values nested deeper than \(maxDepth)") }
            depth += 1
            defer { depth -= 1 }
            switch v {
            case .null: text("N;")
            case .bool(let b): text(b ? "b:1;" : "b:0;")
            case .string(let s): string(Array(s.utf8))
            case .number(let literal):
                if let n = Int64(literal) {
                    text("i:\(n);")
                } else if let d = Double(literal), d.isFinite {
                    text("d:\(PHPFloat.text(d));")
                } else {
                    throw PHPError("the number \(literal) is beyond what a PHP float holds")
                }
            case .array(let list):
                let oldMembers = Dictionary((node?.members ?? []).map { ($0.key, $0.node) }, uniquingKeysWith: { a, _ in a })
                try array(list.enumerated().map { (String($0.offset), $0.element, oldMembers[String($0.offset)]) })
            case .object(let o):
                try object(o, old: node)
            }
        }

        mutating func object(_ o: JSONObject, old node: Node?) throws(PHPError) {
            func text(of key: String) throws(PHPError) -> String {
                guard case .string(let s)? = o[key] else { throw PHPError("\(key) must be a string") }
                return s
            }
            let keys = Set(o.keys)
            if keys == [base64Marker] {
                guard let bytes = Base64.decodeStd(try text(of: base64Marker)) else { throw PHPError("\(base64Marker) must hold base64") }
                string(bytes)
            } else if keys == ["$float"] {
                let f = try text(of: "$float")
                guard ["INF", "-INF", "NAN"].contains(f) else { throw PHPError("$float must be INF, -INF or NAN") }
                self.text("d:\(f);")
            } else if keys == ["$enum"] {
                let e = try text(of: "$enum")
                self.text("E:\(e.utf8.count):\"\(e)\";")
            } else if keys == ["$reference"] {
                let r = try text(of: "$reference")
                guard r.hasPrefix("R:") || r.hasPrefix("r:"), Int(r.dropFirst(2)) != nil else { throw PHPError("$reference must be R:N or r:N") }
                self.text("\(r);")
            } else if keys == ["$class", "$serialized"] {
                let c = try text(of: "$class")
                let payload: [UInt8]
                switch o["$serialized"] {
                case .string(let s)?: payload = Array(s.utf8)
                case .object(let b)? where Set(b.keys) == [base64Marker]:
                    guard case .string(let t)? = b[base64Marker], let bytes = Base64.decodeStd(t) else { throw PHPError("$serialized: bad base64") }
                    payload = bytes
                default: throw PHPError("$serialized must be a string")
                }
                self.text("C:\(c.utf8.count):\"\(c)\":\(payload.count):{")
                out.append(contentsOf: payload)
                self.text("}")
            } else if keys == ["$class", "$properties"] {
                let c = try text(of: "$class")
                guard case .object(let props)? = o["$properties"] else { throw PHPError("$properties must be an object") }
                let members = ordered(props.members.map { ($0.key, $0.value) }, old: node?.members ?? [])
                self.text("O:\(c.utf8.count):\"\(c)\":\(members.count):{")
                for (k, v, n) in members {
                    key(k)
                    try value(v, old: n)
                }
                self.text("}")
            } else {
                try array(ordered(o.members.map { ($0.key, $0.value) }, old: node?.members ?? []))
            }
        }
    }
}

/// PHP's floats as `serialize()` writes them with `serialize_precision=-1`: the shortest text that
/// reads back to the same double, in `%.17G` layout (`0.1`, `1.0E+25`, `1.0E-5`, `-0`).
enum PHPFloat {
    static func parse(_ text: String) -> Double? {
        switch text {
        case "INF": return .infinity
        case "-INF": return -.infinity
        case "NAN": return .nan
        default:
            guard !text.isEmpty, text.allSatisfy({ "0123456789+-.eE".contains($0) }) else { return nil }
            return Double(text)
        }
    }

    /// The JSON view: a number that always reads as a float (`1.0`, not `1`).
    static func json(_ d: Double) -> JSONValue {
        if d.isNaN { return PHPSessionCodec.marked(["$float": .string("NAN")]) }
        if d.isInfinite { return PHPSessionCodec.marked(["$float": .string(d < 0 ? "-INF" : "INF")]) }
        let t = text(d)
        return .number(t.contains(".") || t.contains("E") ? t : t + ".0")
    }

    static func text(_ d: Double) -> String {
        if d.isNaN { return "NAN" }
        if d.isInfinite { return d < 0 ? "-INF" : "INF" }
        // Swift's description is the shortest round-trip text too; take its digits and exponent.
        var s = "\(d.magnitude)"
        var exponent = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(s[s.index(after: e)...]) ?? 0
            s = String(s[..<e])
        }
        var digits = s
        var decpt = s.count
        if let dot = s.firstIndex(of: ".") {
            decpt = s.distance(from: s.startIndex, to: dot)
            digits.remove(at: dot)
        }
        decpt += exponent
        while digits.first == "0" {
            digits.removeFirst()
            decpt -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        let sign = d.sign == .minus ? "-" : ""
        if digits.isEmpty { return sign + "0" }
        if decpt < -3 || decpt > 17 {
            let first = digits.removeFirst()
            let e = decpt - 1
            return sign + "\(first)." + (digits.isEmpty ? "0" : digits) + "E" + (e < 0 ? "-" : "+") + "\(e.magnitude)"
        }
        if decpt <= 0 { return sign + "0." + String(repeating: "0", count: -decpt) + digits }
        if digits.count <= decpt { return sign + digits + String(repeating: "0", count: decpt - digits.count) }
        let cut = digits.index(digits.startIndex, offsetBy: decpt)
        return sign + digits[..<cut] + "." + digits[cut...]
    }
}
