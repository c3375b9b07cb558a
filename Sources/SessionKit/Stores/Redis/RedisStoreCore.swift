import RedisClient

/// How a Redis store is reached and where its sessions live.
public struct RedisStoreOptions: Sendable {
    /// How to connect to each server (for a cluster or Sentinel, the template for every node).
    public var connection: RedisConnectOptions
    /// One server, a cluster, or the master Sentinel names.
    public var deployment: RedisDeployment
    /// Put before every session id to make its key, with no separator (GoFrame's default is empty).
    public var prefix: String
    /// The lifetime of a session created without an explicit expiry: the app's max age.
    public var defaultLifetimeMillis: Int64
    /// `serializer=`: what new sessions are written with (redistore `gob` or `json`, flask-session
    /// `msgpack` or `json`, php `php` or `php_serialize`; each existing one keeps its own format);
    /// nil for the layout's default.
    public var serializer: String?
    /// `serializer=json`.
    public var jsonSerializer: Bool { serializer == "json" }
    /// `layout=trpc&engine=`: the one trpc-agent-go engine read (nil: both, legacy first).
    public var agentEngine: AgentEngine?

    public init(
        connection: RedisConnectOptions, deployment: RedisDeployment = .server, prefix: String = "",
        defaultLifetimeMillis: Int64 = 86_400_000
    ) {
        self.connection = connection
        self.deployment = deployment
        self.prefix = prefix
        self.defaultLifetimeMillis = defaultLifetimeMillis
    }
}

/// The machinery under `RedisStore`: the router to the server(s), keys and ids, error mapping,
/// the paged SCAN with metadata pipelines, and batches of writes under WATCH/MULTI/EXEC. The
/// layout (`RedisSessionLayout`) says how a session is read from and written to its key; the
/// `RedisRouter` says which node that is (one server, Sentinel's master, a cluster's slot owner).
final class RedisStoreCore {
    let options: RedisStoreOptions
    let displayName: String
    let clock: Clock
    let router: RedisRouter
    let prefixBytes: [UInt8]

    /// How often a batch is tried again when the app changed one of its keys between read and write.
    static let maxAttempts = 8

    init(options: RedisStoreOptions, displayName: String, clock: Clock) throws(SessionError) {
        self.options = options
        self.displayName = displayName
        self.clock = clock
        self.prefixBytes = Array(options.prefix.utf8)
        do {
            router = try RedisRouter(options.connection, deployment: options.deployment)
        } catch {
            throw SessionError.storeUnavailable(store: displayName, reason: (error as? RedisError)?.message ?? "\(error)")
        }
    }

    // MARK: Keys and ids

    func key(_ id: String) -> [UInt8] { prefixBytes + Array(id.utf8) }

    /// A key as text for messages (control characters are escaped by `SessionError.quote`).
    static func text(_ key: [UInt8]) -> String { HashFieldCodec.lossyText(key) }

    func location(_ key: [UInt8]) -> String { "\(displayName): key \(SessionError.quote(Self.text(key)))" }

    /// Redis keys are binary-safe; NUL and control characters are refused so an id can always be
    /// typed, shown and used in a SCAN pattern.
    func validate(id: String) throws(SessionError) {
        if id.isEmpty { throw SessionError.invalidID(id: id, reason: "it is empty") }
        for u in id.unicodeScalars {
            if u == "\0" { throw SessionError.invalidID(id: id, reason: "NUL is not allowed") }
            if u.value < 0x20 || u.value == 0x7f { throw SessionError.invalidID(id: id, reason: "control characters are not allowed") }
        }
    }

    // MARK: Replies

    static func command(_ name: String, _ args: [UInt8]...) -> [[UInt8]] {
        [Array(name.utf8)] + args
    }

    static func number(_ n: Int64) -> [UInt8] { Array(String(n).utf8) }

    /// `TYPE`'s answer, e.g. `string`, `hash`, `none`.
    static func typeName(_ reply: RedisReply) -> String? {
        if case .status(let s) = reply { return s }
        return nil
    }

    /// The expiry a `PTTL` reply gives at `now`; nil when the key is gone (-2) or the reply is not a number.
    static func expiry(pttl reply: RedisReply, now: Int64) -> Expiry? {
        guard case .integer(let ms) = reply else { return nil }
        if ms == -1 { return .never }
        if ms < 0 { return nil }
        return .at(now.addingClamped(ms))
    }

    /// Turns a failure to talk to Redis into the store's one-line error.
    func failure(_ error: any Error) -> SessionError {
        if let e = error as? SessionError { return e }
        if let e = error as? RedisError { return .storeUnavailable(store: displayName, reason: e.message) }
        return .storeUnavailable(store: displayName, reason: "\(error)")
    }

    /// Runs `body`, turning a `RedisError` into the store's `SessionError`.
    func run<T>(_ body: () throws -> T) throws(SessionError) -> T {
        do {
            return try body()
        } catch {
            throw failure(error)
        }
    }

    /// An error reply where a result was needed, for one key.
    func replyError(_ message: String, key: [UInt8]) -> SessionError {
        let code = RedisErrorCode(message: message)
        if code.isAuthentication || code == .noPerm {
            return .storeUnavailable(store: displayName, reason: message)
        }
        return .io(location: location(key), reason: "Redis answered: \(message)")
    }

    // MARK: Reading a batch

    /// Sends `read(key)` for every key, pipelined to the node of each key, and returns each key's replies.
    func read(_ keys: [[UInt8]], _ read: ([UInt8]) -> [[[UInt8]]]) throws(SessionError) -> [ArraySlice<RedisReply>] {
        guard !keys.isEmpty else { return [] }
        return try run { try router.run(keys: keys, read) }.map { $0[...] }
    }

    // MARK: Writing a batch

    /// What to do for one item of a batch, given its key's state as read under WATCH.
    enum Step<Out> {
        /// Nothing to write: a refusal, or already as asked.
        case done(Result<Out, SessionError>)
        /// Queue these commands in the transaction; `finish` reads their replies from EXEC.
        /// `applied`, given the key's state read again after a write whose outcome was unknown
        /// (a connection lost after EXEC, a failover), says whether the write is already there
        /// and with what result; nil: decide again.
        case write(
            [[[UInt8]]], finish: (ArraySlice<RedisReply>) -> Result<Out, SessionError>,
            applied: ((ArraySlice<RedisReply>) -> Result<Out, SessionError>?)? = nil)
    }

    /// Runs a batch of per-key changes as optimistic transactions: WATCH the keys, read each key's
    /// state with `read`, let `decide` choose each item's commands, and run them in MULTI/EXEC on
    /// the node of the keys (one transaction for one server; one per hash slot in a cluster). When
    /// the app changed a watched key meanwhile, EXEC does nothing and the item is read and decided
    /// again, so `decide` always sees what the commands will change (an item whose revision no
    /// longer matches is then a conflict). When the outcome of EXEC is unknown (the connection or
    /// the master was lost), the item is read again and, unless its `applied` check finds the write
    /// there, decided again. A key named twice is done in turn.
    ///
    /// `keys` names the key each item is routed and watched by (default: the key of its id); a
    /// layout whose session is a group of keys passes the group's anchor.
    func transact<Out>(
        ids: [String], keys: [[UInt8]]? = nil, read: ([UInt8]) -> [[[UInt8]]], decide: (Int, ArraySlice<RedisReply>) -> Step<Out>
    ) throws(SessionError) -> [Result<Out, SessionError>] {
        let keys = keys ?? ids.map(key)
        var results = [Result<Out, SessionError>?](repeating: nil, count: ids.count)
        var remaining = Array(ids.indices)
        while !remaining.isEmpty {
            var seen = Set<[UInt8]>()
            var items: [Int] = [], later: [Int] = []
            for i in remaining {
                if seen.insert(keys[i]).inserted { items.append(i) } else { later.append(i) }
            }
            let round = TransactionRound<Out>(self, ids: ids, items: items, keys: items.map { keys[$0] })
            try run {
                try router.transact(
                    keys: round.keys, reads: read, decide: { unit, replies in round.decide(unit, replies, decide) },
                    settle: { unit, outcome in round.settle(unit, outcome) })
            }
            for (i, result) in round.results { results[i] = result }
            remaining = later
        }
        return results.map { $0! }
    }

    /// The indices of the valid ids; `invalid` is called for each other one.
    func validIndices(_ ids: [String], invalid: (Int, SessionError) -> Void) -> [Int] {
        var valid: [Int] = []
        for (i, id) in ids.enumerated() {
            do throws(SessionError) {
                try validate(id: id)
                valid.append(i)
            } catch {
                invalid(i, error)
            }
        }
        return valid
    }

    /// What a session key holds, as a layout reads it: nothing, something that is not one of its
    /// sessions (and why), or its stored form with the key's expiry.
    enum KeyState<Stored> {
        case missing
        case notSession(String)
        case stored(Stored, Expiry)
    }

    /// `load` of a layout: each valid id's key read with `read`, its replies turned into a
    /// `state`, and a stored one into its `session`.
    func load<Stored>(
        _ ids: [String], read: ([UInt8]) -> [[[UInt8]]],
        state: (ArraySlice<RedisReply>, [UInt8], Int64) -> Result<KeyState<Stored>, SessionError>,
        session: (_ id: String, _ key: [UInt8], Stored, Expiry) -> Result<Session, SessionError>
    ) throws(SessionError) -> [LoadResult] {
        var results = [LoadResult?](repeating: nil, count: ids.count)
        let valid = validIndices(ids) { i, error in results[i] = .broken(error) }
        let keys = valid.map { key(ids[$0]) }
        let replies = try self.read(keys, read)
        let now = clock.nowMillis()
        for (n, i) in valid.enumerated() {
            switch state(replies[n], keys[n], now) {
            case .failure(let e): results[i] = .broken(e)
            case .success(.missing): results[i] = .missing
            case .success(.notSession(let reason)):
                results[i] = .broken(.notASession(store: displayName, key: Self.text(keys[n]), reason: reason))
            case .success(.stored(let stored, let expiry)):
                switch session(ids[i], keys[n], stored, expiry) {
                case .success(let s): results[i] = .found(s)
                case .failure(let e): results[i] = .broken(e)
                }
            }
        }
        return results.map { $0! }
    }

    /// `delete` of a layout: DEL of the `keys` of each id's key that holds one of its sessions,
    /// under WATCH/MULTI/EXEC; after an outcome that is unknown, a key read back as gone was deleted.
    func delete<Stored>(
        _ ids: [String], read: ([UInt8]) -> [[[UInt8]]],
        state: @escaping (ArraySlice<RedisReply>, [UInt8], Int64) -> Result<KeyState<Stored>, SessionError>,
        keys: ([UInt8]) -> [[UInt8]]
    ) throws(SessionError) -> [Result<Bool, SessionError>] {
        try batch(ids, read: read, state: state) { _, key, current, _ in
            switch current {
            case .missing: return .done(.success(false))
            case .notSession(let reason): return notSession(key, reason)
            case .stored:
                return deleteStep(keys(key)) { [self] replies in
                    if case .success(.missing) = state(replies, key, clock.nowMillis()) { return true }
                    return false
                }
            }
        }
    }

    /// `delete(unchanged:)` of a layout: as `delete`, each key only while `revision` of what it
    /// stores is still the session's revision (else a conflict).
    func delete<Stored>(
        unchanged sessions: [(id: String, revision: Revision)], read: ([UInt8]) -> [[[UInt8]]],
        state: @escaping (ArraySlice<RedisReply>, [UInt8], Int64) -> Result<KeyState<Stored>, SessionError>,
        keys: ([UInt8]) -> [[UInt8]], revision: (Stored) -> [UInt8]
    ) throws(SessionError) -> [Result<Bool, SessionError>] {
        try batch(sessions.map(\.id), read: read, state: state) { i, key, current, _ in
            switch current {
            case .missing: return .done(.success(false))
            case .notSession(let reason): return notSession(key, reason)
            case .stored(let stored, _):
                guard Bytes.equal(revision(stored), sessions[i].revision.bytes) else {
                    return .done(.failure(.conflict(store: displayName, id: sessions[i].id)))
                }
                return deleteStep(keys(key))
            }
        }
    }

    /// `transact` over session ids, each checked first, with each key's replies turned into the
    /// layout's `state` before `decide` (which gets the item's index in `ids`).
    func batch<State, Out>(
        _ ids: [String], read: ([UInt8]) -> [[[UInt8]]],
        state: (ArraySlice<RedisReply>, [UInt8], Int64) -> Result<State, SessionError>,
        decide: (Int, [UInt8], State, Int64) -> Step<Out>
    ) throws(SessionError) -> [Result<Out, SessionError>] {
        var results = [Result<Out, SessionError>?](repeating: nil, count: ids.count)
        let valid = validIndices(ids) { i, error in results[i] = Result<Out, SessionError>.failure(error) }
        let done = try transact(ids: valid.map { ids[$0] }, read: read) { (n: Int, replies: ArraySlice<RedisReply>) -> Step<Out> in
            let key = key(ids[valid[n]])
            let now = clock.nowMillis()
            switch state(replies, key, now) {
            case .failure(let e): return .done(.failure(e))
            case .success(let s): return decide(valid[n], key, s, now)
            }
        }
        for (n, i) in valid.enumerated() { results[i] = done[n] }
        return results.map { $0! }
    }

    /// The refusal of a key that holds something other than a session; it is never touched.
    func notSession<Out>(_ key: [UInt8], _ reason: String) -> Step<Out> {
        .done(.failure(.notASession(store: displayName, key: Self.text(key), reason: reason)))
    }

    /// DEL of a session's `keys` (the first the one it is stored at), true when it removed any.
    /// `gone`, given the key's state read again after a delete whose outcome was unknown, says
    /// whether the session is already gone.
    func deleteStep(_ keys: [[UInt8]], gone: ((ArraySlice<RedisReply>) -> Bool)? = nil) -> Step<Bool> {
        .write(
            [Self.command("DEL") + keys],
            finish: { [self] replies in
                if let e = firstError(replies, key: keys[0]) { return .failure(e) }
                return .success((replies.first?.int ?? 0) > 0)
            }, applied: gone.map { gone in { replies in gone(replies) ? .success(true) : nil } })
    }

    /// `commands` (nothing to write when empty), reporting success: a change of lifetime.
    func expiryStep(_ commands: [[[UInt8]]], key: [UInt8]) -> Step<Bool> {
        if commands.isEmpty { return .done(.success(true)) }
        return .write(
            commands,
            finish: { [self] replies in
                if let e = firstError(replies, key: key) { return .failure(e) }
                return .success(true)
            })
    }

    func firstError(_ replies: ArraySlice<RedisReply>, key: [UInt8]) -> SessionError? {
        for r in replies { if case .error(let message) = r { return replyError(message, key: key) } }
        return nil
    }

    /// The commands that give a key the lifetime `update` asks for, when it differs from `current`
    /// (nil for a key that is being created).
    func expiryCommands(_ update: ExpiryUpdate, key: [UInt8], current: Expiry?, now: Int64) -> [[[UInt8]]] {
        switch update {
        case .keep:
            return current == nil ? [Self.command("PEXPIRE", key, Self.number(options.defaultLifetimeMillis))] : []
        case .set(.never):
            return current == nil || current == .never ? [] : [Self.command("PERSIST", key)]
        case .set(.at(let t)):
            // PEXPIRE with no time left removes the key: the session ends now.
            return [Self.command("PEXPIRE", key, Self.number(max(t.subtractingClamped(now), 0)))]
        }
    }

}
