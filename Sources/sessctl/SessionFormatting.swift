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
        if left < 0 { return "expired \(Durations.format(millis: -left)) ago" }
        return Durations.format(millis: left)
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
            o["ttl_seconds"] = .number(String(secondsLeft(t - now)))
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
        return .object(o)
    }

    /// Whole seconds left, rounded up like Redis' TTL while positive; 0 once expired.
    static func secondsLeft(_ ms: Int64) -> Int64 {
        ms <= 0 ? 0 : (ms + 999) / 1000
    }

    /// The JSON for a value in compact Go form (for scripts) or indented (for people).
    static func render(_ value: JSONValue, pretty: Bool) -> String {
        pretty ? JSONPrettyPrinter.format(value, color: Terminal.color)
               : String(decoding: GoJSONEncoder.encode(value), as: UTF8.self)
    }
}
