#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A trash file: what one operation removed or replaced, so `undo` can put it back. One file
/// per operation, `<id>.ndjson` in the trash directory (mode 0600), a JSON object per line:
///
///     {"trash":{"command":"del --where user.id=1","id":"20261206-071502-3fa9","stores":[{...}],"time":"...","undoes":null,"version":1}}
///     <export lines of the sessions about to change, as `sessctl export` writes them>
///     {"done":{"changes":[{"id":"a","kind":"removed"},{"after":"<sha256>","id":"b","kind":"replaced"}],"store":0}}
///     ... more blocks of export lines and their `done` line ...
///     {"end":{"changed":2,"time":"..."}}
///
/// `check --fix` keeps keys that are no session's instead, one `key` line each (the name and
/// its content in base64: `dump`, the `DUMP` payload of a whole key with `expires_at`; `fields`,
/// the `[name, value]` pairs removed from a hash; `members`, the `[member, score]` pairs removed
/// from a sorted set), and its `done` line names those removed in `keys`.
///
/// Each store (`stores[i]`: `name` as messages show it, `address` with any secret hidden,
/// `config` the name it has in the config file, `max_age` as given, `layout`, `secret` when the
/// address held a password or key, hidden in `address`) is named by its
/// index in the `done` lines. A block's export lines are written and synced before its sessions
/// change; its `done` line says what became of each (a session without an entry was left as it
/// was). `after` is the `RevisionDigest` of what the operation left, so undo can tell a session
/// changed since. `end` is missing when the operation was cut off.
public struct TrashHeader: Sendable, Equatable {
    public struct Store: Sendable, Equatable {
        public var name: String
        public var address: String
        public var config: String?
        public var maxAge: String?
        public var layout: String
        /// The address held a secret, hidden in `address`: undo needs it given again.
        public var secret: Bool

        public init(name: String, address: String, config: String?, maxAge: String?, layout: String, secret: Bool) {
            self.name = name
            self.address = address
            self.config = config
            self.maxAge = maxAge
            self.layout = layout
            self.secret = secret
        }
    }

    public var id: String
    public var time: Int64
    /// The command line, secrets masked.
    public var command: String
    public var stores: [Store]
    /// The operation this one undid, if it is an undo.
    public var undoes: String?

    public init(id: String, time: Int64, command: String, stores: [Store], undoes: String? = nil) {
        self.id = id
        self.time = time
        self.command = command
        self.stores = stores
        self.undoes = undoes
    }

    static let version = 1

    func line() -> [UInt8] {
        let stores: [JSONValue] = stores.map { s in
            .object(
                JSONObject([
                    ("address", .string(s.address)), ("config", s.config.map(JSONValue.string) ?? .null), ("layout", .string(s.layout)),
                    ("max_age", s.maxAge.map(JSONValue.string) ?? .null), ("name", .string(s.name)), ("secret", .bool(s.secret))
                ]))
        }
        let body = JSONObject([
            ("command", .string(command)), ("id", .string(id)), ("stores", .array(stores)), ("time", .string(Durations.rfc3339(millis: time))),
            ("undoes", undoes.map(JSONValue.string) ?? .null), ("version", .number(String(Self.version)))
        ])
        return TrashLine.encode("trash", .object(body))
    }

    init(parsing object: JSONObject, location: String) throws(SessionError) {
        func bad(_ what: String) -> SessionError { .corrupt(location: location, reason: "not a trash file header: \(what)") }
        guard case .string(let id)? = object["id"], TrashDirectory.isOperationID(id) else { throw bad("no operation id") }
        guard case .string(let t)? = object["time"], let time = Durations.parseRFC3339(t) else { throw bad("no time") }
        guard case .string(let command)? = object["command"] else { throw bad("no command") }
        guard case .array(let list)? = object["stores"], !list.isEmpty else { throw bad("no stores") }
        var stores: [Store] = []
        for item in list {
            guard case .object(let s) = item, case .string(let name)? = s["name"], case .string(let address)? = s["address"],
                case .string(let layout)? = s["layout"]
            else { throw bad("a store without name, address or layout") }
            var secret = false
            if case .bool(true)? = s["secret"] { secret = true }
            stores.append(
                Store(name: name, address: address, config: s["config"]?.stringValue, maxAge: s["max_age"]?.stringValue, layout: layout, secret: secret))
        }
        self.init(id: id, time: time, command: command, stores: stores, undoes: object["undoes"]?.stringValue)
    }
}

enum TrashLine {
    /// `{"<name>":<value>}` and a newline.
    static func encode(_ name: String, _ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        GoJSONEncoder.write(JSONObject([(name, value)]), style: .modern, into: &out)
        out.append(0x0a)
        return out
    }
}

/// Writes one operation's trash file (see `TrashHeader` for its lines). Every block is synced
/// to disk before the sessions it holds change; a write that fails (a full disk) throws, and
/// the operation stops before it changes them.
public final class TrashWriter {
    public let header: TrashHeader
    public let path: String
    private var fd: Int32
    /// Sessions the operation changed so far.
    public private(set) var changed = 0

    /// Creates the file for a new operation in `directory` (made, 0700, when missing).
    public init(directory: TrashDirectory, command: String, stores: [TrashHeader.Store], undoes: String? = nil, now: Int64) throws(SessionError) {
        try directory.ensure()
        var made: (String, Int32)?
        for _ in 0..<16 {
            let id = TrashDirectory.newOperationID(now: now)
            let path = directory.path + "/" + id + ".ndjson"
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 {
                made = (id, fd)
                break
            }
            if errno != EEXIST { throw SessionError.io(location: path, reason: "cannot create the trash file: \(String(cString: strerror(errno)))" + Self.stopped) }
        }
        guard let (id, fd) = made else { throw SessionError.io(location: directory.path, reason: "cannot find a free name for the trash file" + Self.stopped) }
        self.fd = fd
        self.path = directory.path + "/" + id + ".ndjson"
        header = TrashHeader(id: id, time: now, command: command, stores: stores, undoes: undoes)
        fchmod(fd, 0o600)
        try append(header.line())
    }

    deinit { if fd >= 0 { close(fd) } }

    static let stopped = "; nothing was changed from here on (--no-trash goes on without keeping it)"

    /// What the operation changes in store number `store` of the header is recorded through this.
    public func recorder(store: Int) -> any ChangeRecorder {
        precondition(header.stores.indices.contains(store))
        return TrashPart(writer: self, store: store, layout: SessionLayout(rawValue: header.stores[store].layout))
    }

    func append(_ bytes: [UInt8]) throws(SessionError) {
        guard fd >= 0 else { throw SessionError.io(location: path, reason: "the trash file is closed" + Self.stopped) }
        if let f = PosixFile.writeAll(fd, bytes) ?? (fdatasync(fd) == 0 ? nil : PosixFile.Failure(errno: errno)) {
            throw SessionError.io(location: path, reason: "cannot write the trash file: \(f.message)" + Self.stopped)
        }
    }

    func noteChanged(_ n: Int) { changed += n }

    /// Ends the file with its `end` line. A file of an operation that changed nothing is removed:
    /// there is nothing to undo.
    public func finish(now: Int64) {
        guard fd >= 0 else { return }
        if changed == 0 {
            close(fd)
            fd = -1
            unlink(path)
            return
        }
        let end = JSONObject([("changed", .number(String(changed))), ("time", .string(Durations.rfc3339(millis: now)))])
        try? append(TrashLine.encode("end", .object(end)))
        close(fd)
        fd = -1
    }
}

/// One store's side of a trash file.
final class TrashPart: ChangeRecorder {
    let writer: TrashWriter
    let store: Int
    let layout: SessionLayout?

    init(writer: TrashWriter, store: Int, layout: SessionLayout?) {
        self.writer = writer
        self.store = store
        self.layout = layout
    }

    func willChange(_ sessions: [Session]) throws(SessionError) {
        guard !sessions.isEmpty else { return }
        var out: [UInt8] = []
        for s in sessions { SessionNDJSON.append(s, layout: layout ?? .kv, storedText: true, to: &out) }
        try writer.append(out)
    }

    func didChange(_ changes: [TrashChange]) throws(SessionError) {
        guard !changes.isEmpty else { return }
        let list: [JSONValue] = changes.map { c in
            var o = JSONObject()
            if let after = c.after { o["after"] = .string(after) }
            o["id"] = .string(c.id)
            o["kind"] = .string(c.kind.rawValue)
            return .object(o)
        }
        try writer.append(TrashLine.encode("done", .object(JSONObject([("changes", .array(list)), ("store", .number(String(store)))]))))
        writer.noteChanged(changes.count)
    }

    func willRemove(keys: [RemovedKey]) throws(SessionError) {
        guard !keys.isEmpty else { return }
        var out: [UInt8] = []
        for k in keys {
            var o = JSONObject([("name", .string(Base64.std(k.key)))])
            switch k.content {
            case .whole(let dump, let expiresAt):
                o["dump"] = .string(Base64.std(dump))
                o["expires_at"] = expiresAt.map { .string(Durations.rfc3339(millis: $0)) } ?? .null
            case .fields(let names, let values):
                o["fields"] = .array(zip(names, values).map { .array([.string(Base64.std($0)), .string(Base64.std($1))]) })
            case .members(let members, let scores):
                o["members"] = .array(zip(members, scores).map { .array([.string(Base64.std($0)), .string($1)]) })
            }
            out += TrashLine.encode("key", .object(o))
        }
        try writer.append(out)
    }

    func didRemove(keys: [[UInt8]]) throws(SessionError) {
        guard !keys.isEmpty else { return }
        let names: [JSONValue] = keys.map { .string(Base64.std($0)) }
        try writer.append(
            TrashLine.encode("done", .object(JSONObject([("changes", .array([])), ("keys", .array(names)), ("store", .number(String(store)))]))))
        writer.noteChanged(keys.count)
    }
}

/// One block of a trash file: the sessions as they were before (by id), and what became of them.
public struct TrashBlock: Sendable {
    public var store: Int
    public var before: [String: Session] = [:]
    public var changes: [TrashChange] = []
    /// Keys that are no session's, as they were, by name (`check --fix`).
    public var keysBefore: [[UInt8]: RemovedKey] = [:]
    /// The names of those that were removed.
    public var removedKeys: [[UInt8]] = []
    /// Lines of the block that could not be read, with the reason.
    public var damaged: [SessionError] = []
}

/// Reads a trash file a block at a time (bounded memory, whatever its size).
public final class TrashReader {
    public let path: String
    public private(set) var header: TrashHeader
    private let fd: Int32
    private var reader: LineReader
    private var lineNumber = 1

    public init(path: String) throws(SessionError) {
        self.path = path
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw SessionError.io(location: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        reader = LineReader(fd: fd)
        let first: LineReader.Line?
        do {
            first = try reader.next(limit: 1 << 20)
        } catch {
            close(fd)
            throw SessionError.io(location: path, reason: "cannot read: \(error.message)")
        }
        guard case .bytes(let line)? = first, case .object(let o)? = try? JSONParser.parse(line), case .object(let h)? = o["trash"] else {
            close(fd)
            throw SessionError.corrupt(location: path + ": line 1", reason: "not a trash file (no header)")
        }
        do {
            header = try TrashHeader(parsing: h, location: path + ": line 1")
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    private static let endMarker = Array("{\"end\":".utf8)

    /// The `end` line's count, read from the file's last bytes; nil when the operation was cut
    /// off before it wrote one.
    public static func endCount(path: String) -> Int? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return nil }
        let length = Int(min(Int64(st.st_size), 4096))
        var tail = [UInt8](repeating: 0, count: length)
        guard pread(fd, &tail, length, off_t(Int64(st.st_size) - Int64(length))) == length else { return nil }
        var body = tail[...]
        if body.last == 0x0a { body = body.dropLast() }
        let line = Array(body[(body.lastIndex(of: 0x0a).map { $0 + 1 } ?? body.startIndex)...])
        guard line.starts(with: endMarker), case .object(let o)? = try? JSONParser.parse(line),
            case .object(let end)? = o["end"], case .number(let n)? = end["changed"]
        else { return nil }
        return Int(n)
    }

    /// Hands over each block in file order; stops when `visit` says so.
    public func blocks(_ visit: (TrashBlock) throws -> ScanControl) throws {
        var block = TrashBlock(store: 0)
        while true {
            let next: LineReader.Line?
            do {
                next = try reader.next(limit: NDJSONSessions.maxLineBytes)
            } catch {
                throw SessionError.io(location: path, reason: "cannot read: \(error.message)")
            }
            guard let next else { break }
            lineNumber += 1
            let location = "\(path): line \(lineNumber)"
            guard case .bytes(let line) = next else {
                block.damaged.append(.corrupt(location: location, reason: "a line longer than the limit"))
                continue
            }
            if line.isEmpty { continue }
            // The trash's own lines are objects of one member: `key`, `done`, `end`.
            if line.starts(with: Array("{\"key\":".utf8)) {
                do throws(SessionError) {
                    let k = try removedKey(line, location)
                    block.keysBefore[k.key] = k
                } catch {
                    block.damaged.append(error)
                }
                continue
            }
            if line.starts(with: Self.endMarker) { continue }  // what `endCount` reads
            if line.starts(with: Array("{\"done\":".utf8)) {
                do throws(SessionError) {
                    guard case .object(let o)? = try? JSONParser.parse(line), case .object(let done)? = o["done"] else {
                        throw SessionError.corrupt(location: location, reason: "a done line that is not a JSON object")
                    }
                    block.store = try storeIndex(done["store"], location)
                    block.changes = try changes(done["changes"], location)
                    if case .array(let names)? = done["keys"] {
                        block.removedKeys = try names.map { name throws(SessionError) in
                            guard let b = name.stringValue.flatMap(Base64.decodeStd) else {
                                throw SessionError.corrupt(location: location, reason: "a removed key's name is not base64")
                            }
                            return b
                        }
                    }
                } catch {
                    block.damaged.append(error)
                }
                if try visit(block) == .stop { return }
                block = TrashBlock(store: 0)
                continue
            }
            do throws(SessionError) {
                let session = try SessionNDJSON.parse(line, location: location)
                block.before[session.id] = session
            } catch {
                block.damaged.append(error)
            }
        }
        // Sessions recorded with no `done` line after them: the operation was cut off before it
        // said what became of them, so they are taken as left as they were.
    }

    private func removedKey(_ line: [UInt8], _ location: String) throws(SessionError) -> RemovedKey {
        func bad(_ why: String) -> SessionError { .corrupt(location: location, reason: "a removed key " + why) }
        guard case .object(let o)? = try? JSONParser.parse(line), case .object(let k)? = o["key"] else { throw bad("that is not JSON") }
        func bytes(_ v: JSONValue?) throws(SessionError) -> [UInt8] {
            guard let b = v?.stringValue.flatMap(Base64.decodeStd) else { throw bad("with a value that is not base64") }
            return b
        }
        func pairs(_ v: JSONValue) throws(SessionError) -> [(JSONValue, JSONValue)] {
            guard case .array(let list) = v else { throw bad("whose content is not a list") }
            return try list.map { item throws(SessionError) in
                guard case .array(let pair) = item, pair.count == 2 else { throw bad("whose content is not pairs") }
                return (pair[0], pair[1])
            }
        }
        let name = try bytes(k["name"])
        if let dump = k["dump"] {
            let expiry = try SessionNDJSON.expiry(k["expires_at"]) { bad("whose " + $0) }
            var expiresAt: Int64?
            if case .at(let t) = expiry { expiresAt = t }
            return RemovedKey(key: name, content: .whole(dump: try bytes(dump), expiresAt: expiresAt))
        }
        if let fields = k["fields"] {
            let p = try pairs(fields)
            return RemovedKey(key: name, content: .fields(try p.map { f throws(SessionError) in try bytes(f.0) }, values: try p.map { f throws(SessionError) in try bytes(f.1) }))
        }
        if let members = k["members"] {
            let p = try pairs(members)
            guard p.allSatisfy({ $0.1.stringValue != nil }) else { throw bad("with a score that is not text") }
            return RemovedKey(key: name, content: .members(try p.map { m throws(SessionError) in try bytes(m.0) }, scores: p.map { $0.1.stringValue! }))
        }
        throw bad("without content")
    }

    private func storeIndex(_ value: JSONValue?, _ location: String) throws(SessionError) -> Int {
        guard case .number(let text)? = value, let n = Int(text), header.stores.indices.contains(n) else {
            throw SessionError.corrupt(location: location, reason: "a done line without a known store")
        }
        return n
    }

    private func changes(_ value: JSONValue?, _ location: String) throws(SessionError) -> [TrashChange] {
        guard case .array(let list)? = value else { throw SessionError.corrupt(location: location, reason: "a done line without changes") }
        var out: [TrashChange] = []
        for item in list {
            guard case .object(let o) = item, case .string(let id)? = o["id"], case .string(let k)? = o["kind"], let kind = TrashChange.Kind(rawValue: k) else {
                throw SessionError.corrupt(location: location, reason: "a change without id or kind")
            }
            let after = o["after"]?.stringValue
            if kind != .removed && after == nil { throw SessionError.corrupt(location: location, reason: "a \(k) change without its digest") }
            out.append(TrashChange(id: id, kind: kind, after: after))
        }
        return out
    }
}
