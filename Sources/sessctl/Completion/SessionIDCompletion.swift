import ArgumentParser
import SessionKit

/// Session ids for Tab, in the interactive shell and in the bash/zsh/fish completion scripts
/// (which call the binary with the words of the line). Quick and silent: a bounded number of
/// ids within a bounded time, nothing at all when the store cannot be reached.
enum SessionIDCompletion {
    static let maxIDs = 200
    static let maxSeconds = 0.5

    /// For `@Argument(completion:)`: the store is the one named on the line, else the usual default.
    static let kind = CompletionKind.custom { words, index, _ in complete(words: words, index: index) }

    static func complete(words: [String], index: Int) -> [String] {
        // ArgumentParser 1.8.2 hands over the last word as the prefix, not the word being completed.
        let prefix = index < words.count ? words[index] : ""
        let others = words.indices.filter { $0 != index }.map { words[$0] }
        guard let options = storeOptions(in: others), var text = try? options.selection.resolve().address else { return [] }
        // A completion must not wait out the default five-second timeout of a dead server.
        if text.hasPrefix("redis"), !text.contains("timeout=") { text += (text.contains("?") ? "&" : "?") + "timeout=300ms" }
        guard let store = try? StoreSelection(text, givenBy: "-s/--store", maxAge: nil).open().store else { return [] }
        return ids(in: store, prefix: prefix)
    }

    /// The store options among the words of a line, as ArgumentParser reads them: each word it
    /// takes alone as one (a flag, `--store=X`), or with the next word as its value (`-s X`).
    static func storeOptions(in words: [String]) -> StoreOptions? {
        func parses(_ args: ArraySlice<String>) -> Bool { (try? StoreOptions.parse(Array(args))) != nil }
        var args: [String] = []
        var i = 0
        while i < words.count {
            let taken = parses(words[i...i]) ? 1 : i + 1 < words.count && parses(words[i...(i + 1)]) ? 2 : 0
            args += words[i..<(i + taken)]
            i += max(taken, 1)
        }
        return try? StoreOptions.parse(args)
    }

    /// Up to `maxIDs` ids starting with `prefix`, sorted, read for at most `maxSeconds`.
    static func ids(in store: any SessionStore, prefix: String) -> [String] {
        var ids: [String] = []
        let started = SystemTime.monotonicSeconds()
        try? store.scan(matching: Glob.escape(prefix) + "*", pageSize: 256, detail: .ids) { page in
            ids += page.sessions.map(\.id)
            return ids.count >= maxIDs || SystemTime.monotonicSeconds() - started > maxSeconds ? .stop : .proceed
        }
        return Array(ids.sorted().prefix(maxIDs))
    }
}
