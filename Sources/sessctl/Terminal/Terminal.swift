import ArgumentParser
@preconcurrency import CEditLine  // its stdio.h declarations of stdout and stderr, as Glibc's above
import SessionKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    @preconcurrency import Darwin
#endif

/// The process environment, read once.
enum Environment {
    static let all: [String: String] = {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return env
    }()

    static func value(_ name: String) -> String? { all[name] }
}

/// What the terminal can show, and writing to stdout and stderr.
enum Terminal {
    nonisolated(unsafe) static var noColorFlag = false

    static let stdoutIsTTY = isatty(1) == 1
    static let stderrIsTTY = isatty(2) == 1

    /// Colour on stdout: a terminal, and neither NO_COLOR nor --no-color.
    static var color: Bool {
        stdoutIsTTY && !noColorFlag && (Environment.value("NO_COLOR") ?? "").isEmpty
    }

    static func paint(_ s: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s
    }

    /// The width of the terminal on stdout in columns, else $COLUMNS, else 80.
    static var width: Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let text = Environment.value("COLUMNS"), let n = Int(text), n > 0 { return n }
        return 80
    }

    static func write(_ s: String) {
        print(s)
    }

    static func writeBytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { _ = fwrite($0.baseAddress, 1, $0.count, stdout) }
    }

    static func flush() {
        fflush(stdout)
    }

    /// Writes `s` as it is (no newline) and flushes: terminal control sequences.
    static func writeRaw(_ s: String) {
        fputs(s, stdout)
        fflush(stdout)
    }

    static func warn(_ s: String) {
        fflush(stdout)
        fputs("sessctl: \(s)\n", stderr)
    }
}

/// Turns library errors into one line on stderr and the exit status product.md gives them.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SessionError {
        Terminal.warn(error.description)
        if case .readOnly = error { CommandRun.current?.refused = true }
        throw error.exitCode
    }
}

extension SessionError {
    /// The exit status of a command that fails with this error: 3 for a missing session, else 1.
    var exitCode: ExitCode { ExitCode(isNotFound ? 3 : 1) }
}
