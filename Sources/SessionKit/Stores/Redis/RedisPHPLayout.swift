import RedisClient

/// PHP sessions kept by phpredis (`session.save_handler=redis`, key `PHPREDIS_SESSION:<id>`): a
/// STRING holding `$_SESSION` in the `php` or `php_serialize` serializer (`PHPSessionCodec`, told
/// apart per value), with the TTL `session.gc_maxlifetime` (1440 s unless the address says). An
/// unchanged session keeps its exact bytes, a changed one keeps the bytes of every value it did
/// not change and its serializer; new sessions use `serializer=` (`php`, PHP's default
/// `session.serialize_handler`, or `php_serialize`). A string that is not a PHP session is
/// skipped; a damaged one is shown with the reason and never rewritten.
struct RedisPHPLayout: RedisSessionLayout {
    let core: RedisStoreCore

    var layout: SessionLayout { .php }
    var valueType: RedisValueType { .string }
    /// Other keys share the prefix (see `SessionKeysOnly`).
    var watchReadsKeys: Bool { true }

    /// The serializer of new sessions.
    var newFormat: PHPSessionCodec.Format { core.options.serializer.flatMap(PHPSessionCodec.Format.init(rawValue:)) ?? .php }

    /// A line's blob, read as PHP values (either serializer).
    var exportLineReader: ExportLineReader? {
        RedisStoredBlob.lineReader(.php) { bytes in PHPSessionCodec.decode(bytes).map { ($0.data, $0.format.rawValue) } }
    }

    /// What PHP reads back: a number as an int or as a float (`1.50` reads as `1.5`, an int
    /// beyond 64 bits as a float, `-0` as `0`).
    func dataAsStored(_ data: JSONObject) -> JSONObject {
        guard let bytes = try? PHPSessionCodec.encode(data, format: newFormat, previous: nil),
            case .success(let read) = PHPSessionCodec.decode(bytes)
        else { return data }
        return read.data
    }

    func notSession(_ value: RedisStoredValue) -> String? {
        PHPSessionCodec.looksLikeSession(value.bytes) ? nil : "a string that is not a PHP session"
    }

    private func decoded(_ bytes: [UInt8], key: [UInt8]) -> Result<PHPSessionCodec.Decoded, SessionError> {
        PHPSessionCodec.decode(bytes).mapError { .corrupt(location: core.location(key), reason: $0.reason) }
    }

    func session(id: String, key: [UInt8], value: RedisStoredValue, ttl: Expiry) -> Result<Session, SessionError> {
        let bytes = value.bytes
        return decoded(bytes, key: key).map { d in
            var session = Session(id: id, data: d.data, expiry: ttl, size: bytes.count, revision: Revision(bytes, data: d.data))
            session.storedBlob = RedisStoredBlob.read(bytes, layout: .php, serializer: d.format.rawValue, data: d.data, location: core.displayName)
            return session
        }
    }

    func scanEntry(id: String, value: RedisReplyView, ttl: Expiry, withData: Bool) -> RedisStoreCore.ScanEntry {
        guard value.isBulk else { return .gone }
        let bytes = Array(value.bytes)
        if let reason = notSession(.string(bytes)) { return .skipped(reason) }
        if withData {
            switch session(id: id, key: core.key(id), value: .string(bytes), ttl: ttl) {
            case .success(let s): return .loaded(s)
            case .failure(let e): return .broken(e)
            }
        }
        let s = PHPSessionCodec.summary(bytes)
        return .session(SessionInfo(id: id, size: bytes.count, keyCount: s.keys, expiry: ttl, lastWrite: nil, problem: s.problem))
    }

    func checkWritable(over value: RedisStoredValue, key: [UInt8]) throws(SessionError) {
        _ = try decoded(value.bytes, key: key).get()
    }

    // MARK: Writing

    func commands(
        for w: SessionWrite, key: [UInt8], current: (value: RedisStoredValue, ttl: Expiry)?,
        now: Int64
    ) throws(SessionError) -> RedisWriteCommands {
        let stored = try current.map { c throws(SessionError) in try decoded(c.value.bytes, key: key).get() }
        // The value the session was read as (a load, a migration, an export line): its bytes
        // where it did not change, and its serializer.
        var own: PHPSessionCodec.Decoded?
        if let blob = w.session.storedBlob, blob.layout == .php {
            own = blob.bytes == current?.value.bytes ? stored : try? PHPSessionCodec.decode(blob.bytes).get()
        }
        let body: [UInt8]?
        if let bytes = w.session.storedBlob?.bytes(of: .php, holding: w.session.data) {
            body = current?.value.bytes == bytes ? nil : bytes
        } else if let stored, stored.data == w.session.data {
            body = nil
        } else {
            let previous = own ?? stored
            do {
                body = try PHPSessionCodec.encode(w.session.data, format: previous?.format ?? newFormat, previous: previous)
            } catch {
                throw SessionError.invalidArgument(
                    "\(core.displayName): session \(SessionError.quote(w.session.id)): \(error.message); nothing was written")
            }
        }
        return core.stringWrite(body, key: key, update: w.expiry, ttl: current?.ttl, now: now)
    }

    func expiryCommands(_ expiry: Expiry, key: [UInt8], current: RedisStoredValue, ttl: Expiry, now: Int64) -> [[[UInt8]]] {
        core.expiryCommands(.set(expiry), key: key, current: ttl, now: now)
    }
}
