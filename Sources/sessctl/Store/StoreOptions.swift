import ArgumentParser
import SessionKit

/// Options every command that works on a store takes: which store, and how to read it.
struct StoreOptions: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc|connect-redis|php|flask-session&serializer=gob|json|msgpack|php|php_serialize&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.",
            valueName: "store"))
    var store: String?

    @Option(
        name: .long,
        help: ArgumentHelp("The app's session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.", valueName: "duration"))
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

    /// The store these options name, as every command resolves and opens one.
    var selection: StoreSelection {
        StoreSelection(store, givenBy: "-s/--store", maxAge: maxAge, readOnly: readOnly ? "--read-only" : nil)
    }

    /// Opens the store (see `StoreSelection.open`): the one place commands get one.
    func open() throws -> any SessionStore {
        Terminal.noColorFlag = noColor
        return try selection.open().store
    }

    /// Options that name the store may come before the subcommand (`sessctl -s DIR list`): when
    /// ArgumentParser reads the words before the first subcommand name as these options, they
    /// move after it, where the subcommand parses them. Anything else is left for the parser to
    /// report.
    static func hoistGlobalOptions(_ args: [String]) -> [String] {
        let names = Set(Sessctl.configuration.subcommands.map { $0._commandName })
        for (i, word) in args.enumerated() where names.contains(word) {
            guard i > 0 else { break }
            if (try? parse(Array(args[..<i]))) != nil { return [word] + args[..<i] + args[(i + 1)...] }
        }
        return args
    }
}
