#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where sessctl keeps what it writes for itself (the trash, the audit log, the shell's
/// history): `$XDG_STATE_HOME/sessctl`, else `~/.local/state/sessctl`.
public enum StateDirectory {
    /// The directory for this environment, not created; nil without an absolute XDG_STATE_HOME or HOME.
    public static func path(environment: [String: String]) -> String? {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/sessctl" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.local/state/sessctl" }
        return nil
    }

    /// The directory, made when missing (see `make`); nil when it cannot be.
    public static func created(environment: [String: String]) -> String? {
        guard let dir = path(environment: environment), (try? make(dir)) != nil else { return nil }
        return dir
    }

    /// `mkdir -p` with mode 0700 for what it creates; the last directory must then be a real
    /// directory (not a link) of this user, and is set to 0700.
    public static func make(_ path: String) throws(SessionError) {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw SessionError.io(location: prefix, reason: "cannot create the directory: \(String(cString: strerror(errno)))")
            }
        }
        guard let st = PosixFile.lstatInfo(path), st.st_mode & S_IFMT == S_IFDIR else {
            throw SessionError.io(location: path, reason: "is not a directory (a link or a file is in the way)")
        }
        guard st.st_uid == geteuid() else { throw SessionError.io(location: path, reason: "belongs to another user (uid \(st.st_uid))") }
        if st.st_mode & 0o777 != 0o700 { chmod(path, 0o700) }
    }
}
