/// `1 session`, `3 sessions`.
func counted(_ n: Int, _ noun: String) -> String {
    "\(n) \(noun)\(n == 1 ? "" : "s")"
}

/// `2 corrupt sessions could not be read OUTCOME (the first: STORE: ID: REASON)`, for bulk
/// commands that go on without them.
func corruptNote(_ n: Int, _ outcome: String, first: String?) -> String {
    "\(counted(n, "corrupt session")) could not be read\(outcome)" + (first.map { " (the first: \($0))" } ?? "")
}
