import RedisClient

/// Sessions of Go apps that keep typed values in Redis STRINGs, one per session at
/// `prefix + id`:
/// - `scs`: SCS's `redisstore`/`goredisstore` (prefix `scs:session:`), a gob blob of
///   `{Deadline, Values}`; the session ends at the earlier of the Deadline and the key's TTL,
///   and a new lifetime rewrites both (SCS would undo a TTL change alone at the next request).
/// - `redistore`: gorilla/sessions with `boj/redistore` (prefix `session_`), a gob blob of
///   `map[interface{}]interface{}` or, with its JSON serializer, a JSON object; the TTL is the
///   lifetime.
///
/// Values keep their Go types through every write (see `GoTypes`). A value that is not what the
/// layout's codec writes (JSON where gob belongs, another gob type, a cut-off blob) is listed
/// with the reason and never rewritten; it can still be deleted. Writes run under
/// WATCH/MULTI/EXEC like every Redis layout.
public final class RedisGoStore: SessionStore, SessionShaping, SessionCounting, RetryReporting {
    let core: RedisStoreCore
    /// `.scs` or `.redistore`.
    public let layout: SessionLayout
    /// What the store had to do beyond sending commands (redirections, retries, failovers), for reports.
    public var routerStats: RedisRouterStats { core.router.stats }

    public var displayName: String { core.displayName }
    public var clock: Clock { core.clock }
    public var defaultLifetimeMillis: Int64 { core.options.defaultLifetimeMillis }
    public var options: RedisStoreOptions { core.options }

    public var capabilities: StoreCapabilities { layout.capabilities }

    /// Connects (within the options' timeout) and authenticates. `layout` is `.scs` or `.redistore`
    /// (whose new sessions are JSON with `options.jsonSerializer`).
    public init(options: RedisStoreOptions, layout: SessionLayout, displayName: String, clock: Clock = .system) throws(SessionError) {
        precondition(layout == .scs || layout == .redistore, "not a Go-typed layout: \(layout)")
        core = try RedisStoreCore(options: options, displayName: displayName, clock: clock)
        self.layout = layout
    }

    public func validate(id: String) throws(SessionError) {
        try core.validate(id: id)
    }

    public func newSession(id: String, expiry: Expiry) -> Session {
        if layout == .scs { return Session(id: id, data: JSONObject(), expiry: expiry, goTypes: .gob(SCSCodec.emptyValues())) }
        if options.jsonSerializer { return Session(id: id, data: JSONObject(), expiry: expiry, goTypes: .json) }
        return Session(id: id, data: JSONObject(), expiry: expiry, goTypes: .gob(RedistoreCodec.emptyValues()))
    }

    public func dataAsStored(_ data: JSONObject) -> JSONObject { data }

    // MARK: Values

    /// A stored value read as the layout's codec wrote it.
    struct Contents {
        var data: JSONObject
        var goTypes: GoTypes
        var deadline: GoTime?
        var style: JSONEscapeStyle = .modern

        var gobValues: GobSessionValues? {
            if case .gob(let v) = goTypes { return v }
            return nil
        }
    }

    func decode(_ bytes: [UInt8]) -> Result<Contents, StoredBlobProblem> {
        Self.decode(bytes, layout: layout)
    }

    static func decode(_ bytes: [UInt8], layout: SessionLayout) -> Result<Contents, StoredBlobProblem> {
        do {
            if layout == .scs {
                let c = try SCSCodec.decode(bytes).get()
                return .success(Contents(data: try c.values.plainData(), goTypes: .gob(c.values), deadline: c.deadline))
            }
            switch try RedistoreCodec.decode(bytes).get() {
            case .gob(let values): return .success(Contents(data: try values.plainData(), goTypes: .gob(values)))
            case .json(let object, let style): return .success(Contents(data: object, goTypes: .json, style: style))
            }
        } catch let problem as StoredBlobProblem {
            return .failure(problem)
        } catch {
            return .failure(StoredBlobProblem(.broken, "\(error); left untouched"))
        }
    }

    /// The key count, deadline and problem of a value, for listings (without building JSON).
    private func summary(_ bytes: [UInt8]) -> (keys: Int?, deadline: GoTime?, problem: String?) {
        if layout == .scs {
            switch SCSCodec.decode(bytes) {
            case .success(let c): return (c.values.entries.count, c.deadline, nil)
            case .failure(let p): return (nil, nil, p.reason)
            }
        }
        switch RedistoreCodec.decode(bytes) {
        case .success(.gob(let v)): return (v.entries.count, nil, nil)
        case .success(.json(let o, _)): return (o.count, nil, nil)
        case .failure(let p): return (nil, nil, p.reason)
        }
    }

    /// SCS: the session ends at the earlier of its Deadline and its TTL.
    static func expiry(ttl: Expiry, deadline: GoTime?) -> Expiry {
        guard let deadline else { return ttl }
        switch ttl {
        case .never: return .at(deadline.unixMillis)
        case .at(let t): return .at(min(t, deadline.unixMillis))
        }
    }

    /// The bytes for a session: gob built from its typed values laid over `data`, or JSON for
    /// redistore's JSON serializer.
    private func encode(_ session: Session, deadline: GoTime?) throws(SessionError) -> [UInt8] {
        func failed(_ e: GobError) -> SessionError {
            .invalidArgument("\(displayName): session \(SessionError.quote(session.id)): \(e); nothing was written")
        }
        var values = try session.resolvedGobValues(store: displayName)
        if let blob = session.storedBlob, blob.layout == layout,
           let bytes = blob.verbatim(data: session.data, values: values, deadline: layout == .scs ? deadline : nil) {
            return bytes  // a value of this layout, unchanged: its exact bytes
        }
        if values == nil, session.goTypes == nil, let typed = session.typedImport {
            // An imported session: its exported typed view gives every value its Go type back.
            var typedSession = newSession(id: session.id, expiry: session.expiry)
            try typedSession.replaceTyped(typed, store: displayName)
            if case .json? = typedSession.goTypes { return GoJSONEncoder.encode(typedSession.data, style: session.escapeStyle) }
            values = try typedSession.resolvedGobValues(store: displayName)
        }
        if layout == .scs {
            if values == nil {
                do { values = try SCSCodec.emptyValues().merged(with: session.data) } catch { throw failed(error) }
            }
            do { return try SCSCodec.encode(values!, deadline: deadline) } catch { throw failed(error) }
        }
        if case .json? = session.goTypes { return GoJSONEncoder.encode(session.data, style: session.escapeStyle) }
        if values == nil {
            if options.jsonSerializer { return GoJSONEncoder.encode(session.data, style: session.escapeStyle) }
            do { values = try RedistoreCodec.emptyValues().merged(with: session.data) } catch { throw failed(error) }
        }
        do { return try RedistoreCodec.encode(values!) } catch { throw failed(error) }
    }

    /// Whether `session` holds what `current` holds (so its bytes can stay).
    private func unchanged(_ session: Session, from current: Contents) throws(SessionError) -> Bool {
        switch (current.goTypes, session.goTypes) {
        case (.gob(let old), _):
            guard case .gob? = session.goTypes, let now = try session.resolvedGobValues(store: displayName) else { return false }
            return now.entries == old.entries
        case (.json, .json?), (.json, nil):
            return session.data == current.data
        default:
            return false
        }
    }

    // MARK: Imports

    public var exportLineReader: ExportLineReader? {
        let layout = self.layout
        return ExportLineReader { (session: inout Session) throws(SessionError) in
            try Self.adoptExported(&session, layout: layout)
        }
    }

    /// A session read from an export line whose `blob` this layout stored: the blob is read as a
    /// load reads it (one this layout cannot read fails the line), and the session becomes what
    /// it holds, with its Go types (and SCS's Deadline). When the line's `data` and `typed` still
    /// say what the blob holds, the blob's bytes are what gets written. An edited `typed` is
    /// applied to the blob's values as `edit` applies it; an edited `data` is laid over them as
    /// `set` does (values keep their Go types); when both were edited they must agree.
    static func adoptExported(_ session: inout Session, layout: SessionLayout) throws(SessionError) {
        guard var blob = session.storedBlob, !blob.isRead, blob.layout == layout else { return }
        let location = blob.location
        let at = "session \(SessionError.quote(session.id))"
        func refused(_ why: String) -> SessionError { .corrupt(location: location, reason: "\(at): \(why); nothing was written") }
        let contents: Contents
        switch decode(blob.bytes, layout: layout) {
        case .failure(let p):
            var reason = p.reason
            if reason.hasSuffix("; left untouched") { reason.removeLast("; left untouched".count) }
            throw refused("its \"blob\" is not a value layout=\(layout.name) reads: \(reason)")
        case .success(let c):
            contents = c
        }
        let serializer = contents.gobValues == nil ? "json" : "gob"
        if let said = blob.serializer, said != serializer {
            throw refused("its \"blob\" is \(serializer), not \(said) as its \"serializer\" says")
        }
        var stored = Session(id: session.id, data: contents.data, expiry: session.expiry, size: session.size,
                             escapeStyle: contents.style, goTypes: contents.goTypes, deadline: contents.deadline)
        let dataEdited = session.data != contents.data
        var typedEdited = false
        if let typed = session.typedImport {
            typedEdited = typed != (try stored.typedData(store: location))
        }
        if typedEdited {
            do {
                try stored.replaceTyped(session.typedImport!, store: layout.name)
            } catch {
                throw refused("its edited \"typed\" does not fit: \(error)")
            }
            if dataEdited && stored.data != session.data {
                throw refused("its \"data\" and its \"typed\" were both edited and say different things (edit one, or remove the other from the line)")
            }
        } else if dataEdited {
            stored.data = session.data
            _ = try stored.resolvedGobValues(store: location)  // a value that does not fit its Go type fails here
        } else {
            blob.holds = StoredBlob.Holds(data: contents.data, values: contents.gobValues, deadline: contents.deadline)
            stored.storedBlob = blob
        }
        session = stored
    }

    // MARK: A key's state

    private typealias State = RedisStoreCore.KeyState<[UInt8]>

    private static func readCommands(_ key: [UInt8]) -> [[[UInt8]]] {
        [RedisStoreCore.command("TYPE", key), RedisStoreCore.command("GET", key), RedisStoreCore.command("PTTL", key)]
    }

    private func state(_ replies: ArraySlice<RedisReply>, key: [UInt8], now: Int64) -> Result<State, SessionError> {
        let r = Array(replies)
        for reply in r { if case .error(let message) = reply, !message.hasPrefix("WRONGTYPE") { return .failure(core.replyError(message, key: key)) } }
        guard let type = RedisStoreCore.typeName(r[0]) else { return .failure(core.replyError("unexpected reply to TYPE", key: key)) }
        if type == "none" { return .success(.missing) }
        if type != "string" { return .success(.notSession(RedisStoreCore.wrongType(type, expected: "string"))) }
        guard case .bulk(let bytes) = r[1], let ttl = RedisStoreCore.expiry(pttl: r[2], now: now) else { return .success(.missing) }
        return .success(.stored(bytes, ttl))
    }

    private func corrupt(_ key: [UInt8], _ problem: StoredBlobProblem) -> SessionError {
        .corrupt(location: core.location(key), reason: problem.reason)
    }

    // MARK: Reading

    public func scan(matching pattern: String?, pageSize: Int, detail: ScanDetail, _ visit: (ScanPage) throws -> ScanControl) throws {
        try core.scan(pattern: pattern, pageSize: pageSize, detail: detail, layout: scanLayout) { try visit($0.scanPage) }
    }

    public func scanSessions(matching pattern: String?, pageSize: Int, _ visit: (SessionPage) throws -> ScanControl) throws {
        try core.scan(pattern: pattern, pageSize: pageSize, detail: .full, withData: true, layout: scanLayout) { try visit($0.sessionPage) }
    }

    public func estimatedCount(matching pattern: String?) throws -> Int? {
        try core.estimatedCount(matching: pattern, layout: scanLayout)
    }

    /// GET and PTTL per key.
    private var scanLayout: RedisStoreCore.ScanLayout {
        RedisStoreCore.readAndTTL(redisType: "string", read: "GET") { [self] id, value, expiry, withData in
            guard value.isBulk else { return .gone }
            let bytes = Array(value.bytes)
            if withData {
                switch session(id: id, key: core.key(id), bytes: bytes, ttl: expiry) {
                case .success(let s): return .loaded(s)
                case .failure(let e): return .broken(e)
                }
            }
            let s = summary(bytes)
            return .session(SessionInfo(id: id, size: bytes.count, keyCount: s.keys, expiry: Self.expiry(ttl: expiry, deadline: s.deadline),
                                        lastWrite: nil, problem: s.problem, deadline: s.deadline?.unixMillis))
        }
    }

    public var retrySummary: String? { core.router.stats.summary }
    public var abilities: StoreAbilities { StoreAbilities(shaping: self, counting: self, retries: self) }

    public func reopened() throws(SessionError) -> any SessionStore {
        try RedisGoStore(options: core.options, layout: layout, displayName: core.displayName, clock: core.clock)
    }

    public func load(_ ids: [String]) throws -> [LoadResult] {
        try core.load(ids, read: Self.readCommands, state: state) { id, key, bytes, ttl in
            session(id: id, key: key, bytes: bytes, ttl: ttl)
        }
    }

    /// The session stored at `key` as `bytes` with the Redis TTL `ttl`, with its exact bytes kept.
    private func session(id: String, key: [UInt8], bytes: [UInt8], ttl: Expiry) -> Result<Session, SessionError> {
        switch decode(bytes) {
        case .failure(let p):
            return .failure(corrupt(key, p))
        case .success(let c):
            var session = Session(id: id, data: c.data, expiry: Self.expiry(ttl: ttl, deadline: c.deadline), size: bytes.count,
                                  escapeStyle: c.style, revision: Revision(bytes, data: c.data), goTypes: c.goTypes, deadline: c.deadline)
            var blob = StoredBlob(layout: layout, serializer: c.gobValues == nil ? "json" : "gob", bytes: bytes, location: displayName)
            blob.holds = StoredBlob.Holds(data: c.data, values: c.gobValues, deadline: c.deadline)
            session.storedBlob = blob
            return .success(session)
        }
    }

    // MARK: Writing

    public func save(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] {
        try batch(writes.map(\.session.id)) { i, key, state, now in
            let w = writes[i]
            let id = w.session.id
            var current: (bytes: [UInt8], ttl: Expiry, contents: Contents)?
            switch state {
            case .notSession(let reason):
                return core.notSession(key, reason)
            case .missing:
                current = nil
            case .stored(let bytes, let ttl):
                switch decode(bytes) {
                case .failure(let p): return .done(.failure(corrupt(key, p)))  // never rewrite what is not ours
                case .success(let c): current = (bytes, ttl, c)
                }
            }
            switch w.mode {
            case .create:
                if current != nil { return .done(.failure(.alreadyExists(store: displayName, id: id))) }
            case .update:
                guard let current else { return .done(.failure(.notFound(store: displayName, id: id))) }
                if let rev = w.session.revision, !Bytes.equal(rev.bytes, current.bytes) {
                    return .done(.failure(.conflict(store: displayName, id: id)))
                }
            case .upsert:
                break
            }
            do throws(SessionError) {
                let commands = try writeCommands(w, key: key, current: current, now: now)
                if commands.isEmpty { return .done(.success(())) }
                let store = displayName
                return .write(commands) { [core] replies in
                    if let e = core.firstError(replies, key: key) { return .failure(e) }
                    if current == nil, replies.first?.isNull == true { return .failure(.alreadyExists(store: store, id: id)) }
                    return .success(())
                }
            } catch {
                return .done(.failure(error))
            }
        }
    }

    /// The commands that store one write: the value when it changed (or SCS's deadline did),
    /// then the TTL.
    private func writeCommands(_ w: SessionWrite, key: [UInt8], current: (bytes: [UInt8], ttl: Expiry, contents: Contents)?,
                               now: Int64) throws(SessionError) -> [[[UInt8]]] {
        guard case .scs = layout else {
            var commands: [[[UInt8]]] = []
            if let current, try unchanged(w.session, from: current.contents) {
                // Unchanged data keeps its stored bytes: only the lifetime may change.
            } else {
                let body = try encode(w.session, deadline: nil)
                if current == nil {
                    commands.append(RedisStoreCore.command("SET", key, body, Array("NX".utf8)))
                } else if w.expiry == .keep {
                    commands.append(RedisStoreCore.command("SET", key, body, Array("KEEPTTL".utf8)))
                } else {
                    commands.append(RedisStoreCore.command("SET", key, body))
                }
            }
            let rewritten = !commands.isEmpty && current != nil && w.expiry != .keep
            commands += core.expiryCommands(w.expiry, key: key, current: rewritten ? .never : current?.ttl, now: now)
            return commands
        }
        // SCS: the Deadline inside the value and the TTL go together.
        let deadline: GoTime?
        var ttl: Int64?
        switch (w.expiry, current) {
        case (.set(.never), _):
            throw SessionError.unsupported(store: displayName, reason: "an SCS session always has a deadline; it cannot live without an expiry")
        case (.set(.at(let t)), let current):
            if let own = w.session.deadline, current == nil || w.session.revision == nil {
                // A session moved here (new, or replacing one with --overwrite) keeps its own
                // deadline; the TTL is the lifetime it had left.
                deadline = own
                ttl = min(t, own.unixMillis)
            } else {
                deadline = GoTime(unixMillis: t)
                ttl = t
            }
        case (.keep, let current?):
            deadline = current.contents.deadline
        case (.keep, nil):
            deadline = w.session.deadline ?? GoTime(unixMillis: now.addingClamped(defaultLifetimeMillis))
            ttl = deadline!.unixMillis
        }
        if let current, ttl == nil, try unchanged(w.session, from: current.contents) { return [] }
        let body = try encode(w.session, deadline: deadline)
        var commands: [[[UInt8]]] = []
        if current == nil {
            commands.append(RedisStoreCore.command("SET", key, body, Array("NX".utf8)))
        } else if ttl == nil {
            commands.append(RedisStoreCore.command("SET", key, body, Array("KEEPTTL".utf8)))
        } else {
            commands.append(RedisStoreCore.command("SET", key, body))
        }
        if let ttl {
            // SCS's PEXPIREAT: a deadline already past removes the key.
            commands.append(RedisStoreCore.command("PEXPIRE", key, RedisStoreCore.number(max(ttl.subtractingClamped(now), 0))))
        }
        return commands
    }

    public func delete(_ ids: [String]) throws -> [Result<Bool, SessionError>] {
        try core.delete(ids, read: Self.readCommands, state: state)
    }

    public func delete(unchanged sessions: [(id: String, revision: Revision)]) throws -> [Result<Bool, SessionError>] {
        try core.delete(unchanged: sessions, read: Self.readCommands, state: state, revision: { $0 })
    }

    /// redistore: the TTL. SCS: the Deadline in the value and the TTL together.
    public func setExpiry(_ changes: [(id: String, expiry: Expiry)]) throws -> [Result<Bool, SessionError>] {
        try batch(changes.map(\.id)) { i, key, state, now in
            switch state {
            case .missing: return .done(.success(false))
            case .notSession(let reason): return core.notSession(key, reason)
            case .stored(let bytes, let ttl):
                var commands: [[[UInt8]]]
                if layout == .redistore {
                    commands = core.expiryCommands(.set(changes[i].expiry), key: key, current: ttl, now: now)
                } else {
                    guard case .at(let t) = changes[i].expiry else {
                        return .done(.failure(.unsupported(store: displayName, reason: "an SCS session always has a deadline; it cannot live without an expiry")))
                    }
                    let values: GobSessionValues
                    switch decode(bytes) {
                    case .failure(let p): return .done(.failure(corrupt(key, p)))
                    case .success(let c): values = c.gobValues!
                    }
                    do {
                        let body = try SCSCodec.encode(values, deadline: GoTime(unixMillis: t))
                        commands = [RedisStoreCore.command("SET", key, body), RedisStoreCore.command("PEXPIRE", key, RedisStoreCore.number(max(t.subtractingClamped(now), 0)))]
                    } catch {
                        return .done(.failure(.invalidArgument("\(displayName): session \(SessionError.quote(changes[i].id)): \(error); nothing was written")))
                    }
                }
                return core.expiryStep(commands, key: key)
            }
        }
    }

    private func batch<Out>(
        _ ids: [String], _ decide: (Int, [UInt8], State, Int64) -> RedisStoreCore.Step<Out>
    ) throws -> [Result<Out, SessionError>] {
        try core.batch(ids, read: Self.readCommands, state: state, decide: decide)
    }
}
