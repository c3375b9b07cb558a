/// The `agent` member of an export line: every key of a trpc-agent-go session, byte for byte,
/// with its expiry (see `SessionNDJSON`).
extension SessionNDJSON {
    /// Appends `{"engine":...,"keys":[...]}`, members in byte order as Go writes them.
    static func appendAgent(_ parts: AgentSessionParts, to out: inout [UInt8]) {
        ByteWriter.append("{\"engine\":", to: &out)
        GoJSONEncoder.append(string: parts.engine.rawValue, to: &out)
        ByteWriter.append(",\"keys\":[", to: &out)
        for (n, key) in parts.keys.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            ByteWriter.append("{\"expires_at\":", to: &out)
            appendExpiry(key.expiry, to: &out)
            func b64(_ bytes: [UInt8]) { GoJSONEncoder.append(string: Base64.std(bytes), to: &out) }
            /// `name` (`,"fields":[`), then `[b64, b64 or text], ...]`.
            func pairs(_ name: StaticString, _ items: [([UInt8], [UInt8])], secondAsText: Bool) {
                ByteWriter.append(name, to: &out)
                for (i, (a, b)) in items.enumerated() {
                    ByteWriter.append(i == 0 ? "[" : ",[", to: &out)
                    b64(a)
                    out.append(UInt8(ascii: ","))
                    if secondAsText { GoJSONEncoder.append(string: String(decoding: b, as: UTF8.self), to: &out) } else { b64(b) }
                    out.append(UInt8(ascii: "]"))
                }
                out.append(UInt8(ascii: "]"))
            }
            switch key.content {
            case .string: break  // "value" comes last
            case .hash(let fields): pairs(",\"fields\":[", fields.map { ($0.field, $0.value) }, secondAsText: false)
            case .zset(let members): pairs(",\"members\":[", members.map { ($0.member, $0.score) }, secondAsText: true)
            case .set(let members):
                ByteWriter.append(",\"members\":[", to: &out)
                for (i, m) in members.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    b64(m)
                }
                out.append(UInt8(ascii: "]"))
            }
            ByteWriter.append(",\"role\":", to: &out)
            GoJSONEncoder.append(string: key.role.rawValue, to: &out)
            if let track = key.track {
                ByteWriter.append(",\"track\":", to: &out)
                GoJSONEncoder.append(string: track, to: &out)
            }
            ByteWriter.append(",\"type\":", to: &out)
            GoJSONEncoder.append(string: key.content.typeName, to: &out)
            if case .string(let bytes) = key.content {
                ByteWriter.append(",\"value\":", to: &out)
                b64(bytes)
            }
            out.append(UInt8(ascii: "}"))
        }
        ByteWriter.append("]}", to: &out)
    }

    /// The parts an `agent` member holds for the session `id`; `bad` makes the line's error.
    static func parseAgent(_ value: JSONValue, id: String, bad: (String) -> SessionError) throws(SessionError) -> AgentSessionParts {
        let sessionID: AgentSessionID
        do {
            sessionID = try AgentSessionID(parsing: id)
        } catch {
            let reason: String
            if case .invalidID(_, let r) = error { reason = r } else { reason = error.description }
            throw bad("\"agent\" with an \"id\" that is not an agent session id: \(reason)")
        }
        guard case .object(let agent) = value else { throw bad("\"agent\" is not an object") }
        guard let engine = agent["engine"]?.stringValue.flatMap(AgentEngine.init(rawValue:)) else { throw bad("\"agent\" has no \"engine\" (hashidx or legacy)") }
        guard case .array(let items)? = agent["keys"] else { throw bad("\"agent\" has no \"keys\" array") }
        var keys: [AgentStoredKey] = []
        var seen = Set<String>()
        for (n, item) in items.enumerated() {
            func badKey(_ reason: String) -> SessionError { bad("\"agent\" key \(n + 1): \(reason)") }
            guard case .object(let o) = item else { throw badKey("not an object") }
            guard let role = o["role"]?.stringValue.flatMap(AgentKeyRole.init(rawValue:)) else {
                throw badKey("no \"role\" (one of \(AgentKeyRole.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard role.engine == engine || role == .appstate else { throw badKey("role \(role.rawValue) is not a key of the \(engine.rawValue) engine") }
            guard o["type"]?.stringValue == role.redisType else { throw badKey("role \(role.rawValue) is a Redis \(role.redisType), \"type\" must say so") }
            var track: String?
            switch o["track"] {
            case nil, .null?: guard !role.isTrack else { throw badKey("a \(role.rawValue) key needs its \"track\"") }
            case .string(let name)?:
                guard role.isTrack, !name.isEmpty else { throw badKey("\"track\" is only for a track's keys, and not empty") }
                track = name
            default: throw badKey("\"track\" is not a string")
            }
            guard seen.insert(role.rawValue + "\u{0}" + (track ?? "")).inserted else { throw badKey("a second \(role.rawValue) key\(track.map { " of track \($0)" } ?? "")") }
            let expiry = try Self.expiry(o["expires_at"], badKey)
            func bytes(_ v: JSONValue?, _ what: String) throws(SessionError) -> [UInt8] {
                guard let text = v?.stringValue, let b = Base64.decodeStd(text) else { throw badKey("\(what) is not a base64 string") }
                return b
            }
            func pairs(_ name: String) throws(SessionError) -> [(JSONValue, JSONValue)] {
                guard case .array(let list)? = o[name] else { throw badKey("no \"\(name)\" array") }
                var out: [(JSONValue, JSONValue)] = []
                for entry in list {
                    guard case .array(let pair) = entry, pair.count == 2 else { throw badKey("\"\(name)\" holds something other than [a, b] pairs") }
                    out.append((pair[0], pair[1]))
                }
                return out
            }
            let content: AgentStoredKey.Content
            switch role.redisType {
            case "string": content = .string(try bytes(o["value"], "\"value\""))
            case "hash":
                var fields: [(field: [UInt8], value: [UInt8])] = []
                for (f, v) in try pairs("fields") { fields.append((try bytes(f, "a field name"), try bytes(v, "a field value"))) }
                if role.isSessionField, fields.count != 1 || fields[0].field != Array(sessionID.session.utf8) {
                    throw badKey("a \(role.rawValue) key holds one field, named by the session id")
                }
                content = .hash(fields)
            case "zset":
                var members: [(member: [UInt8], score: [UInt8])] = []
                for (m, s) in try pairs("members") {
                    guard let score = s.stringValue, let d = Double(score), !d.isNaN else { throw badKey("a score is not a number as text") }
                    members.append((try bytes(m, "a member"), Array(score.utf8)))
                }
                content = .zset(members)
            default:
                guard case .array(let list)? = o["members"] else { throw badKey("no \"members\" array") }
                var members: [[UInt8]] = []
                for m in list { members.append(try bytes(m, "a member")) }
                content = .set(members)
            }
            keys.append(AgentStoredKey(role: role, track: track, content: content, expiry: expiry))
        }
        return AgentSessionParts(engine: engine, sessionID: sessionID, keys: keys)
    }
}

extension AgentStoredKey.Content {
    /// The Redis type holding the content, as an export line names it.
    fileprivate var typeName: String {
        switch self {
        case .string: return "string"
        case .hash: return "hash"
        case .zset: return "zset"
        case .set: return "set"
        }
    }
}
