/// What the Go-typed layouts share outside a store: reading their values, and adopting an
/// export line's `blob`.
enum RedisGoTyped {
    /// The value `read` makes of a stored value, or why it is not one (a codec's problem, or
    /// what the JSON view of its values could not hold).
    static func reading(_ read: () throws -> GoStoredValue) -> Result<GoStoredValue, StoredBlobProblem> {
        do {
            return .success(try read())
        } catch let problem as StoredBlobProblem {
            return .failure(problem)
        } catch {
            return .failure(StoredBlobProblem(.broken, "\(error); left untouched"))
        }
    }

    /// Export lines read for a store of `layout`, whose values `decode` reads (see `adoptExported`).
    static func lineReader(
        _ layout: SessionLayout,
        decode: @escaping @Sendable ([UInt8]) -> Result<GoStoredValue, StoredBlobProblem>
    ) -> ExportLineReader {
        ExportLineReader { (session: inout Session) throws(SessionError) in
            try adoptExported(&session, layout: layout, decode: decode)
        }
    }

    /// A session read from an export line whose `blob` this layout stored: the blob is read as a
    /// load reads it (one this layout cannot read fails the line), and the session becomes what
    /// it holds, with its Go types (and SCS's Deadline). When the line's `data` and `typed` still
    /// say what the blob holds, the blob's bytes are what gets written. An edited `typed` is
    /// applied to the blob's values as `edit` applies it; an edited `data` is laid over them as
    /// `set` does (values keep their Go types); when both were edited they must agree.
    static func adoptExported(
        _ session: inout Session, layout: SessionLayout,
        decode: ([UInt8]) -> Result<GoStoredValue, StoredBlobProblem>
    ) throws(SessionError) {
        guard var blob = session.storedBlob, !blob.isRead, blob.layout == layout else { return }
        let location = blob.location
        func refused(_ why: String) -> SessionError { RedisStoredBlob.refusal(blob, id: session.id, why) }
        let contents = try RedisStoredBlob.contents(of: blob, id: session.id, layout: layout, decode: decode) { $0.gobValues == nil ? "json" : "gob" }
        var stored = Session(
            id: session.id, data: contents.data, expiry: session.expiry, size: session.size,
            escapeStyle: contents.style, goTypes: contents.goTypes, deadline: contents.deadline)
        let dataEdited = session.data != contents.data
        var typedEdited = false
        if let typed = session.typedImport {
            typedEdited = typed != (try stored.typedData(store: location))
        }
        if typedEdited {
            do {
                try stored.replaceTyped(session.typedImport!, store: layout.name)
            } catch {
                throw refused("its edited \"typed\" does not fit: \(error)")
            }
            if dataEdited && stored.data != session.data {
                throw refused("its \"data\" and its \"typed\" were both edited and say different things (edit one, or remove the other from the line)")
            }
        } else if dataEdited {
            stored.data = session.data
            _ = try stored.resolvedGobValues(store: location)  // a value that does not fit its Go type fails here
        } else {
            blob.holds = StoredBlob.Holds(data: contents.data, values: contents.gobValues, deadline: contents.deadline)
            stored.storedBlob = blob
        }
        session = stored
    }
}
