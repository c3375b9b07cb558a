/// Time arithmetic that cannot trap: a stored timestamp or lifetime may be anything, and an
/// instant past the end of `Int64` stays at the end instead of wrapping around.
extension Int64 {
    public func addingClamped(_ other: Int64) -> Int64 {
        let (r, o) = addingReportingOverflow(other)
        return o ? (other > 0 ? .max : .min) : r
    }

    public func subtractingClamped(_ other: Int64) -> Int64 {
        let (r, o) = subtractingReportingOverflow(other)
        return o ? (other < 0 ? .max : .min) : r
    }

    /// `self / divisor` rounded down and what remains (never negative), for a positive `divisor`:
    /// the second and millisecond of an instant before 1970 as well as after.
    public func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (q, r) = quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}
