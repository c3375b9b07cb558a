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

extension Glob {
    /// Whether `text` matches the glob `pattern` as a whole: `*` any run, `?` one character,
    /// `[abc]`, `[a-z]`, `[!a-z]` or `[^a-z]` one of a set, `\` takes the next character as
    /// itself. Works on Unicode scalars, so `?` is one character however many bytes it takes.
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.unicodeScalars), t = Array(text.unicodeScalars)
        var pi = 0, ti = 0
        var starP = -1, starT = 0
        while ti < t.count {
            if pi < p.count {
                switch p[pi] {
                case "*":
                    starP = pi
                    starT = ti
                    pi += 1
                    continue
                case "?":
                    pi += 1
                    ti += 1
                    continue
                case "[":
                    if let (matched, next) = matchSet(p, from: pi, t[ti]) {
                        if matched {
                            pi = next
                            ti += 1
                            continue
                        }
                    } else if t[ti] == "[" {  // an unclosed `[` is itself
                        pi += 1
                        ti += 1
                        continue
                    }
                case "\\" where pi + 1 < p.count:
                    if p[pi + 1] == t[ti] {
                        pi += 2
                        ti += 1
                        continue
                    }
                default:
                    if p[pi] == t[ti] {
                        pi += 1
                        ti += 1
                        continue
                    }
                }
            }
            // Mismatch: let the last `*` take one more character, if there was one.
            guard starP >= 0 else { return false }
            pi = starP + 1
            starT += 1
            ti = starT
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// Matches `c` against the set that opens at `p[start]`; nil when the set is not closed.
    private static func matchSet(_ p: [Unicode.Scalar], from start: Int, _ c: Unicode.Scalar) -> (Bool, Int)? {
        var i = start + 1
        var negated = false
        if i < p.count && (p[i] == "!" || p[i] == "^") {
            negated = true
            i += 1
        }
        var matched = false
        var first = true
        while i < p.count {
            if p[i] == "]" && !first { return (matched != negated, i + 1) }
            first = false
            var lo = p[i]
            if lo == "\\" && i + 1 < p.count {
                i += 1
                lo = p[i]
            }
            if i + 2 < p.count && p[i + 1] == "-" && p[i + 2] != "]" {
                var hi = p[i + 2]
                i += 2
                if hi == "\\" && i + 1 < p.count {
                    i += 1
                    hi = p[i]
                }
                if lo.value <= c.value && c.value <= hi.value { matched = true }
            } else if lo == c {
                matched = true
            }
            i += 1
        }
        return nil
    }
}
