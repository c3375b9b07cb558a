/// How `GobValueBuilder` reads scalars from JSON: numbers from their literal text (or from a
/// string that spells one, as a command line gives them), floats and complex numbers as Go
/// prints them.
extension GobValueBuilder {
    /// The text of a JSON number, or of a string that spells one.
    static func numberText(_ json: JSONValue) -> String? {
        switch json {
        case .number(let n): return n
        case .string(let s) where !s.isEmpty && s.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }): return s
        default: return nil
        }
    }

    static func float(_ json: JSONValue, bits: Int, name: String, path: String) throws(GobError) -> Double {
        let prefix = path.isEmpty ? "" : "\(path): "
        var d: Double
        switch json {
        case .string("NaN"): return Double.nan
        case .string("+Inf"), .string("Inf"): d = .infinity
        case .string("-Inf"): d = -.infinity
        default:
            guard let text = numberText(json), let v = Double(text) else { throw GobError.value(prefix + "\(name) takes a number, not \(describe(json))") }
            guard v.isFinite else { throw GobError.value(prefix + "\(text) is out of range for \(name)") }
            d = v
        }
        if bits == 32 {
            let f = Float(d)
            if d.isFinite && !f.isFinite { throw GobError.value(prefix + "\(d) is out of range for \(name)") }
            d = Double(f)
        }
        return d
    }

    /// A complex from a number or Go's `(1+2i)` text.
    static func complex(_ json: JSONValue) -> (Double, Double)? {
        if let text = numberText(json), let d = Double(text) { return (d, 0) }
        guard case .string(var s) = json, s.hasPrefix("("), s.hasSuffix("i)") else { return nil }
        s.removeFirst()
        s.removeLast(2)
        let chars = Array(s)
        guard let split = chars.indices.dropFirst().last(where: { (chars[$0] == "+" || chars[$0] == "-") && chars[$0 - 1] != "e" && chars[$0 - 1] != "E" }) else { return nil }
        func parse(_ t: String) -> Double? {
            switch t {
            case "NaN", "+NaN": return .nan
            case "+Inf", "Inf": return .infinity
            case "-Inf": return -.infinity
            default: return Double(t)
            }
        }
        guard let re = parse(String(chars[..<split])), let im = parse(String(chars[split...])) else { return nil }
        return (re, im)
    }

    static func describe(_ json: JSONValue) -> String {
        switch json {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n
        case .string(let s): return "\"" + (s.count > 40 ? String(s.prefix(40)) + "..." : s) + "\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
