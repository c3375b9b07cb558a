import ArgumentParser
import SessionKit

struct CountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Print the number of live sessions.",
        discussion: "Alone on a line, so $(sessctl count) works. --verbose adds expired, corrupt and skipped counts.")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Only ids matching this glob.")
    var pattern: String?

    @Flag(name: .shortAndLong, help: "Also print expired, corrupt and skipped counts.")
    var verbose = false

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let now = store.clock.nowMillis()
            var live = 0, expired = 0, corrupt = 0, skipped = 0
            try store.scan(matching: pattern, pageSize: 1024) { page in
                skipped += page.skipped.count
                for info in page.sessions {
                    if info.problem != nil {
                        corrupt += 1
                    } else if info.expiry?.isExpired(now: now) ?? false {
                        expired += 1
                    } else {
                        live += 1
                    }
                }
                return .proceed
            }
            Terminal.write(String(live))
            if verbose {
                Terminal.write("expired \(expired)\ncorrupt \(corrupt)\nskipped \(skipped)")
            }
        }
    }
}
