import RedisClient

/// One session to trim: as loaded (its `agent` parts and revision), and the rules.
public struct AgentTrimPlan: Sendable {
    public var session: Session
    public var rules: AgentTrimRules

    public init(session: Session, rules: AgentTrimRules) {
        self.session = session
        self.rules = rules
    }
}

/// What became of one session's trim.
public enum AgentTrimResult: Sendable {
    /// The decision was carried out (nothing was written when it deletes nothing). `rereads`:
    /// how often the session was found changed by the app and read again before it.
    case trimmed(AgentTrimDecision, rereads: Int)
    /// The session is gone.
    case vanished
    /// The session changed meanwhile and no longer qualifies (see `trim`'s `stillQualifies`).
    case spared
    case failed(SessionError)
}

/// Trimming events: every event the rules delete (see `AgentTrim`) goes at once, from the event
/// hash and the time index (HashIdx: HDEL evtdata + ZREM evtidx; legacy: ZREM of the JSON member
/// from the event zset), under WATCH/MULTI/EXEC on the session's slot. HDEL and ZREM keep each
/// key's TTL; a key left empty disappears, as Redis does. Tracks, summaries and the record stay.
extension AgentStore {
    /// Trims each planned session. The decision is made on the events as loaded, and carried out
    /// only while the session is still as loaded (its record, user state, time index and event
    /// count, read under WATCH): one the app changed meanwhile (an event appended) is read again,
    /// checked with `stillQualifies` and decided again, so no event newer than the decision saw is
    /// ever deleted.
    public func trim(
        _ plans: [AgentTrimPlan], recorder: (any ChangeRecorder)? = nil, stillQualifies: (Session) -> Bool = { _ in true }
    ) throws -> [AgentTrimResult] {
        try checkWritable()
        var results = [AgentTrimResult?](repeating: nil, count: plans.count)
        var rereads = [Int](repeating: 0, count: plans.count)
        var pending: [(Int, Session)] = []
        for (i, plan) in plans.enumerated() {
            if plan.session.agent == nil {
                results[i] = .failed(.invalidArgument("session \(SessionError.quote(plan.session.id)) is not a trpc-agent-go session"))
            } else {
                pending.append((i, plan.session))
            }
        }
        while !pending.isEmpty {
            // Decided on the sessions as read; carried out only while each is still so.
            let decisions = pending.map { i, s in AgentTrim.decide(s.agent!.events, plans[i].rules) }
            try recorder?.willChange(zip(pending, decisions).compactMap { $1.deleted.isEmpty ? nil : $0.1 })
            let round = try trimRound(zip(pending, decisions).map { ($0.1, $1) })
            var stale: [Int] = []
            var trimmed: [String] = []
            for ((i, s), r) in zip(pending, round) {
                switch r {
                case .stale: stale.append(i)
                case .done(let d):
                    results[i] = .trimmed(d, rereads: rereads[i])
                    if !d.deleted.isEmpty { trimmed.append(s.id) }
                case .failed(let e): results[i] = .failed(e)
                }
            }
            if let recorder, !trimmed.isEmpty {
                let digests = try revisionDigests(trimmed)
                try recorder.didChange(zip(trimmed, digests).map { TrashChange(id: $0, kind: .replaced, after: $1) })
            }
            pending = []
            let again = stale.filter { i in
                guard rereads[i] < BulkDeletion.attempts else {
                    results[i] = .failed(.conflict(store: displayName, id: plans[i].session.id))
                    return false
                }
                rereads[i] += 1
                return true
            }
            for (i, loaded) in zip(again, try load(again.map { plans[$0].session.id })) {
                switch loaded {
                case .found(let s) where s.agent != nil && stillQualifies(s): pending.append((i, s))
                case .found: results[i] = .spared
                case .missing: results[i] = .vanished
                case .broken(let e): results[i] = .failed(e)
                }
            }
        }
        return results.map { $0! }
    }

    private enum TrimTry {
        case done(AgentTrimDecision)
        /// The session is no longer as loaded.
        case stale
        case failed(SessionError)
    }

    /// One try at every item.
    private func trimRound(_ items: [(Session, AgentTrimDecision)]) throws(SessionError) -> [TrimTry] {
        let parts = items.map { $0.0.agent! }
        let txKeys = parts.map { transactionKey($0.engine, $0.sessionID) }
        var planOf: [[UInt8]: Int] = [:]
        for (n, k) in txKeys.enumerated() { planOf[k] = n }
        let results = try core.transact(
            ids: items.map { $0.0.id }, keys: txKeys,
            read: { key in
                let p = parts[planOf[key]!]
                return self.trimReads(p.engine, p.sessionID, except: key)
            },
            decide: { (n: Int, replies: ArraySlice<RedisReply>) -> RedisStoreCore.Step<TrimTry> in
                let loaded = parts[n]
                switch self.unchanged(loaded, revision: items[n].0.revision, replies: replies) {
                case .failure(let e): return .done(.success(.failed(e)))
                case .success(false): return .done(.success(.stale))
                case .success(true): break
                }
                let decision = items[n].1
                let commands = self.trimCommands(loaded, decision.deleted)
                if commands.isEmpty { return .done(.success(.done(decision))) }
                return .write(
                    commands,
                    finish: { out in .success(self.core.firstError(out, key: txKeys[n]).map { .failed($0) } ?? .done(decision)) },
                    applied: { replies in
                        // After an unknown outcome: applied when none of the deleted events is indexed.
                        guard case .success(let members) = self.indexMembers(loaded, replies) else { return nil }
                        let gone = Set(self.trimMembers(loaded, decision.deleted))
                        return members.contains { gone.contains($0) } ? nil : .success(.done(decision))
                    })
            })
        return results.map { r in
            switch r {
            case .success(let t): return t
            case .failure(.conflict): return .stale  // kept changing within the round: read again
            case .failure(let e): return .failed(e)
            }
        }
    }

    /// What a trim reads under WATCH: what a state edit compares (record, user state, legacy app
    /// state), the time index (legacy: the event zset), and (HashIdx) the number of stored events.
    func trimPlan(_ engine: AgentEngine, _ id: AgentSessionID) -> AgentReadPlan {
        var plan = editPlan(engine, id)
        plan.add(engine == .hashidx ? .evtidx : .event, keys: keys, id: id)
        return plan
    }

    private func trimReads(_ engine: AgentEngine, _ id: AgentSessionID, except key: [UInt8]) -> [[[UInt8]]] {
        let plan = trimPlan(engine, id)
        var watched = Set(plan.items.map(\.key))
        if engine == .hashidx { watched.insert(keys.key(.evtdata, id)) }
        watched.remove(key)
        var reads = [RedisStoreCore.command("WATCH") + watched.sorted { $0.lexicographicallyPrecedes($1) }] + plan.commands
        if engine == .hashidx { reads.append(RedisStoreCore.command("HLEN", keys.key(.evtdata, id))) }
        return reads
    }

    /// The keys a trim read under WATCH (after the WATCH itself).
    private func trimRead(_ loaded: AgentSessionParts, _ replies: ArraySlice<RedisReply>) -> Result<[AgentStoredKey], SessionError> {
        let plan = trimPlan(loaded.engine, loaded.sessionID)
        return plan.parse(replies.dropFirst(1).prefix(2 * plan.items.count), now: clock.nowMillis(), location: location)
    }

    /// The members of the time index (legacy: the event zset) as read under WATCH.
    private func indexMembers(_ loaded: AgentSessionParts, _ replies: ArraySlice<RedisReply>) -> Result<[[UInt8]], SessionError> {
        trimRead(loaded, replies).map { read in
            let role: AgentKeyRole = loaded.engine == .hashidx ? .evtidx : .event
            guard case .zset(let m)? = read.first(where: { $0.role == role })?.content else { return [] }
            return m.map(\.member)
        }
    }

    /// Whether the session, read under WATCH, is still as `loaded` holds it: its record and state
    /// on the slot (the revision), its time index and its event count.
    private func unchanged(_ loaded: AgentSessionParts, revision: Revision?, replies: ArraySlice<RedisReply>) -> Result<Bool, SessionError> {
        let read: [AgentStoredKey]
        switch trimRead(loaded, replies) {
        case .failure(let e): return .failure(e)
        case .success(let r): read = r
        }
        let current = AgentSessionParts(engine: loaded.engine, sessionID: loaded.sessionID, keys: read)
        guard current.recordBytes != nil else { return .success(false) }
        if let revision, !Self.sameOnSlot(Self.revision(current), revision.bytes) { return .success(false) }
        let index: AgentKeyRole = loaded.engine == .hashidx ? .evtidx : .event
        guard current.key(index)?.content == loaded.key(index)?.content else { return .success(false) }
        if loaded.engine == .hashidx {
            var stored = 0
            if case .hash(let f)? = loaded.key(.evtdata)?.content { stored = f.count }
            guard case .integer(let n)? = replies.last, n == stored else { return .success(false) }
        }
        return .success(true)
    }

    /// The exact members (HashIdx: event ids; legacy: event JSON) of `events` in the time index.
    private func trimMembers(_ parts: AgentSessionParts, _ events: [AgentEvent]) -> [[UInt8]] {
        guard parts.engine == .hashidx else { return events.map(\.json) }
        // An event's id is the index member as text; a member that is not UTF-8 is found by it.
        var byText: [String: [UInt8]] = [:]
        if case .zset(let index)? = parts.key(.evtidx)?.content {
            for m in index where !m.member.allSatisfy({ $0 < 0x80 }) { byText[HashFieldCodec.lossyText(m.member)] = m.member }
        }
        return events.map { byText[$0.id] ?? Array($0.id.utf8) }
    }

    /// HDEL and ZREM of `events` (legacy: ZREM of their JSON).
    private func trimCommands(_ parts: AgentSessionParts, _ events: [AgentEvent]) -> [[[UInt8]]] {
        guard !events.isEmpty else { return [] }
        let members = trimMembers(parts, events)
        let id = parts.sessionID
        if parts.engine == .legacy { return [RedisStoreCore.command("ZREM", keys.key(.event, id)) + members] }
        return [RedisStoreCore.command("HDEL", keys.key(.evtdata, id)) + members, RedisStoreCore.command("ZREM", keys.key(.evtidx, id)) + members]
    }
}
