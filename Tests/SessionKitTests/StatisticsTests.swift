import XCTest

@testable import SessionKit

/// The streaming sketches behind `stats`: their answers against exact ones.
final class StatisticsTests: XCTestCase {
    /// The nearest-rank quantile of a sorted array.
    private func nearestRank(_ sorted: [Int], _ q: Double) -> Int {
        sorted[max(Int((q * Double(sorted.count)).rounded(.up)), 1) - 1]
    }

    func testSizeQuantilesAreExactBelow1024AndWithinATenthOfAPercentAbove() {
        var generator = SystemRandomNumberGenerator()
        for range in [0...1023, 0...5_000, 900...2_000_000, 0...Int(Int32.max)] {
            var d = SizeDistribution()
            var values: [Int] = []
            for _ in 0..<20_000 {
                // Skewed towards small values, as session sizes are.
                let v = Int.random(in: range, using: &generator) >> Int.random(in: 0...6, using: &generator)
                values.append(v)
                d.add(v)
            }
            values.sort()
            XCTAssertEqual(d.count, values.count)
            XCTAssertEqual(d.total, values.reduce(0, +))
            XCTAssertEqual(d.max, values.last)
            XCTAssertEqual(d.min, values.first)
            for q in [0.01, 0.5, 0.9, 0.99, 1.0] {
                let exact = nearestRank(values, q)
                let estimate = d.quantile(q)!
                if exact < 1024 {
                    XCTAssertEqual(estimate, exact, "q\(q) in \(range)")
                } else {
                    XCTAssertLessThanOrEqual(abs(Double(estimate - exact)) / Double(exact), 0.001, "q\(q) in \(range): \(estimate) vs \(exact)")
                }
            }
        }
        XCTAssertNil(SizeDistribution().quantile(0.5))
        // Every bucket maps back onto the values that land in it.
        for v in [0, 1, 1023, 1024, 1025, 2047, 2048, 123_456_789, Int(Int64.max)] {
            let (lo, width) = SizeDistribution.range(of: SizeDistribution.bucket(of: v))
            XCTAssertTrue(lo <= v && v - lo < width, "\(v) in [\(lo), +\(width))")
        }
    }

    func testKeyTotalsAreExactWithinCapacityAndBoundedBeyond() {
        var exact = KeyWeights(capacity: 8)
        for (key, bytes) in [("user", 10), ("cart", 30), ("user", 5), ("flash", 1)] { exact.add(key, bytes: bytes) }
        XCTAssertFalse(exact.isApproximate)
        XCTAssertEqual(exact.top(2), [.init(key: "cart", bytes: 30, sessions: 1, error: 0), .init(key: "user", bytes: 15, sessions: 2, error: 0)])

        // Many distinct light keys and a few heavy ones, through a small table.
        var sketch = KeyWeights(capacity: 64)
        var truth: [String: Int] = [:]
        var total = 0
        for i in 0..<50_000 {
            let (key, bytes) = i % 10 == 0 ? ("heavy\(i % 3)", 40) : ("k\(i)", Int.random(in: 1...9))
            sketch.add(key, bytes: bytes)
            truth[key, default: 0] += bytes
            total += bytes
        }
        XCTAssertTrue(sketch.isApproximate)
        let top = sketch.top(3)
        XCTAssertEqual(Set(top.map(\.key)), ["heavy0", "heavy1", "heavy2"], "keys above total/capacity are always kept")
        for e in sketch.top(64) {
            XCTAssertGreaterThanOrEqual(e.bytes, truth[e.key]!, "an upper bound")
            XCTAssertLessThanOrEqual(e.bytes - e.error, truth[e.key]!, "less its error, a lower bound")
            XCTAssertLessThanOrEqual(e.error, total / 64)
        }
    }

    func testLargestSessionsDoNotDependOnOrder() {
        let sizes = (0..<200).map { (id: "s\($0)", size: $0 % 37) }
        var a = LargestSessions(limit: 5), b = LargestSessions(limit: 5)
        for s in sizes { a.add(id: s.id, size: s.size) }
        for s in sizes.reversed() { b.add(id: s.id, size: s.size) }
        XCTAssertEqual(a.entries, b.entries)
        XCTAssertEqual(a.entries.map(\.size), [36, 36, 36, 36, 36])
        XCTAssertEqual(a.entries.map(\.id), ["s110", "s147", "s184", "s36", "s73"], "ties by id, byte order")
    }

    func testLifetimeBuckets() {
        var h = LifetimeHistogram()
        let now: Int64 = 1_000_000_000
        for left: Int64 in [-1, 0, 59_999, 60_000, 3_599_999, 86_400_000, 2_592_000_000, 9_000_000_000] { h.add(.at(now + left), now: now) }
        h.add(.never, now: now)
        XCTAssertEqual(h.buckets.map(\.label), ["expired", "< 1m", "1m - 10m", "10m - 1h", "1h - 6h", "6h - 1d", "1d - 7d", "7d - 30d", ">= 30d", "no expiry"])
        XCTAssertEqual(h.buckets.map(\.count), [1, 2, 1, 1, 0, 0, 1, 0, 2, 1])
    }
}
