import ArgumentParser
import SessionKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

extension CommandRun {
    /// Runs a parsed command: the command line's, or a shell line's. A writing command's run
    /// that may write is recorded: it is `current` while it runs, and when it ends, however it
    /// ends, its line goes to the audit log. `words` is the command as typed.
    static func run(_ command: inout any ParsableCommand, words: [String]) throws {
        guard let writing = command as? any WritingCommand, writing.writes else {
            try command.run()
            return
        }
        let run = CommandRun(arguments: words)
        current = run
        defer { current = nil }
        do {
            try command.run()
        } catch {
            AuditLog.record(run, status: Sessctl.exitCode(for: error).rawValue, syslog: writing.recordOptions.auditSyslog)
            throw error
        }
        AuditLog.record(run, status: 0, syslog: writing.recordOptions.auditSyslog)
    }
}

/// The audit log: one JSON line for each run of a writing command, appended to `audit.log` in
/// the state directory (`$XDG_STATE_HOME/sessctl`, else `~/.local/state/sessctl`; the file mode
/// 0600, the directory 0700); with --audit-syslog, or `audit-syslog = true` in the config file,
/// the same line also goes to syslog. A log that cannot be written is a warning (once): the
/// command's own result stands.
enum AuditLog {
    /// The log's path for this environment; nil without an absolute XDG_STATE_HOME or a HOME.
    static func path(environment: [String: String]) -> String? {
        StateDirectory.path(environment: environment).map { $0 + "/audit.log" }
    }

    /// The longest command text kept (a command line of many ids is cut there; `touched`
    /// still counts them all).
    static let maxCommandBytes = 16 << 10

    /// Writes the line of a run that ended with `status` to the log, and to syslog when asked.
    static func record(_ run: CommandRun, status: Int32, syslog: Bool) {
        let line = line(run, status: status, now: SystemTime.nowMillis())
        if let problem = append(line) { warnOnce("the audit log was not written: \(problem)") }
        if syslog || configAsksForSyslog() { sendToSyslog(line) }
    }

    /// The line (without its newline): compact JSON, members in Go's order (sorted).
    static func line(_ run: CommandRun, status: Int32, now: Int64) -> [UInt8] {
        let members: [(String, JSONValue)] = [
            ("time", .string(Durations.rfc3339(millis: now))),
            ("user", .string(userName())),
            ("host", .string(hostName())),
            ("pid", .number(String(getpid()))),
            ("store", run.store.map(JSONValue.string) ?? .null),
            ("command", .string(commandText(run.arguments))),
            ("touched", .number(String(run.touched))),
            ("ids", .array(run.ids.map(JSONValue.string))),
            ("outcome", .string(outcome(status: status, refused: run.refused))),
            ("exit", .number(String(status))),
            ("trash", run.trashID.map(JSONValue.string) ?? .null)
        ]
        return GoJSONEncoder.encode(JSONObject(members))
    }

    /// What the exit status says happened (see `sessctl --help`).
    static func outcome(status: Int32, refused: Bool) -> String {
        switch status {
        case 0: return "ok"
        case 3: return "not found"
        case 4: return "partial"
        case 5: return "problems left"  // check --fix
        case 64: return "usage error"
        case 130: return "interrupted"
        default: return refused ? "refused" : "failed"
        }
    }

    /// The command as a shell would read it back, with its secrets hidden.
    static func commandText(_ words: [String]) -> String {
        let text = CommandLineSecrets.masked(words).map(ShellWords.quoted).joined(separator: " ")
        guard text.utf8.count > maxCommandBytes else { return text }
        var cut = text.utf8.prefix(maxCommandBytes)
        while let last = cut.last, last & 0xC0 == 0x80 { cut.removeLast() }  // a whole character
        if !cut.isEmpty { cut.removeLast() }
        return String(decoding: cut, as: UTF8.self) + " … (cut at \(maxCommandBytes) bytes)"
    }

    /// The OS user running sessctl: its name, else its uid.
    static func userName() -> String {
        let uid = getuid()
        if let entry = getpwuid(uid), let name = entry.pointee.pw_name { return String(cString: name) }
        return String(uid)
    }

    static func hostName() -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let ok = buffer.withUnsafeMutableBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { gethostname($0.baseAddress!, $0.count - 1) == 0 }
        }
        return ok ? String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self) : "?"
    }

    // MARK: Writing

    /// Appends the line with one write(2) (O_APPEND), so the lines of sessctl processes writing
    /// at once never mix. Never through a symbolic link; the file is made mode 0600 if it is not.
    /// What went wrong, if anything.
    static func append(_ line: [UInt8]) -> String? {
        guard let dir = StateDirectory.created(environment: Environment.all) else {
            return "there is nowhere to keep it (neither an absolute XDG_STATE_HOME nor HOME is set)"
        }
        let path = dir + "/audit.log"
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let e = errno
            return "\(path): " + (e == ELOOP ? "is a symbolic link" : String(cString: strerror(e)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return "\(path): \(String(cString: strerror(errno)))" }
        guard info.st_mode & S_IFMT == S_IFREG else { return "\(path): is not a regular file" }
        if info.st_mode & 0o7777 != 0o600, fchmod(fd, 0o600) != 0 {
            return "\(path): cannot make it mode 0600: \(String(cString: strerror(errno)))"
        }
        let bytes = line + [0x0a]
        while true {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return "\(path): \(String(cString: strerror(errno)))" }
            return n == bytes.count ? nil : "\(path): only \(n) of \(bytes.count) bytes were written"
        }
    }

    // MARK: Syslog

    /// The identity syslog keeps a pointer to.
    nonisolated(unsafe) private static let ident = strdup("sessctl")

    /// Sends the line to syslog(3): facility authpriv, level notice, tagged `sessctl[PID]`.
    static func sendToSyslog(_ line: [UInt8]) {
        openlog(ident, LOG_PID, LOG_AUTHPRIV)
        let text = line + [0]
        text.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { message in
                withVaList([message.baseAddress!]) { vsyslog(LOG_AUTHPRIV | LOG_NOTICE, "%s", $0) }
            }
        }
        closelog()
    }

    /// `audit-syslog = true` in the config file. A config file that cannot be read is a warning.
    private static func configAsksForSyslog() -> Bool {
        do {
            return try StoreSelection.loadConfig().auditSyslog
        } catch {
            warnOnce("the config file was not read for audit-syslog: \(error)")
            return false
        }
    }

    nonisolated(unsafe) private static var warned = false

    /// One warning a process, however many commands the shell runs.
    private static func warnOnce(_ message: String) {
        guard !warned else { return }
        warned = true
        Terminal.warn("warning: \(message) (the command's own result stands)")
    }
}
