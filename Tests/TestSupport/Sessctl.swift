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

    /// Runs `sessctl args` with a clean environment (plus `env`), stdin from `input` or /dev/null.
    /// With `deadline` (seconds), a run still going then is killed (status SIGKILL), so a hang
    /// fails the test instead of hanging the suite.
    public static func run(_ args: [String], env: [String: String] = [:], input: String? = nil, cwd: String? = nil,
                           deadline: Double? = nil) -> SessctlRun {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "TMPDIR": "/nonexistent-tmp"]
        for (k, v) in env { environment[k] = v }
        p.environment = environment
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
        return SessctlRun(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                          stderr: String(decoding: errData, as: UTF8.self), stdoutBytes: [UInt8](outData))
    }
}

private final class DataBox: @unchecked Sendable {
    var data = Data()
}
