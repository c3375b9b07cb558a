import COpenSSL

/// SCS's `HashTokenInStore`: the store key of a session is `base64.RawURLEncoding` of the
/// SHA-256 of the cookie token, so only the token in the cookie finds it.
public enum SCSTokens {
    public static func storeKey(forToken token: String) -> String {
        let input = Array(token.utf8)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = input.withUnsafeBufferPointer { i in
            digest.withUnsafeMutableBufferPointer { d in
                EVP_Digest(i.baseAddress, i.count, d.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "SHA-256 through libcrypto failed")
        return Base64.rawURL(digest)
    }
}
