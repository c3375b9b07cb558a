/// `1 session`, `3 sessions`.
func counted(_ n: Int, _ noun: String) -> String {
    "\(n) \(noun)\(n == 1 ? "" : "s")"
}

/// `2 corrupt sessions could not be read OUTCOME (the first: STORE: ID: REASON)`, for bulk
/// commands that go on without them.
func corruptNote(_ n: Int, _ outcome: String, first: String?) -> String {
    "\(counted(n, "corrupt session")) could not be read\(outcome)" + (first.map { " (the first: \($0))" } ?? "")
}

/// `t` with spaces after it up to `n` characters, for a column of a table.
func padded(_ t: String, _ n: Int) -> String { t.count >= n ? t : t + String(repeating: " ", count: n - t.count) }
