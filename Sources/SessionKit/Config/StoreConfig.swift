#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Named stores from `$XDG_CONFIG_HOME/sessctl/config.toml` (else `~/.config/sessctl/config.toml`):
///
///     default = "local"
///
///     [stores.local]
///     address = "file:/tmp/gsessions/default"
///     max-age = "24h"
///
///     [stores.prod]
///     address = "redis://app@10.0.0.5:6379/0?prefix=gfsess:"
///     read-only = true
///
/// Top-level settings (before the first table) besides `default`: `audit-syslog = true` (every
/// audit log line also goes to syslog), `trash-max-size = "1GiB"` and `trash-max-age = "7d"` (how
/// much the trash keeps).
///
/// Only this small part of TOML is read: tables `[stores.NAME]`, and `key = value` with basic or
/// literal strings and booleans. Anything else is an error naming the file and the line.
public struct StoreConfig: Sendable {
    /// One named store.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var address: String
        /// The app's max age, as written (`24h`).
        public var maxAge: String?
        public var readOnly: Bool
    }

    public var path: String?
    public var defaultName: String?
    public var entries: [Entry]
    /// Set when the file holds a password or key and other users could change it (see `exposure(of:)`).
    public var exposure: String?
    /// `audit-syslog = true`: every audit log line also goes to syslog.
    public var auditSyslog = false
    /// `trash-max-size`: the most the trash keeps, in bytes (default 1 GiB).
    public var trashMaxBytes: Int64 = StoreConfig.defaultTrashMaxBytes
    /// `trash-max-age`: how long the trash keeps what it holds, in milliseconds (default 7 days).
    public var trashMaxAgeMillis: Int64 = StoreConfig.defaultTrashMaxAgeMillis

    public static let defaultTrashMaxBytes: Int64 = 1 << 30
    public static let defaultTrashMaxAgeMillis: Int64 = 7 * 86_400_000

    public init(path: String? = nil, defaultName: String? = nil, entries: [Entry] = []) {
        self.path = path
        self.defaultName = defaultName
        self.entries = entries
    }

    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The default named store, if the file names one.
    public var defaultEntry: Entry? { defaultName.flatMap(entry(named:)) }

    /// Where the config file lives for this environment.
    public static func path(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/sessctl/config.toml" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.config/sessctl/config.toml" }
        return nil
    }

    /// Reads the config file; a missing file is an empty config.
    public static func load(environment: [String: String]) throws(SessionError) -> StoreConfig {
        guard let path = path(environment: environment) else { return StoreConfig() }
        switch PosixFile.read(path, limit: 1 << 20) {
        case .success(let bytes):
            var config = try parse(String(decoding: bytes, as: UTF8.self), path: path)
            if config.entries.contains(where: { StoreAddress.redacted($0.address) != $0.address }) {
                config.exposure = exposure(of: path)
            }
            return config
        case .failure(let f) where f.errno == ENOENT:
            return StoreConfig(path: path)
        case .failure(let f):
            throw SessionError.io(location: path, reason: "cannot read: \(f.message)")
        }
    }

    /// What lets other users change the file, as ssh checks its own: write permission for the
    /// group or others, or an owner other than the user running sessctl (or root).
    static func exposure(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        var problems: [String] = []
        if info.st_mode & 0o022 != 0 {
            problems.append("is writable by \(info.st_mode & 0o020 != 0 ? "its group" : "others") (mode \(String(info.st_mode & 0o777, radix: 8)); chmod go-w it)")
        }
        if info.st_uid != geteuid() && info.st_uid != 0 {
            problems.append("belongs to another user (uid \(info.st_uid))")
        }
        guard !problems.isEmpty else { return nil }
        return "\(path) holds passwords but \(problems.joined(separator: " and ")): whoever can change it can send them elsewhere"
    }

    public static func parse(_ text: String, path: String) throws(SessionError) -> StoreConfig {
        var config = StoreConfig(path: path)
        var current: Int? = nil  // index into entries of the table being read
        var seenKeys: Set<String> = []
        var seenTopKeys: Set<String> = []
        for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            func fail(_ reason: String) -> SessionError { .io(location: "\(path):\(n + 1)", reason: reason) }
            var scanner = TOMLLine(Substring(rawLine))
            scanner.skipSpace()
            if scanner.atEnd { continue }
            if scanner.peek == "[" {
                let name = try scanner.tableName(fail)
                guard name.count == 2, name[0] == "stores", !name[1].isEmpty else {
                    throw fail("unknown table [\(name.joined(separator: "."))]; use [stores.NAME]")
                }
                if config.entry(named: name[1]) != nil { throw fail("store '\(name[1])' is defined twice") }
                config.entries.append(Entry(name: name[1], address: "", maxAge: nil, readOnly: false))
                current = config.entries.count - 1
                seenKeys = []
                continue
            }
            let key = try scanner.key(fail)
            let value = try scanner.value(fail)
            try scanner.end(fail)
            guard let index = current else {
                if !seenTopKeys.insert(key).inserted { throw fail("'\(key)' is set twice") }
                try config.setTopLevel(key, value, fail)
                continue
            }
            if !seenKeys.insert(key).inserted { throw fail("'\(key)' is set twice") }
            switch (key, value) {
            case ("address", .string(let s)): config.entries[index].address = s
            case ("max-age", .string(let s)), ("max_age", .string(let s)):
                do { _ = try Durations.parse(s) } catch { throw fail(error.description) }
                config.entries[index].maxAge = s
            case ("read-only", .bool(let b)), ("read_only", .bool(let b)): config.entries[index].readOnly = b
            case ("address", _), ("max-age", _), ("max_age", _): throw fail("'\(key)' must be a string")
            case ("read-only", _), ("read_only", _): throw fail("'\(key)' must be true or false")
            default: throw fail("unknown setting '\(key)' (known: address, max-age, read-only)")
            }
        }
        for e in config.entries where e.address.isEmpty {
            throw SessionError.io(location: path, reason: "store '\(e.name)' has no address")
        }
        if let d = config.defaultName, config.entry(named: d) == nil {
            throw SessionError.io(location: path, reason: "default names '\(d)', which is not a [stores.\(d)] table")
        }
        return config
    }
}

extension StoreConfig {
    /// A setting outside the tables.
    fileprivate mutating func setTopLevel(_ key: String, _ value: TOMLLine.Value, _ fail: (String) -> SessionError) throws(SessionError) {
        switch (key, value) {
        case ("default", .string(let s)): defaultName = s
        case ("default", _): throw fail("default must be a string naming a store")
        case ("audit-syslog", .bool(let b)), ("audit_syslog", .bool(let b)): auditSyslog = b
        case ("trash-max-size", .string(let s)), ("trash_max_size", .string(let s)):
            do { trashMaxBytes = try ByteSize.parse(s) } catch { throw fail(error.description) }
        case ("trash-max-age", .string(let s)), ("trash_max_age", .string(let s)):
            do { trashMaxAgeMillis = try Durations.parse(s) } catch { throw fail(error.description) }
        case ("audit-syslog", _), ("audit_syslog", _): throw fail("'\(key)' must be true or false")
        case ("trash-max-size", _), ("trash_max_size", _), ("trash-max-age", _), ("trash_max_age", _): throw fail("'\(key)' must be a string")
        default:
            throw fail("unknown setting '\(key)' (outside a [stores.NAME] table only default, audit-syslog, trash-max-size and trash-max-age are known)")
        }
    }
}

/// A cursor over one line of the TOML subset.
private struct TOMLLine {
    enum Value { case string(String), bool(Bool) }

    private var rest: Substring
    init(_ line: Substring) { rest = line }

    var atEnd: Bool { rest.isEmpty || rest.first == "#" || rest.first == "\r" }
    var peek: Character? { rest.first }

    mutating func skipSpace() {
        while let c = rest.first, c == " " || c == "\t" { rest.removeFirst() }
    }

    mutating func tableName(_ fail: (String) -> SessionError) throws(SessionError) -> [String] {
        rest.removeFirst()  // [
        var parts: [String] = []
        while true {
            skipSpace()
            parts.append(try key(fail))
            skipSpace()
            guard let c = rest.first else { throw fail("unterminated table header") }
            rest.removeFirst()
            if c == "]" { break }
            if c != "." { throw fail("unexpected '\(c)' in a table header") }
        }
        try end(fail)
        return parts
    }

    /// A bare key (`A-Za-z0-9_-`) or a quoted one, then `=` when it is followed by a value.
    mutating func key(_ fail: (String) -> SessionError) throws(SessionError) -> String {
        skipSpace()
        var k: String
        if rest.first == "\"" || rest.first == "'" {
            k = try quoted(fail)
        } else {
            k = ""
            while let c = rest.first, c.isLetter || c.isNumber || c == "_" || c == "-" { k.append(c); rest.removeFirst() }
            if k.isEmpty { throw fail("expected a key, found '\(rest.prefix(10))'") }
        }
        skipSpace()
        if rest.first == "=" { rest.removeFirst() } else if rest.first != "]" && rest.first != "." { throw fail("expected '=' after '\(k)'") }
        return k
    }

    mutating func value(_ fail: (String) -> SessionError) throws(SessionError) -> Value {
        skipSpace()
        if rest.first == "\"" || rest.first == "'" { return .string(try quoted(fail)) }
        for (word, b) in [("true", true), ("false", false)] where rest.hasPrefix(word) {
            rest.removeFirst(word.count)
            return .bool(b)
        }
        throw fail("expected a quoted string or true/false")
    }

    mutating func end(_ fail: (String) -> SessionError) throws(SessionError) {
        skipSpace()
        if !atEnd { throw fail("unexpected '\(rest.prefix(10))' at the end of the line") }
    }

    private mutating func quoted(_ fail: (String) -> SessionError) throws(SessionError) -> String {
        let quote = rest.removeFirst()
        var out = ""
        while let c = rest.first {
            rest.removeFirst()
            if c == quote { return out }
            if c == "\\" && quote == "\"" {
                guard let e = rest.first else { break }
                rest.removeFirst()
                switch e {
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "u", "U":
                    let n = e == "u" ? 4 : 8
                    guard rest.count >= n, let v = UInt32(rest.prefix(n), radix: 16), let s = Unicode.Scalar(v) else {
                        throw fail("bad \\\(e) escape")
                    }
                    rest.removeFirst(n)
                    out.unicodeScalars.append(s)
                default: throw fail("unknown escape '\\\(e)'")
                }
            } else {
                out.append(c)
            }
        }
        throw fail("unterminated string")
    }
}
