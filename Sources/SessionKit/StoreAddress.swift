/// A parsed store address: `file:/dir`, `file:./dir`, `file:///dir`, a bare path, each with
/// optional `?ttl=24h&encrypted=true&crypto-key=...&ext=`, or
/// `redis://[user[:password]@]host[:port][/db]`, `rediss://` (TLS), `redis+unix:///path/to.sock`,
/// `redis+cluster://host:port[,host:port...]` and `redis+sentinel://host:port[,...]/MASTER[/db]`,
/// each with optional `?prefix=&layout=...&serializer=...&timeout=5s&ttl=24h&db=` (`parseRedis` lists them)
/// and the TLS options
/// (`tls=1&ca=&cert=&key=&sni=&insecure=1`); see product.md for the whole grammar.
public struct StoreAddress: Sendable {
    public enum Kind: Sendable {
        case file(directory: String, options: FileStore.Options)
        case redis(options: RedisStoreOptions, layout: SessionLayout)
    }

    public let kind: Kind
    /// The address as it may be shown: passwords and keys hidden.
    public let displayName: String

    /// The store used when nothing names one: GoFrame's default `$TMPDIR/gsessions/default`.
    public static func defaultAddress(environment: [String: String]) -> String {
        var tmp = environment["TMPDIR"] ?? ""
        if tmp.isEmpty { tmp = "/tmp" }
        while tmp.count > 1 && tmp.hasSuffix("/") { tmp.removeLast() }
        return "file:\(tmp)/gsessions/default"
    }

    /// Parses an address. `maxAgeMillis`, when given (the `--max-age` option), overrides `ttl=`.
    public static func parse(_ text: String, environment: [String: String] = [:], maxAgeMillis: Int64? = nil) throws(SessionError) -> StoreAddress {
        func bad(_ reason: String) -> SessionError { .badAddress(address: redacted(text), reason: reason) }
        // A fragment of a file address may be part of a password typed into a broken Redis address.
        func quoted(_ fragment: some StringProtocol) -> String { "'" + (redacted(text) == text ? String(fragment) : "***") + "'" }
        if text.isEmpty { throw bad("it is empty") }
        let scheme = schemeOf(text)
        switch scheme {
        case nil, "file":
            break
        case "memory":
            throw SessionError.unsupported(
                store: redacted(text),
                reason: "GoFrame's StorageMemory lives inside the app process; no tool outside it can read those sessions")
        case let s? where RedisAddressParser.forms[s] != nil:
            return try parseRedis(text, scheme: s, environment: environment, maxAgeMillis: maxAgeMillis)
        case let s?:
            throw bad("unknown scheme '\(s):' (use file:, or a directory path)")
        }
        var rest = Substring(text)
        if scheme == "file" { rest = rest.dropFirst(5) }
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var path = String(rest)
        if scheme == "file" && path.hasPrefix("//") {
            let afterSlashes = path.dropFirst(2)
            let host = afterSlashes.prefix { $0 != "/" }
            guard host.isEmpty || host == "localhost" else { throw bad("a file address cannot name a host (\(quoted(host)))") }
            path = String(afterSlashes.dropFirst(host.count))
        }
        path = try percentDecode(path, in: text)
        if path.hasPrefix("~/"), let home = environment["HOME"] { path = home + path.dropFirst(1) }
        if path.isEmpty { throw bad("no directory given") }

        var options = FileStore.Options()
        var encrypted = false
        var key: [UInt8]? = nil
        for item in try queryOptions(query, bad: bad) {
            let name = item.name
            let value = try percentDecode(String(item.value), in: text)
            switch name {
            case "ttl", "max-age":
                options.maxAgeMillis = try Durations.parse(value)
                if options.maxAgeMillis <= 0 { throw bad("ttl must be positive") }
            case "encrypted":
                guard let b = parseBool(value) else { throw bad("encrypted= takes true or false") }
                encrypted = b
            case "crypto-key":
                key = Array(value.utf8)
            case "ext":
                if value.contains("/") { throw bad("ext= cannot contain '/'") }
                options.fileExtension = value
            default:
                throw bad("unknown option \(quoted(name)) for a file store (known: ttl, encrypted, crypto-key, ext)")
            }
        }
        if let maxAgeMillis { options.maxAgeMillis = maxAgeMillis }
        if encrypted || key != nil {
            do {
                options.cipher = try GSessionCipher(key: key ?? GSessionCipher.defaultKey)
            } catch {
                throw bad(error.description)
            }
        }
        var shown = redacted("file:\(path)")
        if options.cipher != nil { shown += key == nil ? " (encrypted)" : " (encrypted, own key)" }
        return StoreAddress(kind: .file(directory: path, options: options), displayName: shown)
    }

    /// Opens the store this address names.
    public func open(clock: Clock = .system) throws(SessionError) -> any SessionStore {
        switch kind {
        case let .file(directory, options):
            return try FileStore(directory: directory, options: options, displayName: displayName, clock: clock)
        case let .redis(options, layout) where layout == .trpc:
            return try AgentStore(options: options, engine: options.agentEngine, displayName: displayName, clock: clock)
        case let .redis(options, layout):
            return try RedisStore(options: options, layout: layout, displayName: displayName, clock: clock)
        }
    }

    /// `scheme` of `scheme:...` when the text starts with one (letters, digits, `+`, `-`, `.`).
    static func schemeOf(_ text: String) -> String? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let s = text[..<colon]
        guard let first = s.first, first.isLetter, s.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else { return nil }
        return s.lowercased()
    }

    /// Option names that mean the same option.
    private static let optionAliases: [String: String] = [
        "max-age": "ttl", "ssl": "tls", "cacert": "ca", "ca-cert": "ca", "sentinel-username": "sentinel-user"
    ]

    /// The query's `name=value` options (see `queryItems`), refusing an option given twice, under
    /// one name or two: which of two values would win is anyone's guess.
    static func queryOptions(_ query: Substring, bad: (String) -> SessionError) throws(SessionError) -> [(name: String, value: Substring)] {
        var seen: [String: String] = [:]
        var out: [(name: String, value: Substring)] = []
        for item in queryItems(query) {
            let name = String(item.name)
            let canonical = optionAliases[name] ?? name
            if let first = seen[canonical] {
                throw bad(first == name ? "\(name)= is given twice" : "\(first)= and \(name)= are the same option: give it once")
            }
            seen[canonical] = name
            out.append((name, item.value))
        }
        return out
    }

    static func parseBool(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "", "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: return nil
        }
    }

    static func percentDecode(_ s: String, in text: String) throws(SessionError) -> String {
        guard s.contains("%") else { return s }
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%") {
                guard bytes.count >= 2, let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) else {
                    throw SessionError.badAddress(address: redacted(text), reason: "bad percent escape")
                }
                out.append(v)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
