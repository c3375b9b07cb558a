/// What a File store writes stays within what it reads back: a plausible header timestamp and
/// JSON within the parser's limits.
extension FileStore {
    /// The stored body for a session: its JSON (the text it was read as, when that is already
    /// Go's), encrypted when the store is; refused when a read could not take it back.
    func body(for session: Session) throws(SessionError) -> [UInt8] {
        let json = session.canonicalJSON.map(Array.init) ?? GoJSONEncoder.encode(session.data, style: session.escapeStyle)
        try session.checkReadable(store: displayName, json: json)
        return options.cipher?.encrypt(json) ?? json
    }

    /// The header timestamp for a session of `id` to expire at `instant` under the store's max age.
    func fileTimestamp(expiringAt instant: Int64, id: String) throws(SessionError) -> Int64 {
        guard let timestamp = GSessionFileCodec.timestamp(expiringAt: instant, maxAge: options.maxAgeMillis) else {
            throw SessionError.unsupported(
                store: displayName,
                reason: "session \(SessionError.quote(id)): an expiry at "
                    + "\(Durations.rfc3339(millis: instant)) with a max age of \(Durations.format(millis: options.maxAgeMillis)) "
                    + "needs a timestamp outside the years 0001-9999; nothing was written")
        }
        return timestamp
    }
}
