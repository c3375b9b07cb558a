#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif
import SessionKit

/// The progress line of migrate, export and import: done / total, rate and ETA on stderr, redrawn in place at most five times a second, and only when
/// stderr is a terminal (never in piped output).
final class TransferProgress {
    private let label: String
    private let total: SessionCountEstimate?
    private let enabled = Terminal.stderrIsTTY
    private var lastDraw = 0.0
    private var shown = false

    init(_ label: String, total: SessionCountEstimate? = nil) {
        self.label = label
        self.total = total
    }

    /// `done` sessions settled out of `scanned` read, after `seconds`.
    func update(done: Int, scanned: Int, seconds: Double) {
        guard enabled else { return }
        let now = SystemTime.monotonicSeconds()
        if now - lastDraw < 0.2 { return }
        lastDraw = now
        let rate = seconds > 0 ? Double(done) / seconds : 0
        var text = "\(label): "
        if let total = total?.value, total > 0 {
            let shownTotal = max(total, scanned)
            text += "\(done)/\(shownTotal) sessions (\(Int(Double(done) * 100 / Double(shownTotal)))%)"
            text += "  \(Int(rate))/s"
            if rate > 0 && done < shownTotal {
                text += "  ETA " + Durations.format(millis: Int64(Double(shownTotal - done) / rate * 1000))
            }
        } else {
            text += "\(done) sessions (\(scanned) scanned)  \(Int(rate))/s"
        }
        fputs("\r\u{1B}[K" + text, stderr)
        shown = true
    }

    /// Removes the line, before a message or at the end.
    func clear() {
        guard shown else { return }
        fputs("\r\u{1B}[K", stderr)
        shown = false
        lastDraw = 0
    }
}
