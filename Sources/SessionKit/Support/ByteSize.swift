/// Sizes as an operator writes them in a config file.
public enum ByteSize {
    /// Parses `1048576`, `500MB`, `1GiB`, `1g`, `64k` into bytes: a whole number, then an optional
    /// unit in any case: `B`; `KB` `MB` `GB` `TB` (powers of 1000); `KiB` `MiB` `GiB` `TiB` and
    /// the single letters `K` `M` `G` `T` (powers of 1024). Spaces may stand between the two.
    public static func parse(_ text: String) throws(SessionError) -> Int64 {
        func bad() -> SessionError {
            .invalidArgument("invalid size '\(text)': use a whole number of bytes with an optional unit, like 500MB, 1GiB or 1g")
        }
        let s = text.trimmingSpaces()
        let digits = s.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int64(digits) else { throw bad() }
        let unit = s.dropFirst(digits.count).drop { $0 == " " || $0 == "\t" }.lowercased()
        let factors: [String: Int64] = [
            "": 1, "b": 1,
            "kb": 1000, "mb": 1_000_000, "gb": 1_000_000_000, "tb": 1_000_000_000_000,
            "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40,
            "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40
        ]
        guard let factor = factors[unit] else { throw bad() }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw SessionError.invalidArgument("size '\(text)' is too large") }
        return bytes
    }
}
