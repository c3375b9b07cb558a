import RedisClient

/// Writes to agent sessions, each as the library itself would make it and each under
/// WATCH/MULTI/EXEC on the session's slot, so a change the app makes between read and write is
/// never overwritten (the write is read and decided again, or refused as a conflict):
/// - a state edit (`set`, `del --key`, `edit`) changes what `UpdateSessionState` and the user/app
///   state updates change: the record's `state` (base64 bytes, nulls kept) with `updatedAt` set to
///   now in UTC, fields of the user's and the app's state hash. Every key keeps its remaining TTL
///   (PTTL and PEXPIRE: the library supports Redis 4, which has no KEEPTTL).
/// - a restore (import, migrate) writes every key the session's parts carry, byte for byte, with
///   its expiry; fields of shared hashes are merged.
/// - a delete removes every key of the session as `DeleteSession` does, in every engine holding it.
/// HashIdx keeps the app's state on another slot (`{app}`): its fields are written in a second
/// transaction of their own.
extension AgentStore {
    // MARK: Save

    public func save(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] {
        var results = [Result<Void, SessionError>?](repeating: nil, count: writes.count)
        var edits: [(Int, AgentSessionID, AgentSessionParts)] = []
        var restores: [(Int, AgentSessionID, AgentSessionParts)] = []
        for (i, write) in writes.enumerated() {
            do throws(SessionError) {
                let id = try AgentSessionID(parsing: write.session.id)
                try checkWritable()
                guard var parts = write.session.agent else {
                    throw SessionError.unsupported(
                        store: displayName, reason: "sessctl does not create trpc-agent-go sessions (the app does); import one exported from a store of layout=trpc")
                }
                guard parts.sessionID == id else {
                    throw SessionError.invalidArgument(
                        "session \(SessionError.quote(write.session.id)) carries the keys of \(SessionError.quote(parts.sessionID.text)): an agent session cannot be renamed")
                }
                if write.mode == .update {
                    edits.append((i, id, parts))
                    continue
                }
                if !engines.contains(parts.engine) {
                    // Moving off the legacy engine: a store of engine=hashidx writes its keys.
                    guard parts.engine == .legacy else {
                        throw SessionError.unsupported(store: displayName, reason: "sessctl moves agent sessions from the legacy engine to HashIdx, not back")
                    }
                    parts = try parts.movedToHashIdx()
                }
                restores.append((i, id, parts))
            } catch {
                results[i] = .failure(error)
            }
        }
        for ((i, _, _), r) in zip(edits, try edit(edits.map { (writes[$0.0], $0.2) })) { results[i] = r }
        for ((i, _, _), r) in zip(restores, try restore(restores.map { (writes[$0.0], $0.2) })) { results[i] = r }
        return results.map { $0! }
    }

    /// The key a session's transaction is routed and watched by: unique per session, on its slot.
    func transactionKey(_ engine: AgentEngine, _ id: AgentSessionID) -> [UInt8] {
        keys.key(engine == .hashidx ? .meta : .event, id)
    }

    /// The plan that reads, under WATCH, what an edit compares and changes: the record, the
    /// user's state and (legacy, same slot) the app's state.
    func editPlan(_ engine: AgentEngine, _ id: AgentSessionID) -> AgentReadPlan {
        var plan = AgentReadPlan()
        for role: AgentKeyRole in engine == .hashidx ? [.meta, .userstate] : [.sess, .luserstate, .appstate] { plan.add(role, keys: keys, id: id) }
        return plan
    }

    /// WATCH of every key `plan` reads other than the transaction's own key (watched by the router).
    private func watching(_ plan: AgentReadPlan, except key: [UInt8]) -> [[[UInt8]]] {
        let others = Set(plan.items.map(\.key)).subtracting([key]).sorted { $0.lexicographicallyPrecedes($1) }
        return others.isEmpty ? [] : [RedisStoreCore.command("WATCH") + others]
    }

    private func edit(_ items: [(SessionWrite, AgentSessionParts)]) throws(SessionError) -> [Result<Void, SessionError>] {
        guard !items.isEmpty else { return [] }
        let plans = items.map { editPlan($0.1.engine, $0.1.sessionID) }
        let txKeys = items.map { transactionKey($0.1.engine, $0.1.sessionID) }
        var planOf: [[UInt8]: Int] = [:]
        for (n, k) in txKeys.enumerated() { planOf[k] = n }
        // Decided again after a retry: the last decision of each item counts.
        var appWork: [Int: (old: AgentSessionParts, new: AgentSessionParts)] = [:]
        let results = try core.transact(
            ids: items.map { $0.0.session.id }, keys: txKeys,
            read: { key in
                let n = planOf[key]!
                return self.watching(plans[n], except: key) + plans[n].commands
            },
            decide: { (n: Int, replies: ArraySlice<RedisReply>) -> RedisStoreCore.Step<Void> in
                let (write, loaded) = items[n]
                let now = self.clock.nowMillis()
                let watched = self.watching(plans[n], except: txKeys[n]).count
                let read: [AgentStoredKey]
                switch plans[n].parse(replies.dropFirst(watched), now: now, location: self.location) {
                case .failure(let e): return .done(.failure(e))
                case .success(let r): read = r
                }
                var current = loaded
                current.keys.removeAll { k in plans[n].items.contains { $0.role == k.role } }
                current.keys += read
                guard current.recordBytes != nil else { return .done(.failure(.notFound(store: self.displayName, id: write.session.id))) }
                if let revision = write.session.revision, !Self.sameOnSlot(Self.revision(current), revision.bytes) {
                    return .done(.failure(.conflict(store: self.displayName, id: write.session.id)))
                }
                let changed: AgentSessionParts
                do throws(SessionError) {
                    changed = try self.applying(write.session.data, to: current, now: now)
                } catch {
                    return .done(.failure(error))
                }
                var commands = self.stateCommands(from: current, to: changed, now: now, roles: plans[n].items.map(\.role))
                if case .set(let expiry) = write.expiry { commands += self.expiryCommands(expiry, current, now: now) }
                appWork[n] = current.engine == .hashidx && !Self.sameFields(current, changed, .appstate) ? (current, changed) : nil
                if commands.isEmpty { return .done(.success(())) }
                return .write(
                    commands,
                    finish: { replies in
                        if let e = self.core.firstError(replies, key: txKeys[n]) { return .failure(e) }
                        return .success(())
                    })
            })
        var out = results
        let apps = appWork.keys.filter { out[$0].isSuccess }.sorted()
        if !apps.isEmpty {
            for (n, r) in zip(apps, try writeAppState(apps.map { appWork[$0]! })) { out[n] = r }
        }
        return out
    }

    /// Whether two revisions agree on the session's record and user state (the app's state of a
    /// HashIdx session is compared field by field in its own transaction), and with `events` on
    /// its newest event too: an app that appends an event does not conflict with a state edit, but
    /// a session deleted for being idle must not have been active meanwhile.
    static func sameOnSlot(_ a: [UInt8], _ b: [UInt8], events: Bool = false) -> Bool {
        let (pa, pb) = (a.split(separator: 0xff, omittingEmptySubsequences: false), b.split(separator: 0xff, omittingEmptySubsequences: false))
        guard pa.count == 3, pb.count == 3, pa[1] == pb[1] else { return false }
        if events { return pa[0] == pb[0] }
        return pa[0].split(separator: 0xfc, omittingEmptySubsequences: false).first == pb[0].split(separator: 0xfc, omittingEmptySubsequences: false).first
    }

    static func sameFields(_ a: AgentSessionParts, _ b: AgentSessionParts, _ role: AgentKeyRole) -> Bool {
        AgentStoredKey.Content.hash(a.stateFields(role)) == .hash(b.stateFields(role))
    }

    /// The parts with the state `data` asks for (see `AgentStateValue` for how values become
    /// bytes): the record rewritten (with `updatedAt` now, in UTC) only when its own keys
    /// changed, fields of the user's and app's hashes set or removed. Unchanged values keep their
    /// exact bytes.
    func applying(_ data: JSONObject, to parts: AgentSessionParts, now: Int64) throws(SessionError) -> AgentSessionParts {
        var out = parts
        guard var record = parts.record else {
            throw SessionError.corrupt(location: location(keys.anchor(parts.engine, parts.sessionID)), reason: "the session record is not a JSON object")
        }
        let oldState = record["state"]?.objectValue ?? JSONObject()
        var newState = JSONObject()
        var ownChanged = false
        var user: [(String, JSONValue)] = [], app: [(String, JSONValue)] = []
        for (name, value) in data {
            if name.hasPrefix("user:") { user.append((String(name.dropFirst(5)), value)); continue }
            if name.hasPrefix("app:") { app.append((String(name.dropFirst(4)), value)); continue }
            let stored = oldState[name]
            let previous = stored?.stringValue.flatMap(Base64.decodeStd)
            if let stored, AgentStateValue.decode(previous) == value || (stored == .null && value == .null) {
                newState[name] = stored
                continue
            }
            ownChanged = true
            newState[name] = try AgentStateValue.encode(value, previous: previous).map { .string(Base64.std($0)) } ?? .null
        }
        if oldState.count != newState.count { ownChanged = true }
        if ownChanged {
            record["state"] = .object(newState)
            record["updatedAt"] = .string(Self.rfc3339UTC(now))
            let bytes = GoJSONEncoder.encode(record)
            let role: AgentKeyRole = parts.engine == .hashidx ? .meta : .sess
            if let i = out.keys.firstIndex(where: { $0.role == role }) {
                out.keys[i].content = role == .meta ? .string(bytes) : .hash([(Array(parts.sessionID.session.utf8), bytes)])
            }
        }
        try out.setFields(parts.userStateRole, user)
        try out.setFields(.appstate, app)
        return out
    }

    /// Go's RFC 3339 in UTC with the fraction's trailing zeros dropped, as the library's Lua writes `updatedAt`.
    static func rfc3339UTC(_ millis: Int64) -> String {
        var text = Durations.rfc3339(millis: millis)  // 2026-12-06T00:04:51.470Z
        if text.hasSuffix("Z"), let dot = text.lastIndex(of: ".") {
            var fraction = text[text.index(after: dot)..<text.index(before: text.endIndex)]
            while fraction.hasSuffix("0") { fraction = fraction.dropLast() }
            text = String(text[..<dot]) + (fraction.isEmpty ? "" : "." + fraction) + "Z"
        }
        return text
    }

    /// The commands that turn what `old` holds on the slot into what `new` holds, for `roles`
    /// (the record, the user's and the legacy app's state), each key keeping its TTL.
    func stateCommands(from old: AgentSessionParts, to new: AgentSessionParts, now: Int64, roles: [AgentKeyRole]) -> [[[UInt8]]] {
        var commands: [[[UInt8]]] = []
        let id = old.sessionID
        for role in roles {
            let key = keys.key(role, id)
            switch role {
            case .meta:
                guard let before = old.key(.meta), let after = new.key(.meta), before.content != after.content, case .string(let bytes) = after.content else { continue }
                commands.append(RedisStoreCore.command("SET", key, bytes))
                if case .at(let t) = before.expiry { commands.append(RedisStoreCore.command("PEXPIRE", key, RedisStoreCore.number(max(t.subtractingClamped(now), 1)))) }
            case .sess:
                guard let before = old.recordBytes, let after = new.recordBytes, before != after else { continue }
                commands.append(RedisStoreCore.command("HSET", key, Array(id.session.utf8), after))
            default:
                commands += fieldCommands(key, old.stateFields(role), new.stateFields(role))
            }
        }
        return commands
    }

    /// HSET of fields new or changed, HDEL of fields gone; HSET and HDEL keep the hash's TTL.
    func fieldCommands(_ key: [UInt8], _ old: [(field: [UInt8], value: [UInt8])], _ new: [(field: [UInt8], value: [UInt8])]) -> [[[UInt8]]] {
        let before = Dictionary(old.map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a })
        var set: [[UInt8]] = [], gone: [[UInt8]] = []
        for f in new where before[f.field] != f.value { set += [f.field, f.value] }
        for f in old where after[f.field] == nil { gone.append(f.field) }
        var commands: [[[UInt8]]] = []
        if !set.isEmpty { commands.append(RedisStoreCore.command("HSET", key) + set) }
        if !gone.isEmpty { commands.append(RedisStoreCore.command("HDEL", key) + gone) }
        return commands
    }

    /// Writes the app-state changes of HashIdx sessions, each on the app's slot under WATCH,
    /// refusing a field the app changed since it was read.
    private func writeAppState(_ work: [(old: AgentSessionParts, new: AgentSessionParts)]) throws(SessionError) -> [Result<Void, SessionError>] {
        let appKeys = work.map { keys.key(.appstate, $0.old.sessionID) }
        return try core.transact(
            ids: work.map { $0.old.sessionID.text }, keys: appKeys,
            read: { key in [RedisStoreCore.command("HGETALL", key)] },
            decide: { (n: Int, replies: ArraySlice<RedisReply>) -> RedisStoreCore.Step<Void> in
                guard case .array(let a)? = replies.first, let content = AgentReadPlan.content(.array(a), role: .appstate, field: nil), case .hash(let now) = content else {
                    return .done(.failure(.corrupt(location: self.location(appKeys[n]), reason: "not a Redis hash, as trpc-agent-go keeps an app's state")))
                }
                let loaded = Dictionary(work[n].old.stateFields(.appstate).map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a })
                let current = Dictionary(now.map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a })
                let touched = self.fieldCommands(appKeys[n], work[n].old.stateFields(.appstate), work[n].new.stateFields(.appstate))
                for f in Set(loaded.keys).union(current.keys) where loaded[f] != current[f] {
                    let mine = touched.contains { $0.dropFirst(2).contains(f) }
                    if mine { return .done(.failure(.conflict(store: self.displayName, id: work[n].old.sessionID.text))) }
                }
                return .write(touched, finish: { r in self.core.firstError(r, key: appKeys[n]).map { .failure($0) } ?? .success(()) })
            })
    }

    // MARK: Restore (import, migrate)

    /// Every key `parts` carries, as stored, with `write.expiry` or each key's own.
    private func restore(_ items: [(SessionWrite, AgentSessionParts)]) throws(SessionError) -> [Result<Void, SessionError>] {
        guard !items.isEmpty else { return [] }
        let now = clock.nowMillis()
        var prepared: [AgentSessionParts] = []
        var failures: [Int: SessionError] = [:]
        for (n, (write, parts)) in items.enumerated() {
            do throws(SessionError) {
                var p = parts
                let shown = try? AgentStore.stateData(parts, location: location(keys.anchor(parts.engine, parts.sessionID)))
                if shown != write.session.data { p = try applying(write.session.data, to: parts, now: now) }
                if case .set(let e) = write.expiry, e != parts.expiry {
                    for i in p.keys.indices where !p.keys[i].role.isShared && p.keys[i].role != .sessidx { p.keys[i].expiry = e }
                }
                if case .at(let t) = p.expiry, t <= now { throw SessionError.invalidArgument("session \(SessionError.quote(write.session.id)) has expired") }
                prepared.append(p)
            } catch {
                failures[n] = error
                prepared.append(parts)
            }
        }
        let todo = items.indices.filter { failures[$0] == nil }
        let txKeys = todo.map { transactionKey(prepared[$0].engine, prepared[$0].sessionID) }
        var index: [[UInt8]: Int] = [:]
        for (m, k) in txKeys.enumerated() { index[k] = m }
        func onSlot(_ p: AgentSessionParts) -> [AgentStoredKey] { p.keys.filter { !(p.engine == .hashidx && $0.role == .appstate) } }
        let done = try core.transact(
            ids: todo.map { items[$0].0.session.id }, keys: txKeys,
            read: { key in
                let p = prepared[todo[index[key]!]]
                let all = Set(onSlot(p).map { self.keys.key($0.role, p.sessionID, track: $0.track) } + [self.keys.anchor(p.engine, p.sessionID)])
                let others = all.subtracting([key]).sorted { $0.lexicographicallyPrecedes($1) }
                return (others.isEmpty ? [] : [RedisStoreCore.command("WATCH") + others]) + self.existenceReads(p)
            },
            decide: { (m: Int, replies: ArraySlice<RedisReply>) -> RedisStoreCore.Step<Void> in
                let n = todo[m]
                let p = prepared[n]
                let r = Array(replies.suffix(self.existenceReads(p).count))
                if case .error(let message)? = r.first(where: \.isError) { return .done(.failure(self.core.replyError(message, key: txKeys[m]))) }
                let exists = r[0].int == 1
                if exists && items[n].0.mode == .create { return .done(.failure(.alreadyExists(store: self.displayName, id: items[n].0.session.id))) }
                var commands: [[[UInt8]]] = exists ? self.deleteCommands(p, trackNames: self.names(r[1])) : []
                for (k, key) in zip(onSlot(p), r.dropFirst(2)) { commands += self.restoreCommands(k, p.sessionID, existed: key.int == 1, now: now) }
                return .write(commands, finish: { out in self.core.firstError(out, key: txKeys[m]).map { .failure($0) } ?? .success(()) })
            })
        var results = [Result<Void, SessionError>](repeating: .success(()), count: items.count)
        for (n, e) in failures { results[n] = .failure(e) }
        var appWork: [(Int, AgentSessionParts)] = []
        for (m, n) in todo.enumerated() {
            results[n] = done[m]
            if done[m].isSuccess, prepared[n].engine == .hashidx, prepared[n].key(.appstate) != nil { appWork.append((n, prepared[n])) }
        }
        if !appWork.isEmpty {
            let appKeys = appWork.map { keys.key(.appstate, $0.1.sessionID) }
            let r = try core.transact(
                ids: appWork.map { $0.1.sessionID.text }, keys: appKeys, read: { key in [RedisStoreCore.command("EXISTS", key)] },
                decide: { (m: Int, replies: ArraySlice<RedisReply>) -> RedisStoreCore.Step<Void> in
                    let k = appWork[m].1.key(.appstate)!
                    let commands = self.restoreCommands(k, appWork[m].1.sessionID, existed: replies.first?.int == 1, now: now)
                    return .write(commands, finish: { out in self.core.firstError(out, key: appKeys[m]).map { .failure($0) } ?? .success(()) })
                })
            for ((n, _), result) in zip(appWork, r) { results[n] = result }
        }
        return results
    }

    /// Whether the session's record exists, its track names (to delete the keys of the session
    /// it replaces), and whether each key it carries on the slot exists.
    private func existenceReads(_ p: AgentSessionParts) -> [[[UInt8]]] {
        let id = p.sessionID, sid = Array(id.session.utf8)
        var reads: [[[UInt8]]] = [
            p.engine == .hashidx ? RedisStoreCore.command("EXISTS", keys.key(.meta, id)) : RedisStoreCore.command("HEXISTS", keys.key(.sess, id), sid),
            RedisStoreCore.command("SMEMBERS", keys.key(p.engine == .hashidx ? .trknames : .trackidx, id))
        ]
        for k in p.keys where !(p.engine == .hashidx && k.role == .appstate) { reads.append(RedisStoreCore.command("EXISTS", keys.key(k.role, id, track: k.track))) }
        return reads
    }

    func names(_ reply: RedisReply) -> [String] {
        (reply.array ?? []).compactMap { $0.bytes.flatMap { String(validating: $0, as: UTF8.self) } }
    }

    /// The commands that write one stored key: a whole key replaced, a session's field of a
    /// shared hash set, a shared state hash merged; the expiry on a key the session owns, and on
    /// a shared hash only when this write created it (the index hash never has one).
    func restoreCommands(_ k: AgentStoredKey, _ id: AgentSessionID, existed: Bool, now: Int64) -> [[[UInt8]]] {
        let key = keys.key(k.role, id, track: k.track)
        var commands: [[[UInt8]]] = []
        let owned = !k.role.isShared && !k.role.isSessionField
        switch k.content {
        case .string(let b):
            commands.append(RedisStoreCore.command("SET", key, b))
        case .hash(let fields):
            if owned { commands.append(RedisStoreCore.command("DEL", key)) }
            if !fields.isEmpty { commands.append(RedisStoreCore.command("HSET", key) + fields.flatMap { [$0.field, $0.value] }) }
        case .zset(let members):
            commands.append(RedisStoreCore.command("DEL", key))
            if !members.isEmpty { commands.append(RedisStoreCore.command("ZADD", key) + members.flatMap { [$0.score, $0.member] }) }
        case .set(let members):
            commands.append(RedisStoreCore.command("DEL", key))
            if !members.isEmpty { commands.append(RedisStoreCore.command("SADD", key) + members) }
        }
        guard k.role != .sessidx, owned || !existed else { return commands }
        switch k.expiry {
        case .never: if existed && owned { commands.append(RedisStoreCore.command("PERSIST", key)) }
        case .at(let t): commands.append(RedisStoreCore.command("PEXPIRE", key, RedisStoreCore.number(max(t.subtractingClamped(now), 1))))
        }
        return commands
    }

    // MARK: Delete

    /// The commands that remove a session as `DeleteSession` does: its own keys, its tracks and
    /// its fields of the shared hashes (the user's and app's state stay).
    func deleteCommands(_ p: AgentSessionParts, trackNames: [String]) -> [[[UInt8]]] {
        let id = p.sessionID, sid = Array(id.session.utf8)
        if p.engine == .hashidx {
            var dels = [AgentKeyRole.meta, .evtdata, .evtidx, .sesssum, .trknames].map { keys.key($0, id) }
            for t in trackNames { dels += [keys.key(.trkdata, id, track: t), keys.key(.trkidx, id, track: t)] }
            return [RedisStoreCore.command("DEL") + dels, RedisStoreCore.command("HDEL", keys.key(.sessidx, id), sid)]
        }
        var dels = [keys.key(.event, id), keys.key(.trackidx, id)]
        for t in trackNames { dels.append(keys.key(.track, id, track: t)) }
        return [
            RedisStoreCore.command("HDEL", keys.key(.sess, id), sid), RedisStoreCore.command("HDEL", keys.key(.lsesssum, id), sid),
            RedisStoreCore.command("DEL") + dels
        ]
    }

    public func delete(_ ids: [String]) throws -> [Result<Bool, SessionError>] {
        try removing(ids.map { ($0, nil) })
    }

    public func delete(unchanged sessions: [(id: String, revision: Revision)]) throws -> [Result<Bool, SessionError>] {
        try removing(sessions.map { ($0.id, $0.revision) })
    }

    /// Deletes each session from every engine that holds it; with a revision, only while its
    /// record and user state are as they were read.
    private func removing(_ items: [(id: String, revision: Revision?)]) throws -> [Result<Bool, SessionError>] {
        try checkWritable()
        var results = [Result<Bool, SessionError>](repeating: .success(false), count: items.count)
        var valid: [(Int, AgentSessionID)] = []
        for (i, item) in items.enumerated() {
            do throws(SessionError) { valid.append((i, try AgentSessionID(parsing: item.id))) } catch { results[i] = .failure(error) }
        }
        for engine in engines {
            let plans = valid.map { editPlan(engine, $0.1) }
            let txKeys = valid.map { transactionKey(engine, $0.1) }
            var index: [[UInt8]: Int] = [:]
            for (m, k) in txKeys.enumerated() { index[k] = m }
            let trackSet: AgentKeyRole = engine == .hashidx ? .trknames : .trackidx
            let done = try core.transact(
                ids: valid.map { items[$0.0].id }, keys: txKeys,
                read: { key in
                    let m = index[key]!
                    let names = self.keys.key(trackSet, valid[m].1)
                    let events = self.keys.key(engine == .hashidx ? .evtidx : .event, valid[m].1)
                    return self.watching(plans[m], except: key) + [RedisStoreCore.command("WATCH", names, events)] + plans[m].commands
                        + [RedisStoreCore.command("SMEMBERS", names), RedisStoreCore.command("ZRANGE", events, Array("-1".utf8), Array("-1".utf8), Array("WITHSCORES".utf8))]
                },
                decide: { (m: Int, replies: ArraySlice<RedisReply>) -> RedisStoreCore.Step<Bool> in
                    let (i, id) = valid[m]
                    let watched = self.watching(plans[m], except: txKeys[m]).count + 1
                    let body = replies.dropFirst(watched)
                    let read: [AgentStoredKey]
                    switch plans[m].parse(body.dropLast(2), now: self.clock.nowMillis(), location: self.location) {
                    case .failure(let e): return .done(.failure(e))
                    case .success(let r): read = r
                    }
                    var parts = AgentSessionParts(engine: engine, sessionID: id, keys: read)
                    guard parts.recordBytes != nil else { return .done(.success(false)) }
                    if case .array(let last)? = body.last, last.count == 2, let member = last[0].bytes, let score = last[1].bytes {
                        parts.keys.append(AgentStoredKey(role: engine == .hashidx ? .evtidx : .event, content: .zset([(member, score)]), expiry: .never))
                    }
                    if let revision = items[i].revision, !Self.sameOnSlot(Self.revision(parts), revision.bytes, events: true) {
                        return .done(.failure(.conflict(store: self.displayName, id: items[i].id)))
                    }
                    let commands = self.deleteCommands(parts, trackNames: self.names(body.dropLast().last ?? .null))
                    return .write(commands, finish: { out in self.core.firstError(out, key: txKeys[m]).map { .failure($0) } ?? .success(true) })
                })
            for ((i, _), r) in zip(valid, done) {
                // Found in any engine counts; a failure in any is reported.
                switch (results[i], r) {
                case (.failure, _), (.success(true), .success): break
                default: results[i] = r
                }
            }
        }
        return results
    }

    // MARK: Expiry

    /// The commands that give a session's own keys `expiry` (the index hash and the shared state
    /// hashes keep theirs; a legacy user's `sess` and `sesssum` hashes are the user's).
    func expiryCommands(_ expiry: Expiry, _ p: AgentSessionParts, now: Int64, trackNames: [String]? = nil) -> [[[UInt8]]] {
        let id = p.sessionID
        var own: [[UInt8]]
        let names = trackNames ?? self.trackNames(p)
        if p.engine == .hashidx {
            own = [AgentKeyRole.meta, .evtdata, .evtidx, .sesssum, .trknames].map { keys.key($0, id) }
            for t in names { own += [keys.key(.trkdata, id, track: t), keys.key(.trkidx, id, track: t)] }
        } else {
            own = [keys.key(.sess, id), keys.key(.lsesssum, id), keys.key(.event, id), keys.key(.trackidx, id)]
            for t in names { own.append(keys.key(.track, id, track: t)) }
        }
        switch expiry {
        case .never: return own.map { RedisStoreCore.command("PERSIST", $0) }
        case .at(let t):
            let ms = RedisStoreCore.number(max(t.subtractingClamped(now), 0))
            return own.map { RedisStoreCore.command("PEXPIRE", $0, ms) }
        }
    }

    public func setExpiry(_ changes: [(id: String, expiry: Expiry)]) throws -> [Result<Bool, SessionError>] {
        try checkWritable()
        var results = [Result<Bool, SessionError>](repeating: .success(false), count: changes.count)
        var valid: [(Int, AgentSessionID)] = []
        for (i, c) in changes.enumerated() {
            do throws(SessionError) { valid.append((i, try AgentSessionID(parsing: c.id))) } catch { results[i] = .failure(error) }
        }
        var pending = valid
        for engine in engines {
            guard !pending.isEmpty else { break }
            // Legacy sessions of one user share the TTL of the user's hash: how many of them this
            // batch gives each expiry.
            var batchShare: [String: Int] = [:]
            for (i, id) in pending { batchShare["\(id.app)\u{0}\(id.user)\u{0}\(changes[i].expiry)", default: 0] += 1 }
            let txKeys = pending.map { transactionKey(engine, $0.1) }
            var index: [[UInt8]: Int] = [:]
            for (m, k) in txKeys.enumerated() { index[k] = m }
            let trackSet: AgentKeyRole = engine == .hashidx ? .trknames : .trackidx
            var next: [(Int, AgentSessionID)] = []
            let done = try core.transact(
                ids: pending.map { changes[$0.0].id }, keys: txKeys,
                read: { key in
                    let id = pending[index[key]!].1
                    let anchor = self.keys.anchor(engine, id), names = self.keys.key(trackSet, id)
                    var reads = [RedisStoreCore.command("WATCH", anchor, names), RedisStoreCore.command("SMEMBERS", names)]
                    reads.append(engine == .hashidx ? RedisStoreCore.command("EXISTS", anchor) : RedisStoreCore.command("HEXISTS", anchor, Array(id.session.utf8)))
                    if engine == .legacy { reads.append(RedisStoreCore.command("HLEN", anchor)) }
                    return reads
                },
                decide: { (m: Int, replies: ArraySlice<RedisReply>) -> RedisStoreCore.Step<Bool> in
                    let (i, id) = pending[m]
                    let r = Array(replies.suffix(engine == .legacy ? 3 : 2))
                    if case .error(let message)? = r.first(where: \.isError) { return .done(.failure(self.core.replyError(message, key: txKeys[m]))) }
                    guard r[1].int == 1 else {
                        next.append((i, id))
                        return .done(.success(false))
                    }
                    if engine == .legacy, let shared = r[2].int, shared > 1,
                        shared > Int64(batchShare["\(id.app)\u{0}\(id.user)\u{0}\(changes[i].expiry)"] ?? 0)
                    {
                        return .done(
                            .failure(
                                .unsupported(
                                    store: self.displayName,
                                    reason:
                                        "session \(SessionError.quote(id.text)) is in trpc-agent-go's legacy engine, where the \(shared) sessions of user \(SessionError.quote(id.user)) share the TTL of \(RedisStoreCore.text(self.keys.key(.sess, id))): give all of them the same expiry in one command (e.g. --app and --user), or none"
                                )))
                    }
                    let parts = AgentSessionParts(engine: engine, sessionID: id, keys: [])
                    let commands = self.expiryCommands(changes[i].expiry, parts, now: self.clock.nowMillis(), trackNames: self.names(r[0]))
                    return .write(commands, finish: { out in self.core.firstError(out, key: txKeys[m]).map { .failure($0) } ?? .success(true) })
                })
            for ((i, _), r) in zip(pending, done) { results[i] = r }
            pending = next
        }
        return results
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}

extension AgentSessionParts {
    /// Sets the fields of the state hash of `role` to `values` (name without its `user:`/`app:`),
    /// keeping the exact bytes of a value that did not change; a null value removes the field.
    mutating func setFields(_ role: AgentKeyRole, _ values: [(String, JSONValue)]) throws(SessionError) {
        let old = stateFields(role)
        var byName: [String: (field: [UInt8], value: [UInt8])] = [:]
        for f in old { byName[HashFieldCodec.lossyText(f.field)] = f }
        var fields: [(field: [UInt8], value: [UInt8])] = []
        for (name, value) in values {
            let previous = byName[name]
            if let previous, AgentStateValue.decode(previous.value) == value {
                fields.append(previous)
                continue
            }
            guard let bytes = try AgentStateValue.encode(value, previous: previous?.value) else { continue }
            fields.append((previous?.field ?? Array(name.utf8), bytes))
        }
        if let i = keys.firstIndex(where: { $0.role == role }) {
            keys[i].content = .hash(fields)
        } else if !fields.isEmpty {
            keys.append(AgentStoredKey(role: role, content: .hash(fields), expiry: .never))
        }
    }
}
