import ArgumentParser
import SessionKit

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every live session as NDJSON: one session per line.",
        discussion: """
            Each line is one JSON object, written as Go writes JSON (compact, keys in byte order), \
            ending in a newline:

              {"data":{"user_id":1001},"expires_at":"2026-11-22T07:41:00.123Z","id":"1qbn...","layout":"file"}

            id: the session id. data: the session's keys and values, exactly as `get` shows them \
            (number literals as stored; from a Redis hash every value is a string, or an object or an \
            array when its text is one). expires_at: the instant the session expires, RFC 3339 in UTC \
            with milliseconds, or null for a session with no expiry. layout: the layout it was exported \
            from: file, kv, hash, scs, redistore, trpc, connect-redis, php or flask-session. raw: present only for Redis-Hash fields whose bytes are not UTF-8 \
            text: an object mapping each such key to the base64 of its exact bytes (data then shows each \
            bad byte as U+FFFD); an import into a hash restores the bytes, an import into a JSON layout \
            refuses that session. raw_names: likewise for Redis-Hash field names that are not UTF-8 text, \
            each key mapped to the base64 of its exact name. typed (SCS and redistore): every value with its Go type, as get -o \
            typed shows it. blob (SCS, redistore, connect-redis, php, flask-session): the base64 of the \
            exact value stored (SCS: the gob blob with its Deadline; redistore: the gob or JSON value; \
            connect-redis: the JSON.stringify text; php: the session string; flask-session: the msgpack, \
            JSON or legacy pickle); serializer (redistore, php, flask-session): what wrote blob, gob or \
            json; php or php_serialize; msgpack, json or pickle. Readers should ignore members they do \
            not know.

            An import into a store of the line's own layout reads blob as a load would (a blob that store \
            cannot read, or that is not the line's serializer, fails that line; nothing is written) and \
            writes its bytes as they are, so the copy is byte-identical (every Go type and SCS's Deadline, \
            member order, a pickle); the TTL comes from expires_at. When data (or typed) was edited so it \
            no longer says what blob holds, the edit is written over the blob as set or edit would write \
            it over the stored value (Go values keep their Go types, a value that does not fit fails the \
            line, and an edited typed must agree with data; other values keep their order, untouched bytes \
            and serializer). Lines without blob are new sessions (Go types from typed). Other layouts \
            ignore blob.

            Expired sessions are not exported (they are counted). Sessions that cannot be read are \
            reported on stderr and skipped. A summary goes to stderr. `sessctl import` reads the lines \
            back; `export | import` between two stores does what migrate does. Exit status: see sessctl --help.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: ArgumentHelp("Only sessions whose id matches this glob.", valueName: "glob"))
    var pattern: String?

    @OptionGroup var agentSelection: AgentSelectionOptions

    @Option(help: ArgumentHelp("Sessions read at a time.", valueName: "n"))
    var batch = 1000

    func validate() throws {
        if !(1...100_000).contains(batch) { throw ValidationError("--batch must be between 1 and 100000") }
        try agentSelection.check(pattern: pattern, named: "--pattern")
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let pattern = try agentSelection.pattern(self.pattern, store: store)
            let export = SessionExport(store: store, pattern: pattern, batchSize: batch)
            let total = Terminal.stderrIsTTY ? SessionCountEstimate(store, pattern: pattern) : nil
            let progress = ProgressLine()
            let failures = FailureLog(beforePrinting: progress.clear)
            export.onFailure = { failures.record(id: $0.id, message: $0.message) }
            export.onProgress = { r in
                let done = r.exported + r.expired + r.failed
                progress.update(ProgressLine.transfer("export", done: done, scanned: done, total: total?.value, seconds: r.seconds))
            }
            Interrupts.catchSignals()
            export.shouldStop = { Interrupts.requested() }
            let report = try export.run { Terminal.writeBytes($0) }
            Terminal.flush()
            progress.clear()
            failures.finish()
            var line = "exported \(report.exported) session\(report.exported == 1 ? "" : "s") (\(report.bytes) bytes) in \(MigrationRunner.formatSeconds(report.seconds)) s"
            if report.expired > 0 { line += "; \(report.expired) expired, not exported" }
            if report.failed > 0 { line += "; \(report.failed) could not be read" }
            if report.skippedKeys > 0 { line += "; \(report.skippedKeys) keys that are not sessions skipped" }
            Terminal.warn(line)
            if report.interrupted {
                Terminal.warn("interrupted")
                throw ExitCode(130)
            }
            if report.failed > 0 { throw ExitCode(report.exported + report.expired > 0 ? 4 : 1) }
        }
    }
}
