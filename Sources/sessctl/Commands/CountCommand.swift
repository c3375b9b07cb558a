import ArgumentParser
import SessionKit

struct CountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Print the number of live sessions.",
        discussion:
            "Alone on a line, so $(sessctl count) works. On a Redis store with a prefix the count is every key under the prefix (the app owns it), as fast as SCAN itself. --verbose reads each key instead and adds expired, corrupt and skipped counts (skipped: keys that are not sessions, such as Redis keys of another type, or strings that are not JSON objects). Without --verbose, the keys found not to be sessions are skipped and noted in one line on stderr, never in the output. --active counts the live sessions last active within the window (it reads each session's lifetime, so it is a full scan)."
    )

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Only ids matching this glob.")
    var pattern: String?

    @OptionGroup var agentSelection: AgentSelectionOptions

    @OptionGroup var activeOption: ActiveOption

    @Flag(name: .shortAndLong, help: "Also print expired, corrupt and skipped counts.")
    var verbose = false

    func validate() throws {
        try agentSelection.check(pattern: pattern)
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let pattern = try agentSelection.pattern(self.pattern, store: store)
            let now = store.clock.nowMillis()
            let active = try activeOption.window(for: store)
            if !verbose, active == nil, let n = try store.liveCount(matching: pattern) {
                Terminal.write(String(n))
                return
            }
            var live = 0, expired = 0, corrupt = 0, skipped = 0
            var firstSkipped: SkippedKey?
            // Without --verbose only the live sessions matter: a store may count them from key
            // types alone (Redis with a prefix), which is close to the cost of SCAN itself.
            try store.scan(matching: pattern, pageSize: 1000, detail: verbose || active != nil ? .full : .ids) { page in
                skipped += page.skipped.count
                if firstSkipped == nil { firstSkipped = page.skipped.first }
                for info in page.sessions {
                    if info.problem != nil {
                        corrupt += 1
                    } else if info.expiry?.isExpired(now: now) ?? false {
                        expired += 1
                    } else if let active, !active.contains(info, now: now) {
                        continue
                    } else {
                        live += 1
                    }
                }
                return Interrupts.requested() ? .stop : .proceed
            }
            try stopIfInterrupted()
            Terminal.write(String(live))
            if verbose {
                Terminal.write("expired \(expired)\ncorrupt \(corrupt)\nskipped \(skipped)")
            } else if let firstSkipped {
                Terminal.warn(ListCommand.skippedNote(skipped, example: firstSkipped))
            }
        }
    }
}
