import ArgumentParser
import SessionKit

/// Options every command that works on a store takes: which store, and how to read it.
struct StoreOptions: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp(
        "The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore&serializer=gob|json&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.",
        valueName: "store"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("The app's session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.", valueName: "duration"))
    var maxAge: String?

    @Flag(name: .long, help: "Never colour the output (also NO_COLOR).")
    var noColor = false

    @Flag(name: .long, help: "Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.")
    var readOnly = false

    @Flag(name: .long, help: "SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.")
    var hashedTokens = false

    /// The store key of a session id given on the command line: itself, or with
    /// `--hashed-tokens` the hash of the SCS cookie token it is.
    func sessionID(_ id: String, in store: any SessionStore) throws(SessionError) -> String {
        guard hashedTokens else { return id }
        guard store.capabilities.framework == .scs else {
            throw SessionError.unsupported(store: store.displayName, reason: "--hashed-tokens is for SCS stores (layout=scs)")
        }
        return SCSTokens.storeKey(forToken: id)
    }

    /// Set by `shell --read-only`: every command the shell runs opens its store read-only.
    nonisolated(unsafe) static var readOnlyForProcess: String?

    /// What makes the store read-only, if anything: the flag, the shell's flag, the variable
    /// (any value but empty, 0, false, no, off), or the named store's `read-only = true`.
    func readOnlyReason(named: StoreConfig.Entry? = nil) -> String? {
        readOnly ? "--read-only" : Self.readOnlyReason(named: named)
    }

    /// What makes a store read-only apart from `--read-only`: the shell's flag, the variable,
    /// or the named store's `read-only = true`.
    static func readOnlyReason(named: StoreConfig.Entry?) -> String? {
        if let why = readOnlyForProcess { return why }
        if let env = Environment.value("SESSCTL_READ_ONLY"),
           !["", "0", "false", "no", "off"].contains(env.lowercased()) {
            return "SESSCTL_READ_ONLY=\(env)"
        }
        if let named, named.readOnly { return "store '\(named.name)' is read-only in the config file" }
        return nil
    }

    /// The store in force: the option, else SESSCTL_STORE, else the config file's default, else
    /// GoFrame's default directory (see `resolve(_:givenBy:)` for names).
    func resolve() throws(SessionError) -> (address: String, named: StoreConfig.Entry?) {
        if let store { return try Self.resolve(store, givenBy: "-s/--store") }
        if let variable = Environment.value("SESSCTL_STORE") { return try Self.resolve(variable, givenBy: "SESSCTL_STORE") }
        let config = try Self.loadConfig()
        if let entry = config.defaultEntry { return (entry.address, entry) }
        return (StoreAddress.defaultAddress(environment: Environment.all), nil)
    }

    /// A store given by `givenBy` (an option or variable): an address, or a value without `/` or
    /// `:` that names a store in the config file (the file is read only then). Empty is an error,
    /// never the default store: `-s "$UNSET"` must not quietly act on the default store.
    static func resolve(_ given: String, givenBy: String) throws(SessionError) -> (address: String, named: StoreConfig.Entry?) {
        if given.isEmpty {
            let problem = switch givenBy {
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

    /// The address text in force (see `resolve`).
    func addressText() throws(SessionError) -> String { try resolve().address }

    /// Opens the store: the one place commands get one. Read-only (see `readOnlyReason`), the
    /// store comes wrapped in a `ReadOnlyStore`, so every write of every command is refused.
    /// Each call is a new handle (a Redis store: a new connection).
    func open() throws -> any SessionStore {
        Terminal.noColorFlag = noColor
        let (text, named) = try resolve()
        return try Self.open(text, named: named, maxAge: maxAge, readOnly: readOnlyReason(named: named)).store
    }

    /// Opens the store at `text` (`named` when it came from the config file), with `maxAge`
    /// given on the command line before the named store's, wrapped in a `ReadOnlyStore` when
    /// `readOnly` says why.
    static func open(_ text: String, named: StoreConfig.Entry?, maxAge: String?,
                     readOnly: String?) throws -> (address: StoreAddress, store: any SessionStore) {
        let maxAgeMillis = try (maxAge ?? named?.maxAge).map { text throws(SessionError) -> Int64 in
            let ms = try Durations.parse(text)
            if ms <= 0 { throw SessionError.invalidArgument("--max-age must be positive") }
            return ms
        }
        let address = try StoreAddress.parse(text, environment: Environment.all, maxAgeMillis: maxAgeMillis)
        let store = try address.open()
        return (address, readOnly.map { ReadOnlyStore(store, why: $0) } ?? store)
    }

    /// Options that name the store may come before the subcommand (`sessctl -s DIR list`):
    /// move them after the subcommand name, where the subcommand parses them.
    static func hoistGlobalOptions(_ args: [String], subcommands: [ParsableCommand.Type]) -> [String] {
        let names = Set(subcommands.map { $0._commandName })
        let withValue: Set<String> = ["-s", "--store", "--max-age"]
        var hoisted: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if withValue.contains(a), i + 1 < args.count {
                hoisted += [a, args[i + 1]]
                i += 2
            } else if a == "--no-color" || a == "--read-only" || a == "--hashed-tokens" || a.hasPrefix("--store=") || a.hasPrefix("--max-age=") || (a.hasPrefix("-s") && a.count > 2 && !a.hasPrefix("--")) {
                hoisted.append(a)
                i += 1
            } else {
                break
            }
        }
        guard !hoisted.isEmpty, i < args.count, names.contains(args[i]) else { return args }
        return [args[i]] + hoisted + args[(i + 1)...]
    }
}
