/// SCS's `HashTokenInStore`: the store key of a session is `base64.RawURLEncoding` of the
/// SHA-256 of the cookie token, so only the token in the cookie finds it.
public enum SCSTokens {
    public static func storeKey(forToken token: String) -> String {
        let digest = SHA256.digest(Array(token.utf8))
        return Base64.rawURL(digest)
    }
}
