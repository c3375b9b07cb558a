import SessionKit

/// Hiding secrets in a command line before it is kept (the audit log, the shell's history).
enum CommandLineSecrets {
    /// The words with every secret replaced by `***`: the password and secret options
    /// (`crypto-key=`, `password=`, `sentinel-password=`) of a store address, in any word (an
    /// address is hidden however it is given: `-s ADDR`, `--store=ADDR`, `--from`, `--to`, or
    /// inside a value), as `StoreAddress.redacted` finds them; and the value of any option whose
    /// name says it is a secret (`--password X`, `--sentinel-password=X`, `--crypto-key X`).
    static func masked(_ words: [String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(words.count)
        var hideNext = false
        var optionsEnded = false  // after `--` every word is an argument, however it looks
        for word in words {
            if hideNext {
                out.append("***")
                hideNext = false
                continue
            }
            if word == "--" { optionsEnded = true }
            if word.hasPrefix("--"), !optionsEnded {
                let name = word.prefix { $0 != "=" }
                if isSecretOption(name) {
                    if name.count == word.count { hideNext = true } else { out.append(name + "=***") }
                    continue
                }
            }
            out.append(StoreAddress.redacted(word))
        }
        return out
    }

    /// The words a secret option's name holds.
    private static let secretNames = ["password", "passwd", "secret", "crypto-key", "credential"]

    /// `--password`, `--sentinel-password`, `--crypto-key`...: an option whose value is a secret.
    static func isSecretOption(_ name: Substring) -> Bool {
        let lower = name.lowercased()
        return secretNames.contains { lower.contains($0) }
    }
}
