import RedisClient

#if canImport(Glibc)
    import Glibc
#endif

/// One keyspace notification: the key and the event (`new`, `set`, `expire`, `del`, `expired`…).
struct KeyspaceMessage {
    var key: [UInt8]
    var event: String
}

/// What the keys of a Redis store say about its sessions, for a keyspace watch.
protocol KeyspaceSessionMapper: AnyObject {
    /// Key globs (Redis globs, the prefix escaped) subscribed under `__keyspace@<db>__:`.
    var keyPatterns: [[UInt8]] { get }
    /// The type flags of `notify-keyspace-events` the store's keys need (`$`, `h`, `$hzs`).
    var typeFlags: String { get }
    /// Reads what must be known before events can be understood; runs once subscribed.
    func prepare() throws
    /// The session changes one burst of messages from one master (`source`, the same number for
    /// as long as its subscriber lives) makes, in order. `idle`: the subscriber has nothing more
    /// to read now, so a change kept back to see what follows it is complete. A burst may end
    /// in the middle of one command's messages.
    func changes(_ burst: [KeyspaceMessage], source: Int, idle: Bool) throws -> [(change: SessionChange, id: String)]
}

/// `notify-keyspace-events` as flags: what a watch needs, what a server has.
enum KeyspaceFlags {
    /// Keyspace channel, generic (`del`, `expire`, `rename`), expired, evicted, new keys.
    static let base = "Kgxen"
    /// What `A` stands for.
    static let all = "g$lshzxetd"

    /// The flags `value` (as CONFIG GET gives it) turns on.
    static func parse(_ value: String) -> Set<Character> {
        var out = Set<Character>()
        for c in value {
            if c == "A" { out.formUnion(all) } else { out.insert(c) }
        }
        return out
    }

    /// The flags of `needed` that `value` lacks, in the order of `needed`.
    static func missing(_ needed: String, in value: String) -> String {
        let have = parse(value)
        return String(needed.filter { !have.contains($0) })
    }
}

/// Watches a Redis store's sessions through keyspace notifications: one subscriber per master
/// (`PSUBSCRIBE __keyspace@<db>__:<prefix>…`), read with a short poll so `shouldStop` is seen
/// every 100 ms. Masters are looked up again every second (a cluster's new masters after a
/// failover or reshard, Sentinel's new master); a subscriber the server closed is opened again.
/// Any stretch in which some master was not watched is handed over as a `.gap`.
final class RedisKeyspaceWatch {
    let core: RedisStoreCore
    let mapper: any KeyspaceSessionMapper

    /// How often the masters are looked up again (cluster, Sentinel), in milliseconds.
    static let topologyInterval: Int64 = 1000
    /// How long one poll waits, in milliseconds (`shouldStop` is checked between polls).
    static let pollMillis = 100

    init(core: RedisStoreCore, mapper: any KeyspaceSessionMapper) {
        self.core = core
        self.mapper = mapper
    }

    private final class Subscriber {
        let endpoint: RedisEndpoint
        let connection: RedisConnection
        /// Wall-clock millis of the last time everything it had was read.
        var caughtUpAt: Int64
        /// Numbers the subscriber for the mapper (a new one for each connection).
        let source: Int

        init(endpoint: RedisEndpoint, connection: RedisConnection, now: Int64, source: Int) {
            self.source = source
            self.endpoint = endpoint
            self.connection = connection
            self.caughtUpAt = now
        }
    }

    private var needed: String { KeyspaceFlags.base + mapper.typeFlags }
    private var channelHead: [UInt8] { Array("__keyspace@\(core.options.connection.db)__:".utf8) }
    private var store: String { core.displayName }

    private var sources = 0

    /// The previous `notify-keyspace-events` of every server the watch changed.
    private var changed: [(endpoint: RedisEndpoint, previous: String)] = []

    func run(options: WatchOptions, shouldStop: () -> Bool, _ handle: (WatchSignal) throws -> ScanControl) throws {
        changed = []
        do {
            try watch(options: options, shouldStop: shouldStop, handle)
        } catch {
            _ = restore()
            throw error
        }
        if let problem = restore() { throw problem }
    }

    /// Puts every changed `notify-keyspace-events` back; the first failure, as a one-line error.
    private func restore() -> SessionError? {
        var problem: SessionError?
        for (endpoint, previous) in changed.reversed() {
            do {
                let c = try RedisConnection(core.options.connection.with(endpoint: endpoint))
                let reply = try c.command("CONFIG", "SET", "notify-keyspace-events", previous)
                if let message = reply.errorMessage { throw RedisError(.server, message) }
            } catch {
                let why = (error as? RedisError)?.message ?? "\(error)"
                problem = problem ?? .storeUnavailable(store: store, reason: "could not put notify-keyspace-events back to '\(previous)' on \(endpoint): \(why); set it by hand")
            }
        }
        changed = []
        return problem
    }

    /// Checks (and with `enable`, turns on) the flags the watch needs on one master.
    private func checkFlags(_ connection: RedisConnection, endpoint: RedisEndpoint, enable: Bool, notices: inout [String]) throws {
        let reply = try connection.command("CONFIG", "GET", "notify-keyspace-events")
        guard let items = reply.array, items.count == 2, let current = items[1].string else {
            let why = reply.errorMessage ?? "no value"
            notices.append("cannot read notify-keyspace-events on \(endpoint) (\(why)); make sure it holds '\(needed)'")
            return
        }
        let missing = KeyspaceFlags.missing(needed, in: current)
        if missing.isEmpty { return }
        guard enable else {
            throw SessionError.unsupported(
                store: store,
                reason:
                    "keyspace notifications are off on \(endpoint) (notify-keyspace-events '\(current)', watch needs '\(needed)', missing '\(missing)'): run CONFIG SET notify-keyspace-events '\(current + missing)' there, or give --enable-notifications"
            )
        }
        let set = try connection.command("CONFIG", "SET", "notify-keyspace-events", current + missing)
        if let message = set.errorMessage {
            throw SessionError.storeUnavailable(store: store, reason: "CONFIG SET notify-keyspace-events \(current + missing) on \(endpoint) failed: \(message)")
        }
        changed.append((endpoint, current))
        notices.append("turned on notify-keyspace-events '\(missing)' on \(endpoint) (was '\(current)'; put back when watch ends)")
    }

    private func subscribe(_ endpoint: RedisEndpoint, enable: Bool, notices: inout [String]) throws -> Subscriber {
        let connection = try RedisConnection(core.options.connection.with(endpoint: endpoint))
        try checkFlags(connection, endpoint: endpoint, enable: enable, notices: &notices)
        let head = channelHead
        let patterns = mapper.keyPatterns.map { head + $0 }
        let replies = try connection.pipeline([[Array("PSUBSCRIBE".utf8)] + patterns])
        if let message = replies.first?.errorMessage {
            throw SessionError.storeUnavailable(store: store, reason: "PSUBSCRIBE on \(endpoint) failed: \(message)")
        }
        // The other patterns' confirmations come as pushes and are skipped with the messages.
        sources += 1
        return Subscriber(endpoint: endpoint, connection: connection, now: SystemTime.nowMillis(), source: sources)
    }

    private func watch(options: WatchOptions, shouldStop: () -> Bool, _ handle: (WatchSignal) throws -> ScanControl) throws {
        let router = core.router
        let followsTopology = router.deployment != .server
        var notices: [String] = []
        var subscribers: [Subscriber] = []
        do {
            for endpoint in try router.masterEndpoints() {
                subscribers.append(try subscribe(endpoint, enable: options.enableNotifications, notices: &notices))
            }
        } catch let error as RedisError {
            throw SessionError.storeUnavailable(store: store, reason: error.message)
        }
        var known = Set(subscribers.map(\.endpoint))
        try core.run { try mapper.prepare() }
        for n in notices where try handle(.notice(n)) == .stop { return }
        notices = []

        var blindSince: Int64?
        var blindReasons: [String] = []
        var lastSync = SystemTime.nowMillis()
        var nextSync = Monotonic.now() + Self.topologyInterval
        var burst: [KeyspaceMessage] = []
        let head = channelHead

        func blind(from: Int64, _ reason: String) {
            blindSince = min(blindSince ?? from, from)
            if !blindReasons.contains(reason) { blindReasons.append(reason) }
        }

        while !shouldStop() {
            // Read every subscriber dry, a burst at a time.
            var lost: [Int] = []
            for (i, sub) in subscribers.enumerated() {
                do {
                    burst.removeAll(keepingCapacity: true)
                    var idle = true
                    while let reply = try sub.connection.nextPush(waitMillis: 0) {
                        if let m = Self.message(reply, head: head) { burst.append(m) }
                        if burst.count >= 10_000 {
                            idle = false
                            break
                        }
                    }
                    if idle { sub.caughtUpAt = SystemTime.nowMillis() }
                    if burst.isEmpty { continue }
                    let now = SystemTime.nowMillis()
                    for (change, id) in try core.run({ try mapper.changes(burst, source: sub.source, idle: idle) }) {
                        if try handle(.event(SessionEvent(time: now, change: change, id: id))) == .stop { return }
                    }
                } catch let error as RedisError {
                    blind(from: sub.caughtUpAt, "the subscriber on \(sub.endpoint) was disconnected (\(error.message))")
                    lost.append(i)
                }
            }
            if !lost.isEmpty {
                for i in lost.reversed() { subscribers.remove(at: i) }
                nextSync = Monotonic.now()
            }

            // Follow the masters: every second, and at once while one is not watched.
            if Monotonic.now() >= nextSync {
                let syncStart = SystemTime.nowMillis()
                do {
                    let masters = followsTopology ? try router.rediscoverMasters() : try router.masterEndpoints()
                    let gone = subscribers.filter { !masters.contains($0.endpoint) }
                    if !gone.isEmpty {
                        blind(from: lastSync, "\(gone.map { "\($0.endpoint)" }.joined(separator: ", ")) no longer a master")
                        subscribers.removeAll { !masters.contains($0.endpoint) }
                    }
                    for endpoint in masters where !subscribers.contains(where: { $0.endpoint == endpoint }) {
                        if !known.contains(endpoint) { blind(from: lastSync, "\(endpoint) became a master") }
                        do {
                            subscribers.append(try subscribe(endpoint, enable: options.enableNotifications, notices: &notices))
                            if known.insert(endpoint).inserted { notices.append("watching \(endpoint) (\(subscribers.count) master\(subscribers.count == 1 ? "" : "s") now)") }
                        } catch let error as RedisError {
                            blind(from: lastSync, "cannot subscribe on \(endpoint): \(error.message)")
                        }
                    }
                    if subscribers.count == masters.count, let from = blindSince {
                        let gap = WatchGap(from: from, to: SystemTime.nowMillis(), reason: blindReasons.joined(separator: "; "))
                        blindSince = nil
                        blindReasons = []
                        if try handle(.gap(gap)) == .stop { return }
                    }
                    lastSync = syncStart
                } catch let error as RedisError {
                    blind(from: lastSync, "cannot reach the masters: \(error.message)")
                }
                for n in notices where try handle(.notice(n)) == .stop { return }
                notices = []
                nextSync = Monotonic.now() + (blindSince == nil ? Self.topologyInterval : 250)
            }
            RedisConnection.waitForInput(subscribers.map(\.connection), millis: Self.pollMillis)
        }
    }

    /// The key and event of a `pmessage`; nil for anything else (subscribe confirmations).
    static func message(_ reply: RedisReply, head: [UInt8]) -> KeyspaceMessage? {
        guard case .array(let items) = reply, items.count == 4, case .bulk(let kind) = items[0], kind == Self.pmessage,
            case .bulk(let channel) = items[2], channel.starts(with: head), case .bulk(let event) = items[3]
        else { return nil }
        return KeyspaceMessage(key: Array(channel[head.count...]), event: String(decoding: event, as: UTF8.self))
    }

    private static let pmessage = Array("pmessage".utf8)
}

/// Monotonic milliseconds, for the watch's own timers.
enum Monotonic {
    static func now() -> Int64 { Int64(SystemTime.monotonicSeconds() * 1000) }

    static func sleep(milliseconds: Int64) {
        guard milliseconds > 0 else { return }
        var ts = timespec(tv_sec: Int(milliseconds / 1000), tv_nsec: Int(milliseconds % 1000) * 1_000_000)
        nanosleep(&ts, nil)
    }
}
