#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte-for-byte comparisons with memcmp, for session bodies that can be megabytes long.
enum Bytes {
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in a.isEmpty || memcmp(pa.baseAddress!, pb.baseAddress!, a.count) == 0 } }
    }

    /// UTF-8 equality, not Unicode canonical equivalence (Go compares strings by bytes).
    static func equal(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { pa in b.withUTF8 { pb in pa.count == pb.count && (pa.isEmpty || memcmp(pa.baseAddress!, pb.baseAddress!, pa.count) == 0) } }
    }
}

/// Appending text to a byte buffer without building strings: for output written a million
/// times (listings, timestamps).
public enum ByteWriter {
    @inline(__always)
    public static func append(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `value` in decimal, at least `width` digits (zero-padded).
    public static func appendDecimal(_ value: Int64, width: Int = 1, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            if value == Int64.min { out.append(contentsOf: "9223372036854775808".utf8); return }
            appendDecimal(-value, width: width, to: &out)
            return
        }
        // Digits into a small stack buffer, last first.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var n = value
            var count = 0
            repeat {
                digits[19 - count] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                count += 1
            } while n > 0
            while count < width && count < 20 {
                digits[19 - count] = UInt8(ascii: "0")
                count += 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[(20 - count)...]))
        }
    }
}
