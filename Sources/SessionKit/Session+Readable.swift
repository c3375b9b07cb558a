extension Session {
    /// Refuses a write that could not be read back (see `JSONParser.Limits`): `json` is the
    /// session's JSON text as it would be stored, when already made.
    public func checkReadable(store: String, json: [UInt8]? = nil) throws(SessionError) {
        let limits = JSONParser.Limits()
        let why: String?
        if let text = canonicalJSON {
            why = limits.sizeRefusal(text.count)  // read within the limits, and unchanged since
        } else {
            why = limits.refusal(data, encoded: json, style: escapeStyle)
        }
        guard let why else { return }
        throw SessionError.unsupported(store: store, reason: "session \(SessionError.quote(id)): \(why); nothing was written")
    }
}
