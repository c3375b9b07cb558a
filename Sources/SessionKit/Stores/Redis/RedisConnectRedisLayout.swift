import RedisClient

/// express-session with connect-redis (prefix `sess:`): a STRING holding `JSON.stringify` of
/// the session, its `cookie` object first; the key's TTL is the lifetime (connect-redis sets it
/// from `cookie.expires`, else its `ttl`, 1 day by default; none with `disableTTL`).
///
/// Values are written as `JSON.stringify` would (`JSJSON`), members kept in their stored order,
/// and an unchanged value keeps its bytes (through a migration or an export too). A new expiry
/// rewrites `cookie.expires` with the TTL (when the cookie has one), so the app and the key
/// agree; a write that changes `cookie.expires` moves the TTL with it. A new session written
/// without a cookie gets one as express-session makes it (`originalMaxAge` the store's lifetime,
/// `expires` the TTL's end), and one written over a stored session keeps that session's cookie.
/// A string that is not a JSON object with a `cookie` object is not a session; a stored value
/// that `JSON.stringify` would not write as it is (other spacing, a lone surrogate) is read but
/// never rewritten.
///
/// Ids: the raw sid, or the cookie's `s:<sid>.<signature>` (URL-encoded `s%3A…` too), cut to the
/// sid; the signature is not checked (sessctl does not know the app's secret).
struct RedisConnectRedisLayout: RedisSessionLayout {
    let core: RedisStoreCore

    var layout: SessionLayout { .connectRedis }
    var valueType: RedisValueType { .string }
    /// Other keys share the prefix (see `SessionKeysOnly`).
    var watchReadsKeys: Bool { true }

    static let notAnObject = "a string that is not a JSON object"
    static let noCookie = "a JSON object without express-session's cookie object"
    /// The order express-session writes a new session's members in (`Cookie.toJSON`).
    static let newOrder = JSJSON.KeyOrder.object([
        (
            "cookie",
            .object(
                ["originalMaxAge", "partitioned", "priority", "expires", "secure", "httpOnly", "domain", "path", "sameSite"].map {
                    ($0, .leaf)
                })
        )
    ])

    /// `s:<sid>.<signature>` or its URL-encoded form, cut to the sid; any other id as it is.
    func sessionID(_ given: String) -> String {
        var id = given
        if id.hasPrefix("s%3A") || id.hasPrefix("s%3a"), let plain = try? StoreAddress.percentDecode(id, in: id) { id = plain }
        guard id.hasPrefix("s:"), let dot = id.lastIndex(of: "."), dot > id.index(id.startIndex, offsetBy: 2) else { return given }
        return String(id[id.index(id.startIndex, offsetBy: 2)..<dot])
    }

    func notSession(_ value: RedisStoredValue) -> String? { Self.notSession(value.bytes) }

    static func notSession(_ bytes: [UInt8]) -> String? {
        guard bytes.first(where: { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }) == UInt8(ascii: "{") else { return notAnObject }
        guard case .object(let o)? = try? JSONParser.parse(bytes) else { return nil }  // broken: reported when read
        return o["cookie"]?.objectValue == nil ? noCookie : nil
    }

    /// A line's blob, read as a session value is.
    var exportLineReader: ExportLineReader? {
        RedisStoredBlob.lineReader(.connectRedis) { bytes in
            if let reason = Self.notSession(bytes) { return .failure(StoredBlobProblem(.foreign, reason)) }
            do throws(JSONParseError) {
                guard case .object(let data) = try JSONParser.parse(bytes) else { return .failure(StoredBlobProblem(.foreign, Self.notAnObject)) }
                return .success((data, nil))
            } catch {
                return .failure(StoredBlobProblem(.broken, error.describing("the value")))
            }
        }
    }

    /// The data as express-session reads it back: numbers as JavaScript holds them (`1.50` is
    /// 1.5, `-0` is 0).
    func dataAsStored(_ data: JSONObject) -> JSONObject { Self.javaScript(data) }

    private static func javaScript(_ o: JSONObject) -> JSONObject { JSONObject(o.members.map { ($0.key, javaScript($0.value)) }) }

    private static func javaScript(_ v: JSONValue) -> JSONValue {
        switch v {
        case .number(let literal): return .number(JSJSON.number(literal) ?? literal)
        case .array(let items): return .array(items.map(javaScript))
        case .object(let o): return .object(javaScript(o))
        default: return v
        }
    }

    /// The session object of a value; `key` names it in errors.
    private func decode(_ bytes: [UInt8], key: [UInt8]) -> Result<JSONObject, SessionError> {
        do {
            guard case .object(let object) = try JSONParser.parse(bytes) else {
                return .failure(.notASession(store: core.displayName, key: RedisStoreCore.text(key), reason: Self.notAnObject))
            }
            return .success(object)
        } catch {
            return .failure(.corrupt(location: core.location(key), reason: error.describing("the value")))
        }
    }

    func session(id: String, key: [UInt8], value: RedisStoredValue, ttl: Expiry) -> Result<Session, SessionError> {
        decode(value.bytes, key: key).map { data in session(id: id, bytes: value.bytes, data: data, ttl: ttl) }
    }

    /// The session a value holds, with the value kept as its stored blob.
    private func session(id: String, bytes: [UInt8], data: JSONObject, ttl: Expiry) -> Session {
        var session = Session(id: id, data: data, expiry: ttl, size: bytes.count, revision: Revision(bytes, data: data))
        session.storedBlob = RedisStoredBlob.read(bytes, layout: .connectRedis, serializer: nil, data: data, location: core.displayName)
        return session
    }

    func scanEntry(id: String, value: RedisReplyView, ttl: Expiry, withData: Bool) -> RedisStoreCore.ScanEntry {
        guard value.isBulk else { return .gone }
        let bytes = Array(value.bytes)
        if let reason = notSession(.string(bytes)) { return .skipped(reason) }
        let key = core.key(id)
        switch decode(bytes, key: key) {
        case .success(let data) where withData:
            return .loaded(session(id: id, bytes: bytes, data: data, ttl: ttl))
        case .success(let data):
            return .session(SessionInfo(id: id, size: bytes.count, keyCount: data.count, expiry: ttl, lastWrite: nil))
        case .failure(let e) where withData:
            return .broken(e)
        case .failure:
            return .session(SessionInfo(id: id, size: bytes.count, keyCount: nil, expiry: ttl, lastWrite: nil, problem: Self.parseProblem(bytes)))
        }
    }

    /// Why a value that starts as an object does not parse.
    private static func parseProblem(_ bytes: [UInt8]) -> String {
        do {
            _ = try JSONParser.parse(bytes)
            return notAnObject
        } catch {
            return error.describing("the value")
        }
    }

    func newSession(id: String, expiry: Expiry) -> Session {
        var data = JSONObject()
        data["cookie"] = newCookie(expiry)
        return Session(id: id, data: data, expiry: expiry)
    }

    /// The cookie express-session gives a new session ending at `expiry`: its `maxAge` is the
    /// store's lifetime (the app's `cookie.maxAge`), `expires` the end; none of either for no expiry.
    private func newCookie(_ expiry: Expiry) -> JSONValue {
        var cookie = JSONObject()
        switch expiry {
        case .never:
            cookie["originalMaxAge"] = .null
            cookie["expires"] = .null
        case .at(let t):
            cookie["originalMaxAge"] = .number(String(core.options.defaultLifetimeMillis))
            cookie["expires"] = .string(Durations.rfc3339(millis: t))
        }
        cookie["httpOnly"] = .bool(true)
        cookie["path"] = .string("/")
        return .object(cookie)
    }

    // MARK: Writing

    /// The data and member order of a stored value, which must be exactly what `JSON.stringify`
    /// writes for them: anything else would change bytes nobody asked to change.
    private func stored(_ bytes: [UInt8], key: [UInt8]) throws(SessionError) -> (data: JSONObject, order: JSJSON.KeyOrder) {
        let data = try decode(bytes, key: key).get()
        guard let order = JSJSON.keyOrder(of: bytes), let again = try? JSJSON.encode(data, order: order), Bytes.equal(again, bytes) else {
            throw SessionError.unsupported(
                store: core.displayName,
                reason: "key \(SessionError.quote(RedisStoreCore.text(key))) is not written as JSON.stringify writes it; sessctl does not rewrite it")
        }
        return (data, order)
    }

    /// express-session reads no session without its cookie object: a cookie that is not an
    /// object is refused (and, in `commands`, one removed from a stored session).
    func check(_ write: SessionWrite) throws(SessionError) {
        if let cookie = write.session.data["cookie"], cookie.objectValue == nil { throw noCookieObject }
    }

    private var noCookieObject: SessionError {
        .unsupported(store: core.displayName, reason: "an express-session session needs its cookie object (express-session cannot read one without)")
    }

    func checkWritable(over value: RedisStoredValue, key: [UInt8]) throws(SessionError) {
        _ = try stored(value.bytes, key: key)
    }

    private func body(_ data: JSONObject, order: JSJSON.KeyOrder) throws(SessionError) -> [UInt8] {
        do {
            return try JSJSON.encode(data, order: order)
        } catch {
            throw SessionError.unsupported(store: core.displayName, reason: error.reason)
        }
    }

    /// `data` with `cookie.expires` at `t`, when the cookie has an expiry.
    private static func withCookieExpires(_ data: JSONObject, _ t: Int64) -> JSONObject {
        guard var cookie = data["cookie"]?.objectValue, cookie["expires"]?.stringValue != nil else { return data }
        cookie["expires"] = .string(Durations.rfc3339(millis: t))
        var out = data
        out["cookie"] = .object(cookie)
        return out
    }

    private static func cookieExpires(_ data: JSONObject) -> String? {
        data["cookie"]?.objectValue?["expires"]?.stringValue
    }

    func commands(
        for w: SessionWrite, key: [UInt8], current: (value: RedisStoredValue, ttl: Expiry)?,
        now: Int64
    ) throws(SessionError) -> RedisWriteCommands {
        try w.session.checkRepresentableAsJSON(store: core.displayName)
        let old = try current.map { c throws(SessionError) in try stored(c.value.bytes, key: key) }
        // The value the session was read as (a load, a migration, an export line).
        let blob = w.session.storedBlob.flatMap { $0.layout == .connectRedis && $0.isRead ? $0 : nil }
        var data = w.session.data
        if data["cookie"] == nil {
            // A session written whole without its cookie gets one; removed from a stored one, refused.
            if w.mode == .update { throw noCookieObject }
            var lifetime = Expiry.at(now.addingClamped(core.options.defaultLifetimeMillis))
            if case .set(let e) = w.expiry { lifetime = e }
            data["cookie"] = old?.data["cookie"] ?? newCookie(lifetime)
        }
        var update = w.expiry
        switch w.expiry {
        case .set(.at(let t)) where w.session.expiry != .at(t):
            data = Self.withCookieExpires(data, t)  // a new lifetime
        case .keep, .set(.at):
            // The lifetime as it is (a copy keeps its own): the TTL follows a cookie.expires that
            // is new or changed, as connect-redis's `set` would.
            let before = blob.flatMap { $0.holds?.data } ?? old?.data
            if let text = Self.cookieExpires(data), text != before.flatMap({ Self.cookieExpires($0) }), let t = Durations.parseRFC3339(text) {
                update = .set(.at(t))
            }
        case .set(.never):
            break
        }
        var value: [UInt8]?
        if let bytes = blob?.bytes(of: .connectRedis, holding: data) {
            value = current?.value.bytes == bytes ? nil : bytes
        } else if let old, old.data == data {
            value = nil
        } else {
            var order = old?.order ?? Self.newOrder
            if let blob, blob.bytes != current?.value.bytes, let own = JSJSON.keyOrder(of: blob.bytes) { order = own }  // over the value it was read as
            value = try body(data, order: order)
            try w.session.checkReadable(store: core.displayName, json: value)
        }
        return core.stringWrite(value, key: key, update: update, ttl: current?.ttl, now: now)
    }

    /// The TTL, and `cookie.expires` with it when the cookie has one (a new lifetime never
    /// leaves the app reading another).
    func expiryCommands(_ expiry: Expiry, key: [UInt8], current: RedisStoredValue, ttl: Expiry, now: Int64) throws(SessionError) -> [[[UInt8]]] {
        guard case .at(let t) = expiry else { return core.expiryCommands(.set(expiry), key: key, current: ttl, now: now) }
        let old = try stored(current.bytes, key: key)
        let data = Self.withCookieExpires(old.data, t)
        let value = data == old.data ? nil : try body(data, order: old.order)
        let commands = core.stringWrite(value, key: key, update: .set(expiry), ttl: ttl, now: now)
        return commands.value + commands.lifetime
    }
}
