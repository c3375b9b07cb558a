import ArgumentParser
import SessionKit

/// The commands and options of the command tree, read from ArgumentParser's own description of
/// it (`--experimental-dump-help`), so completion knows exactly what the parser accepts.
struct CommandCatalog {
    struct Option {
        var names: [String]  // "--store", "-s"
        var takesValue: Bool
    }

    struct Command {
        var name: String
        var options: [Option]
    }

    let commands: [Command]

    static let shared = CommandCatalog()

    private init() {
        var commands: [Command] = []
        let text: String
        do {
            _ = try Sessctl.parseAsRoot(["--experimental-dump-help"])
            text = ""
        } catch {
            text = Sessctl.fullMessage(for: error)
        }
        if case .object(let root)? = try? JSONParser.parse(Array(text.utf8)),
            case .array(let subs)? = root["command"]?.objectValue?["subcommands"]
        {
            for case .object(let sub) in subs {
                guard let name = sub["commandName"]?.stringValue else { continue }
                var options: [Option] = []
                if case .array(let args)? = sub["arguments"] {
                    for case .object(let arg) in args {
                        guard let kind = arg["kind"]?.stringValue, kind != "positional", arg["shouldDisplay"] != .bool(false),
                            case .array(let names)? = arg["names"]
                        else { continue }
                        let spelled: [String] = names.compactMap { n in
                            guard let o = n.objectValue, let name = o["name"]?.stringValue else { return nil }
                            return (o["kind"]?.stringValue == "short" ? "-" : "--") + name
                        }
                        options.append(Option(names: spelled, takesValue: kind == "option"))
                    }
                }
                commands.append(Command(name: name, options: options))
            }
        }
        self.commands = commands
    }

    func command(_ name: String) -> Command? { commands.first { $0.name == name } }
}
