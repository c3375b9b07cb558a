/// What the layout of a Go app that keeps typed values (SCS, redistore) keeps of a session beyond
/// its JSON view.
public struct GoSessionState: Sendable {
    /// The typed values as read. `data` is their JSON view and stays the thing commands change;
    /// a write builds the typed values from `data` (see `GoTypes`), so unchanged values keep their
    /// exact bytes and changed ones their Go types.
    public var goTypes: GoTypes?
    /// SCS: the absolute end of the session's life written inside the value (`expiry` is the
    /// earlier of it and the store's TTL).
    public var deadline: GoTime?
    /// The typed view (`get -o typed`) of a Go session read from an export, which a Go-typed
    /// store applies when it writes the session, so every value keeps its Go type.
    public var typedImport: JSONObject?
    /// The exact value the session was stored as, read from the store or from an export line
    /// (`blob`), for every layout that keeps a session as one value in its framework's format
    /// (also connect-redis, PHP, Flask-Session). A store of the same layout writes these very
    /// bytes while the session still holds what they hold (so a copy is byte-identical even where
    /// a re-encoding would number gob types or order members otherwise); an export writes them
    /// as `blob`.
    public var storedBlob: StoredBlob?
}

extension Session {
    /// See `GoSessionState.goTypes`; nil for stores whose values are JSON (GoFrame).
    public var goTypes: GoTypes? {
        get { goState?.goTypes }
        set { goState[default: GoSessionState()].goTypes = newValue }
    }

    /// See `GoSessionState.deadline`; nil outside SCS.
    public var deadline: GoTime? {
        get { goState?.deadline }
        set { goState[default: GoSessionState()].deadline = newValue }
    }

    /// See `GoSessionState.typedImport`.
    public var typedImport: JSONObject? {
        get { goState?.typedImport }
        set { goState[default: GoSessionState()].typedImport = newValue }
    }

    /// See `GoSessionState.storedBlob`.
    public var storedBlob: StoredBlob? {
        get { goState?.storedBlob }
        set { goState[default: GoSessionState()].storedBlob = newValue }
    }
}
