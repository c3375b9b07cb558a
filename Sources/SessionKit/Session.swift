import Synchronization

/// When a session stops being valid.
public enum Expiry: Sendable, Equatable {
    /// The session never expires (a Redis key without a TTL).
    case never
    /// The session expires at this instant, in Unix milliseconds.
    case at(Int64)

    /// Milliseconds left at `now`, negative once expired (clamped to `Int64`'s range); nil for `.never`.
    public func remaining(now: Int64) -> Int64? {
        if case .at(let t) = self { return t.subtractingClamped(now) }
        return nil
    }

    /// Expired when the instant lies strictly before `now` (GoFrame: `ts + ttl < now`).
    public func isExpired(now: Int64) -> Bool {
        if case .at(let t) = self { return t < now }
        return false
    }
}

/// An opaque token for the exact state of a session as it was read, used to refuse a write
/// when someone else changed the session in between.
public struct Revision: Sendable, Equatable {
    public let bytes: [UInt8]
    /// The data as decoded from `bytes`, so a write need not decode them again.
    let data: JSONObject?

    public init(_ bytes: [UInt8], data: JSONObject? = nil) {
        self.bytes = bytes
        self.data = data
    }

    public static func == (a: Revision, b: Revision) -> Bool { Bytes.equal(a.bytes, b.bytes) }
}

/// One session: its id, its data and when it expires, plus what the store knows about it.
public struct Session: Sendable {
    public var id: String
    /// The session's keys and values. A store may keep them as the JSON text it read until they
    /// are first used (`canonicalJSON`); reading and setting them works the same either way.
    public var data: JSONObject {
        get { lazyData?.object ?? storedData }
        set {
            storedData = newValue
            lazyData = nil
        }
    }
    private var storedData: JSONObject
    private var lazyData: LazyJSONObject?
    public var expiry: Expiry
    /// The last write or touch, in Unix milliseconds, where the store records it (File).
    public var lastWrite: Int64?
    /// Bytes the session takes in the store (the stored body or value).
    public var size: Int
    /// The escape style the stored JSON used, kept on write.
    public var escapeStyle: JSONEscapeStyle
    /// The state as read; nil for a session that was not read from a store.
    public var revision: Revision?
    /// What a Redis hash kept of the session beyond `data`: each key's exact bytes (see
    /// `Session+HashBytes.swift`); nil for a session of another layout.
    public var hashBytes: HashSessionBytes?
    /// What the layout of a Go app (SCS, redistore) kept of the session beyond `data`: its Go
    /// types, deadline and stored value (see `Session+GoState.swift`); nil for a GoFrame session.
    public var goState: GoSessionState?
    /// What a trpc-agent-go session keeps beyond its state (see `Session.agent`).
    var agentParts: AgentPartsBox?

    public init(
        id: String, data: JSONObject, expiry: Expiry, lastWrite: Int64? = nil, size: Int = 0,
        escapeStyle: JSONEscapeStyle = .modern, revision: Revision? = nil,
        rawValues: [String: [UInt8]] = [:], undecodableKeys: [String] = [],
        goTypes: GoTypes? = nil, deadline: GoTime? = nil
    ) {
        self.id = id
        self.storedData = data
        self.expiry = expiry
        self.lastWrite = lastWrite
        self.size = size
        self.escapeStyle = escapeStyle
        self.revision = revision
        if !rawValues.isEmpty || !undecodableKeys.isEmpty {
            hashBytes = HashSessionBytes(rawValues: rawValues, undecodableKeys: undecodableKeys)
        }
        if goTypes != nil || deadline != nil { goState = GoSessionState(goTypes: goTypes, deadline: deadline) }
    }

    /// A session whose data is JSON text exactly as Go's encoder writes it (`GoJSONCanonical`),
    /// parsed only when `data` is first read.
    init(
        id: String, canonicalJSON text: ArraySlice<UInt8>, members: Int, style: JSONEscapeStyle, expiry: Expiry,
        lastWrite: Int64? = nil, size: Int, revision: Revision?
    ) {
        self.id = id
        self.storedData = JSONObject()
        self.lazyData = LazyJSONObject(text: text, members: members, style: style)
        self.expiry = expiry
        self.lastWrite = lastWrite
        self.size = size
        self.escapeStyle = style
        self.revision = revision
    }

    /// The JSON text of `data` exactly as Go's encoder writes it in `escapeStyle`, when the store
    /// read it so and `data` has not been set since: a store that keeps JSON text can write it
    /// as it is.
    public var canonicalJSON: ArraySlice<UInt8>? {
        guard let lazyData, lazyData.style == escapeStyle else { return nil }
        return lazyData.text
    }

    /// The number of keys, without parsing text not parsed yet.
    public var keyCount: Int { lazyData?.members ?? storedData.count }
}

/// The exact stored value of a session kept as one value in its framework's own format (SCS,
/// redistore, connect-redis, PHP, Flask-Session), with the layout that stored it.
public struct StoredBlob: Sendable {
    /// The layout that stored it (an export line's `layout`).
    public var layout: SessionLayout
    /// The serializer that wrote it (one of the layout's `readSerializers`: redistore `gob` or
    /// `json`, PHP `php` or `php_serialize`, Flask-Session `msgpack`, `json` or `pickle`), when known.
    public var serializer: String?
    public var bytes: [UInt8]
    /// Where it was read (a store, `stdin: line 3`), for messages.
    public var location: String
    /// What the bytes hold, once a store of `layout` read them: while a session holds exactly
    /// this (and, SCS, is written with this Deadline), that store writes `bytes` as they are.
    /// nil for a blob from an export line that no store has read yet.
    var holds: Holds?

    struct Holds: Sendable {
        var data: JSONObject
        var values: GobSessionValues?
        var deadline: GoTime?
    }

    public init(layout: SessionLayout, serializer: String?, bytes: [UInt8], location: String) {
        self.layout = layout
        self.serializer = serializer
        self.bytes = bytes
        self.location = location
    }

    /// True once a store of its layout has read it.
    public var isRead: Bool { holds != nil }

    /// Whether `data` is still what the bytes hold (an export writes the blob only then).
    public func holds(_ data: JSONObject) -> Bool { holds?.data == data }

    /// The bytes, when a store of `layout` read them and `data` is exactly what they hold: a
    /// write of `data` to a store of that layout stores them as they are.
    func bytes(of layout: SessionLayout, holding data: JSONObject) -> [UInt8]? {
        self.layout == layout && holds(data) ? bytes : nil
    }

    /// The bytes to write for a session of `data`, gob `values` and SCS `deadline`, when they
    /// are exactly what the bytes hold.
    func verbatim(data: JSONObject, values: GobSessionValues?, deadline: GoTime?) -> [UInt8]? {
        guard let holds, holds.deadline == deadline, holds.values?.entries == values?.entries, holds.data == data else { return nil }
        return bytes
    }
}

/// Session data kept as canonical JSON text, parsed once, on first use, by whichever thread
/// asks first.
final class LazyJSONObject: Sendable {
    let text: ArraySlice<UInt8>
    let members: Int
    let style: JSONEscapeStyle
    private let parsed = Mutex<JSONObject?>(nil)

    init(text: ArraySlice<UInt8>, members: Int, style: JSONEscapeStyle) {
        self.text = text
        self.members = members
        self.style = style
    }

    var object: JSONObject {
        parsed.withLock { cached in
            if let cached { return cached }
            let result = text.withUnsafeBufferPointer { buf -> JSONObject? in
                guard case .object(let o)? = try? JSONParser.parseDocument(buf).value else { return nil }
                return o
            }
            // GoJSONCanonical accepted the text, and it accepts only what JSONParser reads as an
            // object, within the same limits (size and depth: `JSONParser.Limits`).
            guard let result else { preconditionFailure("canonical JSON text that does not parse") }
            cached = result
            return result
        }
    }
}

/// What a scan reports about one session without handing over its data.
public struct SessionInfo: Sendable {
    public var id: String
    public var size: Int
    /// The number of keys, when the scan read the data.
    public var keyCount: Int?
    /// nil when the session is too broken to tell, or when a light scan (`ScanDetail.ids`) of a
    /// store that removes expired sessions itself did not read it.
    public var expiry: Expiry?
    public var lastWrite: Int64?
    /// Why the session cannot be read, for a corrupt one; nil for a good one.
    public var problem: String?
    /// SCS: the deadline inside the value, in Unix milliseconds (see `Session.deadline`).
    public var deadline: Int64?
    /// trpc-agent-go: what `list` shows of an agent session; nil for other layouts.
    public var agent: AgentListing?

    public init(id: String, size: Int, keyCount: Int?, expiry: Expiry?, lastWrite: Int64?, problem: String? = nil, deadline: Int64? = nil) {
        self.id = id
        self.size = size
        self.keyCount = keyCount
        self.expiry = expiry
        self.lastWrite = lastWrite
        self.problem = problem
        self.deadline = deadline
    }

    public init(_ session: Session) {
        self.init(
            id: session.id, size: session.size, keyCount: session.keyCount,
            expiry: session.expiry, lastWrite: session.lastWrite, deadline: session.deadline?.unixMillis)
        agent = session.agent.map(AgentListing.init)
    }
}

/// A key under a store's namespace that is not a session (Redis: wrong type, not a JSON object).
public struct SkippedKey: Sendable {
    public var key: String
    public var reason: String
    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }
}

/// One page of a scan.
public struct ScanPage: Sendable {
    public var sessions: [SessionInfo]
    public var skipped: [SkippedKey]
    public init(sessions: [SessionInfo] = [], skipped: [SkippedKey] = []) {
        self.sessions = sessions
        self.skipped = skipped
    }
}

/// A session that exists but cannot be read.
public struct BrokenSession: Sendable {
    public var id: String
    /// Where and why, in one line.
    public var error: SessionError
    public init(id: String, error: SessionError) {
        self.id = id
        self.error = error
    }
}

/// One page of `scanSessions`: whole sessions, with the broken ones and skipped keys apart.
public struct SessionPage: Sendable {
    public var sessions: [Session]
    public var broken: [BrokenSession]
    public var skipped: [SkippedKey]
    public init(sessions: [Session] = [], broken: [BrokenSession] = [], skipped: [SkippedKey] = []) {
        self.sessions = sessions
        self.broken = broken
        self.skipped = skipped
    }
}

/// The result of loading one session.
public enum LoadResult: Sendable {
    case found(Session)
    case missing
    /// The session exists but cannot be read; the error says where and why.
    case broken(SessionError)
}

/// How a write treats an existing session.
public enum WriteMode: Sendable, Equatable {
    /// Only if no session has the id.
    case create
    /// Only if the session exists and, when the written session carries a revision, is still
    /// exactly as read.
    case update
    /// Whatever is there.
    case upsert
}

/// What a write does with the session's lifetime.
public enum ExpiryUpdate: Sendable, Equatable {
    /// Keep the lifetime the session has (a new session gets the store's default lifetime).
    case keep
    /// Set this expiry.
    case set(Expiry)
}

/// One write in a batch.
public struct SessionWrite: Sendable {
    public var session: Session
    public var mode: WriteMode
    public var expiry: ExpiryUpdate
    public init(_ session: Session, mode: WriteMode, expiry: ExpiryUpdate = .keep) {
        self.session = session
        self.mode = mode
        self.expiry = expiry
    }
}
