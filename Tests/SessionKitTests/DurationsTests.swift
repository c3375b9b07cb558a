import SessionKit
import XCTest

/// Durations and instants at the ends of `Int64`: refused or shown, never a trap.
final class DurationsTests: XCTestCase {
    func testTheLongestDurationIsGosAndLongerOnesAreRefused() throws {
        XCTAssertEqual(try Durations.parse("106751d23h47m16s854ms"), Durations.longestMillis)
        XCTAssertEqual(Durations.longestMillis, 9_223_372_036_854)
        for text in ["106751d23h47m16s855ms", "106751991167d", "9223372036854775807", "9223372036854775808", "99999999999w"] {
            XCTAssertThrowsError(try Durations.parse(text), text) { error in
                XCTAssertEqual(
                    (error as? SessionError)?.description,
                    "duration '\(text)' is too long: the longest is 106751d23h47m16s854ms (Go's time.Duration, about 292 years)")
            }
        }
    }

    func testInstantsAndLifetimesAtTheEndsOfInt64AreShownNotTrapped() {
        for ms in [Int64.min, .min + 1, -1, 0, .max - 1, .max] {
            XCTAssertFalse(Durations.rfc3339(millis: ms).isEmpty)
            XCTAssertFalse(Durations.shortDate(millis: ms).isEmpty)
            XCTAssertFalse(Durations.format(millis: ms).isEmpty)
        }
        XCTAssertEqual(Durations.rfc3339(millis: -1), "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(Durations.format(millis: .min), "-106751991167d7h")
        XCTAssertEqual(Expiry.at(.min).remaining(now: 1), .min, "clamped, not wrapped")
        XCTAssertEqual(Expiry.at(.max).remaining(now: -1), .max)
        XCTAssertTrue(Expiry.at(.min).isExpired(now: 0))
    }

    func testFileTimestampsOutsideTheYears1To9999AreNoTime() {
        XCTAssertNil(GSessionFileCodec.implausibility(of: 0))
        XCTAssertNil(GSessionFileCodec.implausibility(of: Durations.plausibleInstants.upperBound))
        XCTAssertNotNil(GSessionFileCodec.implausibility(of: Durations.plausibleInstants.upperBound + 1))
        XCTAssertNotNil(GSessionFileCodec.implausibility(of: .min))
        XCTAssertEqual(Durations.rfc3339(millis: Durations.plausibleInstants.lowerBound), "0001-01-01T00:00:00.000Z")
        XCTAssertEqual(Durations.rfc3339(millis: Durations.plausibleInstants.upperBound), "9999-12-31T23:59:59.999Z")
        XCTAssertNil(GSessionFileCodec.timestamp(expiringAt: .min, maxAge: 86_400_000), "an overflow is no timestamp")
        XCTAssertNil(GSessionFileCodec.timestamp(expiringAt: Durations.plausibleInstants.lowerBound, maxAge: 1))
        XCTAssertEqual(GSessionFileCodec.timestamp(expiringAt: 86_400_000, maxAge: 86_400_000), 0)
    }
}
