#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading and writing lifetimes and instants the way an operator types and reads them.
public enum Durations {
    /// The longest lifetime sessctl takes: Go's longest `time.Duration` (2^63-1 ns, 106751d23h,
    /// about 292 years), which GoFrame keeps its max age in. Any instant a session lives to from
    /// now stays far inside `Int64` milliseconds.
    public static let longestMillis: Int64 = Int64.max / 1_000_000

    /// The instants a stored timestamp may name: the years 0001 to 9999 (RFC 3339's), in Unix
    /// milliseconds. Anything outside is no time an app wrote.
    public static let plausibleInstants: ClosedRange<Int64> = -62_135_596_800_000...253_402_300_799_999

    /// Parses `90`, `90s`, `30m`, `1h30m`, `7d`, `250ms` into milliseconds. A bare number is seconds.
    /// Longer than `longestMillis` is refused.
    public static func parse(_ text: String) throws(SessionError) -> Int64 {
        let millis = try parseUnbounded(text)
        guard millis <= longestMillis else { throw tooLong(text) }
        return millis
    }

    private static func tooLong(_ text: String) -> SessionError {
        .invalidArgument("duration '\(text)' is too long: the longest is 106751d23h47m16s854ms (Go's time.Duration, about 292 years)")
    }

    private static func parseUnbounded(_ text: String) throws(SessionError) -> Int64 {
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
                if o1 || o2 { throw tooLong(text) }
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
            if o { throw tooLong(text) }
            total = sum
        }
        return total
    }

    private static func multiply(_ a: Int64, _ b: Int64, _ text: String) throws(SessionError) -> Int64 {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        if o { throw tooLong(text) }
        return r
    }

    /// A short human form with the two largest units: `2d3h`, `23h59m`, `59m12s`, `12s`.
    public static func format(millis: Int64) -> String {
        let negative = millis < 0
        var s = Int64(millis.magnitude / 1000)
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
        var out: [UInt8] = []
        appendRFC3339(millis: millis, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `rfc3339(millis:)` without building strings: listings write one per session.
    public static func appendRFC3339(millis: Int64, to out: inout [UInt8]) {
        let (secs, ms) = millis.floorDivided(by: 1000)
        let (days, secondOfDay) = secs.floorDivided(by: 86_400)
        // Civil date from days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        guard (0...9999).contains(year) else {
            // Outside four-digit years: the slow, general way.
            ByteWriter.appendDecimal(year, width: 4, to: &out)
            for (sep, v, w) in [
                ("-", month, 2), ("-", day, 2), ("T", secondOfDay / 3600, 2), (":", secondOfDay / 60 % 60, 2),
                (":", secondOfDay % 60, 2), (".", ms, 3)
            ] as [(Character, Int64, Int)] {
                out.append(contentsOf: String(sep).utf8)
                ByteWriter.appendDecimal(v, width: w, to: &out)
            }
            out.append(UInt8(ascii: "Z"))
            return
        }
        // YYYY-MM-DDTHH:MM:SS.mmmZ into a stack buffer, appended at once.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { b in
            func put(_ v: Int64, _ at: Int, _ width: Int) {
                var n = v
                for i in stride(from: at + width - 1, through: at, by: -1) {
                    b[i] = UInt8(ascii: "0") + UInt8(n % 10)
                    n /= 10
                }
            }
            put(year, 0, 4); b[4] = UInt8(ascii: "-")
            put(month, 5, 2); b[7] = UInt8(ascii: "-")
            put(day, 8, 2); b[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, 11, 2); b[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, 14, 2); b[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, 17, 2); b[19] = UInt8(ascii: ".")
            put(ms, 20, 3); b[23] = UInt8(ascii: "Z")
            out.append(contentsOf: UnsafeBufferPointer(b))
        }
    }

    /// Unix milliseconds from an RFC 3339 instant: `2026-11-21T06:47:24.123Z`, `...+01:00`, any
    /// number of fraction digits (beyond milliseconds they are dropped); nil when it is not one.
    public static func parseRFC3339(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        var i = 0
        func number(_ width: Int) -> Int64? {
            guard i + width <= b.count else { return nil }
            var n: Int64 = 0
            for c in b[i..<i + width] {
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                n = n * 10 + Int64(c - UInt8(ascii: "0"))
            }
            i += width
            return n
        }
        func expect(_ c: Character) -> Bool {
            guard i < b.count, b[i] == c.asciiValue! || (c == "T" && b[i] == UInt8(ascii: "t")) || (c == "Z" && b[i] == UInt8(ascii: "z")) else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2), expect("T"),
            let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var millis: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
                if digits < 3 { millis = millis * 10 + Int64(b[i] - UInt8(ascii: "0")) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millis *= 10 }
        }
        var offset: Int64 = 0
        if expect("Z") {
            offset = 0
        } else if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let h = number(2), expect(":"), let m = number(2), h < 24, m < 60 else { return nil }
            offset = sign * (h * 3600 + m * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // Days since 1970-01-01 from the civil date (H. Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return seconds * 1000 + millis
    }

    /// `2026-11-21 06:47:24` in UTC, for tables.
    public static func shortDate(millis: Int64) -> String {
        utc(millis).0
    }

    private static func utc(_ millis: Int64) -> (String, Int64) {
        let (s, ms) = millis.floorDivided(by: 1000)
        var secs = time_t(s)
        var t = tm()
        gmtime_r(&secs, &t)
        let date =
            "\(pad(Int(t.tm_year) + 1900, 4))-\(pad(Int(t.tm_mon) + 1, 2))-\(pad(Int(t.tm_mday), 2)) "
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
}
