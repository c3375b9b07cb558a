import ArgumentParser
import SessionKit

/// Options every command that works on a store takes: which store, and how to read it.
struct StoreOptions: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp(
        "The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.",
        valueName: "store"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("The app's session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.", valueName: "duration"))
    var maxAge: String?

    @Flag(name: .long, help: "Never colour the output (also NO_COLOR).")
    var noColor = false

    /// The address text in force: the option, else SESSCTL_STORE, else GoFrame's default.
    func addressText() -> String {
        if let store, !store.isEmpty { return store }
        if let env = Environment.value("SESSCTL_STORE"), !env.isEmpty { return env }
        return StoreAddress.defaultAddress(environment: Environment.all)
    }

    func open() throws -> any SessionStore {
        Terminal.noColorFlag = noColor
        let maxAgeMillis = try maxAge.map { text throws(SessionError) -> Int64 in
            let ms = try Durations.parse(text)
            if ms <= 0 { throw SessionError.invalidArgument("--max-age must be positive") }
            return ms
        }
        let address = try StoreAddress.parse(addressText(), environment: Environment.all, maxAgeMillis: maxAgeMillis)
        return try address.open()
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
            } else if a == "--no-color" || a.hasPrefix("--store=") || a.hasPrefix("--max-age=") || (a.hasPrefix("-s") && a.count > 2 && !a.hasPrefix("--")) {
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
