import Foundation

/// A real terminal for interactive tests: a private tmux server running one program, driven
/// with send-keys and read with capture-pane.
public final class Tmux {
    public let socket: String
    private let session = "t"

    /// Starts `command` (argv) in a 120x40 window with the given environment.
    public init(_ command: [String], env: [String: String] = [:]) throws {
        guard let tmux = ["/usr/bin/tmux", "/bin/tmux", "/usr/local/bin/tmux"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TmuxError("tmux is missing; `make test` installs it")
        }
        self.tmux = tmux
        socket = NSTemporaryDirectory() + "/sessctl-tmux-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let exports = (["XDG_STATE_HOME": Sessctl.stateHome.path].merging(env) { $1 }).map { "\($0.key)=\(Tmux.quote($0.value))" }.joined(separator: " ")
        let line = "env -i PATH=/usr/bin:/bin TERM=xterm LANG=C.UTF-8 \(exports) " + command.map(Tmux.quote).joined(separator: " ")
        try run(["new-session", "-d", "-s", session, "-x", "120", "-y", "40", line], output: false)
        try run(["set-option", "-t", session, "remain-on-exit", "on"])
    }

    private let tmux: String

    deinit { _ = try? run(["kill-server"]) }

    /// Types text; `keys` like "Tab", "C-c", "Enter", "C-d" are sent as keys.
    public func type(_ text: String) throws { try run(["send-keys", "-t", session, "-l", text]) }
    public func press(_ keys: String...) throws { try run(["send-keys", "-t", session] + keys) }

    /// The visible screen.
    public func screen() throws -> String { try run(["capture-pane", "-p", "-t", session]) }

    /// A tmux format of the pane, e.g. `#{alternate_on}` (1 while the program shows the alternate screen).
    public func display(_ format: String) throws -> String {
        try run(["display-message", "-p", "-t", session, format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// True once the program has exited.
    public func exited() throws -> Bool { try run(["display-message", "-p", "-t", session, "#{pane_dead}"]).hasPrefix("1") }

    /// Waits up to `seconds` for `predicate` to hold on the screen; returns the last screen.
    @discardableResult
    public func waitFor(_ seconds: Double = 20, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if predicate(last) { return last }
            usleep(50_000)
        }
        throw TmuxError("timed out waiting; the screen was:\n\(last)")
    }

    @discardableResult
    private func run(_ args: [String], output: Bool = true) throws -> String {
        // posix_spawn with no inherited descriptors: the command that starts the tmux server must
        // not hand it our pipe, or reading to its end would never return.
        let pipe = try ChildProcess.pipe()
        let child = try ChildProcess.spawn(tmux, ["-S", socket, "-f", "/dev/null"] + args, stdout: output ? pipe.write : nil)
        close(pipe.write)
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(pipe.read, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        close(pipe.read)
        let status = child.wait()
        if status != 0 && args.first != "kill-server" { throw TmuxError("tmux \(args.first ?? "") failed with status \(status)") }
        return String(decoding: data, as: UTF8.self)
    }

    private static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

public struct TmuxError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
