extension SessionWrite {
    /// Why the write's mode forbids it over what the store holds (`current` gives the stored
    /// session's revision bytes, nil for none): a create over a session, an update of none or of
    /// one that changed since it was read. nil when it may go ahead.
    public func modeRefusal(current: (() -> [UInt8])?, store: String) -> SessionError? {
        switch mode {
        case .create:
            return current == nil ? nil : .alreadyExists(store: store, id: session.id)
        case .update:
            guard let current else { return .notFound(store: store, id: session.id) }
            if let read = session.revision, !Bytes.equal(read.bytes, current()) { return .conflict(store: store, id: session.id) }
            return nil
        case .upsert:
            return nil
        }
    }
}
