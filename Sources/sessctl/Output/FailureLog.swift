import SessionKit

/// The failures of a bulk operation (migrate, import, del --where, purge) on stderr without a
/// flood: the first failure of each reason is printed as it happens; later ones for the same
/// reason (the same message but for the session's id: a full Redis, a read-only directory) are
/// only counted, and `finish()` sums each of them up in one line with the first few ids.
final class FailureLog {
    /// Failure lines printed; beyond them failures are only counted.
    static let maxLines = 1000
    /// Ids named in a reason's summary line.
    static let sampleIDs = 3

    /// The later failures of one reason.
    private struct Repeats {
        var firstID: String
        var count = 0
        var sample: [String] = []
    }

    private var repeats: [String: Repeats] = [:]
    private var order: [String] = []
    private var shown = 0
    private var unshown = 0
    /// Called before a line is printed (to clear a progress line).
    private let beforePrinting: () -> Void

    /// Every failure recorded.
    private(set) var count = 0

    init(beforePrinting: @escaping () -> Void = {}) {
        self.beforePrinting = beforePrinting
    }

    func record(id: String?, message: String) {
        count += 1
        if let id, !id.isEmpty {
            let reason = message.replacing(id, with: "\u{0}")
            if var r = repeats[reason] {
                r.count += 1
                if r.sample.count < Self.sampleIDs { r.sample.append(id) }
                repeats[reason] = r
                return
            }
            if shown < Self.maxLines {
                repeats[reason] = Repeats(firstID: id)
                order.append(reason)
            }
        }
        guard shown < Self.maxLines else {
            unshown += 1
            return
        }
        shown += 1
        beforePrinting()
        Terminal.warn(message)
    }

    /// One line per reason that repeated, and the number of failures not shown at all.
    func finish() {
        for reason in order {
            guard let r = repeats[reason], r.count > 0 else { continue }
            let sample = r.sample.map(SessionError.quote).joined(separator: ", ") + (r.count > r.sample.count ? ", ..." : "")
            Terminal.warn("\(counted(r.count, "more session")) (\(sample)) failed as \(SessionError.quote(r.firstID)) did")
        }
        if unshown > 0 { Terminal.warn("\(counted(unshown, "more failure")) not shown") }
    }
}
