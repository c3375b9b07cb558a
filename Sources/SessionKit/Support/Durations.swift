#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing lifetimes and instants the way an operator types and reads them.
public enum Durations {
    /// Parses `90`, `90s`, `30m`, `1h30m`, `7d`, `250ms` into milliseconds. A bare number is seconds.
    public static func parse(_ text: String) throws(SessionError) -> Int64 {
        let s = text.trimmingSpaces()
        func bad() -> SessionError {
            .invalidArgument("invalid duration '\(text)': use a number of seconds or units like 90s, 30m, 1h30m, 7d")
        }
        guard !s.isEmpty else { throw bad() }
        if let n = Int64(s), n >= 0 { return try multiply(n, 1000, text) }
        var total: Int64 = 0
        var chars = Array(s.utf8)[...]
        while !chars.isEmpty {
            var digits: Int64 = 0
            var sawDigit = false
            while let c = chars.first, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                let (m, o1) = digits.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(c - UInt8(ascii: "0")))
                if o1 || o2 { throw bad() }
                digits = a
                sawDigit = true
                chars.removeFirst()
            }
            guard sawDigit else { throw bad() }
            var unit: [UInt8] = []
            while let c = chars.first, (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) {
                unit.append(c)
                chars.removeFirst()
            }
            let factor: Int64
            switch String(decoding: unit, as: UTF8.self) {
            case "ms": factor = 1
            case "s": factor = 1000
            case "m": factor = 60_000
            case "h": factor = 3_600_000
            case "d": factor = 86_400_000
            case "w": factor = 7 * 86_400_000
            default: throw bad()
            }
            let (sum, o) = total.addingReportingOverflow(try multiply(digits, factor, text))
            if o { throw bad() }
            total = sum
        }
        return total
    }

    private static func multiply(_ a: Int64, _ b: Int64, _ text: String) throws(SessionError) -> Int64 {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        if o { throw SessionError.invalidArgument("duration '\(text)' is too long") }
        return r
    }

    /// A short human form with the two largest units: `2d3h`, `23h59m`, `59m12s`, `12s`.
    public static func format(millis: Int64) -> String {
        let negative = millis < 0
        var s = (negative ? -millis : millis) / 1000
        if s == 0 { return negative ? "-0s" : (millis == 0 ? "0s" : "<1s") }
        let units: [(Int64, String)] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")]
        var parts: [String] = []
        for (size, name) in units where parts.count < 2 {
            let n = s / size
            if n > 0 || !parts.isEmpty {
                if n > 0 { parts.append("\(n)\(name)") } else { parts.append("") }
                s -= n * size
            }
        }
        return (negative ? "-" : "") + parts.joined()
    }

    /// `2026-11-21T06:47:24.123Z`: RFC 3339 in UTC with milliseconds.
    public static func rfc3339(millis: Int64) -> String {
        let (date, ms) = utc(millis)
        return date.replacingSpaceWithT() + "." + pad(Int(ms), 3) + "Z"
    }

    /// `2026-11-21 06:47:24` in UTC, for tables.
    public static func shortDate(millis: Int64) -> String {
        utc(millis).0
    }

    private static func utc(_ millis: Int64) -> (String, Int64) {
        var secs = time_t(millis >= 0 ? millis / 1000 : (millis - 999) / 1000)
        let ms = millis - Int64(secs) * 1000
        var t = tm()
        gmtime_r(&secs, &t)
        let date = "\(pad(Int(t.tm_year) + 1900, 4))-\(pad(Int(t.tm_mon) + 1, 2))-\(pad(Int(t.tm_mday), 2)) "
            + "\(pad(Int(t.tm_hour), 2)):\(pad(Int(t.tm_min), 2)):\(pad(Int(t.tm_sec), 2))"
        return (date, ms)
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }

    fileprivate func replacingSpaceWithT() -> String {
        String(map { $0 == " " ? "T" : $0 })
    }
}
