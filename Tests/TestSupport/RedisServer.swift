import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A failure starting, driving or stopping a test `RedisServer`.
public struct RedisServerError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A private `redis-server` for tests: its own loopback port, unix socket and temp directory,
/// no persistence. It is stopped by `stop()` (idempotent), by `deinit`, and, should the test
/// process die first, by a small watchdog shell process — it never outlives the tests.
///
/// Typical use:
///
///     let server = try RedisServer()      // or RedisServer(password: "s3cret")
///     defer { server.stop() }             // or stop it in tearDown
///     // connect to server.host:server.port or server.socketPath; seed with server.cli([...])
public final class RedisServer {
    /// Always the IPv4 loopback address.
    public let host = "127.0.0.1"
    /// The TCP port the server listens on.
    public let port: Int
    /// The server's unix socket (permissions 700).
    public let socketPath: String
    /// The private temp directory (working dir, pid file, socket, log); removed by `stop()`.
    public let directory: String
    /// The server's stdout/stderr log.
    public let logPath: String
    /// The `requirepass` password given to `init`, also used by `cli` and `pipe`.
    public let password: String?
    /// Path of the `redis-cli` used by `cli` and `pipe`.
    public let redisCliPath: String

    /// Arguments `cli` and `pipe` put before their own (e.g. `--tls --cacert ...` for a TLS-only server).
    public var cliOptions: [String] = []

    private let process: ChildProcess
    private let watchdog: ChildProcess?
    private let lock = NSLock()
    private var stopped = false

    /// The server's process id.
    public var pid: Int32 { process.pid }

    /// True while the server process has not exited.
    public var isRunning: Bool { !process.hasExited() }

    /// Starts `redis-server` and waits (at most ~5 s) until it answers PING.
    ///
    /// - Parameters:
    ///   - extraArgs: more `redis-server` arguments, e.g. `["--maxmemory", "10mb"]`.
    ///   - password: when set, the server is started with `--requirepass password`.
    ///   - configFile: a config file, given first (a sentinel needs its own, writable).
    ///   - tlsOnly: TLS settings for a server with no plain TCP port: `port` is then its TLS port
    ///     (`--port 0 --tls-port port`), and readiness is a TCP connect.
    ///   - extraArgsForPort: more arguments that depend on the port picked (e.g. a sentinel's
    ///     `--sentinel announce-port`), added after `extraArgs`.
    /// - Throws: `RedisServerError` when redis-server or redis-cli is missing (run `make test`,
    ///   which installs them) or the server does not come up (the message includes its log).
    public init(
        extraArgs: [String] = [], password: String? = nil, configFile: String? = nil, tlsOnly: [String]? = nil,
        extraArgsForPort: (Int) -> [String] = { _ in [] }
    ) throws {
        guard let serverPath = Self.findExecutable("redis-server") else {
            throw RedisServerError(
                "redis-server is missing from PATH; the Redis tests need it: `make test` installs it "
                    + "(Debian packages redis-server and redis-tools)")
        }
        guard let cliPath = Self.findExecutable("redis-cli") else {
            throw RedisServerError(
                "redis-cli is missing from PATH; the Redis tests need it: `make test` installs it "
                    + "(Debian package redis-tools)")
        }
        let directory = try Self.makeTempDirectory()
        let socketPath = directory + "/redis.sock"
        let logPath = directory + "/redis.log"

        var lastError: Error = RedisServerError("redis-server did not start")
        var started: (process: ChildProcess, port: Int)?
        // A port found free can be taken by someone else before redis binds it: retry then.
        for _ in 0..<3 {
            do {
                let port = try Self.freePort()
                var args = configFile.map { [$0] } ?? []
                if let tlsOnly {
                    args += ["--port", "0", "--tls-port", String(port)] + tlsOnly
                } else {
                    args += ["--port", String(port)]
                }
                args += [
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "no",
                    "--daemonize", "no",
                    "--pidfile", directory + "/redis.pid",
                    "--unixsocket", socketPath,
                    "--unixsocketperm", "700",
                    "--dir", directory
                ]
                if let password { args += ["--requirepass", password] }
                args += extraArgs + extraArgsForPort(port)
                let process = try Self.launch(serverPath, args, logPath: logPath)
                do {
                    try Self.waitUntilReady(process: process, port: port, logPath: logPath, connectOnly: tlsOnly != nil)
                } catch {
                    process.terminate()
                    throw error
                }
                started = (process, port)
                break
            } catch {
                lastError = error
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                if !log.contains("Address already in use") { break }
            }
        }
        guard let started else {
            try? FileManager.default.removeItem(atPath: directory)
            throw lastError
        }
        self.process = started.process
        self.port = started.port
        self.socketPath = socketPath
        self.directory = directory
        self.logPath = logPath
        self.password = password
        self.redisCliPath = cliPath
        self.watchdog = try? Self.startWatchdog(serverPid: started.process.pid, directory: directory)
    }

    deinit {
        stop()
    }

    /// Stops the server (SIGCONT in case it was suspended, then SIGTERM; SIGKILL after 5 s),
    /// waits for it and removes the temp directory. Safe to call more than once.
    public func stop() {
        lock.lock()
        if stopped {
            lock.unlock()
            return
        }
        stopped = true
        lock.unlock()

        process.terminate()
        if let watchdog {
            // SIGKILL: a shell waiting on `sleep` may not act on SIGTERM until the sleep ends.
            kill(watchdog.pid, SIGKILL)
            _ = watchdog.wait()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Freezes the server with SIGSTOP: connections stay open but nothing is answered.
    public func suspend() {
        if !isStopped { kill(pid, SIGSTOP) }
    }

    /// Lets a suspended server run again (SIGCONT).
    public func resume() {
        if !isStopped { kill(pid, SIGCONT) }
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Kills the server at once (SIGKILL) without removing its directory: a crash, for failover
    /// drills. `stop()` still cleans up.
    public func crash() {
        if !isStopped { kill(pid, SIGKILL) }
        _ = process.wait()
    }

    /// Runs `redis-cli -h host -p port args...` (authenticated when the server has a password,
    /// unless `authenticate` is false) and returns its stdout without trailing newlines.
    /// Throws when redis-cli exits with a non-zero status.
    @discardableResult
    public func cli(_ args: [String], authenticate: Bool = true) throws -> String {
        let result = try runCli(["-h", host, "-p", String(port)] + cliOptions + args, stdin: nil, authenticate: authenticate)
        guard result.status == 0 else {
            throw RedisServerError(
                "redis-cli \(args.joined(separator: " ")) exited with status \(result.status): "
                    + result.stderr + result.stdout)
        }
        return Self.trimNewlines(result.stdout)
    }

    /// Runs `redis-cli args...` as given (no host or port added), killed after `timeout` seconds,
    /// and returns its stdout; throws on a non-zero status. For `--cluster` commands.
    @discardableResult
    public func redisCli(_ args: [String], timeout seconds: Int = 60) throws -> String {
        let result = try runCli(args, stdin: nil, authenticate: true, timeout: seconds)
        guard result.status == 0 else {
            throw RedisServerError("redis-cli \(args.joined(separator: " ")) exited with status \(result.status): " + result.stderr + result.stdout)
        }
        return Self.trimNewlines(result.stdout)
    }

    /// Feeds a file of raw RESP commands to `redis-cli --pipe` and returns its report.
    /// Throws when redis-cli reports errors (non-zero exit status).
    @discardableResult
    public func pipe(file: String) throws -> String {
        guard let input = FileHandle(forReadingAtPath: file) else {
            throw RedisServerError("cannot read \(file)")
        }
        defer { try? input.close() }
        let result = try runCli(["-h", host, "-p", String(port)] + cliOptions + ["--pipe"], stdin: input, authenticate: true)
        guard result.status == 0 else {
            throw RedisServerError(
                "redis-cli --pipe < \(file) exited with status \(result.status): " + result.stderr + result.stdout)
        }
        return Self.trimNewlines(result.stdout)
    }

    /// `pipe(file:)` of a RESP command stream held in memory.
    @discardableResult
    public func pipe(bytes: [UInt8]) throws -> String {
        let file = NSTemporaryDirectory() + "sessctl-pipe-\(UUID().uuidString).resp"
        guard FileManager.default.createFile(atPath: file, contents: Data(bytes)) else { throw RedisServerError("cannot write \(file)") }
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try pipe(file: file)
    }

    /// The server log so far (for failure messages).
    public func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    // MARK: - Helpers usable by any test

    /// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0 and read it back).
    /// With nothing listening on it, it is also a handy "connection refused" target.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RedisServerError("socket() failed: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw RedisServerError("bind() failed: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw RedisServerError("getsockname() failed: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The full path of `name` found on PATH, or nil.
    public static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    // MARK: - Private

    private static func loopbackAddress(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    private static func makeTempDirectory() throws -> String {
        var base = FileManager.default.temporaryDirectory.path
        // Unix socket paths are limited to 107 bytes.
        if base.utf8.count > 60 { base = "/tmp" }
        var template = Array((base + "/redis-test-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw RedisServerError("cannot create a temp directory in \(base): \(String(cString: strerror(errno)))")
        }
        let path = template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: path, as: UTF8.self)
    }

    private static func launch(_ executable: String, _ args: [String], logPath: String) throws -> ChildProcess {
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard log >= 0 else {
            throw RedisServerError("cannot create \(logPath): \(String(cString: strerror(errno)))")
        }
        defer { close(log) }
        return try ChildProcess.spawn(executable, args, stdout: log, stderr: log)
    }

    private static func waitUntilReady(process: ChildProcess, port: Int, logPath: String, connectOnly: Bool = false) throws {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if let status = process.exitStatus() {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw RedisServerError("redis-server exited with status \(status) at start-up; log:\n\(log)")
            }
            if connectOnly ? accepts(port: port) : ping(port: port) { return }
            usleep(10_000)
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw RedisServerError("redis-server on port \(port) did not answer PING within 5 s; log:\n\(log)")
    }

    /// True when something on 127.0.0.1:port accepts a TCP connection.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopbackAddress(port: UInt16(port))
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    /// True when something on 127.0.0.1:port answers an inline PING like a ready Redis
    /// (`+PONG`, or `-NOAUTH` when a password is required).
    private static func ping(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var limit = timeval(tv_sec: 0, tv_usec: 500_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = loopbackAddress(port: UInt16(port))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return false }
        let request = Array("PING\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return false }
        let reply = String(decoding: buffer[0..<count], as: UTF8.self)
        return reply.hasPrefix("+PONG") || reply.hasPrefix("-NOAUTH")
    }

    /// A shell loop that kills the server if this process dies without stopping it.
    private static func startWatchdog(serverPid: Int32, directory: String) throws -> ChildProcess {
        let script = """
            while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 0.2; done
            if ! kill -0 "$1" 2>/dev/null; then
                kill -CONT "$2" 2>/dev/null; kill -TERM "$2" 2>/dev/null; sleep 0.5; rm -rf "$3"
            fi
            exit 0
            """
        return try ChildProcess.spawn(
            "/bin/sh", ["-c", script, "redis-watchdog", String(getpid()), String(serverPid), directory])
    }

    private struct CliResult {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private func runCli(_ args: [String], stdin: FileHandle?, authenticate: Bool, timeout: Int? = nil) throws -> CliResult {
        var environment = ProcessInfo.processInfo.environment
        environment["REDISCLI_AUTH"] = nil
        if authenticate, let password { environment["REDISCLI_AUTH"] = password }  // not on the command line
        let output = try ChildProcess.pipe()
        let errors = try ChildProcess.pipe()
        let child: ChildProcess
        do {
            if let timeout, let timeoutPath = Self.findExecutable("timeout") {
                child = try ChildProcess.spawn(
                    timeoutPath, [String(timeout), redisCliPath] + args, environment: environment, stdin: stdin?.fileDescriptor,
                    stdout: output.write, stderr: errors.write)
            } else {
                child = try ChildProcess.spawn(
                    redisCliPath, args, environment: environment, stdin: stdin?.fileDescriptor,
                    stdout: output.write, stderr: errors.write)
            }
        } catch {
            for fd in [output.read, output.write, errors.read, errors.write] { close(fd) }
            throw error
        }
        close(output.write)
        close(errors.write)
        let (out, err) = ChildProcess.readAll(output.read, errors.read)
        close(output.read)
        close(errors.read)
        let status = child.wait()
        return CliResult(
            status: status,
            stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    private static func trimNewlines(_ text: String) -> String {
        var text = Substring(text)
        while let last = text.last, last == "\n" || last == "\r\n" || last == "\r" { text.removeLast() }
        return String(text)
    }
}

/// A child process started with posix_spawn and reaped with waitpid.
///
/// Foundation's `Process` notices exits in 50 ms steps, which adds up over hundreds of tests.
/// Children get stdin/stdout/stderr as given (else /dev/null), default signal handling and an
/// empty signal mask, and no other descriptors of this process.
struct ChildProcess {
    let pid: pid_t
    private let state: State

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var status: Int32?
    }

    /// Starts `path` with `args` (argv[0] is `path`). `environment` nil means this process's.
    static func spawn(
        _ path: String, _ args: [String], environment: [String: String]? = nil,
        stdin: Int32? = nil, stdout: Int32? = nil, stderr: Int32? = nil
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            if let source {
                posix_spawn_file_actions_adddup2(&actions, source, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_RDWR, 0)
            }
        }
        if let closeFrom = closeFromAction { _ = closeFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw RedisServerError("cannot run \(path): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, state: State())
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), looked up at run time.
    private static let closeFromAction: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32)? = {
        guard let handle = dlopen(nil, RTLD_NOW),
            let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np")
        else { return nil }
        return unsafeBitCast(
            symbol,
            to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32).self)
    }()

    /// The exit status if the child has exited (reaping it), else nil. 128+N for signal N.
    func exitStatus() -> Int32? {
        state.lock.lock()
        defer { state.lock.unlock() }
        if let status = state.status { return status }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        if result == pid {
            state.status = Self.decode(raw)
        } else if result < 0 && errno == ECHILD {
            state.status = -1  // reaped elsewhere
        }
        return state.status
    }

    func hasExited() -> Bool { exitStatus() != nil }

    /// Waits for the child to exit and returns its status.
    func wait() -> Int32 {
        while true {
            if let status = exitStatus() { return status }
            usleep(1_000)
        }
    }

    /// SIGCONT (in case it is stopped) and SIGTERM; SIGKILL after 5 s; waits for it.
    func terminate() {
        guard !hasExited() else { return }
        kill(pid, SIGCONT)
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while !hasExited() && Date() < deadline { usleep(1_000) }
        if !hasExited() { kill(pid, SIGKILL) }
        _ = wait()
    }

    private static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
    }

    /// A pipe whose ends are close-on-exec (the child gets its end through dup2).
    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else {
            throw RedisServerError("pipe() failed: \(String(cString: strerror(errno)))")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// Reads two descriptors to EOF at once (so neither pipe can fill up and block the child).
    static func readAll(_ first: Int32, _ second: Int32) -> ([UInt8], [UInt8]) {
        var data: [[UInt8]] = [[], []]
        var open = [true, true]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while open[0] || open[1] {
            var fds = [
                pollfd(fd: open[0] ? first : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: open[1] ? second : -1, events: Int16(POLLIN), revents: 0)
            ]
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in 0..<2 where open[index] && fds[index].revents != 0 {
                let count = read(fds[index].fd, &buffer, buffer.count)
                if count > 0 {
                    data[index].append(contentsOf: buffer[0..<count])
                } else if count == 0 || errno != EINTR {
                    open[index] = false
                }
            }
        }
        return (data[0], data[1])
    }
}
