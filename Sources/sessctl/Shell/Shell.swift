import ArgumentParser
import SessionKit

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The interactive shell: every sessctl command, parsed by the same command tree as the command
/// line, on a current store that `use` changes; plus `help`, `exit` and `quit`.
final class Shell {
    /// The store address in force, as typed (`nil`: SESSCTL_STORE or the default).
    private var storeText: String?
    private let maxAge: String?

    init(storeText: String?, maxAge: String?) {
        self.storeText = storeText
        self.maxAge = maxAge
    }

    // MARK: Modes

    /// Reads commands from a terminal with prompts, history and completion until exit or Ctrl-D.
    func runInteractive() {
        let editor = LineEditor(historyPath: History.path(environment: Environment.all))
        let completer = ShellCompleter(catalog: .shared, openStore: { [unowned self] in try? self.selection.open().store })
        LineEditor.completer = { completer.complete(before: $0, word: $1) }
        while true {
            switch editor.read(prompt: prompt()) {
            case .endOfInput:
                print()
                return
            case .interrupted:
                continue
            case .line(let line):
                let trimmed = line.trimmingCharacters(in: " \t")
                if trimmed.isEmpty { continue }
                editor.remember(History.masked(trimmed))
                if case .exit = execute(line) { return }
                if Interrupts.terminationRequested() { return }
            }
        }
    }

    /// Runs the lines of standard input as a script, without prompts or colour. Returns false
    /// when any line failed.
    func runScript() -> Bool {
        Terminal.noColorFlag = true
        var allSucceeded = true
        while let line = readLine() {
            let trimmed = line.trimmingCharacters(in: " \t")
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            switch execute(line) {
            case .exit: return allSucceeded
            case .failed: allSucceeded = false
            case .succeeded: break
            }
            if Interrupts.terminationRequested() { return false }
        }
        return allSucceeded
    }

    // MARK: One line

    enum Outcome { case succeeded, failed, exit }

    func execute(_ line: String) -> Outcome {
        let words: [String]
        do {
            words = try ShellWords.split(line)
        } catch {
            Terminal.warn("\(error)")
            return .failed
        }
        guard let first = words.first else { return .succeeded }
        switch first {
        case "exit", "quit":
            return .exit
        case "help":
            return help(words.dropFirst().first)
        case "use":
            return use(Array(words.dropFirst()))
        case "shell":
            Terminal.warn("already in the shell")
            return .failed
        default:
            return run(words)
        }
    }

    private func run(_ words: [String]) -> Outcome {
        let names = Sessctl.configuration.subcommands.map { $0._commandName }
        guard words[0].hasPrefix("-") || names.contains(words[0]) else {
            Terminal.warn("unknown command '\(words[0])'; try help")
            return .failed
        }
        var args = StoreOptions.hoistGlobalOptions(words)
        args.insert(contentsOf: injectedOptions(args), at: 1)
        do {
            var command = try Sessctl.parseAsRoot(args)
            try CommandRun.run(&command, words: words)
            return .succeeded
        } catch {
            let code = Sessctl.exitCode(for: error)
            let message = Sessctl.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                return .succeeded
            }
            if !message.isEmpty { Terminal.warn(message.split(separator: "\n").first.map(String.init) ?? message) }
            return .failed
        }
    }

    /// The shell's store and max age, for a command that takes them (not `stores`; `migrate`
    /// names its stores itself). They go before the command's own options, and ArgumentParser
    /// keeps the last value of an option: a store or max age given on the line wins.
    private func injectedOptions(_ args: [String]) -> [String] {
        guard let command = CommandCatalog.shared.command(args[0]) else { return [] }
        func takes(_ option: String) -> Bool { command.options.contains { $0.names.contains(option) } }
        var injected: [String] = []
        if takes("--store"), let storeText { injected += ["--store", storeText] }
        if takes("--max-age"), let maxAge { injected += ["--max-age", maxAge] }
        return injected
    }

    private func help(_ name: String?) -> Outcome {
        guard let name else {
            print(Sessctl.helpMessage())
            print("In the shell: use STORE (switch stores), help [COMMAND], exit or quit (or Ctrl-D).")
            return .succeeded
        }
        guard let sub = Sessctl.configuration.subcommands.first(where: { $0._commandName == name }) else {
            Terminal.warn("no command '\(name)'; try help")
            return .failed
        }
        print(Sessctl.helpMessage(for: sub))
        return .succeeded
    }

    private func use(_ args: [String]) -> Outcome {
        guard args.count == 1 else {
            Terminal.warn("usage: use STORE")
            return .failed
        }
        let previous = storeText
        storeText = args[0]
        do {
            _ = try selection.open()
            return .succeeded
        } catch {
            Terminal.warn("\(error)")
            storeText = previous
            return .failed
        }
    }

    // MARK: The store

    private var selection: StoreSelection { StoreSelection(storeText, givenBy: "-s/--store", maxAge: maxAge) }

    private func prompt() -> String {
        let text = (try? selection.resolve().address) ?? storeText ?? ""
        let shown = (try? StoreAddress.parse(text).displayName) ?? StoreAddress.redacted(text)
        return "sessctl \(shown)> "
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}
