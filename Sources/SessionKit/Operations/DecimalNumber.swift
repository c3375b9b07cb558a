/// A number literal as an exact decimal, for comparing JSON numbers without going through
/// `Double`: `9007199254740993` and `9007199254740992` differ, `1e+21` equals
/// `1000000000000000000000`, `-0` equals `0`, `1001` equals `1001.0`.
struct DecimalNumber: Comparable, Sendable {
    /// The value is `sign × 0.d₁d₂d₃… × 10^exponent`, with no leading or trailing zero digit;
    /// zero has no digits.
    private let negative: Bool
    private let digits: [UInt8]
    private let exponent: Int

    /// Parses JSON's number grammar (leading zeros tolerated); nil for anything else, including
    /// surrounding spaces.
    init?(_ text: String) {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        }
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        let integer = bytes.prefix(while: isDigit)
        guard !integer.isEmpty else { return nil }
        bytes = bytes.dropFirst(integer.count)
        var fraction: ArraySlice<UInt8> = []
        if bytes.first == UInt8(ascii: ".") {
            fraction = bytes.dropFirst().prefix(while: isDigit)
            guard !fraction.isEmpty else { return nil }
            bytes = bytes.dropFirst(1 + fraction.count)
        }
        var exp = 0
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            var expNegative = false
            if let s = bytes.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
                expNegative = s == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            let expDigits = bytes.prefix(while: isDigit)
            guard !expDigits.isEmpty else { return nil }
            bytes = bytes.dropFirst(expDigits.count)
            // Beyond a billion the exact figure no longer matters for any comparison of literals
            // short enough to type.
            for d in expDigits.drop(while: { $0 == UInt8(ascii: "0") }).prefix(10) { exp = exp * 10 + Int(d - UInt8(ascii: "0")) }
            exp = min(exp, 1_000_000_000)
            if expNegative { exp = -exp }
        }
        guard bytes.isEmpty else { return nil }
        var all = Array(integer) + Array(fraction)
        var pointAt = integer.count + exp  // position of the decimal point within `all`
        let leading = all.prefix(while: { $0 == UInt8(ascii: "0") }).count
        all.removeFirst(leading)
        pointAt -= leading
        while all.last == UInt8(ascii: "0") { all.removeLast() }
        self.negative = negative && !all.isEmpty
        self.digits = all
        self.exponent = all.isEmpty ? 0 : pointAt
    }

    static func == (a: DecimalNumber, b: DecimalNumber) -> Bool {
        a.negative == b.negative && a.exponent == b.exponent && a.digits == b.digits
    }

    static func < (a: DecimalNumber, b: DecimalNumber) -> Bool {
        if a.negative != b.negative { return a.negative }
        let magnitudeLess = a.negative ? DecimalNumber.magnitudeLess(b, a) : DecimalNumber.magnitudeLess(a, b)
        return magnitudeLess
    }

    private static func magnitudeLess(_ a: DecimalNumber, _ b: DecimalNumber) -> Bool {
        if a.digits.isEmpty || b.digits.isEmpty { return a.digits.isEmpty && !b.digits.isEmpty }
        if a.exponent != b.exponent { return a.exponent < b.exponent }
        return a.digits.lexicographicallyPrecedes(b.digits)
    }
}
