import ArgumentParser
import SessionKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log: what each command that wrote to a store did.",
        discussion: """
            Every run of a command that may write (set, del, edit, expire, persist, purge, trim, reindex, \
            check --fix, migrate, import, undo; not --dry-run) appends one JSON line to \
            $XDG_STATE_HOME/sessctl/audit.log (else ~/.local/state/sessctl/audit.log; mode 0600) when it \
            ends: time (when it ended, UTC), user, host, pid, store (password hidden), command (the command line, or the \
            shell line, with every password and key hidden as ***), touched (how many sessions changed), \
            ids (the first 100 of them), outcome (ok, failed, refused, not found, partial, interrupted), \
            exit (the exit status) and trash (the id undo takes, or null). --audit-syslog, or \
            audit-syslog = true in the config file, also sends the line to syslog (authpriv.notice, tag \
            sessctl).

            This command shows the log as a table, oldest first, or with -o ndjson the lines as they are \
            stored. A line that is not a log line is skipped and counted.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, ndjson }

    @Option(help: ArgumentHelp("Only lines from this long ago on (90s, 30m, 1h, 7d), or from an RFC 3339 instant on.", valueName: "duration|time"))
    var since: String?

    @Option(name: .shortAndLong, help: "Output format.")
    var output: Format = .table

    @Option(help: "Only the last N lines (the most recent).")
    var limit: Int?

    @Flag(name: .long, help: "Never colour the output (also NO_COLOR).")
    var noColor = false

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
        if let since, Self.instant(since, now: 0) == nil {
            throw ValidationError("--since '\(since)' is neither a duration (90s, 30m, 1h, 7d) nor an RFC 3339 instant (2026-11-21T06:47:24Z)")
        }
    }

    /// The instant `--since` names: that long before `now`, or the instant written.
    static func instant(_ text: String, now: Int64) -> Int64? {
        if let t = Durations.parseRFC3339(text) { return t }
        return (try? Durations.parse(text)).map { now.subtractingClamped($0) }
    }

    /// Lines longer than this are no log line sessctl wrote.
    static let maxLineBytes = 1 << 20

    func run() throws {
        Terminal.noColorFlag = noColor
        try reportingErrors {
            guard let path = AuditLog.path(environment: Environment.all) else {
                throw SessionError.invalidArgument("no audit log: neither an absolute XDG_STATE_HOME nor HOME is set")
            }
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else {
                let e = errno
                if e == ENOENT {
                    Terminal.warn("no audit log yet (\(path)): nothing was recorded")
                    return
                }
                throw SessionError.io(location: path, reason: "cannot open: " + (e == ELOOP ? "is a symbolic link" : String(cString: strerror(e))))
            }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                throw SessionError.io(location: path, reason: "is not a regular file")
            }
            let since = self.since.flatMap { Self.instant($0, now: SystemTime.nowMillis()) }
            var printer = AuditPrinter(format: output)
            // With --limit, the last lines so far, in a ring: memory stays bounded either way.
            let limit = self.limit
            var last: [AuditEntry] = []
            var oldest = 0
            var corrupt = 0, firstCorrupt = 0, lineNumber = 0
            var reader = LineReader(fd: fd)
            while true {
                let next: LineReader.Line?
                do throws(PosixFile.Failure) {
                    next = try reader.next(limit: Self.maxLineBytes)
                } catch {
                    throw SessionError.io(location: path, reason: "cannot read: \(error.message)")
                }
                guard let next else { break }
                lineNumber += 1
                guard case .bytes(let bytes) = next, let entry = AuditEntry(bytes) else {
                    corrupt += 1
                    if firstCorrupt == 0 { firstCorrupt = lineNumber }
                    continue
                }
                if let since, entry.time < since { continue }
                guard let limit else {
                    printer.row(entry)
                    continue
                }
                if last.count < limit {
                    last.append(entry)
                } else if limit > 0 {
                    last[oldest] = entry
                    oldest = (oldest + 1) % limit
                }
            }
            for entry in last[oldest...] + last[..<oldest] { printer.row(entry) }
            printer.finish()
            if corrupt > 0 {
                Terminal.warn("\(path): \(corrupt) line\(corrupt == 1 ? " is" : "s are") not audit log lines (the first: line \(firstCorrupt)); skipped")
            }
        }
    }
}

/// One line of the log, as stored and as read.
struct AuditEntry {
    let bytes: [UInt8]
    let object: JSONObject
    let time: Int64

    /// The line, when it is a JSON object with a `time`.
    init?(_ bytes: [UInt8]) {
        guard case .object(let object)? = try? JSONParser.parse(bytes),
            let text = object["time"]?.stringValue, let time = Durations.parseRFC3339(text)
        else { return nil }
        self.bytes = bytes
        self.object = object
        self.time = time
    }

    /// A member as table text: strings as they are, other values as JSON, `-` when absent or null.
    func text(_ key: String) -> String {
        switch object[key] {
        case nil, .null?: return "-"
        case .string(let s)?: return String(SessionError.quote(s).dropFirst().dropLast())  // no control characters
        case let value?: return String(decoding: GoJSONEncoder.encode(value), as: UTF8.self)
        }
    }
}

/// Writes log lines as a table or as stored, a page at a time.
struct AuditPrinter {
    let format: AuditCommand.Format
    private var rows: [[String]] = []
    private var widths: [Int]?
    private var buffer: [UInt8] = []

    init(format: AuditCommand.Format) {
        self.format = format
    }

    static let headings = ["TIME (UTC)", "USER", "STORE", "OUTCOME", "TOUCHED", "TRASH", "COMMAND"]

    mutating func row(_ entry: AuditEntry) {
        switch format {
        case .ndjson:
            buffer.append(contentsOf: entry.bytes)
            buffer.append(0x0a)
            if buffer.count >= 1 << 16 { flush() }
        case .table:
            let time = Durations.shortDate(millis: entry.time)
            rows.append([time] + ["user", "store", "outcome", "touched", "trash", "command"].map(entry.text))
            if rows.count >= 1000 { flush() }
        }
    }

    /// Writes the rows held, each column as wide as its widest cell so far (capped at 40, so one
    /// long store name does not widen every row); the command comes last, whole.
    mutating func flush() {
        if !rows.isEmpty {
            var widths = self.widths ?? Self.headings.map(\.count)
            for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], min(cell.count, 40)) } }
            if self.widths == nil { line(Terminal.paint(Self.line(Self.headings, widths), "1")) }
            self.widths = widths
            for row in rows {
                let text = Self.line(row, widths)
                line(row[3] == "ok" ? text : Terminal.paint(text, "31"))
            }
            rows.removeAll(keepingCapacity: true)
        }
        guard !buffer.isEmpty else { return }
        Terminal.writeBytes(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func finish() {
        flush()
        Terminal.flush()
    }

    private mutating func line(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        buffer.append(0x0a)
    }

    private static func line(_ cells: [String], _ widths: [Int]) -> String {
        var out = ""
        for (i, cell) in cells.enumerated() {
            if i > 0 { out += "  " }
            let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
            out += i == cells.count - 1 ? cell : i == 4 ? pad + cell : cell + pad
        }
        return out
    }
}
