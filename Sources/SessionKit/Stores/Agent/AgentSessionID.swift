/// The id of one trpc-agent-go session as sessctl names it: `APP/USER/SID`, each part with `%`,
/// `/` and control characters written `%XX`, so any app name, user id and session id (which are
/// free text: `:`, `/`, `#`, CJK all occur) survives copy and paste from `list` to `get`.
public struct AgentSessionID: Hashable, Sendable {
    public let app: String
    public let user: String
    public let session: String

    public init(app: String, user: String, session: String) {
        self.app = app
        self.user = user
        self.session = session
    }

    /// The longest id accepted, in bytes (a Redis key holds at most 512 MB; nobody types more).
    static let maxLength = 65_536

    /// `APP/USER/SID` with each part escaped.
    public var text: String { Self.escape(app) + "/" + Self.escape(user) + "/" + Self.escape(session) }

    /// A part with `%`, `/` and control characters as `%XX`.
    public static func escape(_ part: String) -> String {
        var out = ""
        out.reserveCapacity(part.utf8.count)
        for u in part.unicodeScalars {
            switch u.value {
            case 0..<0x20, 0x7f, 0x25, 0x2f:
                let hex = String(u.value, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Reads `APP/USER/SID`; refuses anything else with the reason.
    public init(parsing text: String) throws(SessionError) {
        func bad(_ reason: String) -> SessionError { .invalidID(id: text, reason: reason) }
        guard text.utf8.count <= Self.maxLength else { throw bad("longer than \(Self.maxLength) bytes") }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw bad("an agent session id is APP/USER/SID (write a / inside a part as %2F), this has \(parts.count) part\(parts.count == 1 ? "" : "s")")
        }
        var decoded: [String] = []
        for (part, name) in zip(parts, ["app name", "user id", "session id"]) {
            guard !part.isEmpty else { throw bad("the \(name) is empty") }
            guard let value = Self.unescape(part) else { throw bad("the \(name) has a % that is not followed by two hex digits, or bytes that are not UTF-8") }
            guard !value.isEmpty, !value.unicodeScalars.contains("\0") else { throw bad("the \(name) holds NUL") }
            decoded.append(value)
        }
        self.init(app: decoded[0], user: decoded[1], session: decoded[2])
    }

    private static func unescape(_ part: Substring) -> String? {
        guard part.contains("%") else { return String(part) }
        var bytes: [UInt8] = []
        var it = Array(part.utf8)[...]
        while let b = it.popFirst() {
            guard b == UInt8(ascii: "%") else {
                bytes.append(b)
                continue
            }
            guard it.count >= 2, let hi = hexValue(it.popFirst()!), let lo = hexValue(it.popFirst()!) else { return nil }
            bytes.append(hi << 4 | lo)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// A glob over ids that selects one app and/or user (`--app`, `--user`), the parts escaped
    /// for the id and for the glob.
    public static func glob(app: String?, user: String?) -> String? {
        guard app != nil || user != nil else { return nil }
        func part(_ s: String?) -> String { s.map { Glob.escape(escape($0)) } ?? "*" }
        return part(app) + "/" + part(user) + "/*"
    }
}
