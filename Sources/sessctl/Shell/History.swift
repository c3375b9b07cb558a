import SessionKit

/// Where the shell keeps its history, and how lines are cleaned before they are kept.
enum History {
    /// `$SESSCTL_HISTFILE` (`/dev/null` or empty disables), else `history` in the state directory
    /// (`$XDG_STATE_HOME/sessctl`, else `~/.local/state/sessctl`, created mode 0700).
    static func path(environment: [String: String]) -> String? {
        if let explicit = environment["SESSCTL_HISTFILE"] {
            return explicit.isEmpty || explicit == "/dev/null" ? nil : explicit
        }
        return StateDirectory.created(environment: environment).map { $0 + "/history" }
    }

    /// The line with every password or key replaced by `***` (see `CommandLineSecrets`): word
    /// by word as the shell splits it (a quoted password may hold spaces), the whole line at once
    /// when it does not split.
    static func masked(_ line: String) -> String {
        guard let words = try? ShellWords.split(line) else { return StoreAddress.redacted(line) }
        let masked = CommandLineSecrets.masked(words)
        return masked == words ? line : masked.map(ShellWords.quoted).joined(separator: " ")
    }
}
