import ArgumentParser
import SessionKit

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "How many sessions, how big, how long they have left, and which keys take the space.",
        discussion: """
            Counts sessions (live and expired: a File store keeps expired files until swept), empty ones, \
            corrupt ones and skipped keys that are not sessions; sizes as stored (total, p50, p99, max; \
            percentiles by nearest rank, exact below 1024 bytes and within 0.1% above); remaining lifetimes; \
            when sessions were last active (under 1m, 1m-5m, 5m-15m, 15m-1h, 1h-1d, 1d or more ago, or \
            unknown; the rule of list --active); \
            the keys that take the most bytes across sessions (a key's bytes: its "key":value member in the \
            stored JSON, or its field name and value in a Redis hash); the largest sessions. One pass with \
            memory that does not grow with the store: past 2048 distinct keys the key totals become upper \
            bounds, and say so. A table on a terminal, JSON when piped or with -o json.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Only ids matching this glob.")
    var pattern: String?

    @OptionGroup var agentSelection: AgentSelectionOptions

    @Option(name: .shortAndLong, help: "Output format (default: table on a terminal, json when piped).")
    var output: Format?

    @Option(help: "How many keys and largest sessions to show.")
    var top = 10

    func validate() throws {
        if top < 0 { throw ValidationError("--top must be 0 or more") }
        try agentSelection.check(pattern: pattern)
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let pattern = try agentSelection.pattern(self.pattern, store: store)
            let progress = ProgressLine()
            let afterPage = { (s: StoreStatistics) -> ScanControl in
                progress.update("read \(s.sessions + s.corrupt) sessions")
                return Interrupts.requested() ? .stop : .proceed
            }
            // Agent sessions are counted from their listing: their events are never read.
            let (stats, agent) =
                store.layout == .trpc
                ? try AgentStatistics.gather(scanning: store, pattern: pattern, largest: top, afterPage: afterPage)
                : (try StoreStatistics.gather(scanning: store, pattern: pattern, largest: top, afterPage: afterPage), nil)
            progress.clear()
            try stopIfInterrupted()
            if stats.corrupt > 0 { Terminal.warn("note: " + corruptNote(stats.corrupt, ", only counted", first: stats.firstCorrupt)) }
            switch output ?? (Terminal.stdoutIsTTY ? .table : .json) {
            case .json:
                var doc = json(stats, store: store.displayName)
                if let agent, case .object(var o) = doc {
                    o["agent"] = json(agent)
                    doc = .object(o)
                }
                Terminal.write(SessionFormatting.render(doc, pretty: false))
            case .table:
                var text = table(stats, store: store.displayName, largest: agent == nil)
                if let agent { text += "\n\n" + table(agent) }
                Terminal.write(text)
            }
        }
    }

    private func number(_ n: Int) -> JSONValue { .number(String(n)) }
    private func number(_ n: Int64?) -> JSONValue { n.map { .number(String($0)) } ?? .null }

    func json(_ s: StoreStatistics, store: String) -> JSONValue {
        var size = JSONObject()
        size["total"] = number(s.sizes.total)
        size["p50"] = s.sizes.quantile(0.5).map(number) ?? .null
        size["p99"] = s.sizes.quantile(0.99).map(number) ?? .null
        size["max"] = s.sizes.count > 0 ? number(s.sizes.max) : .null
        size["exact"] = .bool(s.sizes.isExact)
        func histogram(_ buckets: [SecondsBucket]) -> JSONValue {
            .array(
                buckets.map { b in
                    .object(
                        JSONObject([
                            ("label", .string(b.label)), ("from_seconds", number(b.fromSeconds)), ("to_seconds", number(b.toSeconds)),
                            ("count", number(b.count))
                        ]))
                })
        }
        let keys: [JSONValue] = s.keys.top(top).map { e in
            var o = JSONObject([("key", .string(e.key)), ("bytes", number(e.bytes)), ("sessions", number(e.sessions))])
            if s.keys.isApproximate { o["error_bytes"] = number(e.error) }
            return .object(o)
        }
        let largest: [JSONValue] = s.largest.entries.prefix(top).map { e in
            .object(JSONObject([("id", .string(e.id)), ("size", number(e.size))]))
        }
        return .object(
            JSONObject([
                ("store", .string(store)), ("sessions", number(s.sessions)), ("live", number(s.live)), ("expired", number(s.expired)),
                ("empty", number(s.empty)), ("corrupt", number(s.corrupt)), ("skipped", number(s.skipped)),
                ("size", .object(size)), ("lifetime", histogram(s.lifetimes.buckets)), ("activity", histogram(s.activity.buckets)),
                ("keys", .array(keys)), ("keys_exact", .bool(!s.keys.isApproximate)), ("largest", .array(largest))
            ]))
    }

    /// p50, p99 and max of a distribution, as JSON.
    private func spread(_ d: SizeDistribution) -> JSONValue {
        .object(
            JSONObject([
                ("p50", d.quantile(0.5).map(number) ?? .null), ("p99", d.quantile(0.99).map(number) ?? .null),
                ("max", d.count > 0 ? number(d.max) : .null)
            ]))
    }

    func json(_ a: AgentStatistics) -> JSONValue {
        var apps = JSONObject()
        for (app, n) in a.sessionsPerApp { apps[app] = number(n) }
        let largest: [JSONValue] = a.largest.map { e in
            let id = e.listing.sessionID
            return .object(
                JSONObject([
                    ("id", .string(id.text)), ("app", .string(id.app)), ("user", .string(id.user)), ("session", .string(id.session)),
                    ("engine", .string(e.listing.engine.rawValue)), ("events", number(e.listing.eventCount)), ("bytes", number(e.bytes))
                ]))
        }
        return .object(
            JSONObject([
                ("sessions_per_app", .object(apps)), ("other_apps_sessions", number(a.otherApps)),
                ("events_per_session", spread(a.events)), ("bytes_per_session", spread(a.bytes)),
                ("without_ttl", number(a.withoutTTL)), ("largest", .array(largest)),
                (
                    "oldest_idle",
                    .array(
                        a.oldestIdle.map { e in
                            .object(
                                JSONObject([
                                    ("id", .string(e.listing.sessionID.text)), ("engine", .string(e.listing.engine.rawValue)),
                                    ("last_activity", e.listing.lastActivity.map { .string(Durations.rfc3339(millis: $0)) } ?? .null),
                                    ("events", number(e.listing.eventCount))
                                ]))
                        })
                )
            ]))
    }

    /// The trpc-agent-go section of the table.
    func table(_ a: AgentStatistics) -> String {
        func safe(_ text: String) -> String { String(SessionError.quote(text).dropFirst().dropLast()) }
        func padLeft(_ t: String, _ n: Int) -> String { t.count >= n ? t : String(repeating: " ", count: n - t.count) + t }
        func spread(_ d: SizeDistribution, _ show: (Int) -> String) -> String {
            guard let p50 = d.quantile(0.5), let p99 = d.quantile(0.99) else { return "-" }
            return "p50 \(show(p50)), p99 \(show(p99)), max \(show(d.max))"
        }
        var lines = [Terminal.paint("trpc-agent-go sessions", "1")]
        lines.append("  \(padded("events", 10))\(spread(a.events, String.init)) per session")
        lines.append("  \(padded("bytes", 10))\(spread(a.bytes, SessionFormatting.size)) per session")
        lines.append("  \(padded("no TTL", 10))\(a.withoutTTL) (never expire: the library's default TTL is 0)")
        let apps = a.sessionsPerApp.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        if !apps.isEmpty {
            lines.append("")
            lines.append(Terminal.paint("sessions per app", "1"))
            let shown = apps.prefix(max(top, 1))
            let width = min(max(shown.map { safe($0.key).count }.max() ?? 3, 3), 40)
            for (app, n) in shown { lines.append("  \(padded(safe(app), width))  \(padLeft(String(n), 9))") }
            let rest = apps.dropFirst(shown.count).reduce(0) { $0 + $1.value } + a.otherApps
            if rest > 0 { lines.append("  \(padded("(others)", width))  \(padLeft(String(rest), 9))") }
        }
        if !a.largest.isEmpty {
            lines.append("")
            lines.append(Terminal.paint("largest sessions", "1"))
            let width = max(a.largest.map { safe($0.listing.sessionID.text).count }.max() ?? 2, 32)
            lines.append("  \(padded("ID", width))  \(padLeft("EVENTS", 8))  \(padLeft("BYTES", 8))")
            for e in a.largest {
                lines.append("  \(padded(safe(e.listing.sessionID.text), width))  \(padLeft(String(e.listing.eventCount), 8))  \(padLeft(SessionFormatting.size(e.bytes), 8))")
            }
        }
        if !a.oldestIdle.isEmpty {
            lines.append("")
            lines.append(Terminal.paint("idle the longest", "1"))
            let width = max(a.oldestIdle.map { safe($0.listing.sessionID.text).count }.max() ?? 2, 32)
            lines.append("  \(padded("ID", width))  \(padded("LAST ACTIVITY (UTC)", 19))  \(padLeft("EVENTS", 8))")
            for e in a.oldestIdle {
                let last = e.listing.lastActivity.map { Durations.shortDate(millis: $0) } ?? "-"
                lines.append("  \(padded(safe(e.listing.sessionID.text), width))  \(padded(last, 19))  \(padLeft(String(e.listing.eventCount), 8))")
            }
        }
        return lines.joined(separator: "\n")
    }

    func table(_ s: StoreStatistics, store: String, largest showLargest: Bool = true) -> String {
        func bytes(_ n: Int) -> String { SessionFormatting.size(n) }
        func padLeft(_ t: String, _ n: Int) -> String { t.count >= n ? t : String(repeating: " ", count: n - t.count) + t }
        func safe(_ text: String) -> String { String(SessionError.quote(text).dropFirst().dropLast()) }
        func heading(_ t: String) -> String { Terminal.paint(t, "1") }

        var lines: [String] = []
        lines.append("\(padded("store", 10))\(store)")
        lines.append("\(padded("sessions", 10))\(s.sessions) (\(s.live) live, \(s.expired) expired)")
        lines.append("\(padded("empty", 10))\(s.empty)")
        lines.append("\(padded("corrupt", 10))\(s.corrupt)")
        lines.append("\(padded("skipped", 10))\(s.skipped)\(s.skipped > 0 ? " (keys that are not sessions, left untouched)" : "")")
        if s.sizes.count > 0 {
            let p50 = s.sizes.quantile(0.5)!, p99 = s.sizes.quantile(0.99)!
            lines.append(
                "\(padded("size", 10))total \(bytes(s.sizes.total)), p50 \(bytes(p50)), p99 \(bytes(p99)), max \(bytes(s.sizes.max)) (bytes)"
                    + (s.sizes.isExact ? "" : "; percentiles within 0.1%"))
        }

        func histogram(_ title: String, _ buckets: [SecondsBucket]) {
            lines.append("")
            lines.append(heading(title))
            let most = max(buckets.map(\.count).max() ?? 0, 1)
            for b in buckets {
                let bar = b.count == 0 ? "" : "  " + String(repeating: "#", count: max(1, b.count * 40 / most))
                lines.append("  \(padded(b.label, 10)) \(padLeft(String(b.count), 9))\(bar)")
            }
        }
        histogram("remaining lifetime", s.lifetimes.buckets)
        histogram("last active", s.activity.buckets)

        let keys = s.keys.top(top)
        if !keys.isEmpty {
            lines.append("")
            lines.append(heading("keys by bytes across sessions" + (s.keys.isApproximate ? " (upper bounds: more distinct keys than counted)" : "")))
            let width = min(max(keys.map { safe($0.key).count }.max() ?? 3, 3), 40)
            lines.append("  \(padded("KEY", width))  \(padLeft("BYTES", 8))  \(padLeft("SESSIONS", 9))")
            for e in keys {
                lines.append("  \(padded(safe(e.key), width))  \(padLeft(bytes(e.bytes), 8))  \(padLeft(String(e.sessions), 9))")
            }
        }

        let largest = s.largest.entries.prefix(showLargest ? top : 0)
        if !largest.isEmpty {
            lines.append("")
            lines.append(heading("largest sessions"))
            let width = max(largest.map { safe($0.id).count }.max() ?? 2, 32)
            lines.append("  \(padded("ID", width))  \(padLeft("SIZE", 8))")
            for e in largest { lines.append("  \(padded(safe(e.id), width))  \(padLeft(bytes(e.size), 8))") }
        }
        return lines.joined(separator: "\n")
    }
}
