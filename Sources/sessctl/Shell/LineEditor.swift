@preconcurrency import CEditLine

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A line editor on libedit's readline-compatible interface: prompts, history, Tab completion,
/// UTF-8 input, and Ctrl-C that abandons the line instead of ending the program.
final class LineEditor {
    enum Input {
        case line(String)
        /// Ctrl-C: the line was abandoned.
        case interrupted
        /// Ctrl-D on an empty line.
        case endOfInput
    }

    /// Completes the word `word` given the text before it; set by the shell. libedit calls back
    /// through a C function, which cannot capture context.
    nonisolated(unsafe) static var completer: ((_ before: String, _ word: String) -> [String])?

    private let historyPath: String?

    init(historyPath: String?) {
        self.historyPath = historyPath
        setlocale(LC_CTYPE, "")  // without it libedit drops non-ASCII input
        sessctl_rl_setup("sessctl", { text, start, _ in LineEditor.complete(text, start) })
        Interrupts.catchCtrlC()
        using_history()
        stifle_history(1000)
        if let historyPath { _ = read_history(historyPath) }
    }

    func read(prompt: String) -> Input {
        _ = Interrupts.take()
        guard let cLine = readline(prompt) else {
            if Interrupts.terminationRequested() { return .endOfInput }
            if Interrupts.take() {
                fputs("\n", stdout)
                return .interrupted
            }
            return .endOfInput
        }
        defer { free(cLine) }
        return .line(String(cString: cLine))
    }

    /// Adds a line to the history and saves the history file (mode 0600).
    func remember(_ line: String) {
        add_history(line)
        guard let historyPath else { return }
        let fd = open(historyPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }
        _ = write_history(historyPath)
    }

    private static func complete(_ text: UnsafePointer<CChar>?, _ start: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        sessctl_rl_completion_over()  // never fall back to file names
        guard let completer, let text, let buffer = sessctl_rl_line_buffer() else { return nil }
        let word = String(cString: text)
        let before = String(
            decoding: UnsafeBufferPointer(
                start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self),
                count: Int(start)), as: UTF8.self)
        let matches = completer(before, word)
        guard !matches.isEmpty else { return nil }
        // libedit wants a malloc'ed, NULL-terminated array: [0] the common prefix, then the matches.
        let array = calloc(matches.count + 3, MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)!
            .assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
        array[0] = strdup(commonPrefix(matches))
        for (i, m) in matches.enumerated() { array[i + 1] = strdup(m) }
        return array
    }

    static func commonPrefix(_ words: [String]) -> String {
        guard let first = words.first else { return "" }
        var prefix = Array(first)
        for w in words.dropFirst() {
            let chars = Array(w)
            var n = 0
            while n < prefix.count && n < chars.count && prefix[n] == chars[n] { n += 1 }
            prefix.removeSubrange(n...)
        }
        return String(prefix)
    }
}
