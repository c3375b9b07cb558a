/// Glob patterns as `fnmatch` and Redis `MATCH` read them.
public enum Glob {
    /// The text with `*`, `?`, `[`, `]` and `\` escaped, so it matches only itself.
    public static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            if "*?[]\\".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
