/// What a Redis hash keeps of a session beyond its JSON view: the exact bytes of each key, which
/// the hash layout writes back unchanged and an export carries (`raw`, `raw_names`).
public struct HashSessionBytes: Sendable {
    /// The exact stored bytes of each key's value (`get ID KEY -o raw` prints them).
    public var rawValues: [String: [UInt8]] = [:]
    /// The exact stored names of keys whose name is not UTF-8 text, by the key as `data` shows
    /// it (U+FFFD for each bad byte); a hash is written with these names.
    public var rawNames: [String: [UInt8]] = [:]
    /// Keys whose stored name or value is not UTF-8 text, shown in `data` with U+FFFD for each
    /// bad byte. A JSON layout cannot hold those bytes, so it refuses the session while such a key
    /// still has its stored value (or, for a name, while the key is there at all).
    public var undecodableKeys: [String] = []
}

extension Session {
    /// See `HashSessionBytes.rawValues`; empty for a session not read from a hash.
    public var rawValues: [String: [UInt8]] {
        get { hashBytes?.rawValues ?? [:] }
        set { hashBytes[default: HashSessionBytes()].rawValues = newValue }
    }

    /// See `HashSessionBytes.rawNames`.
    public var rawNames: [String: [UInt8]] {
        get { hashBytes?.rawNames ?? [:] }
        set { hashBytes[default: HashSessionBytes()].rawNames = newValue }
    }

    /// See `HashSessionBytes.undecodableKeys`.
    public var undecodableKeys: [String] {
        get { hashBytes?.undecodableKeys ?? [] }
        set { hashBytes[default: HashSessionBytes()].undecodableKeys = newValue }
    }

    /// The undecodable keys that still hold the value read from the store (not changed since),
    /// i.e. the ones whose bytes a JSON layout would mangle.
    public var keysWithUndecodableValues: [String] {
        guard let hashBytes else { return [] }
        return hashBytes.undecodableKeys.filter { key in
            guard let value = data[key] else { return false }
            guard hashBytes.rawNames[key] == nil, let raw = hashBytes.rawValues[key] else { return true }
            return HashFieldCodec.decode(raw).value == value
        }
    }

    /// Refuses the session for a store that keeps JSON text (File, Redis-KV) when it holds
    /// bytes that are not UTF-8 text (from a Redis hash): they would silently become U+FFFD.
    public func checkRepresentableAsJSON(store: String) throws(SessionError) {
        guard let key = keysWithUndecodableValues.first else { return }
        throw SessionError.unsupported(
            store: store,
            reason: "session \(SessionError.quote(id)): key \(SessionError.quote(key)) holds bytes that are not UTF-8 text, "
                + "which JSON cannot carry (they would become U+FFFD); nothing was written")
    }
}

extension Optional {
    /// The wrapped value, made from `initial` first when there is none (for setting a part of it).
    subscript(default initial: @autoclosure () -> Wrapped) -> Wrapped {
        get { self ?? initial() }
        set { self = newValue }
    }
}
