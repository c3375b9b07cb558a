/// Where secrets sit in an address text, read without parsing it: the parsers and `redacted`
/// agree on them, so a password is hidden even in an address that does not parse.
///
/// - The password of `user:password@` runs from the first `:` after the scheme to the last `@`
///   of the text, so `?`, `#`, `/`, `@` and `:` in it need no escaping (an `@` in an option
///   value is then best written `%40`).
/// - The value of a secret option (`crypto-key=`, `sentinel-password=`, `password=`) runs on
///   through `&` up to the next item that starts with a known option name.
extension StoreAddress {
    static let secretOptions: Set<Substring> = ["crypto-key", "password", "sentinel-password"]

    /// Every option either kind of store knows (the parsers' own lists: keep them in step), so a
    /// secret's value knows where it ends.
    static let knownOptions: Set<Substring> = [
        "ttl", "max-age", "encrypted", "crypto-key", "ext",
        "prefix", "layout", "serializer", "engine", "timeout", "db", "tls", "ssl", "ca", "cacert", "ca-cert", "cert", "key",
        "sni", "insecure", "sentinel-password", "sentinel-user", "sentinel-username", "password"
    ]

    static let knownSchemes: Set<String> = Set(["file", "memory"]).union(RedisAddressParser.forms.keys)

    /// The address with any password (`user:pass@`) and secret options replaced by `***`. It
    /// hides more than the password when an unescaped `@` follows it (in an option value).
    public static func redacted(_ text: String) -> String {
        var hidden = secretOptionValues(in: text)
        if let password = passwordRange(in: text) { hidden.append(password) }
        var out = ""
        var cursor = text.startIndex
        for range in hidden.sorted(by: { $0.lowerBound < $1.lowerBound }) where range.upperBound > cursor {
            out += text[cursor..<max(cursor, range.lowerBound)] + "***"
            cursor = range.upperBound
        }
        return out + text[cursor...]
    }

    /// The `name[=value]` items of a query, split at `&` except inside a secret's value.
    static func queryItems(_ query: Substring) -> [(name: Substring, value: Substring)] {
        var items: [(name: Substring, value: Substring)] = []
        var secretOpen = false
        for segment in query.split(separator: "&", omittingEmptySubsequences: false) {
            let name = segment.prefix { $0 != "=" }
            if secretOpen, !knownOptions.contains(name), let last = items.popLast() {
                // The secret's value goes on through this `&`.
                items.append((last.name, query[last.value.startIndex..<segment.endIndex]))
                continue
            }
            guard !segment.isEmpty else { continue }
            let value = segment.dropFirst(name.count).dropFirst()
            items.append((name, value))
            secretOpen = secretOptions.contains(name)
        }
        return items
    }

    /// Where the text after the scheme starts: after `://`, after a known `scheme:`, else at
    /// the beginning (an address too broken to have a scheme still has its password hidden).
    private static func bodyStart(_ text: String) -> String.Index {
        if let r = text.firstRange(of: "://") { return r.upperBound }
        if let scheme = schemeOf(text), knownSchemes.contains(scheme) { return text.index(text.startIndex, offsetBy: scheme.count + 1) }
        return text.startIndex
    }

    /// The password: after the first `:` of the text from the scheme to the last `@`.
    private static func passwordRange(in text: String) -> Range<String.Index>? {
        let start = bodyStart(text)
        guard let at = text[start...].lastIndex(of: "@"), let colon = text[start..<at].firstIndex(of: ":") else { return nil }
        return text.index(after: colon)..<at
    }

    /// The values of secret options, found wherever `?NAME=` or `&NAME=` occurs.
    private static func secretOptionValues(in text: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var from = text.startIndex
        while let q = text[from...].firstIndex(where: { $0 == "?" || $0 == "&" }) {
            let query = text[text.index(after: q)...]
            from = query.startIndex
            guard let first = queryItems(query).first, secretOptions.contains(first.name) else { continue }
            ranges.append(first.value.startIndex..<first.value.endIndex)
            from = first.value.endIndex
        }
        return ranges
    }
}
