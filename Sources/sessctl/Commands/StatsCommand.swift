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
            the keys that take the most bytes across sessions (a key's bytes: its "key":value member in the \
            stored JSON, or its field name and value in a Redis hash); the largest sessions. One pass with \
            memory that does not grow with the store: past 2048 distinct keys the key totals become upper \
            bounds, and say so. A table on a terminal, JSON when piped or with -o json.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Only ids matching this glob.")
    var pattern: String?

    @Option(name: .shortAndLong, help: "Output format (default: table on a terminal, json when piped).")
    var output: Format?

    @Option(help: "How many keys and largest sessions to show.")
    var top = 10

    func validate() throws {
        if top < 0 { throw ValidationError("--top must be 0 or more") }
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let progress = ProgressLine()
            let stats = try StoreStatistics.gather(
                scanning: store, pattern: pattern, largest: top,
                afterPage: { s in
                    progress.update("read \(s.sessions + s.corrupt) sessions")
                    return Interrupts.requested() ? .stop : .proceed
                })
            progress.clear()
            try stopIfInterrupted()
            if stats.corrupt > 0 { Terminal.warn("note: " + corruptNote(stats.corrupt, ", only counted", first: stats.firstCorrupt)) }
            switch output ?? (Terminal.stdoutIsTTY ? .table : .json) {
            case .json: Terminal.write(SessionFormatting.render(json(stats, store: store.displayName), pretty: false))
            case .table: Terminal.write(table(stats, store: store.displayName))
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
        let lifetime: [JSONValue] = s.lifetimes.buckets.map { b in
            .object(
                JSONObject([
                    ("label", .string(b.label)), ("from_seconds", number(b.fromSeconds)),
                    ("to_seconds", number(b.toSeconds)), ("count", number(b.count))
                ]))
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
                ("size", .object(size)), ("lifetime", .array(lifetime)),
                ("keys", .array(keys)), ("keys_exact", .bool(!s.keys.isApproximate)), ("largest", .array(largest))
            ]))
    }

    func table(_ s: StoreStatistics, store: String) -> String {
        func bytes(_ n: Int) -> String { SessionFormatting.size(n) }
        func pad(_ t: String, _ n: Int) -> String { t.count >= n ? t : t + String(repeating: " ", count: n - t.count) }
        func padLeft(_ t: String, _ n: Int) -> String { t.count >= n ? t : String(repeating: " ", count: n - t.count) + t }
        func safe(_ text: String) -> String { String(SessionError.quote(text).dropFirst().dropLast()) }
        func heading(_ t: String) -> String { Terminal.paint(t, "1") }

        var lines: [String] = []
        lines.append("\(pad("store", 10))\(store)")
        lines.append("\(pad("sessions", 10))\(s.sessions) (\(s.live) live, \(s.expired) expired)")
        lines.append("\(pad("empty", 10))\(s.empty)")
        lines.append("\(pad("corrupt", 10))\(s.corrupt)")
        lines.append("\(pad("skipped", 10))\(s.skipped)\(s.skipped > 0 ? " (keys that are not sessions, left untouched)" : "")")
        if s.sizes.count > 0 {
            let p50 = s.sizes.quantile(0.5)!, p99 = s.sizes.quantile(0.99)!
            lines.append(
                "\(pad("size", 10))total \(bytes(s.sizes.total)), p50 \(bytes(p50)), p99 \(bytes(p99)), max \(bytes(s.sizes.max)) (bytes)"
                    + (s.sizes.isExact ? "" : "; percentiles within 0.1%"))
        }

        lines.append("")
        lines.append(heading("remaining lifetime"))
        let most = max(s.lifetimes.buckets.map(\.count).max() ?? 0, 1)
        for b in s.lifetimes.buckets {
            let bar = b.count == 0 ? "" : "  " + String(repeating: "#", count: max(1, b.count * 40 / most))
            lines.append("  \(pad(b.label, 10)) \(padLeft(String(b.count), 9))\(bar)")
        }

        let keys = s.keys.top(top)
        if !keys.isEmpty {
            lines.append("")
            lines.append(heading("keys by bytes across sessions" + (s.keys.isApproximate ? " (upper bounds: more distinct keys than counted)" : "")))
            let width = min(max(keys.map { safe($0.key).count }.max() ?? 3, 3), 40)
            lines.append("  \(pad("KEY", width))  \(padLeft("BYTES", 8))  \(padLeft("SESSIONS", 9))")
            for e in keys {
                lines.append("  \(pad(safe(e.key), width))  \(padLeft(bytes(e.bytes), 8))  \(padLeft(String(e.sessions), 9))")
            }
        }

        let largest = s.largest.entries.prefix(top)
        if !largest.isEmpty {
            lines.append("")
            lines.append(heading("largest sessions"))
            let width = max(largest.map { safe($0.id).count }.max() ?? 2, 32)
            lines.append("  \(pad("ID", width))  \(padLeft("SIZE", 8))")
            for e in largest { lines.append("  \(pad(safe(e.id), width))  \(padLeft(bytes(e.size), 8))") }
        }
        return lines.joined(separator: "\n")
    }
}
