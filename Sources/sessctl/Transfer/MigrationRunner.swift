import ArgumentParser
import SessionKit

/// Runs a `Migration` for `migrate` and `import`: failures on stderr as they happen (one line per
/// reason, see `FailureLog`), a progress line on a terminal, Ctrl-C or SIGTERM to stop after the
/// batch in hand, then the summary on stdout (and on stderr what the connections had to retry:
/// redirections, failovers) and the exit status (0; 4 when some sessions failed; 1 when nothing
/// could be done or a store failed; 130 when interrupted).
struct MigrationRunner {
    let label: String
    let migration: Migration
    let total: SessionCountEstimate?

    init(_ label: String, migration: Migration, total: SessionCountEstimate?) {
        self.label = label
        self.migration = migration
        self.total = total
    }

    func run(from source: any SessionSource, deletingFrom sourceStore: (any SessionStore)?) throws {
        let (label, total) = (self.label, self.total)
        let progress = ProgressLine()
        let failures = FailureLog(beforePrinting: progress.clear)
        migration.onFailure = { failures.record(id: $0.id, message: $0.message) }
        migration.onProgress = { report in
            progress.update(ProgressLine.transfer(label, done: report.done, scanned: report.scanned, total: total?.value, seconds: report.seconds))
        }
        Interrupts.catchSignals()
        migration.shouldStop = { Interrupts.requested() }

        let report: MigrationReport
        do {
            report = try migration.run(from: source, deletingFrom: sourceStore)
        } catch let aborted as MigrationAborted {
            progress.clear()
            printSummary(aborted.report, failures: failures, source: source, deletingFrom: sourceStore)
            Terminal.warn("\(aborted.error.description); stopped: run the same command again to finish")
            throw ExitCode(1)
        }
        progress.clear()
        CommandRun.current?.touched += report.copied + report.deleted
        printSummary(report, failures: failures, source: source, deletingFrom: sourceStore)
        if report.interrupted {
            Terminal.warn("interrupted: run the same command again to finish")
            throw ExitCode(130)
        }
        if report.failed > 0 || report.keptInSource > 0 {
            let anythingDone = report.copied + report.skippedExisting + report.expired + report.emptySkipped + report.deleted > 0
            throw ExitCode(anythingDone ? 4 : 1)
        }
    }

    private func printSummary(_ r: MigrationReport, failures: FailureLog, source: any SessionSource, deletingFrom sourceStore: (any SessionStore)?) {
        failures.finish()
        if r.lifetimeCapped > 0 {
            Terminal.warn(
                counted(r.lifetimeCapped, "session") + " had no expiry, which the target cannot keep: "
                    + "\(r.lifetimeCapped == 1 ? "it gets" : "they get") the target's full max age from now")
        }
        if r.emptySkipped > 0 {
            Terminal.warn("\(r.emptySkipped) session\(r.emptySkipped == 1 ? "" : "s") with no keys not copied: \(migration.target.displayName) cannot hold an empty session")
        }
        if r.skippedKeys > 0 {
            Terminal.warn("\(r.skippedKeys) key\(r.skippedKeys == 1 ? "" : "s") in the source that \(r.skippedKeys == 1 ? "is" : "are") not a session skipped, left untouched")
        }
        for line in Self.retryLines(
            source: source.retrySummary, deletions: sourceStore?.retrySummary,
            target: migration.target.retrySummary, sourceName: source.displayName,
            targetName: migration.target.displayName)
        {
            Terminal.warn(line)
        }
        Terminal.write(Self.summary(r))
    }

    /// `retried (target NAME): 37 MOVED redirects, 1 failover`, one line per store connection
    /// that had to retry anything; none when nothing was retried.
    static func retryLines(source: String?, deletions: String?, target: String?, sourceName: String, targetName: String) -> [String] {
        var lines: [String] = []
        if let source { lines.append("retried (source \(sourceName)): \(source)") }
        if let deletions { lines.append("retried (source \(sourceName), removing copied sessions): \(deletions)") }
        if let target { lines.append("retried (target \(targetName)): \(target)") }
        return lines
    }

    /// `copied 12`, `skipped existing 3`, ... one count a line, aligned; a dry run says so first.
    static func summary(_ r: MigrationReport) -> String {
        var rows: [(String, String)] = []
        if r.dryRun { rows.append(("dry run", "nothing was written; the counts say what a real run would do")) }
        rows.append((r.dryRun ? "would copy" : "copied", String(r.copied)))
        rows.append(("skipped existing", String(r.skippedExisting)))
        rows.append(("expired", String(r.expired)))
        if r.emptySkipped > 0 { rows.append(("empty (not copied)", String(r.emptySkipped))) }
        rows.append(("failed", String(r.failed)))
        if r.verified > 0 { rows.append(("verified", String(r.verified))) }
        if r.deleted > 0 || r.keptInSource > 0 { rows.append(("deleted from source", String(r.deleted))) }
        if r.keptInSource > 0 { rows.append(("kept in source", String(r.keptInSource))) }
        rows.append(("bytes", String(r.bytes)))
        rows.append(("seconds", formatSeconds(r.seconds)))
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 }.joined(separator: "\n")
    }

    static func formatSeconds(_ s: Double) -> String {
        let hundredths = Int((s * 100).rounded())
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }
}
