import RedisClient

/// What `check` found under the store's prefix, by kind, with a few example keys of each.
public struct AgentCheckReport: Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        /// HashIdx event data, time index, summaries or track keys whose session meta is gone.
        case eventDataWithoutMeta = "event_data_without_meta"
        /// Fields of a user session index whose session meta is gone.
        case indexEntriesWithoutSession = "index_entries_without_session"
        /// State-initialization leases (`stateinit`) whose session is gone, or without a TTL.
        case leftoverLeases = "leftover_stateinit_leases"
        /// Members of an event time index with no event in the session's event hash.
        case orphanEventIDs = "orphan_event_ids"
        /// Keys named as the library names its keys, of another Redis type than it writes.
        case wrongType = "wrong_type_keys"
        /// Session metas that are not a JSON object.
        case metaNotJSON = "meta_not_json"

        /// Whether `repair` removes what was found (the others are only reported).
        public var fixable: Bool { self != .wrongType && self != .metaNotJSON }

        /// What the kind is, for people.
        public var summary: String {
            switch self {
            case .eventDataWithoutMeta: return "event data, index, summary or track keys without a session meta"
            case .indexEntriesWithoutSession: return "user session index entries without a session"
            case .leftoverLeases: return "state-initialization leases left behind (session gone, or no TTL)"
            case .orphanEventIDs: return "event time-index members without event data"
            case .wrongType: return "keys of another Redis type than trpc-agent-go writes (left alone)"
            case .metaNotJSON: return "session metas that are not a JSON object (left alone)"
            }
        }
    }

    /// Keys the scan looked at (named as the library names its keys).
    public var keysScanned = 0
    /// Sessions still in the legacy engine (fields of `sess:{app}:user` hashes).
    public var legacySessions = 0
    /// Whether the scan was stopped before its end (then the report covers part of the keyspace).
    public var interrupted = false
    public var findings: [Kind: AgentTally] = [:]
    /// What `repair` removes, and how it checks again that it still may.
    var repairs: [AgentRepair] = []

    public func tally(_ kind: Kind) -> AgentTally { findings[kind] ?? AgentTally() }

    /// Everything found, fixable or not.
    public var problems: Int { findings.values.reduce(0) { $0 + $1.count } }
    /// What `repair` would remove.
    public var fixableProblems: Int { findings.filter { $0.key.fixable }.values.reduce(0) { $0 + $1.count } }
    /// `WithCompatMode(CompatModeNone)` reads only HashIdx: safe once no legacy session is left.
    public var compatModeNoneSafe: Bool { legacySessions == 0 }

    mutating func add(_ kind: Kind, _ example: @autoclosure () -> String, limit: Int, count: Int = 1) {
        findings[kind, default: AgentTally()].add(example(), limit: limit, count: count)
    }
}

/// One removal `repair` may make: a whole key, or some fields or members of it; `probes` are read
/// again under WATCH of `watch` (after the key's TYPE) and must still show it left behind.
struct AgentRepair: Sendable {
    var kind: AgentCheckReport.Kind
    var key: [UInt8]
    var expectedType: String
    /// Fields (index) or members (time index) to remove; empty: the whole key.
    var items: [[UInt8]]
    var watch: [[UInt8]]
    /// Whole key: existence checks that must all answer 0 (a lease: then its PTTL, last).
    /// Items: one existence check per item, 0 while it is still left behind.
    var probes: [[[UInt8]]]
}

/// What `repair` did.
public struct AgentRepairOutcome: Sendable {
    /// Keys (or fields, members) removed, by kind.
    public var fixed: [AgentCheckReport.Kind: Int] = [:]
    /// Found by the check but no longer left behind when read again (the app wrote meanwhile).
    public var spared = 0
    /// Removals that failed, one line each.
    public var failures: [String] = []

    public var fixedTotal: Int { fixed.values.reduce(0, +) }
}

extension AgentStore {
    // MARK: Check

    public func check(examples: Int, afterPage: (Int) -> ScanControl) throws -> AgentCheckReport {
        var report = AgentCheckReport()
        let control = try scanKeys(match: keys.everyKeyPattern, pageSize: 1000) { page in
            let named = page.compactMap { key in self.keys.name(key).map { (key, $0) } }
            report.keysScanned += named.count
            try self.check(named, into: &report, limit: examples)
            return afterPage(report.keysScanned)
        }
        report.interrupted = control == .stop
        return report
    }

    /// A key waiting for the existence of what it belongs to.
    private struct Pending {
        var key: [UInt8]
        var name: AgentKeyName
        /// Existence probes; the key is left behind when all answer 0.
        var probes: [[[UInt8]]]
        var watch: [[UInt8]]
        var pttl: Int64 = -1
        /// evtidx: members with no event in the evtdata hash.
        var missingMembers: [[UInt8]] = []
        /// sessidx: each field and its meta.
        var fields: [(field: [UInt8], meta: [UInt8])] = []
    }

    private func exists(_ key: [UInt8]) -> [[UInt8]] { RedisStoreCore.command("EXISTS", key) }

    private func check(_ named: [([UInt8], AgentKeyName)], into report: inout AgentCheckReport, limit: Int) throws {
        guard !named.isEmpty else { return }
        let zero = Array("0".utf8), minus1 = Array("-1".utf8)
        // Round 1: each key's type and what its check needs of it.
        let perKey: [[[[UInt8]]]] = named.map { key, name in
            var c = [RedisStoreCore.command("TYPE", key)]
            switch name.kind {
            case .role(.meta): c.append(RedisStoreCore.command("GET", key))
            case .role(.sess): c.append(RedisStoreCore.command("HLEN", key))
            case .role(.sessidx): c.append(RedisStoreCore.command("HKEYS", key))
            case .role(.evtidx):
                c.append(RedisStoreCore.command("ZRANGE", key, zero, minus1))
                c.append(RedisStoreCore.command("HKEYS", keys.hashidx + Array(":evtdata:".utf8) + name.rest))
            case .lease: c.append(RedisStoreCore.command("PTTL", key))
            default: break
            }
            return c
        }
        var next = 0
        let replies = try core.read(named.map(\.0)) { _ in
            defer { next += 1 }
            return perKey[next]
        }
        var pending: [Pending] = []
        for ((key, name), r) in zip(named, replies.map(Array.init)) {
            if case .error(let message) = r[0] { throw core.replyError(message, key: key) }
            guard let type = RedisStoreCore.typeName(r[0]), type != "none" else { continue }  // gone since
            guard type == name.expectedType else {
                report.add(.wrongType, "\(RedisStoreCore.text(key)) (\(type), expected \(name.expectedType))", limit: limit)
                continue
            }
            switch name.kind {
            case .role(.meta):
                if case .bulk(let bytes) = r[1], (try? JSONParser.parse(bytes))?.objectValue == nil {
                    report.add(.metaNotJSON, RedisStoreCore.text(key), limit: limit)
                }
            case .role(.sess):
                report.legacySessions += Int(clamping: r[1].int ?? 0)
            case .role(.sessidx):
                var p = Pending(key: key, name: name, probes: [], watch: [])
                for f in (r[1].array ?? []).compactMap(\.bytes) {
                    guard let meta = keys.metaKey(index: key, field: f) else { continue }
                    p.fields.append((f, meta))
                }
                if !p.fields.isEmpty { pending.append(p) }
            case .role(.evtdata), .role(.evtidx), .role(.sesssum), .role(.trknames), .role(.trkdata), .role(.trkidx):
                let metas = keys.metaCandidates(name)
                guard !metas.isEmpty else { continue }
                var p = Pending(key: key, name: name, probes: metas.map(exists), watch: metas)
                if name.kind == .role(.evtidx), case .array(let members) = r[1], case .array(let events) = r[2] {
                    let ids = Set(events.compactMap(\.bytes))
                    p.missingMembers = members.compactMap(\.bytes).filter { !ids.contains($0) }
                }
                pending.append(p)
            case .lease(let engine):
                var p = Pending(key: key, name: name, probes: [], watch: [], pttl: r[1].int ?? -1)
                if engine == .hashidx {
                    p.watch = keys.metaCandidates(name)
                    p.probes = p.watch.map(exists)
                } else {
                    let sessions = keys.legacyLeaseSessions(name)
                    p.watch = Array(Set(sessions.map(\.key))).sorted { $0.lexicographicallyPrecedes($1) }
                    p.probes = sessions.map { RedisStoreCore.command("HEXISTS", $0.key, $0.field) }
                }
                pending.append(p)
            default: break
            }
        }
        // Round 2: does what each key belongs to exist? Each probe once, on its key's node.
        var probes: [[[UInt8]]] = []
        var known = Set<[[UInt8]]>()
        for p in pending {
            for probe in p.probes + p.fields.map({ exists($0.meta) }) where known.insert(probe).inserted { probes.append(probe) }
        }
        var answer: [[[UInt8]]: Int64] = [:]
        next = 0
        for (probe, r) in zip(
            probes,
            try core.read(probes.map { $0[1] }) { _ in
                defer { next += 1 }; return [probes[next]]
            })
        {
            answer[probe] = r.first?.int ?? 1  // an error (another type) counts as there
        }
        func gone(_ probes: [[[UInt8]]]) -> Bool { !probes.isEmpty && probes.allSatisfy { answer[$0] == 0 } }
        for p in pending {
            let text = RedisStoreCore.text(p.key)
            switch p.name.kind {
            case .role(.sessidx):
                let orphans = p.fields.filter { answer[exists($0.meta)] == 0 }
                guard !orphans.isEmpty else { continue }
                for f in orphans { report.add(.indexEntriesWithoutSession, "\(text) \(HashFieldCodec.lossyText(f.field))", limit: limit) }
                report.repairs.append(
                    AgentRepair(
                        kind: .indexEntriesWithoutSession, key: p.key, expectedType: "hash", items: orphans.map(\.field), watch: orphans.map(\.meta),
                        probes: orphans.map { exists($0.meta) }))
            case .lease:
                let sessionGone = gone(p.probes)
                guard sessionGone || p.pttl == -1 else { continue }
                report.add(.leftoverLeases, "\(text) (\(sessionGone ? "session gone" : "no TTL"))", limit: limit)
                report.repairs.append(
                    AgentRepair(
                        kind: .leftoverLeases, key: p.key, expectedType: "string", items: [], watch: p.watch,
                        probes: p.probes + [RedisStoreCore.command("PTTL", p.key)]))
            default:
                if gone(p.probes) {
                    report.add(.eventDataWithoutMeta, text, limit: limit)
                    report.repairs.append(
                        AgentRepair(kind: .eventDataWithoutMeta, key: p.key, expectedType: p.name.expectedType, items: [], watch: p.watch, probes: p.probes))
                } else if !p.missingMembers.isEmpty {
                    let evtdata = keys.hashidx + Array(":evtdata:".utf8) + p.name.rest
                    let shown = p.missingMembers.prefix(3).map { HashFieldCodec.lossyText($0) }.joined(separator: ", ")
                    report.add(.orphanEventIDs, "\(text) \(shown)", limit: limit, count: p.missingMembers.count)
                    report.repairs.append(
                        AgentRepair(
                            kind: .orphanEventIDs, key: p.key, expectedType: "zset", items: p.missingMembers, watch: [evtdata],
                            probes: p.missingMembers.map { RedisStoreCore.command("HEXISTS", evtdata, $0) }))
                }
            }
        }
    }

    // MARK: Repair

    public func repair(_ report: AgentCheckReport, recorder: (any ChangeRecorder)? = nil) throws -> AgentRepairOutcome {
        try checkWritable()
        var outcome = AgentRepairOutcome()
        var start = 0
        while start < report.repairs.count {
            let batch = Array(report.repairs[start..<min(start + 200, report.repairs.count)])
            start += batch.count
            var position: [[UInt8]: Int] = [:]
            for (n, r) in batch.enumerated() { position[r.key] = n }
            // Kept as they are now; each is then removed only while it still is.
            var kept: [RemovedKey?] = Array(repeating: nil, count: batch.count)
            if let recorder {
                let now = clock.nowMillis()
                for (n, replies) in try core.read(batch.map(\.key), { key in self.contentReads(batch[position[key]!]) }).enumerated() {
                    kept[n] = removedKey(batch[n], Array(replies), now: now)
                }
                try recorder.willRemove(keys: kept.compactMap { $0 })
            }
            let results = try core.transact(
                ids: batch.map { RedisStoreCore.text($0.key) }, keys: batch.map(\.key),
                read: { key in
                    let r = batch[position[key]!]
                    return (r.watch.isEmpty ? [] : [RedisStoreCore.command("WATCH") + r.watch]) + [RedisStoreCore.command("TYPE", key)] + r.probes
                        + (recorder == nil ? [] : self.contentReads(r))
                },
                decide: { (n: Int, replies: ArraySlice<RedisReply>) -> RedisStoreCore.Step<(fixed: Int, spared: Int)> in
                    var replies = Array(replies.dropFirst(batch[n].watch.isEmpty ? 0 : 1))
                    if recorder != nil {
                        let content = Array(replies.suffix(self.contentReads(batch[n]).count))
                        replies.removeLast(content.count)
                        // Changed since it was kept: not removed (the trash would not hold it).
                        guard let was = kept[n], self.removedKey(batch[n], content, now: 0)?.content.sameStored(as: was.content) == true else {
                            return .done(.success((0, batch[n].items.isEmpty ? 1 : batch[n].items.count)))
                        }
                    }
                    return self.repairStep(batch[n], replies)
                })
            var removed: [[UInt8]] = []
            for (r, result) in zip(batch, results) {
                switch result {
                case .success(let done):
                    outcome.fixed[r.kind, default: 0] += done.fixed
                    outcome.spared += done.spared
                    if done.fixed > 0 { removed.append(r.key) }
                case .failure(let e): outcome.failures.append(e.description)
                }
            }
            try recorder?.didRemove(keys: removed)
        }
        return outcome
    }

    /// What a repair's removal takes, read as it is: a whole key's DUMP and PTTL, the values of
    /// the fields, the scores of the members.
    private func contentReads(_ r: AgentRepair) -> [[[UInt8]]] {
        guard !r.items.isEmpty else { return [RedisStoreCore.command("DUMP", r.key), RedisStoreCore.command("PTTL", r.key)] }
        if r.kind == .orphanEventIDs { return r.items.map { RedisStoreCore.command("ZSCORE", r.key, $0) } }
        return [RedisStoreCore.command("HMGET", r.key) + r.items]
    }

    /// The content `contentReads` read, as the trash keeps it; nil when the key is gone.
    private func removedKey(_ r: AgentRepair, _ replies: [RedisReply], now: Int64) -> RemovedKey? {
        guard replies.allSatisfy({ !$0.isError }) else { return nil }
        if r.items.isEmpty {
            guard let dump = replies.first?.bytes else { return nil }
            let pttl = replies.last?.int ?? -1
            return RemovedKey(key: r.key, content: .whole(dump: dump, expiresAt: pttl >= 0 ? now.addingClamped(pttl) : nil))
        }
        if r.kind == .orphanEventIDs {
            return RemovedKey(key: r.key, content: .members(r.items, scores: replies.map { $0.bytes.map { String(decoding: $0, as: UTF8.self) } ?? "" }))
        }
        return RemovedKey(key: r.key, content: .fields(r.items, values: (replies.first?.array ?? []).map { $0.bytes ?? [] }))
    }

    public func restore(_ removed: [RemovedKey]) throws -> [Result<Bool, SessionError>] {
        try checkWritable()
        let now = clock.nowMillis()
        let replies = try core.read(removed.map(\.key)) { key in
            guard let k = removed.first(where: { $0.key == key }) else { return [] }
            switch k.content {
            case .whole(let dump, let expiresAt):
                if let t = expiresAt, t <= now { return [] }
                return [RedisStoreCore.command("RESTORE", key, Array(String(expiresAt ?? 0).utf8), dump) + (expiresAt == nil ? [] : [Array("ABSTTL".utf8)])]
            case .fields(let names, let values):
                return zip(names, values).map { RedisStoreCore.command("HSETNX", key, $0, $1) }
            case .members(let members, let scores):
                return zip(members, scores).map { RedisStoreCore.command("ZADD", key, Array("NX".utf8), Array($1.utf8), $0) }
            }
        }
        return zip(removed, replies).map { k, r in
            if let e = r.first(where: \.isError)?.errorMessage {
                return e.hasPrefix("BUSYKEY") ? .success(false) : .failure(core.replyError(e, key: k.key))
            }
            return .success(!r.isEmpty && r.allSatisfy { $0.isError == false && ($0.int.map { $0 > 0 } ?? true) })
        }
    }

    /// Removes what is still left behind of `r`, given its TYPE and probes read under WATCH.
    private func repairStep(_ r: AgentRepair, _ replies: [RedisReply]) -> RedisStoreCore.Step<(fixed: Int, spared: Int)> {
        let whole = r.items.isEmpty ? 1 : r.items.count
        if let e = replies.first(where: \.isError)?.errorMessage, RedisErrorCode(message: e) != .wrongType {
            return .done(.failure(core.replyError(e, key: r.key)))
        }
        guard RedisStoreCore.typeName(replies[0]) == r.expectedType else { return .done(.success((0, whole))) }  // gone or replaced
        let answers = replies.dropFirst().map { $0.int ?? 1 }
        let finish = { (fixed: Int, spared: Int) in
            { (out: ArraySlice<RedisReply>) -> Result<(fixed: Int, spared: Int), SessionError> in
                self.core.firstError(out, key: r.key).map { .failure($0) } ?? .success((fixed, spared))
            }
        }
        if !r.items.isEmpty {
            let still = zip(r.items, answers).filter { $0.1 == 0 }.map(\.0)
            guard !still.isEmpty else { return .done(.success((0, whole))) }
            let command = r.kind == .orphanEventIDs ? "ZREM" : "HDEL"
            return .write([RedisStoreCore.command(command, r.key) + still], finish: finish(still.count, whole - still.count))
        }
        var checks = answers
        var noTTL = false
        if r.kind == .leftoverLeases, let pttl = checks.popLast() { noTTL = pttl == -1 }
        let sessionGone = !checks.isEmpty && checks.allSatisfy { $0 == 0 }
        guard sessionGone || noTTL else { return .done(.success((0, 1))) }
        return .write([RedisStoreCore.command("DEL", r.key)], finish: finish(1, 0))
    }
}

extension RemovedKey.Content {
    /// The same stored content (a whole key's expiry aside, which only runs down).
    func sameStored(as other: RemovedKey.Content) -> Bool {
        switch (self, other) {
        case (.whole(let a, _), .whole(let b, _)): return a == b
        default: return self == other
        }
    }
}
