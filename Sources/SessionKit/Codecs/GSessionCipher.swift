import COpenSSL

/// GoFrame's session file encryption: AES-CBC with PKCS#7 padding and a fixed IV
/// (`gaes.IVDefaultValue`), raw bytes, no MAC. The key length picks AES-128/192/256.
public struct GSessionCipher: Sendable {
    /// `gsession.DefaultStorageFileCryptoKey`.
    public static let defaultKey: [UInt8] = Array("Session storage file crypto key!".utf8)
    /// `gaes.IVDefaultValue`.
    public static let iv: [UInt8] = Array("I Love Go Frame!".utf8)

    public let key: [UInt8]

    public init(key: [UInt8] = GSessionCipher.defaultKey) throws(SessionError) {
        guard [16, 24, 32].contains(key.count) else {
            throw SessionError.invalidArgument("crypto key must be 16, 24 or 32 bytes long, not \(key.count)")
        }
        self.key = key
    }

    public func encrypt(_ plain: [UInt8]) -> [UInt8] {
        // Encryption cannot fail with a valid key length.
        run(encrypt: true, plain)!
    }

    /// nil when the bytes do not decrypt (not whole blocks, or bad padding: a wrong key or a
    /// body that was never encrypted).
    public func decrypt(_ cipher: [UInt8]) -> [UInt8]? {
        guard !cipher.isEmpty, cipher.count % 16 == 0 else { return nil }
        return run(encrypt: false, cipher)
    }

    private func run(encrypt: Bool, _ input: [UInt8]) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: input.count + 16)
        var n: Int32 = 0
        let ok = key.withUnsafeBufferPointer { k in
            GSessionCipher.iv.withUnsafeBufferPointer { iv in
                input.withUnsafeBufferPointer { inp in
                    out.withUnsafeMutableBufferPointer { o in
                        sessctl_aes_cbc(
                            encrypt ? 1 : 0, k.baseAddress, Int32(k.count), iv.baseAddress,
                            inp.baseAddress, Int32(inp.count), o.baseAddress, &n)
                    }
                }
            }
        }
        guard ok == 1 else { return nil }
        out.removeSubrange(Int(n)...)
        return out
    }
}
