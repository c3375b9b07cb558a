import SessionKit

/// Which store a command works on, and the one way every command, the shell, `migrate
/// --from/--to` and `import` resolve and open it: the store as given (an address, or a name in
/// the config file), else SESSCTL_STORE, else the config file's default, else GoFrame's default
/// directory; with the max age given on the command line before the named store's; read-only
/// when the command, the shell, SESSCTL_READ_ONLY or the named store says so.
struct StoreSelection {
    /// The store as given; nil for the default.
    var given: String?
    /// What gave it, for messages: `-s/--store`, `--from`, `--to`.
    var givenBy: String
    var maxAge: String?
    /// Why the command itself makes the store read-only (`--read-only`), if it does.
    var readOnly: String?

    init(_ given: String?, givenBy: String, maxAge: String?, readOnly: String? = nil) {
        self.given = given
        self.givenBy = givenBy
        self.maxAge = maxAge
        self.readOnly = readOnly
    }

    /// Set by `shell --read-only`: every command the shell runs opens its store read-only.
    nonisolated(unsafe) static var readOnlyForProcess: String?

    /// The address in force, and the config file's entry when the store was named there.
    func resolve() throws(SessionError) -> (address: String, named: StoreConfig.Entry?) {
        if let given { return try Self.resolve(given, givenBy: givenBy) }
        if let variable = Environment.value("SESSCTL_STORE") { return try Self.resolve(variable, givenBy: "SESSCTL_STORE") }
        if let entry = try Self.loadConfig().defaultEntry { return (entry.address, entry) }
        return (StoreAddress.defaultAddress(environment: Environment.all), nil)
    }

    /// Opens the store: read-only (see `readOnlyReason`), it comes wrapped in a `ReadOnlyStore`,
    /// so every write of every command is refused. Each call is a new handle (a Redis store: a
    /// new connection). A writing command's run notes the store (password hidden) as soon as it
    /// is named, so its audit line names it even when opening fails.
    func open() throws -> (address: StoreAddress, store: any SessionStore) {
        let (text, named) = try resolve()
        CommandRun.current?.named(StoreAddress.redacted(text), by: givenBy)
        let maxAgeMillis = try (maxAge ?? named?.maxAge).map { text throws(SessionError) -> Int64 in
            let ms = try Durations.parse(text)
            if ms <= 0 { throw SessionError.invalidArgument("--max-age must be positive") }
            return ms
        }
        let address = try StoreAddress.parse(text, environment: Environment.all, maxAgeMillis: maxAgeMillis)
        CommandRun.current?.named(address.displayName, by: givenBy)
        let store = try address.open()
        return (address, readOnlyReason(named: named).map { ReadOnlyStore(store, why: $0) } ?? store)
    }

    /// What makes the store read-only, if anything: the command's flag, the shell's flag, the
    /// variable (any value but empty, 0, false, no, off), or the named store's `read-only = true`.
    func readOnlyReason(named: StoreConfig.Entry? = nil) -> String? {
        if let why = readOnly ?? Self.readOnlyForProcess { return why }
        if let env = Environment.value("SESSCTL_READ_ONLY"),
            !["", "0", "false", "no", "off"].contains(env.lowercased())
        {
            return "SESSCTL_READ_ONLY=\(env)"
        }
        if let named, named.readOnly { return "store '\(named.name)' is read-only in the config file" }
        return nil
    }

    /// A store given by `givenBy` (an option or variable): an address, or a value without `/` or
    /// `:` that names a store in the config file (the file is read only then). Empty is an error,
    /// never the default store: `-s "$UNSET"` must not quietly act on the default store.
    private static func resolve(_ given: String, givenBy: String) throws(SessionError) -> (address: String, named: StoreConfig.Entry?) {
        if given.isEmpty {
            let problem =
                switch givenBy {
                case "SESSCTL_STORE": "SESSCTL_STORE is set but empty: name a store in it, or unset it to use the default store"
                case "-s/--store": "-s/--store is empty: name a store, or leave the option out to use the default store"
                default: "\(givenBy) is empty: name a store"
                }
            throw SessionError.invalidArgument(problem + "; nothing was done")
        }
        if given.contains("/") || given.contains(":") { return (given, nil) }
        if let entry = try loadConfig().entry(named: given) { return (entry.address, entry) }
        return (given, nil)
    }

    nonisolated(unsafe) private static var exposureWarned = false

    /// The config file, with a warning (once) when other users could change the passwords in it.
    static func loadConfig() throws(SessionError) -> StoreConfig {
        let config = try StoreConfig.load(environment: Environment.all)
        if let exposure = config.exposure, !exposureWarned {
            exposureWarned = true
            Terminal.warn("warning: \(exposure)")
        }
        return config
    }
}
