/// What happened to a session, as `watch` reports it.
public enum SessionChange: String, Sendable, CaseIterable {
    /// A session that was not there is there.
    case created
    /// A session that was there was written again (its data, or its lifetime).
    case changed
    /// A session was removed (by the app, or by an admin).
    case deleted
    /// A session's lifetime ran out (Redis expired its key; a File session passed its max age).
    case expired
}

/// One thing that happened to one session.
public struct SessionEvent: Sendable, Equatable {
    /// When the watcher saw it, in Unix milliseconds.
    public var time: Int64
    public var change: SessionChange
    public var id: String

    public init(time: Int64, change: SessionChange, id: String) {
        self.time = time
        self.change = change
        self.id = id
    }
}

/// A stretch of time in which the watcher could not see what happened (a subscriber the server
/// disconnected, a failover, a master that left a cluster): events of it may be missing, and the
/// watcher says so instead of missing them silently.
public struct WatchGap: Sendable, Equatable {
    /// Unix milliseconds.
    public var from: Int64
    public var to: Int64
    /// Why, in one line (e.g. `the server closed the subscriber (output buffer limit)`).
    public var reason: String

    public init(from: Int64, to: Int64, reason: String) {
        self.from = from
        self.to = to
        self.reason = reason
    }
}

/// What a watch hands over as it runs.
public enum WatchSignal: Sendable, Equatable {
    case event(SessionEvent)
    case gap(WatchGap)
    /// Something the operator should know that is neither (notifications turned on, a new master
    /// subscribed after a failover), one line.
    case notice(String)
}

public struct WatchOptions: Sendable {
    /// Redis: turn on the `notify-keyspace-events` flags the watch needs that are off (CONFIG SET)
    /// and put the previous value back when the watch ends (normally, on Ctrl-C, on SIGTERM).
    public var enableNotifications = false

    public init(enableNotifications: Bool = false) {
        self.enableNotifications = enableNotifications
    }
}

/// A store whose sessions can be watched as they change (see `StoreAbilities.watching`).
public protocol SessionWatching {
    /// Hands `handle` every change of a session whose id matches the glob `pattern` (all when nil)
    /// from now on, until `handle` returns `.stop` or `shouldStop()` (polled at least every 100 ms,
    /// e.g. on Ctrl-C) turns true; then cleans up (a server setting it changed is put back) and
    /// returns. Throws when the watch cannot start, with the one-line reason (e.g. which
    /// `notify-keyspace-events` flags a Redis server needs).
    func watch(
        matching pattern: String?, options: WatchOptions, shouldStop: () -> Bool,
        _ handle: (WatchSignal) throws -> ScanControl
    ) throws
}
