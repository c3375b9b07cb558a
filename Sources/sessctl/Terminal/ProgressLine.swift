import SessionKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The progress line on stderr of every long command: shown only when stderr is a terminal,
/// only once the work has taken a moment, redrawn at most ten times a second, and cleared before
/// a message or the result is printed. Never part of piped output.
final class ProgressLine {
    private let enabled: Bool
    private let started = SystemTime.monotonicSeconds()
    private var lastDrawn = 0.0
    private var visible = false

    init(enabled: Bool = Terminal.stderrIsTTY) {
        self.enabled = enabled
    }

    func update(_ text: @autoclosure () -> String) {
        guard enabled else { return }
        let now = SystemTime.monotonicSeconds()
        guard now - started >= 0.3, now - lastDrawn >= 0.1 else { return }
        lastDrawn = now
        fputs("\r\u{1B}[K" + text(), stderr)
        fflush(stderr)
        visible = true
    }

    func clear() {
        guard visible else { return }
        fputs("\r\u{1B}[K", stderr)
        fflush(stderr)
        visible = false
    }

    /// The line of migrate, export and import: `LABEL: done/total sessions (P%)  R/s  ETA T` once
    /// the total is known, else `LABEL: done sessions (scanned scanned)  R/s`.
    static func transfer(_ label: String, done: Int, scanned: Int, total: Int?, seconds: Double) -> String {
        let rate = seconds > 0 ? Double(done) / seconds : 0
        guard let total, total > 0 else { return "\(label): \(done) sessions (\(scanned) scanned)  \(Int(rate))/s" }
        let shownTotal = max(total, scanned)
        var text = "\(label): \(done)/\(shownTotal) sessions (\(Int(Double(done) * 100 / Double(shownTotal)))%)  \(Int(rate))/s"
        if rate > 0 && done < shownTotal {
            text += "  ETA " + Durations.format(millis: Int64(Double(shownTotal - done) / rate * 1000))
        }
        return text
    }
}
