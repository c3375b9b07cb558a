import SessionKit

#if canImport(Glibc)
    import Glibc
#endif

/// Where the shell keeps its history, and how lines are cleaned before they are kept.
enum History {
    /// `$SESSCTL_HISTFILE` (`/dev/null` or empty disables), else `$XDG_STATE_HOME/sessctl/history`,
    /// else `~/.local/state/sessctl/history`. The directory is created (mode 0700).
    static func path(environment: [String: String]) -> String? {
        if let explicit = environment["SESSCTL_HISTFILE"] {
            return explicit.isEmpty || explicit == "/dev/null" ? nil : explicit
        }
        let base: String
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            base = state
        } else if let home = environment["HOME"], !home.isEmpty {
            base = home + "/.local/state"
        } else {
            return nil
        }
        let dir = base + "/sessctl"
        makeDirectories(dir)
        return dir + "/history"
    }

    /// The line with every password or key in a store address replaced by `***`: word by word
    /// as the shell splits it (a quoted password may hold spaces), the whole line at once when
    /// it does not split.
    static func masked(_ line: String) -> String {
        guard let words = try? ShellWords.split(line) else { return StoreAddress.redacted(line) }
        let redacted = words.map(StoreAddress.redacted)
        return redacted == words ? line : redacted.map(ShellWords.quoted).joined(separator: " ")
    }

    private static func makeDirectories(_ path: String) {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            _ = mkdir(prefix, 0o700)
        }
    }
}
