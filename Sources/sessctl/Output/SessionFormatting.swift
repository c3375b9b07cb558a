import SessionKit

/// How sessions and their lifetimes are written for people and for scripts.
enum SessionFormatting {
    static func size(_ bytes: Int) -> String {
        if bytes < 10_000 { return "\(bytes)" }
        let units = ["K", "M", "G"]
        var v = Double(bytes) / 1024
        var u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        let tenths = Int((v * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)\(units[u])"
    }

    /// `23h59m`, `no expiry`, `expired 2d3h ago`, `?` when unknown.
    static func lifetime(_ expiry: Expiry?, now: Int64) -> String {
        guard let expiry else { return "?" }
        guard let left = expiry.remaining(now: now) else { return "no expiry" }
        if left < 0 { return "expired \(Durations.format(millis: Int64(0).subtractingClamped(left))) ago" }
        return Durations.format(millis: left)
    }

    /// `expired 2d3h ago` for an expiry already past, else nil: the note a command gives.
    static func expiredAgo(_ expiry: Expiry, now: Int64) -> String? {
        guard let left = expiry.remaining(now: now), left < 0 else { return nil }
        return lifetime(expiry, now: now)
    }

    /// One session's metadata as a JSON object, for `-o json` and `-o ndjson`.
    static func json(_ info: SessionInfo, now: Int64) -> JSONValue {
        var o = JSONObject()
        o["id"] = .string(info.id)
        o["size"] = .number(String(info.size))
        o["keys"] = info.keyCount.map { .number(String($0)) } ?? .null
        switch info.expiry {
        case .at(let t)?:
            o["expires_at"] = .string(Durations.rfc3339(millis: t))
            o["ttl_seconds"] = .number(String(secondsLeft(t.subtractingClamped(now))))
            o["expired"] = .bool(t < now)
        case .never?:
            o["expires_at"] = .null
            o["ttl_seconds"] = .number("-1")
            o["expired"] = .bool(false)
        case nil:
            o["expires_at"] = .null
            o["ttl_seconds"] = .null
            o["expired"] = .null
        }
        o["last_write"] = info.lastWrite.map { .string(Durations.rfc3339(millis: $0)) } ?? .null
        o["problem"] = info.problem.map { .string($0) } ?? .null
        if let deadline = info.deadline { o["deadline"] = .string(Durations.rfc3339(millis: deadline)) }
        if let agent = info.agent {
            o["app"] = .string(agent.sessionID.app)
            o["user"] = .string(agent.sessionID.user)
            o["session"] = .string(agent.sessionID.session)
            o["engine"] = .string(agent.engine.rawValue)
            o["events"] = .number(String(agent.eventCount))
            o["state_keys"] = .number(String(agent.stateKeys))
            o["last_activity"] = agent.lastActivity.map { .string(Durations.rfc3339(millis: $0)) } ?? .null
        }
        return .object(o)
    }

    /// Appends `json(info, now:)` as one compact line of Go JSON, byte for byte what rendering
    /// that value gives, without building it: a listing writes one per session. With
    /// `deadline` (a store whose sessions have one) the line has a `deadline` member, null
    /// when the session has none.
    static func appendJSONLine(_ info: SessionInfo, now: Int64, deadline: Bool = false, to out: inout [UInt8]) {
        if info.agent != nil {
            // Agent sessions carry more members; their listing reads far more than this costs.
            out += GoJSONEncoder.encode(json(info, now: now))
            out.append(0x0a)
            return
        }
        func raw(_ text: StaticString) { ByteWriter.append(text, to: &out) }
        func number(_ n: Int64) { ByteWriter.appendDecimal(n, to: &out) }
        func instant(_ ms: Int64) {
            out.append(UInt8(ascii: "\""))
            Durations.appendRFC3339(millis: ms, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        // Keys in Go's (byte) order, as JSONObject keeps them.
        if deadline {
            raw("{\"deadline\":")
            if let d = info.deadline { instant(d) } else { raw("null") }
            raw(",\"expired\":")
        } else {
            raw("{\"expired\":")
        }
        switch info.expiry {
        case .at(let t)?: t < now ? raw("true") : raw("false")
        case .never?: raw("false")
        case nil: raw("null")
        }
        raw(",\"expires_at\":")
        if case .at(let t)? = info.expiry { instant(t) } else { raw("null") }
        raw(",\"id\":")
        GoJSONEncoder.append(string: info.id, to: &out)
        raw(",\"keys\":")
        if let k = info.keyCount { number(Int64(k)) } else { raw("null") }
        raw(",\"last_write\":")
        if let w = info.lastWrite { instant(w) } else { raw("null") }
        raw(",\"problem\":")
        if let p = info.problem { GoJSONEncoder.append(string: p, to: &out) } else { raw("null") }
        raw(",\"size\":")
        number(Int64(info.size))
        raw(",\"ttl_seconds\":")
        switch info.expiry {
        case .at(let t)?: number(secondsLeft(t.subtractingClamped(now)))
        case .never?: raw("-1")
        case nil: raw("null")
        }
        raw("}\n")
    }

    /// Whole seconds left, rounded up like Redis' TTL while positive; 0 once expired.
    static func secondsLeft(_ ms: Int64) -> Int64 {
        ms <= 0 ? 0 : ms / 1000 + (ms % 1000 == 0 ? 0 : 1)
    }

    /// The JSON for a value in compact Go form (for scripts) or indented (for people).
    static func render(_ value: JSONValue, pretty: Bool) -> String {
        pretty
            ? JSONPrettyPrinter.format(value, color: Terminal.color)
            : String(decoding: GoJSONEncoder.encode(value), as: UTF8.self)
    }
}
