/// An export line's `blob` (`StoredBlob`) as the layouts that keep a session as one value read
/// it: SCS and redistore (`RedisGoTyped`), connect-redis, PHP and Flask-Session.
enum RedisStoredBlob {
    /// The error that fails the line of session `id` whose blob is `blob`; nothing is written.
    static func refusal(_ blob: StoredBlob, id: String, _ why: String) -> SessionError {
        .corrupt(location: blob.location, reason: "session \(SessionError.quote(id)): \(why); nothing was written")
    }

    /// What the blob holds, read as a load of `layout` reads a value (`decode`), and checked
    /// against the line's `serializer` (`serializer` says which one wrote what was read). A blob
    /// the layout cannot read, or one of another serializer than the line says, fails the line.
    static func contents<Contents>(
        of blob: StoredBlob, id: String, layout: SessionLayout,
        decode: ([UInt8]) -> Result<Contents, StoredBlobProblem>, serializer: (Contents) -> String?
    ) throws(SessionError) -> Contents {
        switch decode(blob.bytes) {
        case .failure(let p):
            var reason = p.reason
            if reason.hasSuffix("; left untouched") { reason.removeLast("; left untouched".count) }
            throw refusal(blob, id: id, "its \"blob\" is not a value layout=\(layout.name) reads: \(reason)")
        case .success(let c):
            if let said = blob.serializer, let wrote = serializer(c), said != wrote {
                throw refusal(blob, id: id, "its \"blob\" is \(wrote), not \(said) as its \"serializer\" says")
            }
            return c
        }
    }

    /// Export lines read for a store of `layout` (connect-redis, PHP, Flask-Session), whose values
    /// `decode` reads into their data and the serializer that wrote them. A line's blob of that
    /// layout becomes the session's stored value: written as it is while the line's `data` says
    /// what it holds, else the base the edited `data` is written over, as `set` writes over a
    /// stored value (members in their order, the bytes of values not changed, its serializer).
    static func lineReader(
        _ layout: SessionLayout,
        decode: @escaping @Sendable ([UInt8]) -> Result<(data: JSONObject, serializer: String?), StoredBlobProblem>
    ) -> ExportLineReader {
        ExportLineReader { (session: inout Session) throws(SessionError) in
            guard var blob = session.storedBlob, !blob.isRead, blob.layout == layout else { return }
            let read = try contents(of: blob, id: session.id, layout: layout, decode: decode, serializer: \.serializer)
            blob.serializer = read.serializer
            blob.holds = StoredBlob.Holds(data: read.data, values: nil, deadline: nil)
            session.storedBlob = blob
        }
    }

    /// The blob of a value a store of `layout` just read (`bytes`, holding `data`, written by
    /// `serializer`), kept with the session it made: a copy writes what did not change as it was,
    /// and an export carries it.
    static func read(_ bytes: [UInt8], layout: SessionLayout, serializer: String?, data: JSONObject, location: String) -> StoredBlob {
        var blob = StoredBlob(layout: layout, serializer: serializer, bytes: bytes, location: location)
        blob.holds = StoredBlob.Holds(data: data, values: nil, deadline: nil)
        return blob
    }
}
