import ArgumentParser
import SessionKit

/// `--app` and `--user`: the sessions of one trpc-agent-go app and/or user (`layout=trpc`), as a
/// glob over their ids (`AgentSessionID.glob`), which the store reads without scanning everything
/// when it can.
struct AgentSelectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("trpc-agent-go stores: only the sessions of this app (its name as the app gives it).", valueName: "app"))
    var app: String?

    @Option(help: ArgumentHelp("trpc-agent-go stores: only the sessions of this user id.", valueName: "user"))
    var user: String?

    var isGiven: Bool { app != nil || user != nil }

    func validate() throws {
        if app == "" || user == "" { throw ValidationError("--app and --user need a non-empty name") }
    }

    /// Refuses --app/--user beside a pattern (`patternName`: how the command calls it).
    func check(pattern: String?, named patternName: String = "PATTERN") throws {
        if isGiven && pattern != nil { throw ValidationError("--app/--user select sessions by id: give them or \(patternName), not both") }
    }

    /// The id glob to scan with: the pattern, or the one --app/--user make on a trpc store. On
    /// another store --app/--user are a usage error (exit status 64).
    func pattern(_ pattern: String?, store: any SessionStore) throws -> String? {
        guard isGiven else { return pattern }
        guard store.layout == .trpc else {
            Terminal.warn("--app/--user work on trpc-agent-go stores (layout=trpc); \(store.displayName) is layout=\(store.layout.rawValue)")
            throw ExitCode.validationFailure
        }
        return AgentSessionID.glob(app: app, user: user)
    }
}
