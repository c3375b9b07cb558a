import SessionKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

// What the signal handlers below may touch: a C string and a flag, never a Swift object.
nonisolated(unsafe) private var bufferPathForSignals: UnsafeMutablePointer<CChar>?
nonisolated(unsafe) private var bufferInterrupted: sig_atomic_t = 0

/// SIGTERM, SIGHUP, SIGQUIT: remove the temp file, then die of the signal as if nothing caught it.
private let removeBufferAndDie: @convention(c) (Int32) -> Void = { sig in
    if let p = bufferPathForSignals { unlink(p) }
    signal(sig, SIG_DFL)
    raise(sig)
}

/// SIGINT outside the editor: remove the temp file and note it; a pending read returns (no
/// SA_RESTART), and the command ends itself with status 130. In the shell this keeps the shell.
private let removeBufferAndNote: @convention(c) (Int32) -> Void = { _ in
    if let p = bufferPathForSignals { unlink(p) }
    bufferInterrupted = 1
}

/// A private temp file (mode 0600) that holds a session for the user's editor, and running that
/// editor: `$VISUAL`, else `$EDITOR`, else `vi`, split into words and run without a shell, with
/// the file as its last argument. The file is removed by `remove()` (also on deinit), and by
/// signal handlers if the command is killed or interrupted meanwhile, unless `keep()` left it.
final class EditBuffer {
    let path: String
    private var previous: [(Int32, sigaction)] = []
    private var removed = false

    static let maxBytes = 64 << 20

    /// The editor's argv (without the file), from `$VISUAL`, `$EDITOR` or `vi`.
    static func editorCommand() throws(SessionError) -> [String] {
        for name in ["VISUAL", "EDITOR"] {
            guard let text = Environment.value(name), !text.trimmingCharacters(in: " \t").isEmpty else { continue }
            do {
                return try ShellWords.split(text)
            } catch {
                throw SessionError.invalidArgument("$\(name) (\(text)): \(error)")
            }
        }
        return ["vi"]
    }

    /// `$TMPDIR` when it is a usable directory, else `/tmp`.
    static func temporaryDirectory() -> String {
        if var dir = Environment.value("TMPDIR"), !dir.isEmpty, access(dir, W_OK | X_OK) == 0 {
            while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
            return dir
        }
        return "/tmp"
    }

    /// Creates the file with `contents`. Its name says nothing about the session: a session id
    /// is a credential, and a name in a shared /tmp is visible to every local user.
    init(contents: [UInt8]) throws(SessionError) {
        let dir = Self.temporaryDirectory()
        var template = Array("\(dir)/sessctl-edit-XXXXXX.json".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 5) }
        guard fd >= 0 else {
            throw SessionError.io(location: dir, reason: "cannot create a temp file: \(String(cString: strerror(errno)))")
        }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        bufferPathForSignals = strdup(path)
        bufferInterrupted = 0
        installHandlers()
        var failure: Int32 = 0
        if fchmod(fd, 0o600) != 0 { failure = errno }
        var offset = 0
        while failure == 0 && offset < contents.count {
            let n = contents[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
            } else {
                offset += n
            }
        }
        close(fd)
        if failure != 0 {
            remove()
            throw SessionError.io(location: path, reason: "cannot write the temp file: \(String(cString: strerror(failure)))")
        }
    }

    deinit { remove() }

    /// True once Ctrl-C was pressed outside the editor; the file is gone by then.
    var interrupted: Bool { bufferInterrupted != 0 }

    /// The file's contents as the editor left them.
    func read() throws(SessionError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SessionError.io(location: path, reason: "cannot read the edited file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SessionError.io(location: path, reason: "cannot read the edited file: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return out }
            out += chunk[0..<n]
            if out.count > Self.maxBytes { throw SessionError.io(location: path, reason: "the edited file is larger than 64 MiB") }
        }
    }

    /// Runs `command` with the file as its last argument on this terminal and waits for it. While
    /// it runs, Ctrl-C and Ctrl-\ belong to the editor (as git does it); the editor itself gets
    /// default signal handling. Throws when it cannot start or does not exit with status 0.
    func runEditor(_ command: [String]) throws(SessionError) {
        let name = command.first ?? "vi"
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = (command + [path]).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let ignored = ignore([SIGINT, SIGQUIT])
        defer { restore(ignored) }
        Terminal.flush()
        var pid = pid_t()
        let spawned = posix_spawnp(&pid, name, nil, &attributes, argv, environ)
        guard spawned == 0 else {
            throw SessionError.invalidArgument(
                "cannot run the editor \(SessionError.quote(name)): \(String(cString: strerror(spawned))) (set VISUAL or EDITOR); nothing was written")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw SessionError.invalidArgument("lost the editor \(SessionError.quote(name)): \(String(cString: strerror(errno)))") }
        }
        let signal = status & 0x7f
        if signal != 0 {
            throw SessionError.invalidArgument("the editor \(SessionError.quote(name)) was killed by signal \(signal); nothing was written")
        }
        let code = (status >> 8) & 0xff
        if code != 0 {
            throw SessionError.invalidArgument("the editor \(SessionError.quote(name)) exited with status \(code); nothing was written")
        }
    }

    /// Removes the file and gives the signals back to whoever had them.
    func remove() {
        guard !removed else { return }
        unlink(path)
        keep()
    }

    /// Leaves the file where it is (the user's work, when it could not be written) and gives the
    /// signals back to whoever had them.
    func keep() {
        guard !removed else { return }
        removed = true
        restore(previous)
        previous = []
        let p = bufferPathForSignals
        bufferPathForSignals = nil
        free(p)
    }

    // MARK: Signals

    private func installHandlers() {
        previous = [(SIGINT, install(SIGINT, removeBufferAndNote))]
        for s in [SIGTERM, SIGHUP, SIGQUIT] { previous.append((s, install(s, removeBufferAndDie))) }
    }

    private func install(_ sig: Int32, _ handler: @convention(c) (Int32) -> Void) -> sigaction {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        var old = sigaction()
        sigaction(sig, &action, &old)
        return old
    }

    private func ignore(_ signals: [Int32]) -> [(Int32, sigaction)] {
        signals.map { sig in
            var action = sigaction()
            action.__sigaction_handler.sa_handler = SIG_IGN
            sigemptyset(&action.sa_mask)
            var old = sigaction()
            sigaction(sig, &action, &old)
            return (sig, old)
        }
    }

    private func restore(_ actions: [(Int32, sigaction)]) {
        for (sig, action) in actions.reversed() {
            var a = action
            sigaction(sig, &a, nil)
        }
    }
}
