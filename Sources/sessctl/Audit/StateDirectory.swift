#if canImport(Glibc)
    import Glibc
#endif

/// Where sessctl keeps what it writes for the user (the shell's history, the audit log):
/// `$XDG_STATE_HOME/sessctl` (an absolute XDG_STATE_HOME only), else `~/.local/state/sessctl`.
enum StateDirectory {
    /// The directory for this environment, not created; nil without an absolute XDG_STATE_HOME or a HOME.
    static func path(environment: [String: String]) -> String? {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/sessctl" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.local/state/sessctl" }
        return nil
    }

    /// The directory, created (each missing part mode 0700) when it is not there.
    static func created(environment: [String: String]) -> String? {
        guard let dir = path(environment: environment) else { return nil }
        var prefix = ""
        for part in dir.split(separator: "/") {
            prefix += "/" + part
            _ = mkdir(prefix, 0o700)
        }
        return dir
    }
}
