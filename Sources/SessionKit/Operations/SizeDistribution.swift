/// A streaming distribution of byte sizes in fixed memory: a log-linear histogram, exact for
/// values below 1024 and within 0.1% above (each power of two is split into 512 buckets and a
/// bucket reports its middle). Quantiles use the nearest-rank rule: the p-quantile of n values
/// is the ⌈p·n⌉-th smallest. Total, minimum and maximum are exact. Memory grows with the largest
/// value's bucket only: at most some 28,000 counters for any 64-bit value.
public struct SizeDistribution: Sendable {
    static let exactBelow = 1024
    static let subBucketBits = 9  // 512 buckets per power of two

    private var counts: [Int] = []
    public private(set) var count = 0
    public private(set) var total = 0
    public private(set) var min = Int.max
    public private(set) var max = 0

    public init() {}

    public mutating func add(_ value: Int) {
        let v = Swift.max(value, 0)
        let i = Self.bucket(of: v)
        if i >= counts.count { counts.append(contentsOf: repeatElement(0, count: i + 1 - counts.count)) }
        counts[i] += 1
        count += 1
        total &+= v
        min = Swift.min(min, v)
        max = Swift.max(max, v)
    }

    /// True while every value so far was counted exactly (all below 1024).
    public var isExact: Bool { max < Self.exactBelow }

    /// The nearest-rank `q`-quantile (0 < q ≤ 1); nil when empty.
    public func quantile(_ q: Double) -> Int? {
        guard count > 0 else { return nil }
        var rank = Int((q * Double(count)).rounded(.up))
        rank = Swift.min(Swift.max(rank, 1), count)
        var seen = 0
        for (i, n) in counts.enumerated() where n > 0 {
            seen += n
            if seen >= rank {
                let (lo, width) = Self.range(of: i)
                let estimate = width == 1 ? lo : lo + width / 2
                return Swift.min(Swift.max(estimate, min), max)
            }
        }
        return max
    }

    static func bucket(of v: Int) -> Int {
        if v < exactBelow { return v }
        let e = Int.bitWidth - 1 - v.leadingZeroBitCount  // ≥ 10
        let shift = e - subBucketBits
        let sub = v >> shift  // 512..<1024
        return exactBelow + (e - 10) * (1 << subBucketBits) + (sub - (1 << subBucketBits))
    }

    /// The first value of bucket `i` and how many values it holds.
    static func range(of i: Int) -> (lo: Int, width: Int) {
        if i < exactBelow { return (i, 1) }
        let perOctave = 1 << subBucketBits
        let e = (i - exactBelow) / perOctave + 10
        let sub = (i - exactBelow) % perOctave + perOctave
        let shift = e - subBucketBits
        return (sub << shift, 1 << shift)
    }
}
