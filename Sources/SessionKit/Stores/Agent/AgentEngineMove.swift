/// A legacy-engine session as trpc-agent-go's HashIdx engine keeps it (for moving sessions off
/// the legacy engine, after which the library can run with `CompatModeNone`): the same state,
/// events (same JSON, same scores), summaries, tracks, user state and expiries, in HashIdx keys.
extension AgentSessionParts {
    public func movedToHashIdx() throws(SessionError) -> AgentSessionParts {
        guard engine == .legacy else { return self }
        let id = sessionID
        func bad(_ reason: String) -> SessionError {
            .invalidArgument("session \(SessionError.quote(id.text)) cannot move to the HashIdx engine: \(reason)")
        }
        guard let record, let sess = key(.sess) else { throw bad("its record is not a JSON object") }
        var out = AgentSessionParts(engine: .hashidx, sessionID: id, keys: [])

        // The meta: Go's field order of the HashIdx struct, values as the legacy record holds them.
        var meta = Array("{\"id\":".utf8)
        meta += GoJSONEncoder.encode(.string(id.session))
        meta += Array(",\"appName\":".utf8) + GoJSONEncoder.encode(.string(id.app))
        meta += Array(",\"userID\":".utf8) + GoJSONEncoder.encode(.string(id.user))
        meta += Array(",\"state\":".utf8) + GoJSONEncoder.encode(record["state"] ?? .object(JSONObject()))
        for name in ["generation", "createdAt", "updatedAt"] {
            guard let value = record[name] else { continue }
            meta += Array(",\"\(name)\":".utf8) + GoJSONEncoder.encode(value)
        }
        meta += [UInt8(ascii: "}")]
        out.keys.append(AgentStoredKey(role: .meta, content: .string(meta), expiry: sess.expiry))

        // Events: the hash by event id, the index by the same scores (Unix seconds of v0.0.1-v0.0.3 become nanoseconds).
        if let events = key(.event), case .zset(let members) = events.content, !members.isEmpty {
            var data: [(field: [UInt8], value: [UInt8])] = [], index: [(member: [UInt8], score: [UInt8])] = []
            var seen = Set<[UInt8]>()
            for m in members {
                guard let object = (try? JSONParser.parse(m.member))?.objectValue, let eventID = object["id"]?.stringValue, !eventID.isEmpty else {
                    throw bad("an event is not JSON with an \"id\"")
                }
                let field = Array(eventID.utf8)
                guard seen.insert(field).inserted else { throw bad("two events share the id \(SessionError.quote(eventID))") }
                data.append((field, m.member))
                index.append((field, Self.nanosecondScore(m.score)))
            }
            out.keys.append(AgentStoredKey(role: .evtdata, content: .hash(data), expiry: events.expiry))
            out.keys.append(AgentStoredKey(role: .evtidx, content: .zset(index), expiry: events.expiry))
        }
        if let sum = key(.lsesssum), case .hash(let f) = sum.content, let value = f.first?.value {
            out.keys.append(AgentStoredKey(role: .sesssum, content: .string(value), expiry: sum.expiry))
        }
        // Tracks: a hash of numbered events with its `_seq` counter, an index of the numbers, the names.
        var names: [[UInt8]] = []
        for t in keys where t.role == .track {
            guard let name = t.track, case .zset(let members) = t.content else { continue }
            var data: [(field: [UInt8], value: [UInt8])] = [(Array("_seq".utf8), Array(String(members.count).utf8))]
            var index: [(member: [UInt8], score: [UInt8])] = []
            for (n, m) in members.enumerated() {
                let seq = Array(String(n + 1).utf8)
                data.append((seq, m.member))
                index.append((seq, Self.nanosecondScore(m.score)))
            }
            out.keys.append(AgentStoredKey(role: .trkdata, track: name, content: .hash(data), expiry: t.expiry))
            out.keys.append(AgentStoredKey(role: .trkidx, track: name, content: .zset(index), expiry: t.expiry))
            names.append(Array(name.utf8))
        }
        if let trackNames = key(.trackidx) {
            out.keys.append(AgentStoredKey(role: .trknames, content: .set(names), expiry: trackNames.expiry))
        }
        if let user = key(.luserstate) { out.keys.append(AgentStoredKey(role: .userstate, content: user.content, expiry: user.expiry)) }
        if let app = key(.appstate) { out.keys.append(app) }
        return out
    }

    /// A time-index score in Unix nanoseconds: a legacy score below 10^12 is in seconds.
    static func nanosecondScore(_ score: [UInt8]) -> [UInt8] {
        guard let d = Double(String(decoding: score, as: UTF8.self)), d.isFinite, abs(d) < 1e12 else { return score }
        return Array("\(d * 1e9)".utf8)
    }

    /// How the conversation (events, summaries, tracks) of `other` differs from this one's, in
    /// one line; nil when the library reads the same from both (events: ids, JSON and scores in
    /// order; summaries and tracks as JSON).
    public func conversationDifference(from other: AgentSessionParts) -> String? {
        let (a, b) = (events, other.events)
        guard a.count == b.count else { return "\(b.count) events instead of \(a.count)" }
        for (x, y) in zip(a, b) {
            guard x.id == y.id, x.json == y.json else { return "event \(SessionError.quote(x.id)) differs" }
            guard let sx = Double(String(decoding: x.score, as: UTF8.self)), let sy = Double(String(decoding: y.score, as: UTF8.self)),
                sx == sy || Double(String(decoding: Self.nanosecondScore(x.score), as: UTF8.self)) == sy
            else { return "event \(SessionError.quote(x.id)) has another time" }
        }
        if summaries != other.summaries { return "the summaries differ" }
        let (ta, tb) = (tracks, other.tracks)
        guard ta.count == tb.count, zip(ta, tb).allSatisfy({ $0.name == $1.name && $0.events == $1.events }) else { return "the tracks differ" }
        return nil
    }
}
