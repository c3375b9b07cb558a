import RedisClient

/// How a Redis store is reached and where its sessions live.
public struct RedisStoreOptions: Sendable {
    public var connection: RedisConnectOptions
    /// Put before every session id to make its key, with no separator (GoFrame's default is empty).
    public var prefix: String
    /// The lifetime of a session created without an explicit expiry: the app's max age.
    public var defaultLifetimeMillis: Int64
    /// `layout=redistore&serializer=json`: new sessions are written with redistore's JSON
    /// serializer (each existing one keeps its own format).
    public var jsonSerializer = false

    public init(connection: RedisConnectOptions, prefix: String = "", defaultLifetimeMillis: Int64 = 86_400_000) {
        self.connection = connection
        self.prefix = prefix
        self.defaultLifetimeMillis = defaultLifetimeMillis
    }
}

/// What the Redis layouts share: the connection, keys and ids, error mapping, the paged SCAN with
/// metadata pipelines, and batches of writes under WATCH/MULTI/EXEC. The layouts (`RedisKVStore`,
/// `RedisHashStore`) say how a session is read from and written to its key.
final class RedisStoreCore {
    let options: RedisStoreOptions
    let displayName: String
    let clock: Clock
    let connection: RedisConnection
    let prefixBytes: [UInt8]

    /// How often a batch is tried again when the app changed one of its keys between read and write.
    static let maxAttempts = 8

    init(options: RedisStoreOptions, displayName: String, clock: Clock) throws(SessionError) {
        self.options = options
        self.displayName = displayName
        self.clock = clock
        self.prefixBytes = Array(options.prefix.utf8)
        do {
            connection = try RedisConnection(options.connection)
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
        return .at(now &+ ms)
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
        if message.hasPrefix("NOAUTH") || message.hasPrefix("NOPERM") || message.hasPrefix("WRONGPASS") {
            return .storeUnavailable(store: displayName, reason: message)
        }
        return .io(location: location(key), reason: "Redis answered: \(message)")
    }

    // MARK: Reading a batch

    /// Sends `read(key)` for every key in one pipeline and returns each key's replies.
    func read(_ keys: [[UInt8]], _ read: ([UInt8]) -> [[[UInt8]]]) throws(SessionError) -> [ArraySlice<RedisReply>] {
        guard !keys.isEmpty else { return [] }
        let perKey = read(keys[0]).count
        let commands = keys.flatMap(read)
        let replies = try run { try connection.pipeline(commands) }
        return (0..<keys.count).map { replies[($0 * perKey)..<(($0 + 1) * perKey)] }
    }

    // MARK: Writing a batch

    /// What to do for one item of a batch, given its key's state as read under WATCH.
    enum Step<Out> {
        /// Nothing to write: a refusal, or already as asked.
        case done(Result<Out, SessionError>)
        /// Queue these commands in the transaction; `finish` reads their replies from EXEC.
        case write([[[UInt8]]], finish: (ArraySlice<RedisReply>) -> Result<Out, SessionError>)
    }

    /// Runs a batch of per-key changes as one optimistic transaction: WATCH every key, read each
    /// key's state with `read`, let `decide` choose each item's commands, and run them all in
    /// MULTI/EXEC. When the app changed a watched key meanwhile, EXEC does nothing and the batch is
    /// read and decided again, so `decide` always sees what the commands will change (an item
    /// whose revision no longer matches is then a conflict). A key named twice is done in turn.
    func transact<Out>(
        ids: [String], read: ([UInt8]) -> [[[UInt8]]], decide: (Int, ArraySlice<RedisReply>) -> Step<Out>
    ) throws(SessionError) -> [Result<Out, SessionError>] {
        var results = [Result<Out, SessionError>?](repeating: nil, count: ids.count)
        var remaining = Array(ids.indices)
        while !remaining.isEmpty {
            var seen = Set<String>()
            var round: [Int] = [], later: [Int] = []
            for i in remaining {
                if seen.insert(ids[i]).inserted { round.append(i) } else { later.append(i) }
            }
            var attempt = 0
            while !round.isEmpty {
                attempt += 1
                if attempt > Self.maxAttempts {
                    for i in round { results[i] = .failure(.conflict(store: displayName, id: ids[i])) }
                    break
                }
                let keys = round.map { key(ids[$0]) }
                let perKey = read(keys[0]).count
                let replies = try run { try connection.pipeline([[Array("WATCH".utf8)] + keys] + keys.flatMap(read)) }
                if case .error(let message) = replies[0] { throw replyError(message, key: keys[0]) }
                var writes: [(item: Int, commands: [[[UInt8]]], finish: (ArraySlice<RedisReply>) -> Result<Out, SessionError>)] = []
                for (n, i) in round.enumerated() {
                    let start = 1 + n * perKey
                    switch decide(i, replies[start..<start + perKey]) {
                    case .done(let r): results[i] = r
                    case .write(let commands, let finish): writes.append((i, commands, finish))
                    }
                }
                if writes.isEmpty {
                    _ = try run { try connection.command("UNWATCH") }
                    break
                }
                let queued = [[Array("MULTI".utf8)]] + writes.flatMap(\.commands) + [[Array("EXEC".utf8)]]
                let answers = try run { try connection.pipeline(queued) }
                switch answers.last! {
                case .null:
                    round = writes.map(\.item)  // a watched key changed: read and decide again
                    continue
                case .array(let execReplies) where execReplies.count == queued.count - 2:
                    var offset = 0
                    for w in writes {
                        results[w.item] = w.finish(execReplies[offset..<offset + w.commands.count])
                        offset += w.commands.count
                    }
                case .error(let message):
                    // A command was refused when queued (EXECABORT): say which one.
                    let refused = answers.dropFirst().dropLast().first { $0.isError }?.errorMessage ?? message
                    for w in writes { results[w.item] = .failure(replyError(refused, key: key(ids[w.item]))) }
                default:
                    throw SessionError.storeUnavailable(store: displayName, reason: "unexpected reply to EXEC")
                }
                round = []
            }
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

    /// The first error reply among a write's EXEC replies, as a failure for `key`.
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
            return [Self.command("PEXPIRE", key, Self.number(max(t &- now, 0)))]
        }
    }

}
