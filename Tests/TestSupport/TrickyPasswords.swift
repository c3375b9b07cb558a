/// Passwords with the characters that are special in a URL (and others), for tests that a
/// password is never shown. Each is two recognisable halves around the tricky part, so a test can
/// check that no half of it appears either.
public enum TrickyPasswords {
    public static let specials = ["?", "#", "@", "/", "%", "%41", ":", " ", "&", "=", "é✓", "***", "?#@/%:", "@?"]

    /// `Zq7front` + special + `Yk9back`.
    public static let all: [String] = specials.map { "Zq7front" + $0 + "Yk9back" }

    /// True when `text` shows any half of any of the passwords.
    public static func shown(in text: String) -> Bool {
        text.contains("Zq7front") || text.contains("Yk9back")
    }
}
