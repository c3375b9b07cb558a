import Foundation

/// Runs the real `sessctl` binary as a user would, and what it printed.
public struct SessctlRun {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// stdout exactly as written (`stdout` decodes it as UTF-8).
    public var stdoutBytes: [UInt8] = []

    public init(status: Int32, stdout: String, stderr: String, stdoutBytes: [UInt8] = []) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.stdoutBytes = stdoutBytes
    }

    public var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    /// The rows of a summary on stdout (`copied            12`): label to value.
    public var summary: [String: String] {
        var out: [String: String] = [:]
        for line in stdout.split(separator: "\n") {
            guard let r = line.range(of: "  ") else { continue }
            out[String(line[..<r.lowerBound])] = line[r.upperBound...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }
}

public enum Sessctl {
    /// The binary built beside the test bundle, or `$SESSCTL_BIN`.
    public static let binary: String = {
        if let env = ProcessInfo.processInfo.environment["SESSCTL_BIN"], !env.isEmpty { return env }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        if dir.path.hasSuffix(".xctest/Contents/MacOS") { dir = dir.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }
        return dir.appendingPathComponent("sessctl").path
    }()

    /// The state directory (audit log, shell history) of the runs whose `env` names none: one for
    /// this test process, removed when it ends.
    public static let stateHome = TempDirectory("sessctl-state")

    /// A clean environment, plus `env`.
    public static func environment(_ env: [String: String]) -> [String: String] {
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "TMPDIR": "/nonexistent-tmp",
            "XDG_STATE_HOME": stateHome.path
        ]
        for (k, v) in env { environment[k] = v }
        return environment
    }

    /// Runs `sessctl args` with a clean environment (plus `env`), stdin from `input` or /dev/null.
    /// With `deadline` (seconds), a run still going then is killed (status SIGKILL), so a hang
    /// fails the test instead of hanging the suite.
    public static func run(
        _ args: [String], env: [String: String] = [:], input: String? = nil, cwd: String? = nil,
        deadline: Double? = nil
    ) -> SessctlRun {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.environment = environment(env)
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let inPipe = Pipe()
        p.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        do {
            try p.run()
        } catch {
            return SessctlRun(status: -1, stdout: "", stderr: "cannot run \(binary): \(error)")
        }
        let watchdog = DispatchWorkItem { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        if let deadline { DispatchQueue.global().asyncAfter(deadline: .now() + deadline, execute: watchdog) }
        defer { watchdog.cancel() }
        if let input {
            inPipe.fileHandleForWriting.write(Data(input.utf8))
            try? inPipe.fileHandleForWriting.close()
        }
        // Read stderr on another thread so a large output on either pipe cannot block the child.
        let errBox = DataBox()
        let group = DispatchGroup()
        let errHandle = err.fileHandleForReading
        DispatchQueue.global().async(group: group) { errBox.data = errHandle.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return SessctlRun(
            status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), stdoutBytes: [UInt8](outData))
    }
}

private final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// A `sessctl` started in the background (clean environment), its output going to files, to be
/// signalled at a chosen moment of its work.
public final class RunningSessctl {
    public let process = Process()
    private let output = TempDirectory("sessctl-running")

    /// Starts `sessctl args`, its standard input the file `stdin` (else /dev/null).
    public init(_ args: [String], env: [String: String] = [:], stdin: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: Sessctl.binary)
        process.arguments = args
        process.environment = Sessctl.environment(env)
        process.standardInput = stdin.flatMap { FileHandle(forReadingAtPath: $0) } ?? FileHandle.nullDevice
        FileManager.default.createFile(atPath: output.file("out"), contents: nil)
        FileManager.default.createFile(atPath: output.file("err"), contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: output.file("out"))
        process.standardError = FileHandle(forWritingAtPath: output.file("err"))
        try process.run()
    }

    /// Sends `signal` at a moment when `ready` holds. Once it seems to, `ready` is checked again
    /// with the process stopped (SIGSTOP), so its work cannot run past that moment before the
    /// signal comes: a `ready` that also says "not finished" makes the signal arrive mid-work,
    /// however loaded the machine. False when the process ended first, `ready` no longer held
    /// when checked again, or 60 s passed.
    public func signal(_ signal: Int32, when ready: () -> Bool) -> Bool {
        let pid = process.processIdentifier
        let deadline = Date().addingTimeInterval(60)
        while !ready() {
            guard Date() < deadline, process.isRunning else { return false }
            usleep(2000)
        }
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        guard waitUntilStopped(pid, deadline: deadline), ready() else { return false }
        kill(pid, signal)
        return true
    }

    /// What it has written to stdout so far.
    public var outputSoFar: [UInt8] { output.read("out") ?? [] }
    /// What it has written to stderr so far.
    public var errorSoFar: [UInt8] { output.read("err") ?? [] }

    /// Waits for the end: the exit status and what it printed.
    public func finish() -> SessctlRun {
        process.waitUntilExit()
        let out = output.read("out") ?? [], err = output.read("err") ?? []
        return SessctlRun(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self), stdoutBytes: out)
    }

    /// True once /proc says the process is stopped (state T); false if it ended.
    private func waitUntilStopped(_ pid: Int32, deadline: Date) -> Bool {
        while Date() < deadline {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            // After "pid (comm) " comes the state letter.
            let state = stat[close...].dropFirst(2).first
            if state == "T" || state == "t" { return true }
            if state == "Z" || state == "X" { return false }
            usleep(500)
        }
        return false
    }
}
