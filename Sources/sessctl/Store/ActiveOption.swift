import ArgumentParser
import SessionKit

/// `--active DURATION` on list, count and find: only the sessions last active within the window,
/// by `ActivityRule` (File: the header's last touch; gsession Redis, SCS, redistore: the TTL's
/// end less the max age; trpc-agent-go: the last update or event).
struct ActiveOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Only sessions last active within this long: 90s, 10m, 1h (File: last write or touch; Redis: TTL end less the max age, ?ttl=; trpc: last update or event).",
            valueName: "duration"))
    var active: String?

    /// The window to select by, or nil without --active.
    func window(for store: any SessionStore) throws(SessionError) -> ActiveWindow? {
        guard let active else { return nil }
        return ActiveWindow(rule: ActivityRule(store: store), millis: try Durations.parse(active))
    }
}
