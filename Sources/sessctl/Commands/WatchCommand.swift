import ArgumentParser
import SessionKit

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Show sessions as they are created, changed, deleted and expire.",
        discussion: """
            One line per event: the time (UTC), the event (created, changed, deleted, expired), the session id \
            and the --show fields, read from the session right after the event. -o ndjson writes \
            {"time":...,"event":...,"id":...,"fields":{...}} per line, flushed at once. Runs until Ctrl-C or \
            SIGTERM, which end it with exit status 0, or after --limit events.

            Redis: keyspace notifications, on every master (a cluster's new masters and Sentinel's new \
            master are followed). The servers need notify-keyspace-events with Kgxen and the type of the \
            layout's keys ($ for kv, scs, redistore, connect-redis, php and flask-session, h for hash, $hzs \
            for trpc), Redis 7 or later (the n flag); --enable-notifications turns on the missing flags with CONFIG SET and puts the previous \
            value back when watch ends. A time in which events may have been missed (a subscriber the server \
            disconnected, a failover) is reported on stderr as a gap, with its start and end; so are notices \
            (a master subscribed after a failover). An evicted session is reported deleted. On connect-redis, \
            php and flask-session stores each created or changed key is read, and a key under the prefix \
            that is not a session (a phpredis lock, another value) is left out, with its later events.

            --where keeps created and changed events of sessions that match after the event; a deleted or \
            expired session has no data left, so its event is shown when the session was last seen matching \
            (among the last 100,000 such sessions).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, ndjson }

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Only ids matching this glob.")
    var pattern: String?

    @OptionGroup var agentSelection: AgentSelectionOptions

    @Option(name: .customLong("show"), help: ArgumentHelp("A data path to show with each event (repeatable), e.g. user.id.", valueName: "path"))
    var paths: [String] = []

    @Option(name: .customLong("where"), help: ArgumentHelp("A condition on the session data, as in find (repeatable; all must hold).", valueName: "expr"))
    var conditions: [String] = []

    @Option(name: .shortAndLong, help: "Output format.")
    var output: Format = .text

    @Option(help: "Stop after this many events.")
    var limit: Int?

    @Flag(help: "Redis: turn on the keyspace notifications watch needs (CONFIG SET), and put the setting back when it ends.")
    var enableNotifications = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more") }
        try agentSelection.check(pattern: pattern)
    }

    func run() throws {
        try reportingErrors {
            let filter = conditions.isEmpty ? nil : try SessionFilter(parsing: conditions)
            let shown = try paths.map { p throws(SessionError) in try SessionDataPath(parsing: p) }
            let store = try storeOptions.open()
            let pattern = try agentSelection.pattern(self.pattern, store: store)
            guard let watching = store.abilities.watching else {
                throw SessionError.unsupported(store: store.displayName, reason: "watch does not work on layout=\(store.layout.rawValue) stores yet")
            }
            var printer = WatchPrinter(format: output, paths: shown)
            var matching = RecentIDs(limit: 100_000)
            var shownEvents = 0
            let reads = filter != nil || !shown.isEmpty
            Interrupts.catchSignals()
            try watching.watch(
                matching: pattern, options: WatchOptions(enableNotifications: enableNotifications),
                shouldStop: { Interrupts.requested() },
                { signal in
                    switch signal {
                    case .notice(let text):
                        Terminal.warn(text)
                    case .gap(let gap):
                        Terminal.warn(
                            "gap: events from \(Durations.rfc3339(millis: gap.from)) to \(Durations.rfc3339(millis: gap.to)) may be missing (\(gap.reason))")
                    case .event(let event):
                        var data: JSONObject?
                        if reads && (event.change == .created || event.change == .changed) {
                            if case .found(let session) = try store.load(event.id) { data = session.data }
                        }
                        if let filter {
                            switch event.change {
                            case .created, .changed:
                                guard let data, filter.matches(data) else {
                                    matching.remove(event.id)
                                    return .proceed
                                }
                                matching.insert(event.id)
                            case .deleted, .expired:
                                guard matching.remove(event.id) else { return .proceed }
                            }
                        }
                        printer.print(event, data: data)
                        shownEvents += 1
                        if let limit, shownEvents >= limit { return .stop }
                    }
                    return .proceed
                })
        }
    }
}

/// The ids last seen matching `--where`, at most `limit` (the oldest forgotten first).
struct RecentIDs {
    let limit: Int
    private var members: [String: Int] = [:]
    /// Every insert in order, with its serial; an entry whose serial is no longer the id's is stale.
    private var order: [(id: String, serial: Int)] = []
    private var start = 0
    private var serial = 0

    init(limit: Int) { self.limit = limit }

    mutating func insert(_ id: String) {
        serial += 1
        members[id] = serial
        order.append((id, serial))
        while members.count > limit, start < order.count {
            let old = order[start]
            start += 1
            if members[old.id] == old.serial { members[old.id] = nil }
        }
        if start > 4096 && start * 2 > order.count {
            order.removeFirst(start)
            start = 0
        }
    }

    @discardableResult
    mutating func remove(_ id: String) -> Bool { members.removeValue(forKey: id) != nil }
}

/// Writes watch events as text lines or NDJSON, flushed per line.
struct WatchPrinter {
    let format: WatchCommand.Format
    let paths: [SessionDataPath]
    private var line: [UInt8] = []

    init(format: WatchCommand.Format, paths: [SessionDataPath]) {
        self.format = format
        self.paths = paths
    }

    mutating func print(_ event: SessionEvent, data: JSONObject?) {
        line.removeAll(keepingCapacity: true)
        switch format {
        case .ndjson:
            line += Array("{\"time\":".utf8)
            GoJSONEncoder.append(string: Durations.rfc3339(millis: event.time), to: &line)
            line += Array(",\"event\":\"\(event.change.rawValue)\",\"id\":".utf8)
            GoJSONEncoder.append(string: event.id, to: &line)
            line += Array(",\"fields\":{".utf8)
            for (i, path) in paths.enumerated() {
                if i > 0 { line.append(UInt8(ascii: ",")) }
                GoJSONEncoder.append(string: path.text, to: &line)
                line.append(UInt8(ascii: ":"))
                line += data.flatMap { path.value(in: $0) }.map { GoJSONEncoder.encode($0) } ?? Array("null".utf8)
            }
            line += Array("}}\n".utf8)
        case .text:
            line += Array("\(Durations.rfc3339(millis: event.time))  \(event.change.rawValue.padding(7))  \(event.id)".utf8)
            for path in paths {
                line += Array("  \(path.text)=".utf8)
                line += data.flatMap { path.value(in: $0) }.map { GoJSONEncoder.encode($0) } ?? Array("-".utf8)
            }
            line.append(UInt8(ascii: "\n"))
        }
        Terminal.writeBytes(line)
        Terminal.flush()
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
