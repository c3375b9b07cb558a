import ArgumentParser
import SessionKit

struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "A live view of a store: sessions alive, created/deleted/expired per minute, who is active.",
        discussion: """
            A full-screen view refreshed every --interval: sessions alive; created, changed, deleted and \
            expired in the last minute; sessions active in the last 1, 5 and 15 minutes (the rule of \
            list --active); the values of --by PATH (a path into the session data as find takes it, e.g. \
            user.id) held by the most sessions; the largest sessions. The figures come from a scan at the \
            start and every --rescan, and between scans from the store's changes as they happen (a File \
            store through inotify; a store that cannot be watched shows the scans' figures only). Keys: q \
            quits, p or space pauses the view; it redraws when the window is resized and honours NO_COLOR. \
            Ctrl-C and SIGTERM quit too (exit status 130); the terminal is put back as it was.

            When stdout is not a terminal it prints one summary line per interval instead; --count N stops \
            after N lines.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Only ids matching this glob.")
    var pattern: String?

    @OptionGroup var agentSelection: AgentSelectionOptions

    @Option(help: ArgumentHelp("Count sessions by the value at this path of their data (e.g. user.id).", valueName: "path"))
    var by: String?

    @Option(help: ArgumentHelp("How often to refresh: 1s, 500ms, 5s.", valueName: "duration"))
    var interval = "1s"

    @Option(help: ArgumentHelp("How often to read the whole store again (sizes, --by, alive).", valueName: "duration"))
    var rescan = "1m"

    @Option(help: "Stop after this many refreshes (summary lines when piped).")
    var count: Int?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be 1 or more") }
        try agentSelection.check(pattern: pattern)
    }

    func run() throws {
        try reportingErrors {
            let intervalMillis = try Durations.parse(interval)
            let rescanMillis = try Durations.parse(rescan)
            guard intervalMillis >= 100 else { throw SessionError.invalidArgument("--interval must be at least 100ms") }
            guard rescanMillis >= 1000 else { throw SessionError.invalidArgument("--rescan must be at least 1s") }
            let byPath = try by.map { path throws(SessionError) in try WhereCondition.parse(path + " exists") }
            let store = try storeOptions.open()
            let pattern = try agentSelection.pattern(self.pattern, store: store)
            Interrupts.catchSignals()
            let progress = ProgressLine()
            var scanned = 0
            let first = try LiveFigures.Snapshot.take(store, pattern: pattern, by: byPath) {
                scanned += 1
                progress.update("reading the store (\(scanned) pages)")
                return Interrupts.requested() ? .stop : .proceed
            }
            progress.clear()
            try stopIfInterrupted()
            let feed = try LiveFeed(store: store, pattern: pattern, by: byPath, rescanMillis: rescanMillis)
            defer { feed.stop() }
            var view = TopView(
                store: store.displayName, by: by, watching: feed.watching, figures: LiveFigures(first), clock: store.clock)
            if Terminal.stdoutIsTTY {
                try view.runFullScreen(feed: feed, intervalMillis: intervalMillis, count: count)
            } else {
                view.runLines(feed: feed, intervalMillis: intervalMillis, count: count)
            }
            feed.stop()
            try stopIfInterrupted()
        }
    }
}

/// What `top` draws, and its two ways of running.
struct TopView {
    let store: String
    let by: String?
    let watching: Bool
    var figures: LiveFigures
    let clock: Clock
    var notices: [String] = []

    /// Takes in what the feed brought.
    mutating func update(from feed: LiveFeed) {
        let (signals, snapshots) = feed.take()
        for snapshot in snapshots { figures.rescanned(snapshot) }
        for signal in signals {
            switch signal {
            case .event(let e): figures.record(e)
            case .gap(let g): note("blind \(Durations.format(millis: g.to.subtractingClamped(g.from))): \(g.reason)")
            case .notice(let n): note(n)
            }
        }
        figures.prune(now: clock.nowMillis())
    }

    private mutating func note(_ text: String) {
        notices.append(Durations.shortDate(millis: clock.nowMillis()) + "  " + text)
        if notices.count > 3 { notices.removeFirst(notices.count - 3) }
    }

    /// One summary line (stdout not a terminal).
    func summary(now: Int64) -> String {
        let minute = figures.perMinute(now: now)
        var line = "\(Durations.rfc3339(millis: now)) alive \(figures.alive)"
        for change in SessionChange.allCases { line += " \(change.rawValue)/min \(minute[change] ?? 0)" }
        line += " active 1m \(figures.active(within: 60_000, now: now)) 5m \(figures.active(within: 300_000, now: now))"
        line += " 15m \(figures.active(within: 900_000, now: now))"
        if let by, let top = figures.snapshot.top.first { line += " top \(by)=\(safe(top.value)) (\(top.sessions))" }
        return line
    }

    private func safe(_ text: String) -> String { String(SessionError.quote(text).dropFirst().dropLast()) }
    private func padLeft(_ t: String, _ n: Int) -> String { t.count >= n ? t : String(repeating: " ", count: n - t.count) + t }

    /// The screen's lines, each with the SGR code that paints it.
    func screen(now: Int64, paused: Bool) -> [(String, String?)] {
        var lines: [(String, String?)] = []
        let minute = figures.perMinute(now: now)
        lines.append(("sessctl top  \(store)  \(Durations.shortDate(millis: now)) UTC" + (paused ? "  [paused]" : ""), "1"))
        lines.append(("", nil))
        lines.append(("\(padded("alive", 12))\(figures.alive)", nil))
        let perMinute = SessionChange.allCases.map { "\($0.rawValue) \(minute[$0] ?? 0)" }.joined(separator: "   ")
        lines.append(("\(padded("per minute", 12))" + (watching ? perMinute : "- (this store cannot be watched: figures from scans)"), nil))
        let active = [("1m", 60_000), ("5m", 300_000), ("15m", 900_000)].map { "\($0.0) \(figures.active(within: Int64($0.1), now: now))" }
        lines.append(("\(padded("active", 12))" + active.joined(separator: "   "), nil))
        let scanAge = Durations.format(millis: max(now.subtractingClamped(figures.snapshot.time), 0))
        lines.append(("\(padded("last scan", 12))\(scanAge) ago", "2"))
        if let by {
            lines.append(("", nil))
            let approx = figures.snapshot.valuesApproximate ? " (more distinct values than counted)" : ""
            lines.append(("most sessions by \(by)\(approx)", "1"))
            let top = figures.snapshot.top
            let width = min(max(top.map { safe($0.value).count }.max() ?? 5, 5), 40)
            for entry in top { lines.append(("  \(padded(safe(entry.value), width))  \(padLeft(String(entry.sessions), 9))", nil)) }
            if figures.snapshot.withoutValue > 0 {
                lines.append(("  \(padded("(none)", width))  \(padLeft(String(figures.snapshot.withoutValue), 9))", "2"))
            }
        }
        let largest = figures.snapshot.largest.entries
        if !largest.isEmpty {
            lines.append(("", nil))
            lines.append(("largest sessions", "1"))
            let width = max(largest.map { safe($0.id).count }.max() ?? 2, 32)
            for e in largest { lines.append(("  \(padded(safe(e.id), width))  \(padLeft(SessionFormatting.size(e.size), 8))", nil)) }
        }
        if !notices.isEmpty {
            lines.append(("", nil))
            for n in notices { lines.append((n, "33")) }
        }
        lines.append(("", nil))
        lines.append(("q quit   p pause", "2"))
        return lines
    }

    /// The full-screen view, until q, Ctrl-C, SIGTERM or `count` refreshes.
    mutating func runFullScreen(feed: LiveFeed, intervalMillis: Int64, count: Int?) throws {
        let screen = FullScreen()
        defer { screen.restore() }
        var paused = false
        var drawn = 0
        var size = FullScreen.size()
        var nextDraw = Int64.min
        var forced = true
        while !Interrupts.requested() {
            let now = clock.nowMillis()
            // The feed is drained at every look, paused or not, so it never fills up.
            update(from: feed)
            if forced || (!paused && now >= nextDraw) {
                screen.draw(self.screen(now: now, paused: paused))
                forced = false
                if !paused {
                    drawn += 1
                    if let count, drawn >= count { return }
                    nextDraw = now.addingClamped(intervalMillis)
                }
            }
            let keys = screen.keys(waiting: 100)
            if keys.contains(UInt8(ascii: "q")) || keys.contains(UInt8(ascii: "Q")) { return }
            if keys.contains(UInt8(ascii: "p")) || keys.contains(UInt8(ascii: " ")) {
                paused.toggle()
                forced = true
            }
            let newSize = FullScreen.size()
            if newSize != size {
                size = newSize
                forced = true
            }
        }
    }

    /// One summary line per interval (stdout is not a terminal).
    mutating func runLines(feed: LiveFeed, intervalMillis: Int64, count: Int?) {
        var printed = 0
        var next = clock.nowMillis()
        while !Interrupts.requested() {
            let now = clock.nowMillis()
            guard now >= next else {
                FullScreen.sleep(millis: min(100, next - now))
                continue
            }
            update(from: feed)
            Terminal.write(summary(now: now))
            Terminal.flush()
            printed += 1
            if let count, printed >= count { return }
            next = next.addingClamped(intervalMillis)
        }
    }
}
