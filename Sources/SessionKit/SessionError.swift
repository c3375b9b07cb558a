/// Everything that can go wrong with a store or a session, each with the context a person
/// needs in one line: the store, the session or file, and the reason.
public enum SessionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The store cannot be opened or reached at all.
    case storeUnavailable(store: String, reason: String)
    /// A store address that cannot be understood.
    case badAddress(address: String, reason: String)
    case invalidID(id: String, reason: String)
    case notFound(store: String, id: String)
    case alreadyExists(store: String, id: String)
    /// The session exists but cannot be read.
    case corrupt(location: String, reason: String)
    /// The session changed between read and write; nothing was written.
    case conflict(store: String, id: String)
    /// A key where a session would live holds something else (another type, not a JSON
    /// object); sessctl leaves it alone.
    case notASession(store: String, key: String, reason: String)
    /// The store cannot do this.
    case unsupported(store: String, reason: String)
    /// The store was opened read-only (`why` names the switch); nothing was written.
    case readOnly(store: String, why: String)
    /// A read or write failed.
    case io(location: String, reason: String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .storeUnavailable(store, reason): return "\(store): \(reason)"
        case let .badAddress(address, reason): return "bad store address '\(address)': \(reason)"
        case let .invalidID(id, reason): return "invalid session id \(SessionError.quote(id)): \(reason)"
        case let .notFound(store, id): return "\(store): no session \(SessionError.quote(id))"
        case let .alreadyExists(store, id): return "\(store): session \(SessionError.quote(id)) already exists"
        case let .corrupt(location, reason): return "\(location): \(reason)"
        case let .conflict(store, id):
            return "\(store): session \(SessionError.quote(id)) changed while it was being edited; nothing was written (try again)"
        case let .notASession(store, key, reason):
            return "\(store): key \(SessionError.quote(key)) is not a session (\(reason)); left untouched"
        case let .unsupported(store, reason): return "\(store): \(reason)"
        case let .readOnly(store, why): return "\(store): read-only (\(why)): refusing to write; nothing was changed"
        case let .io(location, reason): return "\(location): \(reason)"
        case let .invalidArgument(reason): return reason
        }
    }

    /// True for "no such session", which commands report with exit status 3.
    public var isNotFound: Bool {
        if case .notFound = self { return true }
        return false
    }

    /// Quotes an id for a message, escaping control characters so a hostile id cannot
    /// rewrite the terminal.
    public static func quote(_ s: String) -> String {
        var out = "'"
        for u in s.unicodeScalars {
            switch u.value {
            case 0..<0x20, 0x7f: out += "\\x" + (u.value < 0x10 ? "0" : "") + String(u.value, radix: 16)
            case UInt32(UInt8(ascii: "'")): out += "\\'"
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "'"
    }
}
