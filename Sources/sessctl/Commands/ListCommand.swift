import ArgumentParser
import SessionKit

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List sessions: id, keys, size, remaining lifetime, last write (SCS: the deadline).",
        discussion:
            "Rows stream as the store is read; --sort reads everything first. Corrupt sessions are listed with the reason. Expired sessions are hidden unless --expired or --all. Keys that are not sessions (Redis: another type, not a JSON object) are skipped and never touched; their number is reported on stderr. With -o ids, a Redis store with a prefix lists every key under the prefix without reading it (as fast as SCAN itself)."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, ndjson, ids }
    enum SortKey: String, ExpressibleByArgument, CaseIterable { case id, size, ttl, keys, written, events }

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Only ids matching this glob (e.g. '1qbn*').")
    var pattern: String?

    @OptionGroup var agentSelection: AgentSelectionOptions

    @OptionGroup var activeOption: ActiveOption

    @Option(name: .shortAndLong, help: "Output format.")
    var output: Format = .table

    @Option(help: "Stop after this many sessions.")
    var limit: Int?

    @Option(help: "Sort by this field (reads the whole store first).")
    var sort: SortKey?

    @Flag(name: .shortAndLong, help: "Reverse the sort order.")
    var reverse = false

    @Flag(help: "Only expired sessions (File stores keep them until swept).")
    var expired = false

    @Flag(help: "Live and expired sessions.")
    var all = false

    func validate() throws {
        if expired && all { throw ValidationError("--expired and --all cannot be used together") }
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
        try agentSelection.check(pattern: pattern)
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let pattern = try agentSelection.pattern(self.pattern, store: store)
            let now = store.clock.nowMillis()
            var printer = ListPrinter(format: output, now: now, deadlines: store.capabilities.hasDeadlines, agent: store.layout == .trpc)
            var shown = 0, hiddenExpired = 0, hiddenLive = 0, broken = 0
            var skipped = 0
            var firstSkipped: SkippedKey?
            var collected: [SessionInfo] = []
            // Options read once: a parsed property wrapper is slow to read a million times.
            let limit = self.limit ?? Int.max
            let (sort, expired, all) = (self.sort, self.expired, self.all)
            let active = try activeOption.window(for: store)
            let detail: ScanDetail = output == .ids && sort == nil && active == nil ? .ids : .full
            try store.scan(matching: pattern, pageSize: 1000, detail: detail) { page in
                skipped += page.skipped.count
                if firstSkipped == nil { firstSkipped = page.skipped.first }
                defer { printer.flush() }
                for info in page.sessions {
                    if info.problem != nil { broken += 1 }
                    let isExpired = info.expiry?.isExpired(now: now) ?? false
                    if expired && !isExpired { hiddenLive += 1; continue }
                    if !expired && !all && isExpired && info.problem == nil { hiddenExpired += 1; continue }
                    if let active, !active.contains(info, now: now) { continue }
                    if sort != nil {
                        collected.append(info)
                    } else {
                        if shown >= limit { return .stop }
                        printer.row(info)
                        shown += 1
                    }
                }
                return (sort == nil && shown >= limit) || Interrupts.requested() ? .stop : .proceed
            }
            try stopIfInterrupted()
            if let sort {
                let reverse = self.reverse
                collected.sort { a, b in
                    let ordered = ListCommand.less(a, b, by: sort, now: now)
                    return reverse ? ListCommand.less(b, a, by: sort, now: now) : ordered
                }
                for info in collected.prefix(limit) { printer.row(info); shown += 1 }
            }
            printer.finish()
            if output == .table && Terminal.stdoutIsTTY {
                var note = "\(shown) session\(shown == 1 ? "" : "s")"
                if hiddenExpired > 0 { note += ", \(hiddenExpired) expired not shown (--all)" }
                if broken > 0 { note += ", \(broken) corrupt" }
                Terminal.warn(note)
            }
            if skipped > 0, let first = firstSkipped {
                Terminal.warn(ListCommand.skippedNote(skipped, example: first))
            }
        }
    }

    /// `3 non-session keys skipped, left untouched (e.g. 'jobs:email': a Redis list, not a string)`.
    static func skippedNote(_ count: Int, example: SkippedKey) -> String {
        "\(count) non-session key\(count == 1 ? "" : "s") skipped, left untouched (e.g. \(SessionError.quote(example.key)): \(example.reason))"
    }

    static func less(_ a: SessionInfo, _ b: SessionInfo, by key: SortKey, now: Int64) -> Bool {
        func remaining(_ i: SessionInfo) -> Int64 {
            switch i.expiry {
            case .at(let t)?: return t.subtractingClamped(now)
            case .never?: return Int64.max
            case nil: return Int64.min
            }
        }
        switch key {
        case .id: return a.id.utf8.lexicographicallyPrecedes(b.id.utf8)
        case .size: return (a.size, a.id) < (b.size, b.id)
        case .ttl: return (remaining(a), a.id) < (remaining(b), b.id)
        case .keys: return (a.keyCount ?? -1, a.id) < (b.keyCount ?? -1, b.id)
        case .written: return (a.lastWrite ?? Int64.min, a.id) < (b.lastWrite ?? Int64.min, b.id)
        case .events: return (a.agent?.eventCount ?? -1, a.id) < (b.agent?.eventCount ?? -1, b.id)
        }
    }
}

/// Writes list rows in the chosen format into a buffer that goes out a page at a time.
struct ListPrinter {
    let format: ListCommand.Format
    let now: Int64
    /// The store's sessions carry a deadline (SCS): shown instead of the last write, which such
    /// a store does not know, and as `deadline` in JSON rows.
    let deadlines: Bool
    private var count = 0
    /// The id column: as wide as the first id when that is longer than 32 (SCS tokens have 43
    /// characters, gorilla ids 52), so the rows of one store line up.
    private var idWidth = 32
    private var buffer: [UInt8] = []
    /// trpc-agent-go sessions: a table of their own columns, laid out by the first page's rows.
    let agent: Bool
    private var agentRows: [(cells: [String], problem: String?, expired: Bool)] = []
    private var agentWidths: [Int]?

    init(format: ListCommand.Format, now: Int64, deadlines: Bool = false, agent: Bool = false) {
        self.format = format
        self.now = now
        self.deadlines = deadlines
        self.agent = agent
        buffer.reserveCapacity(1 << 16)
    }

    static let agentHeadings = ["APP", "USER", "SESSION", "ENGINE", "EVENTS", "STATE", "LAST ACTIVITY (UTC)", "TTL", "BYTES", "ID"]
    /// Columns aligned right (numbers).
    private static let agentRight: Set<Int> = [4, 5, 8]

    /// The row's cells: identity, engine, counts, last activity, lifetime, bytes and the full id
    /// `get` takes (last: it repeats the first three, escaped).
    private func agentCells(_ info: SessionInfo) -> [String] {
        func safe(_ s: String) -> String { String(SessionError.quote(s).dropFirst().dropLast()) }
        let id = info.agent?.sessionID ?? (try? AgentSessionID(parsing: info.id))
        let ttl = info.problem == nil ? SessionFormatting.lifetime(info.expiry, now: now) : "CORRUPT"
        return [
            id.map { safe($0.app) } ?? "-", id.map { safe($0.user) } ?? "-", id.map { safe($0.session) } ?? "-",
            info.agent?.engine.rawValue ?? "-", info.agent.map { String($0.eventCount) } ?? "-",
            info.agent.map { String($0.stateKeys) } ?? "-",
            (info.agent?.lastActivity ?? info.lastWrite).map { Durations.shortDate(millis: $0) } ?? "-",
            ttl, info.problem == nil ? SessionFormatting.size(info.size) : "-", safe(info.id)
        ]
    }

    /// Writes the agent rows held for this page, each column as wide as its widest cell so far
    /// (capped, so one long name does not widen every row; a longer cell overflows its column).
    private mutating func flushAgentRows() {
        guard !agentRows.isEmpty else { return }
        let headings = Self.agentHeadings
        var widths = agentWidths ?? headings.map(\.count)
        widths[3] = max(widths[3], AgentEngine.allCases.map(\.rawValue.count).max() ?? 0)
        for row in agentRows { for (i, c) in row.cells.enumerated() { widths[i] = max(widths[i], min(c.count, 40)) } }
        if agentWidths == nil { line(Terminal.paint(agentLine(headings, widths), "1")) }
        agentWidths = widths
        for row in agentRows {
            var text = agentLine(row.cells, widths)
            if let problem = row.problem {
                text = Terminal.paint(text + "  " + problem, "31")
            } else if row.expired {
                text = Terminal.paint(text, "2")
            }
            line(text)
        }
        agentRows.removeAll(keepingCapacity: true)
    }

    private func agentLine(_ cells: [String], _ widths: [Int]) -> String {
        var out = ""
        for (i, c) in cells.enumerated() {
            if i > 0 { out += "  " }
            out += i == cells.count - 1 ? c : Self.agentRight.contains(i) ? padLeft(c, widths[i]) : pad(c, widths[i])
        }
        return out
    }

    mutating func row(_ info: SessionInfo) {
        switch format {
        case .ids:
            var id = info.id
            id.withUTF8 { buffer.append(contentsOf: $0) }
            buffer.append(0x0a)
        case .ndjson:
            SessionFormatting.appendJSONLine(info, now: now, deadline: deadlines, to: &buffer)
        case .json:
            buffer.append(count == 0 ? UInt8(ascii: "[") : UInt8(ascii: ","))
            SessionFormatting.appendJSONLine(info, now: now, deadline: deadlines, to: &buffer)
        case .table where agent:
            agentRows.append((agentCells(info), info.problem, info.expiry?.isExpired(now: now) ?? false))
        case .table:
            if count == 0 { idWidth = max(32, SessionError.quote(info.id).count - 2) }
            if count == 0 { line(Terminal.paint(columns("ID", "KEYS", "SIZE", "TTL", deadlines ? "DEADLINE (UTC)" : "LAST WRITE (UTC)"), "1")) }
            let ttl = SessionFormatting.lifetime(info.expiry, now: now)
            let written = (deadlines ? info.deadline : info.lastWrite).map { Durations.shortDate(millis: $0) } ?? "-"
            let keys = info.keyCount.map(String.init) ?? "-"
            let safeID = SessionError.quote(info.id).dropFirst().dropLast()
            var text = columns(String(safeID), keys, SessionFormatting.size(info.size), info.problem == nil ? ttl : "CORRUPT", written)
            if let problem = info.problem {
                text = Terminal.paint(text + "  " + problem, "31")
            } else if info.expiry?.isExpired(now: now) ?? false {
                text = Terminal.paint(text, "2")
            }
            line(text)
        }
        count += 1
        if buffer.count >= 1 << 16 || agentRows.count >= 1000 { flush() }
    }

    /// Writes out what is buffered, so rows stream page by page.
    mutating func flush() {
        flushAgentRows()
        guard !buffer.isEmpty else { return }
        Terminal.writeBytes(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func finish() {
        flushAgentRows()
        if format == .json { line(count == 0 ? "[]" : "]") }
        flush()
    }

    private mutating func line(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        buffer.append(0x0a)
    }

    private func columns(_ id: String, _ keys: String, _ size: String, _ ttl: String, _ written: String) -> String {
        pad(id, idWidth) + "  " + padLeft(keys, 4) + "  " + padLeft(size, 7) + "  " + pad(ttl, 20) + "  " + written
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    private func padLeft(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
}
