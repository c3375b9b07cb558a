import SessionKit

/// What Tab offers in the shell: command names, a command's options, session ids of the
/// current store (fetched on demand, bounded), and keys of the session named on the line.
struct ShellCompleter {
    /// Words the shell itself understands besides the commands.
    static let builtins = ["use", "help", "exit", "quit"]
    /// Commands whose first argument is a session id.
    static let takesSessionID: Set<String> = ["get", "set", "del", "expire", "ttl", "persist", "edit"]
    /// Commands whose second argument is a key of that session.
    static let takesKey: Set<String> = ["get", "set"]

    let catalog: CommandCatalog
    let openStore: () -> (any SessionStore)?

    func complete(before: String, word: String) -> [String] {
        let words = ShellWords.splitLeniently(before)
        guard let name = words.first else {
            return (catalog.commands.map(\.name) + ShellCompleter.builtins).filter { $0.hasPrefix(word) }.sorted()
        }
        if name == "help" && words.count == 1 { return catalog.commands.map(\.name).filter { $0.hasPrefix(word) }.sorted() }
        guard let command = catalog.command(name) else { return [] }
        if word.hasPrefix("-") {
            return command.options.flatMap(\.names).filter { $0.hasPrefix(word) && $0 != "-h" }.sorted()
        }
        // Which positional argument is being typed, skipping options and their values.
        var positionals: [String] = []
        var pendingValueOf: String? = nil
        for w in words.dropFirst() {
            if pendingValueOf != nil { pendingValueOf = nil; continue }
            if w.hasPrefix("-") {
                if let o = command.options.first(where: { $0.names.contains(w) }), o.takesValue { pendingValueOf = w }
                continue
            }
            positionals.append(w)
        }
        if let option = pendingValueOf {
            if option == "--key", name == "del", let id = positionals.first { return keys(of: id, prefix: word) }
            return []
        }
        if ShellCompleter.takesSessionID.contains(name) && (positionals.isEmpty || name == "del") {
            return sessionIDs(prefix: word)
        }
        if ShellCompleter.takesKey.contains(name) && positionals.count == 1 {
            return keys(of: positionals[0], prefix: word)
        }
        return []
    }

    private func sessionIDs(prefix: String) -> [String] {
        guard let store = openStore() else { return [] }
        return SessionIDCompletion.ids(in: store, prefix: prefix)
    }

    private func keys(of id: String, prefix: String) -> [String] {
        guard let store = openStore(), case .found(let s)? = try? store.load(id) else { return [] }
        return s.data.keys.filter { $0.hasPrefix(prefix) }
    }
}
