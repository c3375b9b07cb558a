import RedisClient

/// What `reindex` did (or, as a dry run, would do).
public struct AgentReindexReport: Sendable {
    /// Whether the changes were written.
    public var written = false
    /// Users (index hashes) looked at: every user with a HashIdx session or an index hash.
    public var users = 0
    /// Sessions added to their user's index (examples: session ids).
    public var added = AgentTally()
    /// Index entries dropped because their session is gone (examples: `<index key> <field>`).
    public var dropped = AgentTally()
    /// Sessions or index hashes left alone, and why (one line each, examples only).
    public var skipped = AgentTally()
    /// Users whose index could not be changed (a conflict, an error), one line each.
    public var failures: [String] = []
}

/// Rebuilding trpc-agent-go's user session index (`WithEnableUserSessionIndex`): the library adds
/// a session to `F:sessidx:<app>:{<user>}` only when it creates it with the index on, and drops
/// an entry only when `ListSessions` finds its meta gone. Each user's index changes in one
/// transaction on the user's slot, under WATCH of the index and the metas it reads, so a session
/// the app creates or deletes meanwhile makes it read and decide again.
extension AgentStore: AgentMaintenance {
    /// One user's index: the sessions the scan found and the fields the index held.
    private struct IndexGroup {
        var sessions: [[UInt8]: AgentSessionID] = [:]
        var fields: Set<[UInt8]> = []
    }

    /// What one user's transaction decided.
    private struct IndexPlan {
        var add: [(sid: [UInt8], value: [UInt8], id: String)] = []
        var drop: [[UInt8]] = []
        var skipped: [String] = []
    }

    /// The index entry the library writes for a session created at `createdAt` (its meta's text):
    /// Go's `json.Marshal(sessionIndexEntry{CreatedAt: t})`, whose time text is the meta's own.
    static func indexEntry(createdAt: String) -> [UInt8] {
        GoJSONEncoder.encode(.object(JSONObject([("createdAt", .string(createdAt))])))
    }

    public func reindex(write: Bool, examples: Int, afterPage: (Int) -> ScanControl) throws -> AgentReindexReport {
        guard engines.contains(.hashidx) else {
            throw SessionError.invalidArgument("reindex: the user session index is HashIdx's, and this store reads only the legacy engine (engine=legacy)")
        }
        if write { try checkWritable() }
        var report = AgentReindexReport()
        var groups: [[UInt8]: IndexGroup] = [:]
        var seen = 0
        let limit = examples
        // Every HashIdx session, by the index key of its user.
        if try scanKeys(
            match: keys.metaPattern, pageSize: 1000,
            { page in
                seen += page.count
                let found = try self.identify(.hashidx, anchors: page, pattern: nil, light: true)
                for id in found.ids { groups[self.keys.key(.sessidx, id), default: IndexGroup()].sessions[Array(id.session.utf8)] = id }
                for b in found.broken { report.skipped.add("\(b.id): \(b.error.description)", limit: limit) }
                for s in found.skipped { report.skipped.add("\(s.key): \(s.reason)", limit: limit) }
                return afterPage(seen)
            }) == .stop
        {
            return report
        }
        // Every index hash, with or without sessions left.
        let indexPattern = RedisConnection.globEscape(keys.hashidx) + Array(":sessidx:*".utf8)
        if try scanKeys(
            match: indexPattern, pageSize: 1000,
            { page in
                seen += page.count
                for key in page where groups[key] == nil { groups[key] = IndexGroup() }
                return afterPage(seen)
            }) == .stop
        {
            return report
        }
        report.users = groups.count
        report.written = write
        let all = groups.keys.sorted { $0.lexicographicallyPrecedes($1) }
        var start = 0
        while start < all.count {
            let batch = Array(all[start..<min(start + 200, all.count)])
            start += batch.count
            try reindex(batch, groups: &groups, write: write, into: &report, limit: limit)
            if afterPage(seen) == .stop { break }
        }
        return report
    }

    /// Reads the index hashes of `batch` (their fields, to watch their metas), then changes each
    /// in a transaction of its own.
    private func reindex(_ batch: [[UInt8]], groups: inout [[UInt8]: IndexGroup], write: Bool, into report: inout AgentReindexReport, limit: Int) throws {
        let fields = try core.read(batch) { key in [RedisStoreCore.command("HKEYS", key)] }
        var todo: [[UInt8]] = []
        for (key, reply) in zip(batch, fields) {
            switch reply.first {
            case .array(let a)?: groups[key]!.fields = Set(a.compactMap(\.bytes))
            case .error(let message)? where RedisErrorCode(message: message) == .wrongType:
                report.skipped.add("\(RedisStoreCore.text(key)): not a Redis hash, as trpc-agent-go keeps a user's session index; left alone", limit: limit)
                continue
            case .error(let message)?: throw core.replyError(message, key: key)
            default: break
            }
            todo.append(key)
        }
        guard !todo.isEmpty else { return }
        var position: [[UInt8]: Int] = [:]
        for (n, k) in todo.enumerated() { position[k] = n }
        // The sessions each transaction reads: those found and those the index lists (fields
        // added since they were read are left alone, or read on a retry).
        var sids: [[[UInt8]]] = todo.map { k in Set(groups[k]!.sessions.keys).union(groups[k]!.fields).sorted { $0.lexicographicallyPrecedes($1) } }
        let results = try core.transact(
            ids: todo.map(RedisStoreCore.text), keys: todo,
            read: { key in
                let n = position[key]!
                let metas = sids[n].compactMap { self.keys.metaKey(index: key, field: $0) }
                return (metas.isEmpty ? [] : [RedisStoreCore.command("WATCH") + metas]) + [RedisStoreCore.command("HKEYS", key)]
                    + metas.map { RedisStoreCore.command("GET", $0) }
            },
            decide: { (n: Int, replies: ArraySlice<RedisReply>) -> RedisStoreCore.Step<IndexPlan> in
                let key = todo[n], group = groups[key]!
                let r = Array(replies.dropFirst(sids[n].isEmpty ? 0 : 1))
                guard case .array(let listed) = r[0] else {
                    if case .error(let message) = r[0] { return .done(.failure(self.core.replyError(message, key: key))) }
                    return .done(.failure(.corrupt(location: self.location(key), reason: "unexpected reply to HKEYS")))
                }
                let inIndex = Set(listed.compactMap(\.bytes))
                let unread = inIndex.subtracting(sids[n])
                var plan = IndexPlan()
                for (sid, reply) in zip(sids[n], r.dropFirst()) {
                    switch reply {
                    case .null:
                        if inIndex.contains(sid) { plan.drop.append(sid) }
                    case .bulk(let meta):
                        guard !inIndex.contains(sid), let id = group.sessions[sid] else { continue }
                        guard let createdAt = (try? JSONParser.parse(meta))?.objectValue?["createdAt"]?.stringValue else {
                            plan.skipped.append("\(id.text): its meta has no createdAt text (or is not JSON); not added")
                            continue
                        }
                        plan.add.append((sid, Self.indexEntry(createdAt: createdAt), id.text))
                    case .error(let message) where RedisErrorCode(message: message) == .wrongType:
                        continue  // a meta of another type: neither added nor dropped
                    case .error(let message):
                        return .done(.failure(self.core.replyError(message, key: key)))
                    default: continue
                    }
                }
                if !unread.isEmpty {
                    // Listed since the index was first read: read them too if this is tried again.
                    sids[n] = Set(sids[n]).union(unread).sorted { $0.lexicographicallyPrecedes($1) }
                }
                guard write, !plan.add.isEmpty || !plan.drop.isEmpty else { return .done(.success(plan)) }
                var commands: [[[UInt8]]] = []
                if !plan.add.isEmpty { commands.append(RedisStoreCore.command("HSET", key) + plan.add.flatMap { [$0.sid, $0.value] }) }
                if !plan.drop.isEmpty { commands.append(RedisStoreCore.command("HDEL", key) + plan.drop) }
                return .write(commands, finish: { out in self.core.firstError(out, key: key).map { .failure($0) } ?? .success(plan) })
            })
        for (key, result) in zip(todo, results) {
            switch result {
            case .failure(let e): report.failures.append(e.description)
            case .success(let plan):
                for a in plan.add { report.added.add(a.id, limit: limit) }
                for d in plan.drop { report.dropped.add("\(RedisStoreCore.text(key)) \(HashFieldCodec.lossyText(d))", limit: limit) }
                for s in plan.skipped { report.skipped.add(s, limit: limit) }
            }
        }
    }
}
