import ArgumentParser
import SessionKit

struct StoresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stores",
        abstract: "List the named stores of the config file.",
        discussion: """
            Named stores live in $XDG_CONFIG_HOME/sessctl/config.toml (else ~/.config/sessctl/config.toml), \
            one table each: [stores.NAME] with address = "...", and optionally max-age = "24h" and \
            read-only = true; a top-level default = "NAME" picks the store used when neither -s nor \
            SESSCTL_STORE names one. `sessctl -s NAME ...` uses a named store. Passwords are shown as ***.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(name: .shortAndLong, help: "Output format.")
    var output: Format = .table

    func run() throws {
        try reportingErrors {
            let config = try StoreSelection.loadConfig()
            switch output {
            case .json:
                let items: [JSONValue] = config.entries.map { e in
                    .object(
                        JSONObject([
                            ("name", .string(e.name)), ("address", .string(StoreAddress.redacted(e.address))),
                            ("max_age", e.maxAge.map(JSONValue.string) ?? .null), ("read_only", .bool(e.readOnly)),
                            ("default", .bool(e.name == config.defaultName))
                        ]))
                }
                Terminal.write(SessionFormatting.render(.array(items), pretty: false))
            case .table:
                guard !config.entries.isEmpty else {
                    Terminal.warn("no named stores\(config.path.map { " in \($0)" } ?? "")")
                    return
                }
                let width = max(4, config.entries.map(\.name.count).max() ?? 0)
                Terminal.write(Terminal.paint("  " + pad("NAME", width) + "  ADDRESS", "1"))
                for e in config.entries {
                    var notes: [String] = []
                    if let m = e.maxAge { notes.append("max-age \(m)") }
                    if e.readOnly { notes.append("read-only") }
                    let mark = e.name == config.defaultName ? "* " : "  "
                    Terminal.write(
                        mark + pad(e.name, width) + "  " + StoreAddress.redacted(e.address)
                            + (notes.isEmpty ? "" : "  (" + notes.joined(separator: ", ") + ")"))
                }
            }
        }
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}
