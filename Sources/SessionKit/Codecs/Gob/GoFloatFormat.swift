/// Go's text for floats: the shortest digits that read back to the same value (Swift's
/// `description` finds them), laid out as Go's `encoding/json` or `fmt`'s `%v` lay them out.
enum GoFloatFormat {
    /// `encoding/json`: plain decimal for 1e-6 <= |x| < 1e21, else `1e+21` / `1e-7`; nil for
    /// NaN and infinities, which JSON cannot hold. `bits: 32` formats a float32.
    static func json(_ value: Double, bits: Int = 64) -> String? {
        guard value.isFinite else { return nil }
        guard let d = digits(value, bits: bits) else { return nil }
        let magnitude = abs(bits == 32 ? Double(Float(value)) : value)
        if magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21) {
            var s = exponential(d)
            // Go cleans up e-09 to e-9.
            if let r = s.firstRange(of: "e-0") { s.replaceSubrange(r, with: "e-") }
            return s
        }
        return fixed(d)
    }

    /// `%v` (`%g` with the shortest digits): exponential when the exponent is below -4 or at
    /// least 6 (so `1e+06`, `123456`), `NaN`, `+Inf`, `-Inf`.
    static func percentV(_ value: Double, bits: Int = 64, plusSign: Bool = false) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        guard let d = digits(value, bits: bits) else { return "?" }
        let exp = d.point - 1
        var s = (d.digits == "0" || exp >= -4) && exp < 6 ? fixed(d) : exponential(d)
        if plusSign && !s.hasPrefix("-") { s = "+" + s }
        return s
    }

    struct Digits {
        var negative: Bool
        /// Significant digits without leading zeros ("0" for zero).
        var digits: String
        /// Where the decimal point goes: value = 0.digits × 10^point.
        var point: Int
    }

    /// Parses Swift's shortest `description` ("59.97", "1e-07", "1.2345e+16", "-0.0").
    static func digits(_ value: Double, bits: Int) -> Digits? {
        var text = bits == 32 ? Float(value).description : value.description
        var negative = false
        if text.hasPrefix("-") {
            negative = true
            text.removeFirst()
        }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let n = Int(text[text.index(after: e)...]) else { return nil }
            exponent = n
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let integer = String(parts[0])
        let frac = parts.count == 2 ? String(parts[1]) : ""
        var all = integer + frac
        var point = integer.count + exponent
        while all.hasPrefix("0") && all.count > 1 {
            all.removeFirst()
            point -= 1
        }
        while all.hasSuffix("0") && all.count > 1 { all.removeLast() }
        if all == "0" { return Digits(negative: negative, digits: "0", point: 1) }
        return Digits(negative: negative, digits: all, point: point)
    }

    private static func fixed(_ d: Digits) -> String {
        let sign = d.negative ? "-" : ""
        let n = d.digits.count
        if d.digits == "0" { return sign + "0" }
        if d.point <= 0 { return sign + "0." + String(repeating: "0", count: -d.point) + d.digits }
        if d.point >= n { return sign + d.digits + String(repeating: "0", count: d.point - n) }
        let i = d.digits.index(d.digits.startIndex, offsetBy: d.point)
        return sign + d.digits[..<i] + "." + d.digits[i...]
    }

    private static func exponential(_ d: Digits) -> String {
        let sign = d.negative ? "-" : ""
        var mantissa = String(d.digits.first!)
        if d.digits.count > 1 { mantissa += "." + d.digits.dropFirst() }
        let exp = d.digits == "0" ? 0 : d.point - 1
        let e = abs(exp) < 10 ? "0\(abs(exp))" : "\(abs(exp))"
        return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + e
    }
}
