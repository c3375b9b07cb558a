/// Splits a shell line into words the way a POSIX shell would for simple commands: spaces
/// separate words, single quotes keep everything, double quotes keep everything but `\"` and
/// `\\`, a backslash outside quotes escapes the next character.
enum ShellWords {
    struct UnterminatedQuote: Error, CustomStringConvertible {
        var description: String { "unterminated quote" }
    }

    static func split(_ line: String) throws -> [String] {
        let (words, open) = scan(line)
        if open { throw UnterminatedQuote() }
        return words
    }

    /// The word as `split` reads it back: as it is when it holds nothing special, else in single quotes.
    static func quoted(_ word: String) -> String {
        if !word.isEmpty, !word.contains(where: { " \t'\"\\".contains($0) }) { return word }
        return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    /// The words of a partial line (for completion); an open quote is closed at the end.
    static func splitLeniently(_ line: String) -> [String] { scan(line).words }

    private static func scan(_ line: String) -> (words: [String], openQuote: Bool) {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character? = nil
        var escaped = false
        for c in line {
            if escaped {
                current.append(c)
                escaped = false
                continue
            }
            switch (quote, c) {
            case ("'", "'"), ("\"", "\""):
                quote = nil
            case ("'", _):
                current.append(c)
            case ("\"", "\\"):
                escaped = true
            case ("\"", _):
                current.append(c)
            case (nil, "\\"):
                escaped = true
                inWord = true
            case (nil, "'"), (nil, "\""):
                quote = c
                inWord = true
            case (nil, " "), (nil, "\t"):
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(c)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return (words, quote != nil)
    }
}
