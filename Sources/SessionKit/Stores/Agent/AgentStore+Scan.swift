import RedisClient

/// Listing agent sessions: the library has no global listing, so every session is found by its
/// anchor key (`F:meta:*` for HashIdx, `P sess:*` for legacy), with its identity read from the
/// meta JSON. A pattern whose app and user are literal (`--app A --user U`) reads that user's
/// keys only: the legacy user hash directly; for HashIdx, in a cluster, the keys of the user's
/// slot (`CLUSTER GETKEYSINSLOT`), on one server the user session index when the app keeps one,
/// else a SCAN of the user's meta keys.
extension AgentStore {
    /// What a pattern over ids says about the app and user (literal parts, unescaped).
    struct PatternParts {
        var app: String?
        var user: String?

        init(_ pattern: String?) {
            guard let pattern else { return }
            let parts = Self.splitUnescaped(pattern)
            guard parts.count == 3 else { return }
            app = Self.literal(parts[0])
            user = Self.literal(parts[1])
        }

        /// Splits at `/` not escaped by `\`.
        static func splitUnescaped(_ s: String) -> [String] {
            var parts: [String] = [], current = "", escaped = false
            for c in s {
                if escaped {
                    current.append("\\")
                    current.append(c)
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "/" {
                    parts.append(current)
                    current = ""
                } else {
                    current.append(c)
                }
            }
            parts.append(current)
            return parts
        }

        /// The id part a glob part names when it has no wildcard, unescaped; nil otherwise.
        static func literal(_ part: String) -> String? {
            var out = "", escaped = false
            for c in part {
                if escaped {
                    out.append(c)
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if "*?[".contains(c) {
                    return nil
                } else {
                    out.append(c)
                }
            }
            return (try? AgentSessionID(parsing: out + "/x/x"))?.app
        }
    }

    public func scan(matching pattern: String?, pageSize: Int, detail: ScanDetail, _ visit: (ScanPage) throws -> ScanControl) throws {
        try scanAnchors(pattern: pattern, pageSize: pageSize) { engine, page in
            // A meta key's name gives the ids the library built it from, when it is unambiguous;
            // a full listing reads the meta anyway.
            let found = try self.identify(engine, anchors: page, pattern: pattern, light: true)
            var out = ScanPage(skipped: found.skipped)
            out.sessions += found.broken.map { SessionInfo(id: $0.id, size: 0, keyCount: nil, expiry: nil, lastWrite: nil, problem: $0.error.description) }
            if detail == .ids {
                out.sessions += found.ids.map { SessionInfo(id: $0.text, size: 0, keyCount: nil, expiry: nil, lastWrite: nil) }
            } else {
                out.sessions += try self.listings(engine, found.ids, skipped: &out.skipped)
            }
            return try visit(out)
        }
    }

    public func scanSessions(matching pattern: String?, pageSize: Int, _ visit: (SessionPage) throws -> ScanControl) throws {
        try scanAnchors(pattern: pattern, pageSize: pageSize) { engine, page in
            let found = try self.identify(engine, anchors: page, pattern: pattern, light: false)
            var out = SessionPage(broken: found.broken, skipped: found.skipped)
            for (id, result) in zip(found.ids, try self.readParts(found.ids, engines: [engine])) {
                switch result {
                case .success(nil): break  // gone since it was found
                case .success(let parts?):
                    switch self.session(parts) {
                    case .success(let s): out.sessions.append(s)
                    case .failure(let e): out.broken.append(BrokenSession(id: id.text, error: e))
                    }
                case .failure(let e): out.broken.append(BrokenSession(id: id.text, error: e))
                }
            }
            return try visit(out)
        }
    }

    // MARK: Anchors

    /// Visits pages of anchor keys of each engine: all of them, or only those the pattern's
    /// literal app and user can name.
    func scanAnchors(pattern: String?, pageSize: Int, _ visit: (AgentEngine, [[UInt8]]) throws -> ScanControl) throws {
        let literal = PatternParts(pattern)
        for engine in engines {
            if engine == .legacy, let app = literal.app, let user = literal.user {
                // One hash holds every legacy session of the user.
                if try visit(.legacy, [keys.key(.sess, AgentSessionID(app: app, user: user, session: "x"))]) == .stop { return }
                continue
            }
            if engine == .hashidx, let user = literal.user, let direct = try userMetaKeys(app: literal.app, user: user) {
                var start = 0
                while start < direct.count {
                    let end = min(start + max(pageSize, 1), direct.count)
                    if try visit(.hashidx, Array(direct[start..<end])) == .stop { return }
                    start = end
                }
                continue
            }
            let match = engine == .hashidx ? hashidxMatch(literal) : legacyMatch(literal)
            if try scanKeys(match: match, pageSize: pageSize, { try visit(engine, $0) }) == .stop { return }
        }
    }

    private func hashidxMatch(_ literal: PatternParts) -> [UInt8] {
        guard literal.app != nil || literal.user != nil else { return keys.metaPattern }
        let app = literal.app.map { RedisConnection.globEscape(Array($0.utf8)) } ?? Array("*".utf8)
        let user = literal.user.map { RedisConnection.globEscape(Array($0.utf8)) } ?? Array("*".utf8)
        return RedisConnection.globEscape(keys.hashidx) + Array(":meta:".utf8) + app + Array(":{".utf8) + user + Array("}:*".utf8)
    }

    private func legacyMatch(_ literal: PatternParts) -> [UInt8] {
        guard literal.app != nil || literal.user != nil else { return keys.legacyPattern }
        let app = literal.app.map { RedisConnection.globEscape(Array($0.utf8)) } ?? Array("*".utf8)
        let user = literal.user.map { RedisConnection.globEscape(Array($0.utf8)) } ?? Array("*".utf8)
        return RedisConnection.globEscape(keys.legacy) + Array("sess:{".utf8) + app + Array("}:".utf8) + user
    }

    /// The meta keys of one user's sessions without a scan of the database, when the deployment
    /// allows: a cluster's slot of the user, or (with the app) the user session index. nil: scan.
    func userMetaKeys(app: String?, user: String) throws -> [[UInt8]]? {
        let probe = keys.key(.sessidx, AgentSessionID(app: app ?? "x", user: user, session: "x"))
        let head = keys.hashidx + Array(":meta:".utf8)
        if core.router.isCluster {
            let tag = Array("{\(user)}".utf8)
            let slot = ClusterSlots.slot(of: probe)
            let connection = try core.run { try core.router.connection(forKey: probe) }
            var out: [[UInt8]] = []
            let reply = try core.run {
                try connection.command(RedisStoreCore.command("CLUSTER", Array("GETKEYSINSLOT".utf8), RedisStoreCore.number(Int64(slot)), RedisStoreCore.number(100_000_000)))
            }
            for k in reply.array ?? [] {
                guard let key = k.bytes, key.starts(with: head) else { continue }
                let appPart = app.map { Array("\($0):".utf8) + tag + [UInt8(ascii: ":")] }
                if let appPart {
                    guard key.dropFirst(head.count).starts(with: appPart) else { continue }
                } else if key.firstRange(of: tag) == nil {
                    continue
                }
                out.append(key)
            }
            return out
        }
        guard let app else { return nil }
        let id = AgentSessionID(app: app, user: user, session: "x")
        let index = keys.key(.sessidx, id)
        let reply = try core.read([index]) { key in [RedisStoreCore.command("EXISTS", key), RedisStoreCore.command("HKEYS", key)] }[0]
        guard case .integer(1)? = reply.first, case .array(let fields)? = reply.dropFirst().first else { return nil }
        return fields.compactMap { $0.bytes.flatMap { String(validating: $0, as: UTF8.self) } }.map {
            keys.key(.meta, AgentSessionID(app: app, user: user, session: $0))
        }
    }

    /// SCAN MATCH `match` over every master, a page of keys at a time.
    func scanKeys(match: [UInt8], pageSize: Int, _ visit: ([[UInt8]]) throws -> ScanControl) throws -> ScanControl {
        let scan = try core.run { try core.router.beginScan() }
        let count = max(pageSize, RedisStoreCore.scanCount)
        for lane in scan.lanes {
            var cursor: UInt64 = 0
            repeat {
                var buffer = RedisCommandBuffer(capacity: 128)
                lane.appendScan(to: &buffer, cursor: cursor, match: match, count: count)
                let replies = try core.run { () throws -> RedisRawReplies in
                    try lane.connection.send(buffer)
                    return try lane.connection.receiveRaw(lane.scanReplies)
                }
                let (next, page) = try core.run { try lane.parseScan(replies, at: 0) }
                var keys: [[UInt8]] = []
                keys.reserveCapacity(page.count)
                for i in 0..<page.count {
                    let key = page[i].bytes
                    guard lane.pageIsExact || lane.admit(key) else { continue }
                    if lane.remembers { lane.remember(key) }
                    keys.append(Array(key))
                }
                cursor = next
                if !keys.isEmpty, try visit(keys) == .stop { return .stop }
            } while cursor != 0
        }
        let moved = try core.run { try scan.finish(match: match) }
        if !moved.isEmpty, try visit(moved) == .stop { return .stop }
        return .proceed
    }

    // MARK: Identities

    struct Identified {
        var ids: [AgentSessionID] = []
        var broken: [BrokenSession] = []
        var skipped: [SkippedKey] = []
    }

    /// The sessions a page of anchor keys holds that match `pattern`: HashIdx ids from each meta
    /// JSON (from the key's name when `light` and it is unambiguous); legacy ids from the user
    /// hash's fields.
    func identify(_ engine: AgentEngine, anchors: [[UInt8]], pattern: String?, light: Bool) throws -> Identified {
        var out = Identified()
        func keep(_ id: AgentSessionID) {
            if let pattern, !Glob.matches(pattern, id.text) { return }
            out.ids.append(id)
        }
        switch engine {
        case .hashidx:
            var unread: [[UInt8]] = []
            for key in anchors {
                if light, let id = key.withUnsafeBufferPointer({ keys.idFromMetaKey($0) }) { keep(id) } else { unread.append(key) }
            }
            let replies = try core.read(unread) { key in [RedisStoreCore.command("GET", key)] }
            for (key, reply) in zip(unread, replies) {
                switch reply.first {
                case .bulk(let bytes)?:
                    let meta = (try? JSONParser.parse(bytes))?.objectValue
                    if let app = meta?["appName"]?.stringValue, let user = meta?["userID"]?.stringValue, let sid = meta?["id"]?.stringValue,
                        !app.isEmpty, !user.isEmpty, !sid.isEmpty
                    {
                        keep(AgentSessionID(app: app, user: user, session: sid))
                    } else if let id = key.withUnsafeBufferPointer({ keys.idFromMetaKey($0) }) {
                        if meta == nil {
                            if pattern == nil || Glob.matches(pattern!, id.text) {
                                out.broken.append(BrokenSession(id: id.text, error: .corrupt(location: location(key), reason: "the session meta is not a JSON object; left alone")))
                            }
                        } else {
                            keep(id)
                        }
                    } else {
                        out.skipped.append(
                            SkippedKey(key: RedisStoreCore.text(key), reason: "a meta key whose JSON names no app, user and id and whose name cannot be taken apart"))
                    }
                case .error(let message)? where RedisErrorCode(message: message) == .wrongType:
                    out.skipped.append(SkippedKey(key: RedisStoreCore.text(key), reason: "not a Redis string, as trpc-agent-go writes a session meta"))
                case .error(let message)?:
                    throw core.replyError(message, key: key)
                default: break  // gone since
                }
            }
        case .legacy:
            let replies = try core.read(anchors) { key in [RedisStoreCore.command("HKEYS", key)] }
            for (key, reply) in zip(anchors, replies) {
                guard let (app, user) = keys.appAndUser(fromLegacyKey: key) else {
                    out.skipped.append(SkippedKey(key: RedisStoreCore.text(key), reason: "not named sess:{<app>}:<user> as trpc-agent-go names a user's sessions"))
                    continue
                }
                switch reply.first {
                case .array(let fields)?:
                    for f in fields {
                        guard let b = f.bytes, let sid = String(validating: b, as: UTF8.self), !sid.isEmpty else { continue }
                        keep(AgentSessionID(app: app, user: user, session: sid))
                    }
                case .error(let message)? where RedisErrorCode(message: message) == .wrongType:
                    out.skipped.append(SkippedKey(key: RedisStoreCore.text(key), reason: "not a Redis hash, as trpc-agent-go keeps a user's legacy sessions"))
                case .error(let message)?:
                    throw core.replyError(message, key: key)
                default: break
                }
            }
        }
        return out
    }

    // MARK: Listing

    /// What `list` shows of each session, read without its events' data.
    func listings(_ engine: AgentEngine, _ ids: [AgentSessionID], skipped: inout [SkippedKey]) throws -> [SessionInfo] {
        guard !ids.isEmpty else { return [] }
        let now = clock.nowMillis()
        func c(_ name: String, _ args: [UInt8]...) -> [[UInt8]] { [Array(name.utf8)] + args }
        let minus1 = Array("-1".utf8)
        let commands: [[[[UInt8]]]] = ids.map { id in
            let sid = Array(id.session.utf8)
            if engine == .hashidx {
                let meta = keys.key(.meta, id), evtidx = keys.key(.evtidx, id)
                return [
                    c("GET", meta), c("PTTL", meta), c("ZCARD", evtidx), c("ZRANGE", evtidx, minus1, minus1, Array("WITHSCORES".utf8)),
                    c("HLEN", keys.key(.userstate, id)), c("MEMORY", Array("USAGE".utf8), meta), c("MEMORY", Array("USAGE".utf8), keys.key(.evtdata, id)),
                    c("MEMORY", Array("USAGE".utf8), evtidx), c("MEMORY", Array("USAGE".utf8), keys.key(.sesssum, id))
                ]
            }
            let sess = keys.key(.sess, id), event = keys.key(.event, id)
            return [
                c("HGET", sess, sid), c("PTTL", sess), c("ZCARD", event), c("ZRANGE", event, minus1, minus1, Array("WITHSCORES".utf8)),
                c("HLEN", keys.key(.luserstate, id)), c("HSTRLEN", sess, sid), c("MEMORY", Array("USAGE".utf8), event),
                c("HSTRLEN", keys.key(.lsesssum, id), sid), c("EXISTS", sess)
            ]
        }
        var next = 0
        let replies = try core.read(ids.map { keys.anchor(engine, $0) }) { _ in
            defer { next += 1 }
            return commands[next]
        }
        var out: [SessionInfo] = []
        for (id, r) in zip(ids, replies.map(Array.init)) {
            let anchor = keys.anchor(engine, id)
            guard case .bulk(let bytes) = r[0] else {
                if case .error(let message) = r[0] {
                    if RedisErrorCode(message: message) == .wrongType {
                        skipped.append(
                            SkippedKey(key: RedisStoreCore.text(anchor), reason: "not a Redis \(engine == .hashidx ? "string" : "hash"), as trpc-agent-go writes it; left alone"))
                    } else {
                        throw core.replyError(message, key: anchor)
                    }
                }
                continue  // gone since it was found
            }
            guard let expiry = RedisStoreCore.expiry(pttl: r[1], now: now) else { continue }
            var parts = AgentSessionParts(engine: engine, sessionID: id, keys: [])
            if case .array(let last) = r[3], last.count == 2, let m = last[0].bytes, let s = last[1].bytes {
                parts.keys.append(AgentStoredKey(role: engine == .hashidx ? .evtidx : .event, content: .zset([(m, s)]), expiry: .never))
            }
            let record = (try? JSONParser.parse(bytes))?.objectValue
            let size = [5, 6, 7, 8].reduce(0) { $0 + Int(clamping: r[$1].int ?? 0) }
            let lastActivity = parts.lastActivity(record: record)
            var info = SessionInfo(id: id.text, size: size, keyCount: nil, expiry: expiry, lastWrite: lastActivity)
            guard let record else {
                info.problem = "\(location(anchor)): the session record is not a JSON object; left alone"
                out.append(info)
                continue
            }
            let stateKeys = (record["state"]?.objectValue?.count ?? 0) + Int(clamping: r[4].int ?? 0)
            info.keyCount = stateKeys
            info.agent = AgentListing(sessionID: id, engine: engine, eventCount: Int(clamping: r[2].int ?? 0), stateKeys: stateKeys, lastActivity: lastActivity)
            out.append(info)
        }
        return out
    }
}
