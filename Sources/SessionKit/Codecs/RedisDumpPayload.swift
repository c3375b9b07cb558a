/// The value format of Redis' `DUMP` and `RESTORE` for a hash: RDB type 4 (field and value
/// strings, length-prefixed), the RDB version, and the CRC-64 Redis checks. `RESTORE key ttl
/// payload` then creates the hash with its TTL in one step, and only where no key exists
/// (`BUSYKEY` otherwise): one command, as cheap for the server as `HSET` alone.
///
/// Type 4 is the plain hash encoding every Redis version reads (the server turns a small one
/// into its compact form as it loads it); the payload says RDB version 6 (Redis 2.6) so any
/// server from then on takes it.
struct RedisDumpPayload {
    static let rdbVersion: UInt16 = 6
    private static let hashType: UInt8 = 4

    private var bytes: [UInt8] = []

    /// A hash of `count` fields: append each field's name, then its value, with `append`.
    init(hashFields count: Int, capacity: Int) {
        bytes.reserveCapacity(capacity + 32)
        bytes.append(Self.hashType)
        appendLength(count)
    }

    mutating func append(_ string: UnsafeBufferPointer<UInt8>) {
        appendLength(string.count)
        bytes.append(contentsOf: string)
    }

    mutating func append(_ string: [UInt8]) {
        string.withUnsafeBufferPointer { append($0) }
    }

    /// The payload: what was appended, the RDB version and the checksum.
    consuming func finished() -> [UInt8] {
        bytes.append(UInt8(Self.rdbVersion & 0xff))
        bytes.append(UInt8(Self.rdbVersion >> 8))
        var crc = CRC64.redis(bytes)
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: crc))
            crc >>= 8
        }
        return bytes
    }

    /// RDB's length encoding: 6 bits, 14 bits, or a marker and 32 or 64 bits big-endian.
    private mutating func appendLength(_ n: Int) {
        switch n {
        case ..<64:
            bytes.append(UInt8(n))
        case ..<16_384:
            bytes.append(0x40 | UInt8(n >> 8))
            bytes.append(UInt8(n & 0xff))
        case ...Int(UInt32.max):
            bytes.append(0x80)
            for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: n >> shift)) }
        default:
            bytes.append(0x81)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: n >> shift)) }
        }
    }
}

/// CRC-64 as Redis computes it (Jones polynomial, reflected, no final xor): the checksum of
/// `DUMP` payloads and RDB files. Eight bytes a step (slicing-by-8).
enum CRC64 {
    /// `tables[k][b]`: the CRC of byte `b` followed by `k` zero bytes.
    private static let tables: [UInt64] = {
        var t = [UInt64](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            // 0x95ac9329ac4bc9b5 is the Jones polynomial 0xad93d23594c935a9 reflected.
            var c = UInt64(i)
            for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0x95ac_9329_ac4b_c9b5 : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xff)]
            }
        }
        return t
    }()

    static func redis(_ bytes: [UInt8], crc start: UInt64 = 0) -> UInt64 {
        tables.withUnsafeBufferPointer { t in
            bytes.withUnsafeBytes { raw in
                var crc = start
                var i = 0
                let n = raw.count
                while i + 8 <= n {
                    crc ^= UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    crc =
                        t[7 * 256 + Int(crc & 0xff)] ^ t[6 * 256 + Int(crc >> 8 & 0xff)]
                        ^ t[5 * 256 + Int(crc >> 16 & 0xff)] ^ t[4 * 256 + Int(crc >> 24 & 0xff)]
                        ^ t[3 * 256 + Int(crc >> 32 & 0xff)] ^ t[2 * 256 + Int(crc >> 40 & 0xff)]
                        ^ t[256 + Int(crc >> 48 & 0xff)] ^ t[Int(crc >> 56)]
                    i += 8
                }
                while i < n {
                    crc = t[Int((crc ^ UInt64(raw[i])) & 0xff)] ^ (crc >> 8)
                    i += 1
                }
                return crc
            }
        }
    }
}
