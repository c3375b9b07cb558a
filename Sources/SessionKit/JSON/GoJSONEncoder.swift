/// Writes JSON exactly as Go's `encoding/json.Marshal` writes a `map[string]any` read with
/// `UseNumber`: compact, keys sorted byte-wise, number literals as they are, `<` `>` `&` and
/// U+2028/U+2029 escaped, other non-ASCII raw.
public enum GoJSONEncoder {
    public static func encode(_ value: JSONValue, style: JSONEscapeStyle = .modern) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, style: style, into: &out)
        return out
    }

    public static func encode(_ object: JSONObject, style: JSONEscapeStyle = .modern) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(object, style: style, into: &out)
        return out
    }

    /// Appends a JSON string as Go writes it (HTML characters escaped), for callers that build
    /// JSON text piece by piece.
    public static func append(string s: String, style: JSONEscapeStyle = .modern, to out: inout [UInt8]) {
        writeString(s, style: style, html: true, into: &out)
    }

    static func write(_ value: JSONValue, style: JSONEscapeStyle, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(var n): n.withUTF8 { out.append(contentsOf: $0) }
        case .string(let s): writeString(s, style: style, html: true, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, style: style, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let obj):
            write(obj, style: style, into: &out)
        }
    }

    static func write(_ obj: JSONObject, style: JSONEscapeStyle, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, m) in obj.members.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            writeString(m.key, style: style, html: true, into: &out)
            out.append(UInt8(ascii: ":"))
            write(m.value, style: style, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private static let lowEscapes: UInt64 = 0xFFFF_FFFF | 1 << 0x22
    private static let lowEscapesHTML: UInt64 = lowEscapes | 1 << 0x26 | 1 << 0x3C | 1 << 0x3E

    /// Go's string quoting. With `html`, `<`, `>` and `&` become `\u003c`, `\u003e`, `\u0026`.
    static func writeString(_ s: String, style: JSONEscapeStyle, html: Bool, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeString(utf8: $0, style: style, html: html, into: &out) }
    }

    private static func writeString(utf8 b: UnsafeBufferPointer<UInt8>, style: JSONEscapeStyle, html: Bool, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        var i = 0
        let n = b.count
        // Below 0x40, one bit per byte that needs a look: controls, `"`, and with `html` `&<>`.
        let low: UInt64 = html ? Self.lowEscapesHTML : Self.lowEscapes
        while i < n {
            let c = b[i]
            // Bytes that stand for themselves are copied in runs.
            if c < 0x40 {
                if low >> UInt64(c) & 1 == 0 {
                    i += 1
                    continue
                }
            } else if c != UInt8(ascii: "\\") && c != 0xE2 {
                i += 1
                continue
            }
            // U+2028 and U+2029 are E2 80 A8 / E2 80 A9; other E2 sequences are plain.
            if c == 0xE2 && !(i + 2 < n && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9)) {
                i += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[runStart..<i]))
            switch c {
            case 0xE2:
                unicodeEscape(b[i + 2] == 0xA8 ? 0x2028 : 0x2029, into: &out)
                i += 3
                runStart = i
                continue
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(c)
            case 0x0a: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0d: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08 where style == .modern: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0c where style == .modern: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            default: unicodeEscape(UInt32(c), into: &out)  // other control characters and <, >, &
            }
            i += 1
            runStart = i
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[runStart..<n]))
        out.append(UInt8(ascii: "\""))
    }

    private static func unicodeEscape(_ v: UInt32, into out: inout [UInt8]) {
        out.append(contentsOf: [
            UInt8(ascii: "\\"), UInt8(ascii: "u"),
            hex[Int(v >> 12 & 0xF)], hex[Int(v >> 8 & 0xF)],
            hex[Int(v >> 4 & 0xF)], hex[Int(v & 0xF)]
        ])
    }
}

/// Indented JSON for people: two spaces, `"key": value`, no HTML escaping, optional colour.
public enum JSONPrettyPrinter {
    public static func format(_ value: JSONValue, color: Bool = false) -> String {
        var out: [UInt8] = []
        write(value, indent: 0, color: color, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static let keyColor = Array("\u{1B}[34;1m".utf8)
    private static let stringColor = Array("\u{1B}[32m".utf8)
    private static let scalarColor = Array("\u{1B}[33m".utf8)
    private static let reset = Array("\u{1B}[0m".utf8)

    private static func painted(_ color: Bool, _ code: [UInt8], into out: inout [UInt8], _ body: (inout [UInt8]) -> Void) {
        if color { out.append(contentsOf: code) }
        body(&out)
        if color { out.append(contentsOf: reset) }
    }

    private static func newline(_ indent: Int, into out: inout [UInt8]) {
        out.append(0x0a)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    private static func write(_ value: JSONValue, indent: Int, color: Bool, into out: inout [UInt8]) {
        switch value {
        case .null, .bool, .number:
            painted(color, scalarColor, into: &out) { GoJSONEncoder.write(value, style: .modern, into: &$0) }
        case .string(let s):
            painted(color, stringColor, into: &out) { GoJSONEncoder.writeString(s, style: .modern, html: false, into: &$0) }
        case .array(let items):
            if items.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1, into: &out)
                write(item, indent: indent + 1, color: color, into: &out)
            }
            newline(indent, into: &out)
            out.append(UInt8(ascii: "]"))
        case .object(let obj):
            if obj.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (i, m) in obj.members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1, into: &out)
                painted(color, keyColor, into: &out) { GoJSONEncoder.writeString(m.key, style: .modern, html: false, into: &$0) }
                out.append(contentsOf: ": ".utf8)
                write(m.value, indent: indent + 1, color: color, into: &out)
            }
            newline(indent, into: &out)
            out.append(UInt8(ascii: "}"))
        }
    }
}
