/// Which of a Redis Cluster's 16,384 hash slots a key lives in: CRC16 (XMODEM) of the key, or of
/// its hash tag (the bytes between the first `{` and the next `}`, when there are any), mod 16384.
public enum ClusterSlots {
    public static let count = 16_384

    /// CRC16-CCITT/XMODEM: polynomial 0x1021, initial value 0, no reflection, no final XOR.
    static let table: [UInt16] = (0..<256).map { byte in
        var crc = UInt16(byte) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }

    public static func crc16(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        table.withUnsafeBufferPointer { t in
            for b in bytes { crc = (crc << 8) ^ t[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ b)] }
        }
        return crc
    }

    public static func crc16(_ bytes: [UInt8]) -> UInt16 {
        bytes.withUnsafeBufferPointer { crc16($0) }
    }

    /// The slot of `key`, honouring hash tags.
    public static func slot(of key: UnsafeBufferPointer<UInt8>) -> Int {
        if let open = key.firstIndex(of: UInt8(ascii: "{")) {
            let rest = UnsafeBufferPointer(rebasing: key[(open + 1)...])
            if let close = rest.firstIndex(of: UInt8(ascii: "}")), close > rest.startIndex {
                return Int(crc16(UnsafeBufferPointer(rebasing: rest[..<close])) & 0x3FFF)
            }
        }
        return Int(crc16(key) & 0x3FFF)
    }

    public static func slot(of key: [UInt8]) -> Int {
        key.withUnsafeBufferPointer { slot(of: $0) }
    }
}
