import SessionKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

extension Terminal {
    /// Writes text to stderr as it is (after what stdout holds).
    static func writeError(_ s: String) {
        Terminal.flush()
        fputs(s, stderr)
    }
}

/// Asking a person, on stderr, before something destructive (or how an edit goes on); the
/// answer is a line of standard input.
enum Confirmation {
    /// Someone can be asked: standard input and standard error are terminals.
    static var canAsk: Bool { isatty(0) == 1 && Terminal.stderrIsTTY }

    /// Asks `question [y/N]`; true only for y or yes (in any case).
    static func ask(_ question: String) -> Bool {
        let yes = answer(to: "\(question) [y/N] ").map { ["y", "yes"].contains($0) } ?? false
        if !yes { CommandRun.current?.refused = true }
        return yes
    }

    /// The error of a command that would have asked but has no terminal to ask on (the audit
    /// log calls its outcome `refused`).
    static func cannotAsk(_ message: String) -> SessionError {
        CommandRun.current?.refused = true
        return .invalidArgument(message)
    }

    /// Writes `prompt` and reads the answer, trimmed and lower-cased; nil at the end of input
    /// (after a newline, so that what follows starts a line).
    static func answer(to prompt: String) -> String? {
        Terminal.writeError(prompt)
        guard let line = readLine() else {
            Terminal.writeError("\n")
            return nil
        }
        return line.trimmingCharacters(in: " \t").lowercased()
    }
}
