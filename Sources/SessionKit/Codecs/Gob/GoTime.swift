/// A Go `time.Time` as gob carries it: `MarshalBinary`'s form, kept exactly (the zone offset
/// included, or Go's marker for the UTC location).
public struct GoTime: Sendable, Equatable {
    /// Seconds since 0001-01-01T00:00:00Z.
    public var seconds: Int64
    /// 0 ..< 1_000_000_000.
    public var nanoseconds: Int32
    /// Minutes east of UTC of a fixed zone; -1 for the UTC location.
    public var offsetMinutes: Int16
    /// Extra seconds of the offset (version 2 of the form, for zones like LMT); 0 otherwise.
    public var offsetSeconds: UInt8

    /// Seconds from 0001-01-01 to 1970-01-01.
    static let unixToInternal: Int64 = 62_135_596_800

    public init(seconds: Int64, nanoseconds: Int32, offsetMinutes: Int16 = -1, offsetSeconds: UInt8 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.offsetMinutes = offsetMinutes
        self.offsetSeconds = offsetSeconds
    }

    /// The instant `ms` Unix milliseconds, in UTC.
    public init(unixMillis ms: Int64) {
        let (sec, milli) = ms.floorDivided(by: 1000)
        self.init(seconds: sec.addingClamped(Self.unixToInternal), nanoseconds: Int32(milli) * 1_000_000)
    }

    /// `MarshalBinary` output: version 1 (15 bytes) or 2 (16 bytes); nil for anything else,
    /// as Go's `UnmarshalBinary` refuses it (nanoseconds out of range are refused too).
    public init?(binary b: [UInt8]) {
        guard let version = b.first, (version == 1 && b.count == 15) || (version == 2 && b.count == 16) else { return nil }
        var sec: UInt64 = 0
        for i in 1...8 { sec = sec << 8 | UInt64(b[i]) }
        var nsec: UInt32 = 0
        for i in 9...12 { nsec = nsec << 8 | UInt32(b[i]) }
        guard nsec < 1_000_000_000 else { return nil }
        seconds = Int64(bitPattern: sec)
        nanoseconds = Int32(nsec)
        offsetMinutes = Int16(bitPattern: UInt16(b[13]) << 8 | UInt16(b[14]))
        offsetSeconds = version == 2 ? b[15] : 0
    }

    /// The `MarshalBinary` bytes.
    public var binary: [UInt8] {
        var out: [UInt8] = [offsetSeconds == 0 ? 1 : 2]
        let sec = UInt64(bitPattern: seconds)
        for i in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: sec >> (8 * UInt64(i)))) }
        let nsec = UInt32(bitPattern: nanoseconds)
        for i in (0..<4).reversed() { out.append(UInt8(truncatingIfNeeded: nsec >> (8 * UInt32(i)))) }
        let off = UInt16(bitPattern: offsetMinutes)
        out += [UInt8(off >> 8), UInt8(off & 0xff)]
        if offsetSeconds != 0 { out.append(offsetSeconds) }
        return out
    }

    public var isUTC: Bool { offsetMinutes == -1 }

    /// The zone's offset east of UTC in seconds (0 for UTC).
    public var offset: Int64 { isUTC ? 0 : Int64(offsetMinutes) * 60 + Int64(offsetSeconds) }

    /// Go's zero `time.Time` (what a struct field that was not sent holds).
    public static let zero = GoTime(seconds: 0, nanoseconds: 0)

    public var isZero: Bool { seconds == 0 && nanoseconds == 0 }

    /// Unix milliseconds, clamped to Int64's range.
    public var unixMillis: Int64 {
        let s = seconds.subtractingClamped(Self.unixToInternal)
        let (ms, overflow) = s.multipliedReportingOverflow(by: 1000)
        if overflow { return s < 0 ? Int64.min : Int64.max }
        return ms.addingClamped(Int64(nanoseconds / 1_000_000))
    }

    // MARK: Text

    /// Go's `RFC3339Nano` (what `encoding/json` writes): `2026-11-20T18:30:15.123456789Z`,
    /// trailing zeros of the fraction dropped, `Z` for a zero offset, else `+02:00`.
    public var rfc3339: String {
        let (date, clock) = civil()
        var s = date + "T" + clock + fraction
        s += zoneText(colon: true, zForZero: true)
        return s
    }

    /// Go's `Time.String()` (what `%v` prints): `2026-11-20 18:30:15.123456789 +0000 UTC`.
    public var goString: String {
        let (date, clock) = civil()
        let zone = zoneText(colon: false, zForZero: false)
        return date + " " + clock + fraction + " " + zone + " " + (isUTC ? "UTC" : zone)
    }

    private var fraction: String {
        guard nanoseconds > 0 else { return "" }
        var digits = String(nanoseconds)
        digits = String(repeating: "0", count: 9 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "." + digits
    }

    private func zoneText(colon: Bool, zForZero: Bool) -> String {
        let off = offset
        if off == 0 && zForZero { return "Z" }
        let sign = off < 0 ? "-" : "+"
        let minutes = abs(off) / 60
        return sign + Self.pad(minutes / 60, 2) + (colon ? ":" : "") + Self.pad(minutes % 60, 2)
    }

    /// The local date `YYYY-MM-DD` and time `HH:MM:SS` in the value's zone.
    private func civil() -> (String, String) {
        let local = seconds.addingClamped(offset)
        let (days, secs) = local.floorDivided(by: 86_400)
        let (y, m, day) = Self.civilFromDays(days)
        let year = y < 0 ? "-" + Self.pad(-y, 4) : Self.pad(y, 4)
        return (
            "\(year)-\(Self.pad(m, 2))-\(Self.pad(day, 2))",
            "\(Self.pad(secs / 3600, 2)):\(Self.pad(secs / 60 % 60, 2)):\(Self.pad(secs % 60, 2))"
        )
    }

    private static func pad(_ n: Int64, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Year, month, day of `days` since 0001-01-01 (proleptic Gregorian), after H. Hinnant's
    /// `civil_from_days`, shifted to Go's epoch.
    static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        // 0001-01-01 is 719_162 days before 1970-01-01; the algorithm counts from 0000-03-01.
        let z = days.subtractingClamped(719_162).addingClamped(719_468)
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d)
    }

    /// Days since 0001-01-01 of a proleptic Gregorian date (inverse of `civilFromDays`).
    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468 + 719_162
    }

    /// Reads RFC 3339 as Go's `time.Parse(time.RFC3339Nano, s)` does: `Z` gives the UTC
    /// location, a numeric offset a fixed zone; up to nine fraction digits.
    public init?(rfc3339 text: String) {
        let c = Array(text.utf8)
        func num(_ from: Int, _ n: Int) -> Int64? {
            guard from + n <= c.count else { return nil }
            var v: Int64 = 0
            for i in from..<from + n {
                guard c[i] >= 48 && c[i] <= 57 else { return nil }
                v = v * 10 + Int64(c[i] - 48)
            }
            return v
        }
        guard c.count >= 20, let y = num(0, 4), c[4] == UInt8(ascii: "-"), let mo = num(5, 2), c[7] == UInt8(ascii: "-"),
            let d = num(8, 2), c[10] == UInt8(ascii: "T"), let h = num(11, 2), c[13] == UInt8(ascii: ":"),
            let mi = num(14, 2), c[16] == UInt8(ascii: ":"), let s = num(17, 2)
        else { return nil }
        let monthDays: [Int64] = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(mo), d >= 1, d <= monthDays[Int(mo - 1)], h < 24, mi < 60, s < 60 else { return nil }
        var i = 19
        var nanos: Int64 = 0
        if i < c.count && c[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < c.count && c[i] >= 48 && c[i] <= 57 {
                guard digits < 9 else { return nil }
                nanos = nanos * 10 + Int64(c[i] - 48)
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanos *= 10 }
        }
        guard i < c.count else { return nil }
        var offsetMinutes: Int16 = -1
        if c[i] == UInt8(ascii: "Z") && i + 1 == c.count {
            offsetMinutes = -1
        } else if c[i] == UInt8(ascii: "+") || c[i] == UInt8(ascii: "-"), i + 6 == c.count,
            let oh = num(i + 1, 2), c[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2), oh < 24, om < 60
        {
            let minutes = oh * 60 + om
            offsetMinutes = Int16(c[i] == UInt8(ascii: "-") ? -minutes : minutes)
            if offsetMinutes == -1 { return nil }  // -00:01 would read back as the UTC marker
        } else {
            return nil
        }
        let local = Self.daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s
        let offset = offsetMinutes == -1 ? 0 : Int64(offsetMinutes) * 60
        self.init(seconds: local - offset, nanoseconds: Int32(nanos), offsetMinutes: offsetMinutes)
    }
}
