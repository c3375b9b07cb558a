import Foundation
import RedisClient

/// A trpc-agent-go session written key by key as the library lays it out, for trim tests: a
/// record, and events (event JSON with `requestID`, `id`, `timestamp`; the time index scored in
/// UnixNano) in either engine, every key with a TTL.
public struct AgentEventSession {
    public enum Engine: String, CaseIterable { case hashidx, legacy }

    public struct Event {
        public var id: String
        /// nil: no `requestID` field at all.
        public var requestID: String?
        public var unixNano: Int64

        public init(id: String, requestID: String?, unixNano: Int64) {
            self.id = id
            self.requestID = requestID
            self.unixNano = unixNano
        }

        public var json: String {
            let seconds = unixNano / 1_000_000_000, nanos = unixNano % 1_000_000_000
            let time = Self.rfc3339(seconds: seconds, nanos: nanos)
            let rid = requestID.map { #""requestID":"\#($0)","# } ?? ""
            return
                #"{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"m"}}],"done":true,\#(rid)"author":"assistant","id":"\#(id)","timestamp":"\#(time)"}"#
        }

        static func rfc3339(seconds: Int64, nanos: Int64) -> String {
            // Civil date from days since the epoch (Howard Hinnant's algorithm).
            let days = seconds / 86_400, rest = seconds % 86_400
            let z = days + 719_468, era = z / 146_097, doe = z - era * 146_097
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153
            let d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2 ? 1 : 0)
            func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
            var frac = String(nanos)
            frac = String(repeating: "0", count: 9 - frac.count) + frac
            return "\(y)-\(two(m))-\(two(d))T\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60)).\(frac)Z"
        }
    }

    public var engine: Engine
    public var app: String
    public var user: String
    public var session: String
    public var events: [Event]
    /// The record's `state` (a JSON object of base64 values, as the library stores them).
    public var state = "{}"
    /// The TTL of every key of the session, in milliseconds.
    public var ttlMillis: Int64 = 3_600_000

    public init(engine: Engine, app: String = "chat", user: String = "u1", session: String, events: [Event]) {
        self.engine = engine
        self.app = app
        self.user = user
        self.session = session
        self.events = events
    }

    /// Events with these request ids (nil: none), one second apart from `start`, ids `e0`, `e1`…
    public static func events(_ requestIDs: [String?], start: Int64 = 1_773_972_000_000_000_000, idPrefix: String = "e") -> [Event] {
        requestIDs.enumerated().map { i, r in Event(id: "\(idPrefix)\(i)", requestID: r, unixNano: start + Int64(i) * 1_000_000_000) }
    }

    /// scripts/agent-sessions.lua: writes many HashIdx sessions server-side (see its header).
    public static let generator: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("scripts/agent-sessions.lua"), encoding: .utf8)) ?? ""
    }()

    /// The sessctl id: `APP/USER/SID`.
    public var id: String { "\(app)/\(user)/\(session)" }

    public var metaKey: String { engine == .hashidx ? "hashidx:meta:\(app):{\(user)}:\(session)" : "sess:{\(app)}:\(user)" }
    public var dataKey: String { "hashidx:evtdata:\(app):{\(user)}:\(session)" }
    public var indexKey: String { engine == .hashidx ? "hashidx:evtidx:time:\(app):{\(user)}:\(session)" : "event:{\(app)}:\(user):\(session)" }

    /// The commands that write the session.
    public var commands: [[String]] {
        let created = Event.rfc3339(seconds: 1_773_900_000, nanos: 0)
        let ttl = String(ttlMillis)
        switch engine {
        case .hashidx:
            let meta = #"{"id":"\#(session)","appName":"\#(app)","userID":"\#(user)","state":\#(state),"createdAt":"\#(created)","updatedAt":"\#(created)"}"#
            var out = [["SET", metaKey, meta, "PX", ttl]]
            if !events.isEmpty {
                out.append(["HSET", dataKey] + events.flatMap { [$0.id, $0.json] })
                out.append(["ZADD", indexKey] + events.flatMap { [String($0.unixNano), $0.id] })
                out += [["PEXPIRE", dataKey, ttl], ["PEXPIRE", indexKey, ttl]]
            }
            return out
        case .legacy:
            let record = #"{"id":"\#(session)","state":\#(state),"createdAt":"\#(created)","updatedAt":"\#(created)"}"#
            var out = [["HSET", metaKey, session, record], ["PEXPIRE", metaKey, ttl]]
            if !events.isEmpty {
                out.append(["ZADD", indexKey] + events.flatMap { [String($0.unixNano), $0.json] })
                out.append(["PEXPIRE", indexKey, ttl])
            }
            return out
        }
    }

    /// Writes the session.
    public func write(_ c: RedisConnection) throws {
        for command in commands { _ = try c.command(command.map { Array($0.utf8) }) }
    }

    /// The command that appends one more event, as `AppendEvent` does.
    public func append(_ e: Event) -> [[String]] {
        engine == .hashidx
            ? [["HSET", dataKey, e.id, e.json], ["ZADD", indexKey, String(e.unixNano), e.id]]
            : [["ZADD", indexKey, String(e.unixNano), e.json]]
    }

    /// The event ids stored: (the time index's, the event hash's); legacy: the ids inside the zset's JSON, twice.
    public func storedIDs(_ c: RedisConnection) throws -> (index: [String], data: Set<String>) {
        let members = try c.command(["ZRANGE", indexKey, "0", "-1"].map { Array($0.utf8) }).array ?? []
        switch engine {
        case .hashidx:
            let index = members.compactMap(\.string)
            let data = try c.command(["HKEYS", dataKey].map { Array($0.utf8) }).array ?? []
            return (index, Set(data.compactMap(\.string)))
        case .legacy:
            let ids = members.compactMap { m -> String? in
                guard let text = m.string, let r = text.range(of: #""id":""#) else { return nil }
                return String(text[r.upperBound...].prefix { $0 != "\"" })
            }
            return (ids, Set(ids))
        }
    }

    /// The ids of the events that keeping the newest `n` turns keeps: every event of the turns
    /// whose newest event is among the `n` newest turns' (by time), and every event without a
    /// request id; in time order.
    public func keptByTurns(_ n: Int) -> [String] {
        var newest: [String: Int64] = [:]
        for e in events { if let r = e.requestID, !r.isEmpty { newest[r] = max(newest[r] ?? .min, e.unixNano) } }
        let kept = Set(newest.sorted { $0.value > $1.value }.prefix(n).map(\.key))
        return events.sorted { $0.unixNano < $1.unixNano }.filter { e in
            guard let r = e.requestID, !r.isEmpty else { return true }
            return kept.contains(r)
        }.map(\.id)
    }

    /// Sessions of one engine where the library's `TrimConversations` leaves parts of turns
    /// behind (docs/reference/other-stores.md §4.7), each with the number of turns to keep:
    /// interleaved request ids, a turn of 150 events, turns straddling the 100th event from the
    /// newest, events without a request id. User `u-<engine>`.
    public static func upstreamBugCases(_ engine: Engine) -> [(session: AgentEventSession, keep: Int)] {
        var out: [(AgentEventSession, Int)] = []
        func make(_ session: String, _ events: [AgentEventSession.Event]) -> AgentEventSession {
            AgentEventSession(engine: engine, user: "u-\(engine)", session: session, events: events)
        }
        // (1) Interleaved request ids.
        out.append((make("interleaved", events(["r1", "r2", "r1", "r2", "r3", "r1"])), 1))
        // (2) A turn of 150 events between two small ones.
        let big = Array(repeating: "r0", count: 5) + Array(repeating: "big", count: 150) + Array(repeating: "r2", count: 3)
        out.append((make("big-turn", events(big)), 2))
        out.append((make("big-turn-1", events(big)), 1))
        // (3) Turns of 7 events straddling the 100th event from the newest, interleaved there.
        var straddle: [String] = []
        for t in 0..<30 { straddle += Array(repeating: "t\(t)", count: 7) }
        straddle.swapAt(105, 112)
        straddle.swapAt(95, 103)
        for keep in [2, 14, 15, 16] { out.append((make("straddle-\(keep)", events(straddle)), keep)) }
        // (4) Events without a request id (absent and empty) among the turns.
        let loose: [String?] = [nil, "a", "", "b", "a", nil, "c", "", "c"]
        out.append((make("loose", events(loose)), 1))
        return out
    }
}
