import Foundation

extension Sessctl {
    /// Runs `sessctl args` with its output going to the file `stdoutPath` (else discarded) and
    /// returns its exit status and its peak resident memory in KiB: the largest `VmHWM` of
    /// `/proc/PID/status` while it runs, read every few milliseconds. (`wait4`'s `ru_maxrss` will
    /// not do: a child started with posix_spawn counts the parent's memory from before its exec.)
    public static func peakMemory(_ args: [String], env: [String: String] = [:], stdoutPath: String? = nil) throws -> (status: Int32, peakKiB: Int) {
        let environment = Sessctl.environment(env)
        var out: Int32? = nil
        if let stdoutPath {
            out = open(stdoutPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            if out! < 0 { throw RedisServerError("cannot create \(stdoutPath)") }
        }
        defer { if let out { close(out) } }
        let child = try ChildProcess.spawn(binary, args, environment: environment, stdout: out)
        var peak = 0
        while true {
            if let text = try? String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kib = Int(line.split(separator: " ").dropFirst().first { !$0.isEmpty && $0 != "\t" }?.trimmingCharacters(in: .whitespaces) ?? "")
            {
                peak = max(peak, kib)
            }
            if let status = child.exitStatus() { return (status, peak) }
            usleep(5_000)
        }
    }
}
