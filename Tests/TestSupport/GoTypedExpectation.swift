import SessionKit

/// Compares what sessctl shows for a Go-typed session (plain JSON, and `-o typed` nodes
/// `{"type", "value"}`) with the typed values of the shared fixtures' `expected.json`
/// (`{type, gob_name, value, bits_hex, ...}`). Returns the differences, one line each.
///
/// Types are compared as gob carries them: an interface value's registered name must equal
/// `gob_name` exactly; a struct field or typed element shows its wire type, so `int64` in Go
/// is `int` on the wire, `float32` is `float64`, and a named struct is its bare name.
public enum GoTypedExpectation {
    public static func plainDifferences(_ shown: JSONValue?, _ expected: JSONObject, path: String) -> [String] {
        compare(shown, expected, path: path, typed: false)
    }

    public static func typedDifferences(_ shown: JSONValue?, _ expected: JSONObject, path: String) -> [String] {
        compare(shown, expected, path: path, typed: true)
    }

    private static func compare(_ shownNode: JSONValue?, _ expected: JSONObject, path: String, typed: Bool) -> [String] {
        guard let shownNode else { return ["\(path): missing"] }
        let expectedType = expected["type"]?.stringValue ?? "?"
        var shown = shownNode
        if typed {
            guard case .object(let node) = shownNode, case .string(let t)? = node["type"], let v = node["value"] else {
                return ["\(path): not a typed node: \(shownNode)"]
            }
            let gobName = expected["gob_name"]?.stringValue
            if let gobName, !gobName.isEmpty {
                if t != gobName { return ["\(path): type \(t), expected gob name \(gobName)"] }
            } else if expectedType == "nil" {
                if t != "nil" { return ["\(path): type \(t), expected nil"] }
            } else if !wireCompatible(t, expectedType) {
                return ["\(path): type \(t), expected \(expectedType)"]
            }
            shown = v
        }
        let value = expected["value"] ?? .null
        if expected["nil"] == .bool(true) {
            return shown == .null ? [] : ["\(path): \(shown), expected null (Go prints a nil slice or map as null)"]
        }
        switch expectedType {
        case "float32", "float64":
            guard case .number(let text) = shown, let bitsHex = expected["bits_hex"]?.stringValue else { return ["\(path): \(shown) is not a float"] }
            let bits = expectedType == "float32" ? String(Float(text)!.bitPattern, radix: 16) : String(Double(text)!.bitPattern, radix: 16)
            return bits == bitsHex.drop(while: { $0 == "0" }) || bits == bitsHex ? [] : ["\(path): \(text) has bits \(bits), expected \(bitsHex)"]
        case "nil":
            return shown == .null ? [] : ["\(path): \(shown), expected null"]
        default:
            break
        }
        switch (value, shown) {
        case (.object(let fields), .object(let o)):
            var out: [String] = []
            if fields.count != o.count { out.append("\(path): \(o.count) members, expected \(fields.count)") }
            for (name, v) in fields {
                guard case .object(let sub) = v else { out.append("\(path).\(name): expected value is not typed"); continue }
                out += compare(o[name], sub, path: "\(path).\(name)", typed: typed)
            }
            return out
        case (.array(let items), .array(let a)):
            guard items.count == a.count else { return ["\(path): \(a.count) elements, expected \(items.count)"] }
            var out: [String] = []
            for (i, item) in items.enumerated() {
                guard case .object(let sub) = item else { out.append("\(path)[\(i)]: expected value is not typed"); continue }
                out += compare(a[i], sub, path: "\(path)[\(i)]", typed: typed)
            }
            return out
        default:
            return shown == value ? [] : ["\(path): \(shown), expected \(value)"]
        }
    }

    /// Whether a wire type as sessctl spells it stands for the Go type `%T` printed.
    public static func wireCompatible(_ shown: String, _ goType: String) -> Bool {
        if shown == goType { return true }
        var t = goType
        while t.hasPrefix("*") { t.removeFirst() }
        if t.hasPrefix("[]") {
            return shown.hasPrefix("[]") && wireCompatible(String(shown.dropFirst(2)), String(t.dropFirst(2)))
        }
        switch t {
        case "int", "int8", "int16", "int32", "int64": return shown == "int"
        case "uint", "uint16", "uint32", "uint64", "uintptr", "uint8": return shown == "uint"
        case "float32", "float64": return shown == "float64"
        case "complex64", "complex128": return shown == "complex128"
        default:
            // A named type shows its bare name (the wire has no package).
            if let dot = t.lastIndex(of: "."), !t.hasPrefix("map[") { return shown == String(t[t.index(after: dot)...]) || shown == t }
            return false
        }
    }
}
