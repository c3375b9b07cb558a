import RedisClient

/// The sessions of trpc-agent-go's Redis session service (`layout=trpc`): each session a group of
/// keys (meta, events, time index, summaries, tracks) plus its user's and app's state hashes, in
/// either of the library's engines. Read as the library's default compatibility mode reads: the
/// legacy engine first, then HashIdx; `engine=` narrows to one.
///
/// A session's `data` is its state as the library merges it: its own keys, `user:<k>` and
/// `app:<k>` (values decoded by `AgentStateValue`); `Session.agent` holds every key's exact bytes.
/// Ids are `APP/USER/SID` (`AgentSessionID`).
public final class AgentStore: SessionStore, RetryReporting, EventTrimming {
    let core: RedisStoreCore
    let keys: AgentKeys
    /// The engines read, in the order the library reads them.
    let engines: [AgentEngine]
    let engineOption: AgentEngine?

    public var layout: SessionLayout { .trpc }
    public var displayName: String { core.displayName }
    public var clock: Clock { core.clock }
    public var capabilities: StoreCapabilities { layout.capabilities }
    public var defaultLifetimeMillis: Int64 { core.options.defaultLifetimeMillis }
    public var retrySummary: String? { core.router.stats.summary }
    public var abilities: StoreAbilities {
        var a = StoreAbilities(shaping: AgentShaping(), counting: self, retries: self, trimming: self)
        a.agentMaintenance = self
        a.watching = self
        return a
    }

    public init(options: RedisStoreOptions, engine: AgentEngine?, displayName: String, clock: Clock = .system) throws(SessionError) {
        core = try RedisStoreCore(options: options, displayName: displayName, clock: clock)
        keys = AgentKeys(prefix: options.prefix)
        engineOption = engine
        engines = engine.map { [$0] } ?? [.legacy, .hashidx]
    }

    public func reopened() throws(SessionError) -> any SessionStore {
        try AgentStore(options: core.options, engine: engineOption, displayName: core.displayName, clock: core.clock)
    }

    public func validate(id: String) throws(SessionError) {
        _ = try AgentSessionID(parsing: id)
    }

    func location(_ key: [UInt8]) -> String { core.location(key) }

    // MARK: Loading

    public func load(_ ids: [String]) throws -> [LoadResult] {
        var results = [LoadResult?](repeating: nil, count: ids.count)
        var wanted: [(Int, AgentSessionID)] = []
        for (i, text) in ids.enumerated() {
            do throws(SessionError) {
                wanted.append((i, try AgentSessionID(parsing: text)))
            } catch {
                results[i] = .broken(error)
            }
        }
        let found = try readParts(wanted.map { $0.1 })
        for ((i, _), result) in zip(wanted, found) {
            switch result {
            case .success(nil): results[i] = .missing
            case .success(let parts?):
                switch session(parts) {
                case .success(let s): results[i] = .found(s)
                case .failure(let e): results[i] = .broken(e)
                }
            case .failure(let e): results[i] = .broken(e)
            }
        }
        return results.map { $0! }
    }

    /// Each session's parts from the first engine that holds it (nil: none does), with its
    /// tracks and app state.
    func readParts(_ ids: [AgentSessionID], engines: [AgentEngine]? = nil) throws(SessionError) -> [Result<AgentSessionParts?, SessionError>] {
        var results = [Result<AgentSessionParts?, SessionError>](repeating: .success(nil), count: ids.count)
        var pending = Array(ids.indices)
        for engine in engines ?? self.engines {
            guard !pending.isEmpty else { break }
            let plans = pending.map { AgentReadPlan.session(engine, keys: keys, id: ids[$0]) }
            let replies = try readPlans(plans)
            let now = clock.nowMillis()
            var next: [Int] = []
            var got: [(Int, AgentSessionParts)] = []
            for (n, i) in pending.enumerated() {
                switch plans[n].parse(replies[n], now: now, location: location) {
                case .failure(let e): results[i] = .failure(e)
                case .success(let stored):
                    var parts = AgentSessionParts(engine: engine, sessionID: ids[i], keys: stored)
                    guard parts.recordBytes != nil else {
                        next.append(i)
                        continue
                    }
                    if engine == .legacy, case .integer(let shared)? = replies[n].last { parts.sessionsSharingTTL = Int(clamping: shared) }
                    got.append((i, parts))
                }
            }
            for (i, parts) in try completing(got) { results[i] = parts }
            pending = next
        }
        return results
    }

    /// Adds each session's tracks (their names are in its parts) and, for HashIdx, its app's
    /// state, which lives on another slot.
    private func completing(_ found: [(Int, AgentSessionParts)]) throws(SessionError) -> [(Int, Result<AgentSessionParts?, SessionError>)] {
        // Tracks share the session's slot; a HashIdx app's state has a slot of its own (`{app}`).
        var plans: [AgentReadPlan] = []
        for (_, parts) in found {
            plans.append(AgentReadPlan.tracks(parts.engine, names: trackNames(parts), keys: keys, id: parts.sessionID))
            var app = AgentReadPlan()
            if parts.engine == .hashidx { app.add(.appstate, keys: keys, id: parts.sessionID) }
            plans.append(app)
        }
        let replies = try readPlans(plans)
        let now = clock.nowMillis()
        var out: [(Int, Result<AgentSessionParts?, SessionError>)] = []
        reading: for (n, (i, parts)) in found.enumerated() {
            var parts = parts
            for m in [2 * n, 2 * n + 1] {
                switch plans[m].parse(replies[m], now: now, location: location) {
                case .failure(let e):
                    out.append((i, .failure(e)))
                    continue reading
                case .success(let more): parts.keys += more
                }
            }
            let orphans = parts.orphanEventIDs
            if !orphans.isEmpty {
                parts.problems.append(
                    "\(orphans.count) event index entr\(orphans.count == 1 ? "y points" : "ies point") at no event (\(orphans.prefix(3).joined(separator: ", ")))")
            }
            out.append((i, .success(parts)))
        }
        return out
    }

    func trackNames(_ parts: AgentSessionParts) -> [String] {
        guard case .set(let names)? = parts.key(parts.engine == .hashidx ? .trknames : .trackidx)?.content else { return [] }
        return names.compactMap { String(validating: $0, as: UTF8.self) }.sorted()
    }

    /// Sends each plan's commands to the node of its first key (all of a plan share one slot).
    func readPlans(_ plans: [AgentReadPlan]) throws(SessionError) -> [ArraySlice<RedisReply>] {
        var out = [ArraySlice<RedisReply>](repeating: [], count: plans.count)
        let nonEmpty = plans.indices.filter { !plans[$0].items.isEmpty }
        guard !nonEmpty.isEmpty else { return out }
        let commands = nonEmpty.map { plans[$0].commands + (plans[$0].items[0].role == .sess ? [RedisStoreCore.command("HLEN", plans[$0].items[0].key)] : []) }
        var next = 0
        let replies = try core.read(nonEmpty.map { plans[$0].items[0].key }) { _ in
            defer { next += 1 }
            return commands[next]
        }
        for (n, i) in nonEmpty.enumerated() { out[i] = replies[n] }
        return out
    }

    /// The session the parts hold: its state decoded and merged as the library merges it.
    func session(_ parts: AgentSessionParts) -> Result<Session, SessionError> {
        let data: JSONObject
        do throws(SessionError) {
            data = try Self.stateData(parts, location: location(keys.anchor(parts.engine, parts.sessionID)))
        } catch {
            return .failure(error)
        }
        var s = Session(
            id: parts.sessionID.text, data: data, expiry: parts.expiry, lastWrite: parts.lastActivityMillis,
            size: parts.byteCount, revision: Revision(Self.revision(parts)))
        s.agent = parts
        return .success(s)
    }

    /// The state as the library merges it: the record's own keys, `user:<k>` and `app:<k>`.
    static func stateData(_ parts: AgentSessionParts, location: String) throws(SessionError) -> JSONObject {
        func bad(_ reason: String) -> SessionError { .corrupt(location: location, reason: reason) }
        guard let record = parts.record else {
            throw bad(
                parts.engine == .hashidx ? "the session meta is not a JSON object" : "the session's field \(SessionError.quote(parts.sessionID.session)) is not a JSON object")
        }
        var data = JSONObject()
        switch record["state"] {
        case nil, .null?: break
        case .object(let state)?:
            for (name, value) in state {
                switch value {
                case .null: data[name] = .null
                case .string(let text):
                    guard let bytes = Base64.decodeStd(text) else { throw bad("state key \(SessionError.quote(name)) is not base64 (StateMap values are []byte)") }
                    data[name] = AgentStateValue.decode(bytes)
                default: throw bad("state key \(SessionError.quote(name)) is a JSON \(value.kindName), not base64 text")
                }
            }
        default: throw bad("\"state\" is not a JSON object")
        }
        for f in parts.stateFields(parts.userStateRole) { data["user:" + HashFieldCodec.lossyText(f.field)] = AgentStateValue.decode(f.value) }
        for f in parts.stateFields(.appstate) { data["app:" + HashFieldCodec.lossyText(f.field)] = AgentStateValue.decode(f.value) }
        return data
    }

    /// What a write compares to refuse overwriting a change the app made: the session's record
    /// and its user's and app's state.
    ///
    /// Laid out as `record 0xfc newest-event 0xff user-state 0xff app-state` (none of those bytes
    /// occurs in JSON or base64 text), so a write compares the parts it depends on (`sameOnSlot`).
    static func revision(_ parts: AgentSessionParts) -> [UInt8] {
        var out = parts.recordBytes ?? []
        out.append(0xfc)
        if case .zset(let m)? = parts.key(parts.engine == .hashidx ? .evtidx : .event)?.content, let last = m.last {
            out += Base64.std(last.member).utf8 + [0xfe] + last.score
        }
        for role in [parts.userStateRole, .appstate] {
            out.append(0xff)
            for f in parts.stateFields(role).sorted(by: { $0.field.lexicographicallyPrecedes($1.field) }) {
                out += Base64.std(f.field).utf8 + [0xfe] + Base64.std(f.value).utf8 + [0xfd]
            }
        }
        return out
    }
}

/// How agent sessions are made and read back: sessctl never creates one (the app does), and
/// state reads back as written.
struct AgentShaping: SessionShaping {
    func newSession(id: String, expiry: Expiry) -> Session { Session(id: id, data: JSONObject(), expiry: expiry) }
    func dataAsStored(_ data: JSONObject) -> JSONObject { data }
    var exportLineReader: ExportLineReader? { nil }
}
