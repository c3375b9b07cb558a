/// Glob matching as Redis does it for `SCAN ... MATCH` and `KEYS` (`stringmatchlen`): `*`, `?`,
/// `[abc]`, `[^a-z]` and `\` escapes, byte by byte. Used where keys come from a command that
/// cannot filter them (`CLUSTER GETKEYSINSLOT`).
public enum RedisGlob {
    public static func matches(_ pattern: [UInt8], _ string: [UInt8]) -> Bool {
        pattern.withUnsafeBufferPointer { p in
            string.withUnsafeBufferPointer { s in match(p[...], s[...]) }
        }
    }

    private static func match(_ pattern: Slice<UnsafeBufferPointer<UInt8>>, _ string: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        var p = pattern.startIndex
        var s = string.startIndex
        let pEnd = pattern.endIndex
        let sEnd = string.endIndex
        while p < pEnd && s < sEnd {
            switch pattern[p] {
            case UInt8(ascii: "*"):
                while p + 1 < pEnd && pattern[p + 1] == UInt8(ascii: "*") { p += 1 }
                if p + 1 == pEnd { return true }
                var t = s
                while t < sEnd {
                    if match(pattern[(p + 1)...], string[t...]) { return true }
                    t += 1
                }
                return false
            case UInt8(ascii: "?"):
                s += 1
            case UInt8(ascii: "["):
                p += 1
                let negate = p < pEnd && pattern[p] == UInt8(ascii: "^")
                if negate { p += 1 }
                var matched = false
                let c = string[s]
                while true {
                    if p >= pEnd {
                        p -= 1  // an unclosed class ends the pattern, as in Redis
                        break
                    }
                    if pattern[p] == UInt8(ascii: "\\") && p + 1 < pEnd {
                        p += 1
                        if pattern[p] == c { matched = true }
                    } else if pattern[p] == UInt8(ascii: "]") {
                        break
                    } else if p + 2 < pEnd && pattern[p + 1] == UInt8(ascii: "-") {
                        var lo = pattern[p], hi = pattern[p + 2]
                        if lo > hi { swap(&lo, &hi) }
                        if c >= lo && c <= hi { matched = true }
                        p += 2
                    } else if pattern[p] == c {
                        matched = true
                    }
                    p += 1
                }
                if negate { matched = !matched }
                if !matched { return false }
                s += 1
            case UInt8(ascii: "\\") where p + 1 < pEnd:
                p += 1
                if pattern[p] != string[s] { return false }
                s += 1
            default:
                if pattern[p] != string[s] { return false }
                s += 1
            }
            p += 1
        }
        if s == sEnd {
            while p < pEnd && pattern[p] == UInt8(ascii: "*") { p += 1 }
        }
        return p == pEnd && s == sEnd
    }
}
