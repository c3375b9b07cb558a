/// The export line format: one session per line, a JSON object written as Go writes JSON
/// (compact, keys in byte order):
///
///     {"data":{...},"expires_at":"2026-11-22T07:41:00.123Z","id":"<id>","layout":"file"}
///
/// - `id`: the session id.
/// - `data`: the session's keys and values, exactly as `get` shows them (number literals as
///   written; from a Redis hash every value is a string, or an object or array when its text is one).
/// - `expires_at`: the expiry instant in RFC 3339, UTC, with milliseconds; `null` for none.
/// - `layout`: the layout it was exported from (`file`, `kv`, `hash`, `scs`, `redistore`, `trpc`,
///   `connect-redis`, `php`, `flask-session`).
/// - `typed` (sessions of Go apps: SCS, gorilla redistore): every value with its Go type, as
///   `get -o typed` shows it; an import into a store of the same framework restores the types.
/// - `blob` (sessions kept as one value in their framework's own format: SCS, redistore,
///   connect-redis, PHP, Flask-Session; File and Redis-KV in trash files only, when their JSON
///   text is not what Go's encoder writes for `data`): the base64 of the exact value stored
///   (SCS: the gob blob with its Deadline; redistore: the gob or JSON value; connect-redis:
///   `JSON.stringify`'s text; PHP: the session string; Flask-Session: the msgpack, JSON or legacy
///   pickle; File and Redis-KV: the JSON text), present while `data` is what it holds, and
///   `serializer` where the layout has several (what wrote the blob: redistore `gob` or `json`;
///   php `php` or `php_serialize`; flask-session `msgpack`, `json` or `pickle`). An import into a
///   store of the same `layout` reads the blob as a load would (a blob it cannot read, or not of
///   the line's `serializer`, fails that line, nothing written) and, while `data` still says what
///   the blob holds, writes its bytes as they are, so the copy is byte-identical (every Go type,
///   member order, a pickle). When `data` was edited, the edit is written over the blob as
///   `set`/`edit` would write it over the stored value: Go values keep their Go types (one that
///   does not fit fails the line) and an edited `typed` must agree with `data`; connect-redis,
///   PHP and Flask-Session values keep their members' order, the bytes of what did not change and
///   their serializer (an edited pickle becomes the store's `serializer=`). Other layouts ignore
///   the blob; a line without one is written as a new session (the store's `serializer=`).
/// - `raw` (only when needed): for hash fields whose bytes are not UTF-8 text, `{"key": "<base64
///   of the exact bytes>"}`; `data` then shows each bad byte as U+FFFD. An import into a hash
///   restores the bytes; an import into a JSON layout refuses that session.
/// - `raw_names` (only when needed): likewise for hash field names that are not UTF-8 text, `{"key":
///   "<base64 of the exact name>"}`.
///
/// - `agent` (trpc-agent-go sessions, `layout=trpc`): every key of the session, byte for byte,
///   with its expiry, so an import into a trpc store restores them as they were (`data` shows
///   the merged state, own keys and `user:`/`app:` keys, as `get` does):
///
///       "agent":{"engine":"hashidx","keys":[{"expires_at":null,"role":"meta","type":"string","value":"<b64>"},
///         {"expires_at":"2026-11-22T07:41:00.123Z","fields":[["<b64 field>","<b64 value>"]],"role":"evtdata","type":"hash"},
///         {"expires_at":null,"members":[["<b64 member>","1.7952418487234885e+18"]],"role":"evtidx","type":"zset"},
///         {"expires_at":null,"members":["<b64 member>"],"role":"trknames","type":"set"}, ...]}
///
///   `engine` is `hashidx` or `legacy`; per key: `role` (an `AgentKeyRole`: `meta`, `evtdata`,
///   `evtidx`, `sesssum`, `trkdata`, `trkidx`, `trknames`, `sessidx`, `sess`, `event`,
///   `lsesssum`, `track`, `trackidx`, `luserstate`, `userstate`, `appstate`), `track` (only for
///   a track's keys: its name), `type` (the Redis type the role has), `expires_at` (as above,
///   the key's own), and its content: `value` (string), `fields` (hash: pairs in the order
///   Redis gave them), `members` (zset: member and score, the score exactly as Redis printed it,
///   in score order; set: members). Hashes shared by a user's sessions (`sess`, `lsesssum`,
///   `sessidx`) hold only the session's own field. The line's `id` must be an agent session id
///   (`APP/USER/SID`); a line whose id or keys are not as described is refused.
///
/// Reading accepts any whitespace between tokens, ignores members it does not know, and reads
/// `expires_at` with any RFC 3339 offset and fraction.
public enum SessionNDJSON {
    /// Appends the session's line, newline included. With `storedText` (the trash), a File or
    /// Redis-KV session whose JSON text is not what Go's encoder writes carries it as `blob`.
    public static func append(_ session: Session, layout: SessionLayout, storedText: Bool = false, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        if let agent = session.agent {
            ByteWriter.append("\"agent\":", to: &out)
            appendAgent(agent, to: &out)
            out.append(UInt8(ascii: ","))
        }
        let blob = storedBlob(of: session, layout: layout)
        if let bytes = blob?.bytes ?? (storedText ? storedJSONText(of: session, layout: layout) : nil) {
            ByteWriter.append("\"blob\":", to: &out)
            GoJSONEncoder.append(string: Base64.std(bytes), to: &out)
            out.append(UInt8(ascii: ","))
        }
        ByteWriter.append("\"data\":", to: &out)
        if let text = session.canonicalJSON {
            out.append(contentsOf: text)  // already as Go writes it
        } else {
            GoJSONEncoder.write(session.data, style: session.escapeStyle, into: &out)
        }
        ByteWriter.append(",\"expires_at\":", to: &out)
        appendExpiry(session.expiry, to: &out)
        ByteWriter.append(",\"id\":", to: &out)
        GoJSONEncoder.append(string: session.id, to: &out)
        ByteWriter.append(",\"layout\":", to: &out)
        GoJSONEncoder.append(string: layout.name, to: &out)
        var raw = JSONObject(), rawNames = JSONObject()
        for key in session.keysWithUndecodableValues {
            if let bytes = session.rawValues[key], HashFieldCodec.decode(bytes).value == session.data[key] { raw[key] = .string(Base64.std(bytes)) }
            if let name = session.rawNames[key] { rawNames[key] = .string(Base64.std(name)) }
        }
        if !raw.isEmpty {
            ByteWriter.append(",\"raw\":", to: &out)
            GoJSONEncoder.write(raw, style: .modern, into: &out)
        }
        if !rawNames.isEmpty {
            ByteWriter.append(",\"raw_names\":", to: &out)
            GoJSONEncoder.write(rawNames, style: .modern, into: &out)
        }
        if let serializer = blob?.serializer, !layout.serializers.isEmpty {
            ByteWriter.append(",\"serializer\":", to: &out)
            GoJSONEncoder.append(string: serializer, to: &out)
        }
        if session.goTypes != nil, let typed = try? session.typedData(store: layout.name) {
            ByteWriter.append(",\"typed\":", to: &out)
            GoJSONEncoder.write(typed, style: .modern, into: &out)
        }
        ByteWriter.append("}\n", to: &out)
    }

    /// An `expires_at` member's value: the instant in RFC 3339 (UTC, milliseconds), or `null`.
    static func appendExpiry(_ expiry: Expiry, to out: inout [UInt8]) {
        guard case .at(let t) = expiry else { return ByteWriter.append("null", to: &out) }
        out.append(UInt8(ascii: "\""))
        Durations.appendRFC3339(millis: t, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// The expiry an `expires_at` member says (any RFC 3339 offset and fraction, or null);
    /// `bad` makes the error of one that says neither.
    static func expiry(_ value: JSONValue?, _ bad: (String) -> SessionError) throws(SessionError) -> Expiry {
        switch value {
        case .null?: return .never
        case .string(let text)?:
            guard let t = Durations.parseRFC3339(text) else { throw bad("\"expires_at\" is not an RFC 3339 instant: \(SessionError.quote(text))") }
            return .at(t)
        default: throw bad("no \"expires_at\" (an RFC 3339 instant, or null for none)")
        }
    }

    /// The exact value a session of `layout` was read from, while its data is still what was read.
    private static func storedBlob(of session: Session, layout: SessionLayout) -> StoredBlob? {
        guard let blob = session.storedBlob, blob.layout == layout, blob.holds(session.data) else { return nil }
        return blob
    }

    /// The JSON text a GoFrame session (File, Redis-KV) is stored as, when it is not the text Go's
    /// encoder writes (another writer's spacing or key order): an import into such a store then
    /// writes it back byte for byte.
    private static func storedJSONText(of session: Session, layout: SessionLayout) -> [UInt8]? {
        guard layout == .kv || layout == .file, session.canonicalJSON == nil, let stored = session.revision?.bytes else { return nil }
        let text = layout == .file ? Array(stored.dropFirst(GSessionFileCodec.headerSize)) : stored
        guard case .object(let object)? = try? JSONParser.parse(text), object == session.data else { return nil }
        return text
    }

    /// The session on one line (without its newline). The error's reason says what is wrong;
    /// `location` names the line in it.
    public static func parse(_ line: [UInt8], location: String) throws(SessionError) -> Session {
        try parseLine(line, location: location).session
    }

    /// The session on one line and the `layout` the line names, if any.
    public static func parseLine(_ line: [UInt8], location: String) throws(SessionError) -> (session: Session, layout: SessionLayout?) {
        func bad(_ reason: String) -> SessionError { .corrupt(location: location, reason: reason) }
        let parsed: (value: JSONValue, style: JSONEscapeStyle)
        do {
            parsed = try JSONParser.parseDocument(line)
        } catch {
            throw bad("not a session line: \(error)")
        }
        guard case .object(let object) = parsed.value else { throw bad("not a session line: a JSON \(parsed.value.kindName), not an object") }
        guard case .string(let id)? = object["id"], !id.isEmpty else { throw bad("no \"id\" string") }
        let at = " (session \(SessionError.quote(id)))"
        guard case .object(var data)? = object["data"] else { throw bad("no \"data\" object" + at) }
        let expiry = try expiry(object["expires_at"]) { bad($0 + at) }
        var rawValues: [String: [UInt8]] = [:]
        if let raw = object["raw"] {
            guard case .object(let fields) = raw else { throw bad("\"raw\" is not an object" + at) }
            for (key, value) in fields {
                guard case .string(let text) = value, let bytes = Base64.decodeStd(text) else { throw bad("\"raw\" of key \(SessionError.quote(key)) is not base64" + at) }
                guard data[key] != nil else { throw bad("\"raw\" names key \(SessionError.quote(key)), which is not in \"data\"" + at) }
                rawValues[key] = bytes
                data[key] = HashFieldCodec.decode(bytes).value
            }
        }
        var rawNames: [String: [UInt8]] = [:]
        if let names = object["raw_names"] {
            guard case .object(let fields) = names else { throw bad("\"raw_names\" is not an object" + at) }
            for (key, value) in fields {
                guard case .string(let text) = value, let bytes = Base64.decodeStd(text) else { throw bad("\"raw_names\" of key \(SessionError.quote(key)) is not base64" + at) }
                guard data[key] != nil, HashFieldCodec.decodeName(bytes).key == key else {
                    throw bad("\"raw_names\" names key \(SessionError.quote(key)), which is not in \"data\" as that name shows" + at)
                }
                rawNames[key] = bytes
            }
        }
        let undecodable = Set(rawValues.keys).union(rawNames.keys).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var session = Session(
            id: id, data: data, expiry: expiry, size: line.count, escapeStyle: parsed.style,
            rawValues: rawValues, undecodableKeys: undecodable)
        session.rawNames = rawNames
        if let typed = object["typed"] {
            guard case .object(let view) = typed else { throw bad("\"typed\" is not an object" + at) }
            session.typedImport = view
        }
        if let blob = object["blob"] {
            guard case .string(let text) = blob, let bytes = Base64.decodeStd(text) else { throw bad("\"blob\" is not a base64 string" + at) }
            guard case .string(let layout)? = object["layout"] else { throw bad("\"blob\" without the \"layout\" that stored it" + at) }
            // A layout sessctl does not know has no store that could read the blob.
            if layout == SessionLayout.kv.name || layout == SessionLayout.file.name {
                // Stored JSON text: written as it is while it still says what `data` says.
                if case (.object(let stored), let style)? = try? JSONParser.parseDocument(bytes), stored == session.data {
                    let (expiry, undecodable) = (session.expiry, session.keysWithUndecodableValues)
                    if undecodable.isEmpty {
                        session = Session(id: id, canonicalJSON: bytes[...], members: stored.count, style: style, expiry: expiry, size: line.count, revision: nil)
                    }
                }
            } else if let layout = SessionLayout(rawValue: layout) {
                var serializer: String?
                switch object["serializer"] {
                case nil, .null?: break
                case .string(let s)? where layout.readSerializers.contains(s): serializer = s
                case _ where layout.readSerializers.isEmpty: break  // a layout of one format: nothing to say
                default:
                    let names = layout.readSerializers.map { "\"\($0)\"" }
                    throw bad("\"serializer\" is not \(names.dropLast().joined(separator: ", ")) or \(names.last!)" + at)
                }
                session.storedBlob = StoredBlob(layout: layout, serializer: serializer, bytes: bytes, location: location)
            }
        }
        if let agent = object["agent"] { session.agent = try parseAgent(agent, id: id) { bad($0 + at) } }
        guard case .string(let layout)? = object["layout"] else { return (session, nil) }
        return (session, SessionLayout(rawValue: layout))
    }
}
