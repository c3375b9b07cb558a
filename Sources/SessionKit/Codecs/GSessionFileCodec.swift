/// The bytes of a gsession `StorageFile` session file: an 8-byte little-endian Unix
/// millisecond timestamp (last write or touch), then the JSON object of the session,
/// optionally AES-CBC encrypted. The header is never encrypted.
public enum GSessionFileCodec {
    public static let headerSize = 8

    /// A decoded session file.
    public struct Decoded: Sendable {
        public var timestamp: Int64
        public var data: JSONObject
        public var style: JSONEscapeStyle
    }

    /// Reads a file's bytes; the error string says why they are not a session.
    public static func decode(_ bytes: [UInt8], cipher: GSessionCipher?) -> Result<Decoded, DecodeFailure> {
        guard bytes.count > headerSize else {
            return .failure(.init("only \(bytes.count) bytes, no session body (GoFrame treats a file of 8 bytes or less as no session)"))
        }
        let timestamp = readTimestamp(bytes)!
        if let why = implausibility(of: timestamp) { return .failure(.init(why)) }
        var plain: [UInt8]?
        if let cipher {
            guard let decrypted = cipher.decrypt(Array(bytes[headerSize...])) else {
                return .failure(
                    .init(
                        "the body does not decrypt with the store's key (wrong crypto key, or the file is not encrypted)",
                        timestamp: timestamp))
            }
            plain = decrypted
        }
        // A plain body is parsed where it lies, after the header.
        let result = (plain ?? bytes).withUnsafeBufferPointer { all -> Result<(value: JSONValue, style: JSONEscapeStyle), JSONParseError> in
            let body = UnsafeBufferPointer(rebasing: all[(plain == nil ? headerSize : 0)...])
            do throws(JSONParseError) {
                return .success(try JSONParser.parseDocument(body))
            } catch {
                return .failure(error)
            }
        }
        let parsed: (value: JSONValue, style: JSONEscapeStyle)
        switch result {
        case .success(let p): parsed = p
        case .failure(let error):
            var reason = error.describing("the body")
            if cipher == nil, !error.tooLarge, bytes[headerSize] != UInt8(ascii: "{") {
                reason += " (an encrypted store? add ?encrypted=true)"
            }
            return .failure(.init(reason, timestamp: timestamp))
        }
        guard case .object(let obj) = parsed.value else {
            return .failure(.init("the body is JSON but not an object (a \(parsed.value.kindName))", timestamp: timestamp))
        }
        return .success(Decoded(timestamp: timestamp, data: obj, style: parsed.style))
    }

    /// Why bytes are not a session, and the timestamp when the header was readable.
    public struct DecodeFailure: Error, Sendable {
        public var reason: String
        public var timestamp: Int64?
        init(_ reason: String, timestamp: Int64? = nil) {
            self.reason = reason
            self.timestamp = timestamp
        }
    }

    public static func encode(timestamp: Int64, data: JSONObject, style: JSONEscapeStyle, cipher: GSessionCipher?) -> [UInt8] {
        encode(timestamp: timestamp, body: body(data, style: style, cipher: cipher))
    }

    /// The stored body for the data: Go's JSON, encrypted when the store is.
    public static func body(_ data: JSONObject, style: JSONEscapeStyle, cipher: GSessionCipher?) -> [UInt8] {
        let json = GoJSONEncoder.encode(data, style: style)
        return cipher?.encrypt(json) ?? json
    }

    public static func encode(timestamp: Int64, body: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(headerSize + body.count)
        out.append(contentsOf: header(timestamp))
        out.append(contentsOf: body)
        return out
    }

    public static func header(_ timestamp: Int64) -> [UInt8] {
        let u = UInt64(bitPattern: timestamp)
        return (0..<8).map { UInt8(truncatingIfNeeded: u >> (8 * UInt64($0))) }
    }

    /// Why a header's timestamp is no time an app wrote (outside the years 0001-9999); nil for a
    /// plausible one. Such a session has no expiry sessctl could tell, so nothing treats it as expired.
    public static func implausibility(of timestamp: Int64) -> String? {
        guard !Durations.plausibleInstants.contains(timestamp) else { return nil }
        return "the header's timestamp (\(timestamp) ms) lies outside the years 0001-9999: no time GoFrame wrote, so its expiry is unknown"
    }

    /// The header timestamp that makes a session expire at `instant` under `maxAge`; nil when
    /// that is no plausible time (`implausibility(of:)`), which a read would refuse.
    public static func timestamp(expiringAt instant: Int64, maxAge: Int64) -> Int64? {
        let (timestamp, overflow) = instant.subtractingReportingOverflow(maxAge)
        return !overflow && implausibility(of: timestamp) == nil ? timestamp : nil
    }

    public static func readTimestamp(_ bytes: [UInt8]) -> Int64? {
        guard bytes.count >= headerSize else { return nil }
        var u: UInt64 = 0
        for i in 0..<8 { u |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        return Int64(bitPattern: u)
    }
}
