#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// GoFrame's `StorageFile`: one file `<dir>/<id><ext>` per session, byte-compatible with what
/// gsession reads and writes. Expiry is the file's own timestamp plus the app's max age (which
/// GoFrame does not store). A session file is a regular file in the directory: links and special
/// files are refused on every path, never followed or opened for reading first. Reading never
/// modifies the store; every write goes to a temp file in the same directory that is fsynced and
/// renamed over the old file, keeping its mode and owner. sessctl's writers of one session take
/// turns (a lock on its file, held from the read to the rename); GoFrame takes no lock, so each
/// write also checks just before the rename that the app did not change the file meanwhile.
public final class FileStore: SessionStore, SessionCounting, LeftoverSweeping, Sendable {
    public struct Options: Sendable {
        /// The app's session max age (`SessionMaxAge`, 24h by default in ghttp).
        public var maxAgeMillis: Int64
        /// Set for an encrypted store (`SetCryptoEnabled(true)`).
        public var cipher: GSessionCipher?
        /// `.session` since gf v2.1.0; empty for v2.0.x and v1 stores.
        public var fileExtension: String

        public init(maxAgeMillis: Int64 = 86_400_000, cipher: GSessionCipher? = nil, fileExtension: String = ".session") {
            self.maxAgeMillis = maxAgeMillis
            self.cipher = cipher
            self.fileExtension = fileExtension
        }
    }

    /// Files larger than this are reported as broken instead of being read: the header, the
    /// largest JSON the parser reads, and AES padding.
    public static let maxFileSize = GSessionFileCodec.headerSize + JSONParser.Limits().maxBytes + 16

    public let directory: String
    public let options: Options
    public let displayName: String
    public let clock: Clock
    public var capabilities: StoreCapabilities {
        var capabilities = layout.capabilities
        capabilities.newSessionLifetimeMillis = options.maxAgeMillis
        return capabilities
    }
    public var defaultLifetimeMillis: Int64 { options.maxAgeMillis }
    public var layout: SessionLayout { .file }
    public var abilities: StoreAbilities {
        var abilities = StoreAbilities(counting: self, leftovers: self)
        #if canImport(Glibc)
            abilities.watching = self
        #endif
        return abilities
    }

    /// Opens the store; the directory must exist and be readable.
    public init(directory: String, options: Options = Options(), displayName: String? = nil, clock: Clock = .system) throws(SessionError) {
        var dir = directory
        while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
        self.directory = dir
        self.options = options
        self.displayName = displayName ?? "file:\(dir)"
        self.clock = clock
        var st = stat()
        guard stat(dir, &st) == 0 else {
            let e = errno
            throw SessionError.storeUnavailable(
                store: self.displayName,
                reason: e == ENOENT
                    ? "directory does not exist" : "cannot open directory: \(String(cString: strerror(e)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw SessionError.storeUnavailable(store: self.displayName, reason: "not a directory")
        }
        guard access(dir, R_OK | X_OK) == 0 else {
            throw SessionError.storeUnavailable(store: self.displayName, reason: "cannot read directory: \(String(cString: strerror(errno)))")
        }
    }

    public func path(for id: String) -> String {
        directory + "/" + id + options.fileExtension
    }

    public func validate(id: String) throws(SessionError) {
        func refuse(_ reason: String) -> SessionError { .invalidID(id: id, reason: reason) }
        if id.isEmpty { throw refuse("it is empty") }
        // Every character refused is ASCII, and UTF-8 never uses an ASCII byte inside a longer
        // character, so the bytes tell (a scan checks every file name this way).
        var doubleDot = false
        var previous: UInt8 = 0
        for b in id.utf8 {
            switch b {
            case UInt8(ascii: "/"): throw refuse("'/' is not allowed in a file store")
            case UInt8(ascii: "\\"): throw refuse("'\\' is not allowed in a file store")
            case 0: throw refuse("NUL is not allowed")
            case 0x01..<0x20, 0x7f: throw refuse("control characters are not allowed")
            case UInt8(ascii: ".") where previous == UInt8(ascii: "."): doubleDot = true
            default: break
            }
            previous = b
        }
        if doubleDot { throw refuse("'..' is not allowed in a file store") }
        if id == "." { throw refuse("'.' is not a session") }
        if id.utf8.count + options.fileExtension.utf8.count > 255 { throw refuse("too long for a file name") }
    }

    public func reopened() throws(SessionError) -> any SessionStore {
        try FileStore(directory: directory, options: options, displayName: displayName, clock: clock)
    }

    // MARK: Reading

    /// A listing of the store's directory.
    func directoryReader() throws(SessionError) -> PosixFile.DirectoryReader {
        do {
            return try PosixFile.DirectoryReader(directory)
        } catch {
            throw SessionError.storeUnavailable(store: displayName, reason: "cannot list directory: \(error.message)")
        }
    }

    /// Reads every file whatever the `detail`: a file's expiry is in the file itself.
    public func scan(matching pattern: String?, pageSize: Int, detail: ScanDetail, _ visit: (ScanPage) throws -> ScanControl) throws {
        let reader = try directoryReader()
        let ext = options.fileExtension
        while true {
            let entries = reader.next(max(pageSize, 1))
            if entries.isEmpty { return }
            var page = ScanPage()
            for entry in entries {
                guard let id = sessionID(fromFileName: entry.name, ext: ext) else { continue }
                if let pattern, fnmatch(pattern, id, 0) != 0 { continue }
                page.sessions.append(info(id: id, notRegular: entry.notRegular))
            }
            if try visit(page) == .stop { return }
        }
    }

    func sessionID(fromFileName name: String, ext: String) -> String? {
        if name.utf8.first == UInt8(ascii: ".") { return nil }  // hidden files, and our own temp files
        return fileID(name, ext: ext)
    }

    /// The id a file of this name holds if it is a session file, hidden or not.
    private func fileID(_ name: String, ext: String) -> String? {
        if ext.isEmpty { return name }
        let n = name.utf8.count, e = ext.utf8.count
        guard n > e, name.utf8.reversed().starts(with: ext.utf8.reversed()) else { return nil }
        return String(Substring(name.utf8.dropLast(e)))
    }

    /// What `list` shows of a file; `notRegular` says what it is when the directory said it is
    /// not a regular file (then it is not opened at all).
    private func info(id: String, notRegular: String?) -> SessionInfo {
        let p = path(for: id)
        do {
            try validate(id: id)
        } catch {
            return SessionInfo(id: id, size: 0, keyCount: nil, expiry: nil, lastWrite: nil, problem: "the file name is not a valid session id: \(error)")
        }
        let result = notRegular.map { ReadResult.broken(Broken(error: readError(.notRegular($0), at: p))) }
        switch result ?? read(id: id, path: p) {
        case .found(let s): return SessionInfo(s)
        case .missing: return SessionInfo(id: id, size: 0, keyCount: nil, expiry: nil, lastWrite: nil, problem: "vanished while listing")
        case .broken(let e):
            var info = SessionInfo(id: id, size: 0, keyCount: nil, expiry: nil, lastWrite: nil, problem: e.reasonOnly)
            if let st = PosixFile.lstatInfo(p), PosixFile.kind(st.st_mode) == nil {
                info.size = max(Int(st.st_size) - GSessionFileCodec.headerSize, 0)
            }
            if case .corruptWithTimestamp(let ts) = e.extra {
                info.lastWrite = ts
                info.expiry = .at(ts.addingClamped(options.maxAgeMillis))
            }
            return info
        }
    }

    public func load(_ ids: [String]) throws -> [LoadResult] {
        ids.map { id in
            do throws(SessionError) {
                try validate(id: id)
            } catch {
                return .broken(error)
            }
            switch read(id: id, path: path(for: id)) {
            case .found(let s): return .found(s)
            case .missing: return .missing
            case .broken(let b): return .broken(b.error)
            }
        }
    }

    struct Broken {
        enum Extra { case none, corruptWithTimestamp(Int64) }
        var error: SessionError
        var extra: Extra = .none
        var reasonOnly: String {
            if case .corrupt(_, let r) = error { return r }
            if case .io(_, let r) = error { return r }
            return error.description
        }
    }

    enum ReadResult {
        case found(Session)
        case missing
        case broken(Broken)
    }

    private func read(id: String, path p: String) -> ReadResult {
        decode(id: id, read: PosixFile.readRegular(p, limit: FileStore.maxFileSize), path: { p })
    }

    /// The error for a failure to read (or lock) the session file at `path`.
    func readError(_ f: PosixFile.Failure, at path: String) -> SessionError {
        if let kind = f.notRegular {
            return .io(location: path, reason: "is \(kind), not a regular file (a session file is a regular file); left alone")
        }
        switch f.errno {
        case EFBIG: return .corrupt(location: path, reason: "larger than \(FileStore.maxFileSize >> 20) MiB, not read")
        case EWOULDBLOCK:
            return .io(location: path, reason: "another process has held the file's lock for over \(Int(PosixFile.lockPatienceSeconds))s; nothing was written")
        case ENOLCK, EOPNOTSUPP: return .io(location: path, reason: "cannot lock the file: \(f.message); nothing was written")
        default: return .io(location: path, reason: "cannot read: \(f.message)")
        }
    }

    /// The session in the bytes read for `id`; `path` names the file in messages.
    func decode(id: String, read: Result<[UInt8], PosixFile.Failure>, path: () -> String) -> ReadResult {
        let bytes: [UInt8]
        switch read {
        case .success(let b): bytes = b
        case .failure(let f) where f.errno == ENOENT: return .missing
        case .failure(let f): return .broken(Broken(error: readError(f, at: path())))
        }
        let header = GSessionFileCodec.headerSize
        if options.cipher == nil, bytes.count > header, let timestamp = GSessionFileCodec.readTimestamp(bytes),
            GSessionFileCodec.implausibility(of: timestamp) == nil, let canonical = GoJSONCanonical.check(bytes[header...])
        {
            // As GoFrame writes it: kept as text, parsed only if someone looks.
            return .found(
                Session(
                    id: id, canonicalJSON: bytes[header...], members: canonical.members, style: canonical.style,
                    expiry: .at(timestamp.addingClamped(options.maxAgeMillis)), lastWrite: timestamp,
                    size: bytes.count - header, revision: Revision(bytes)))
        }
        switch GSessionFileCodec.decode(bytes, cipher: options.cipher) {
        case .success(let d):
            return .found(
                Session(
                    id: id, data: d.data, expiry: .at(d.timestamp.addingClamped(options.maxAgeMillis)), lastWrite: d.timestamp,
                    size: bytes.count - GSessionFileCodec.headerSize, escapeStyle: d.style, revision: Revision(bytes, data: d.data)))
        case .failure(let f):
            return .broken(Broken(error: .corrupt(location: path(), reason: f.reason), extra: f.timestamp.map { .corruptWithTimestamp($0) } ?? .none))
        }
    }

    // MARK: Writing

    /// Creates of new sessions go through `createAll` (one sync for the batch); every other
    /// write reads the file first and replaces it on its own.
    public func save(_ writes: [SessionWrite]) throws -> [Result<Void, SessionError>] {
        var results = [Result<Void, SessionError>?](repeating: nil, count: writes.count)
        var seen: [String: Int] = [:]
        for w in writes { seen[w.session.id, default: 0] += 1 }
        let creates = writes.indices.filter { writes[$0].mode == .create && seen[writes[$0].session.id] == 1 }
        if creates.count > 1 {
            for (i, r) in zip(creates, createAll(creates.map { writes[$0] })) { results[i] = r }
        }
        for i in writes.indices where results[i] == nil {
            results[i] = Result { () throws(SessionError) in try save(writes[i]) }
        }
        return results.map { $0! }
    }

    private func save(_ w: SessionWrite) throws(SessionError) {
        let id = w.session.id
        try validate(id: id)
        try w.session.checkRepresentableAsJSON(store: displayName)
        let p = path(for: id)
        let held = try lock(p)
        var current: (bytes: [UInt8], data: JSONObject?)?
        if let b = held?.bytes {
            // What was read a moment ago need not be decoded again.
            if let rev = w.session.revision, Bytes.equal(rev.bytes, b), let data = rev.data {
                current = (b, data)
            } else {
                current = (b, try? GSessionFileCodec.decode(b, cipher: options.cipher).get().data)
            }
        }
        if let refusal = w.modeRefusal(current: current.map { c in { c.bytes } }, store: displayName) { throw refusal }
        let now = clock.nowMillis()
        let timestamp: Int64
        switch w.expiry {
        case .keep: timestamp = current.flatMap { $0.data == nil ? nil : GSessionFileCodec.readTimestamp($0.bytes) } ?? now
        case .set(.at(let t)): timestamp = try fileTimestamp(expiringAt: t, id: id)
        case .set(.never): timestamp = now
        }
        // Unchanged data keeps its stored bytes exactly (struct field order, escapes, ciphertext).
        let body: [UInt8]
        if let current, let old = current.data, old == w.session.data {
            if GSessionFileCodec.readTimestamp(current.bytes) == timestamp { return }
            body = Array(current.bytes[GSessionFileCodec.headerSize...])
        } else {
            body = try self.body(for: w.session)
        }
        try writeAtomically(path: p, id: id, bytes: GSessionFileCodec.encode(timestamp: timestamp, body: body), replacing: held)
    }

    public func delete(_ ids: [String]) throws -> [Result<Bool, SessionError>] {
        ids.map { id in
            Result { () throws(SessionError) -> Bool in
                try validate(id: id)
                let p = path(for: id)
                guard let held = try lock(p, reading: false) else { return false }  // a corrupt or huge file goes too
                defer { withExtendedLifetime(held) {} }  // locked until the file is gone
                try removeFile(p)
                PosixFile.fsyncDirectory(directory)
                return true
            }
        }
    }

    /// Unlinks each file that still holds exactly the bytes it was read with (the directory is
    /// synced once for the batch).
    public func delete(unchanged sessions: [(id: String, revision: Revision)]) throws -> [Result<Bool, SessionError>] {
        var removed = false
        defer { if removed { PosixFile.fsyncDirectory(directory) } }
        return sessions.map { item in
            Result { () throws(SessionError) -> Bool in
                try validate(id: item.id)
                let p = path(for: item.id)
                guard let held = try lock(p) else { return false }
                defer { withExtendedLifetime(held) {} }  // locked until the file is gone
                guard Bytes.equal(held.bytes, item.revision.bytes) else { throw SessionError.conflict(store: displayName, id: item.id) }
                try removeFile(p)
                removed = true
                return true
            }
        }
    }

    public func setExpiry(_ changes: [(id: String, expiry: Expiry)]) throws -> [Result<Bool, SessionError>] {
        changes.map { change in
            Result { () throws(SessionError) -> Bool in
                try validate(id: change.id)
                guard case .at(let instant) = change.expiry else {
                    throw SessionError.unsupported(
                        store: displayName,
                        reason: "a file session cannot live without an expiry: GoFrame expires it at its timestamp plus the max age")
                }
                let p = path(for: change.id)
                guard let held = try lock(p) else { return false }
                let bytes = held.bytes
                if case .failure(let f) = GSessionFileCodec.decode(bytes, cipher: options.cipher) {
                    throw SessionError.corrupt(location: p, reason: f.reason)
                }
                let updated = GSessionFileCodec.header(try fileTimestamp(expiringAt: instant, id: change.id)) + bytes[GSessionFileCodec.headerSize...]
                if !Bytes.equal(updated, bytes) {
                    try writeAtomically(path: p, id: change.id, bytes: updated, replacing: held)
                }
                return true
            }
        }
    }

    /// The session file at `p` held for a write (see `PosixFile.LockedFile`), read unless not
    /// `reading`, or nil when there is none. Refuses what is not a regular file.
    func lock(_ p: String, reading: Bool = true) throws(SessionError) -> PosixFile.LockedFile? {
        switch PosixFile.lock(p, limit: reading ? FileStore.maxFileSize : nil) {
        case .success(let held): return held
        case .failure(let f) where f.errno == ENOENT: return nil
        case .failure(let f): throw readError(f, at: p)
        }
    }

    private func removeFile(_ p: String) throws(SessionError) {
        if unlink(p) != 0 && errno != ENOENT {
            throw SessionError.io(location: p, reason: "cannot delete: \(String(cString: strerror(errno)))")
        }
    }

    nonisolated(unsafe) private static var tempCounter = 0

    /// A fresh temp file name in the directory. It starts with `..`, which no session id can
    /// (whatever the extension, the id would contain `..` or be `.`), so no temp file is ever
    /// taken for a session, and scans skip it as hidden.
    func tempPath() -> String {
        FileStore.tempCounter += 1
        return "\(directory)/..sessctl-\(getpid())-\(FileStore.tempCounter)-\(UInt32.random(in: 0...UInt32.max)).tmp"
    }

    /// Whether `name` is a temp file of a sessctl write: `..sessctl-*.tmp` (or `.sessctl-*.tmp`,
    /// as older versions named them) and a name no session of this store can have.
    func isTempFileName(_ name: String) -> Bool {
        guard name.hasPrefix(".sessctl-") || name.hasPrefix("..sessctl-"), name.hasSuffix(".tmp") else { return false }
        guard let id = fileID(name, ext: options.fileExtension) else { return true }
        return (try? validate(id: id)) == nil
    }

    /// The temp files a sessctl write left behind when it was killed before it could remove
    /// them (see `isTempFileName`), regular files last changed more than an hour ago (no write
    /// takes that long). With `remove`, each is removed; the names either way.
    public func leftoverTempFiles(remove: Bool) throws -> [String] {
        let reader = try directoryReader()
        let dir = reader.descriptor
        let cutoff = clock.nowMillis() / 1000 - 3600
        var found: [String] = []
        while true {
            let entries = reader.next(4096)
            if entries.isEmpty { break }
            for name in entries.map(\.name) where isTempFileName(name) {
                var st = stat()
                guard fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFREG,
                    Int64(st.st_mtim.tv_sec) < cutoff
                else { continue }
                if remove && unlinkat(dir, name, 0) != 0 && errno != ENOENT {
                    throw SessionError.io(location: "\(directory)/\(name)", reason: "cannot remove: \(String(cString: strerror(errno)))")
                }
                found.append(name)
            }
        }
        return found.sorted()
    }

    /// The mode and owner a new session file gets, as GoFrame creates it: 0777 less the umask;
    /// owned by the directory's owner when we are root.
    func newFileOwnership() -> (mode: mode_t, uid: uid_t, gid: gid_t) {
        let mode = 0o777 & ~PosixFile.umaskValue
        var d = stat()
        if geteuid() == 0, stat(directory, &d) == 0 { return (mode, d.st_uid, d.st_gid) }
        return (mode, geteuid(), getegid())
    }

    /// Writes `bytes` into a new temp file with the given mode and owner, synced when `sync`.
    /// Returns the temp file's path; nothing is left behind on failure. With `keepOpen` the
    /// descriptor is handed back open (for a sync later), else -1.
    func writeTemp(_ bytes: [UInt8], for p: String, mode: mode_t, uid: uid_t, gid: gid_t, sync: Bool) throws(SessionError) -> String {
        try writeTemp(bytes, for: p, mode: mode, uid: uid, gid: gid, sync: sync, keepOpen: false).path
    }

    func writeTemp(
        _ bytes: [UInt8], for p: String, mode: mode_t, uid: uid_t, gid: gid_t, sync: Bool,
        keepOpen: Bool
    ) throws(SessionError) -> (path: String, fd: Int32) {
        let temp = tempPath()
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SessionError.io(location: p, reason: "cannot create a temp file in \(directory): \(String(cString: strerror(errno)))") }
        func fail(_ what: String, _ e: Int32) -> SessionError {
            close(fd)
            unlink(temp)
            return .io(location: p, reason: "\(what): \(String(cString: strerror(e)))")
        }
        if let f = PosixFile.writeAll(fd, bytes) { throw fail("cannot write", f.errno) }
        if (uid != geteuid() || gid != getegid()) && fchown(fd, uid, gid) != 0 {
            let e = errno
            close(fd)
            unlink(temp)
            throw SessionError.io(location: p, reason: "cannot keep the file's owner (uid \(uid), gid \(gid)): \(String(cString: strerror(e))); run as that user")
        }
        if fchmod(fd, mode) != 0 { throw fail("cannot set the file mode", errno) }
        if sync && fsync(fd) != 0 { throw fail("cannot sync", errno) }
        if keepOpen { return (temp, fd) }
        close(fd)
        return (temp, -1)
    }

    /// Writes `bytes` to a temp file beside `path`, fsyncs it, gives it the mode and owner of
    /// the file it replaces (`old`, held since it was read) or GoFrame's for a new file, and puts
    /// it in place. A new file never replaces one that appeared meanwhile; a replacement is
    /// refused when the file no longer holds what was read (the app, which takes no lock, wrote).
    private func writeAtomically(path p: String, id: String, bytes: [UInt8], replacing old: PosixFile.LockedFile?) throws(SessionError) {
        defer { withExtendedLifetime(old) {} }  // locked until the new file is in place
        let (mode, uid, gid) = old.map { ($0.stat.st_mode & 0o7777, $0.stat.st_uid, $0.stat.st_gid) } ?? newFileOwnership()
        let temp = try writeTemp(bytes, for: p, mode: mode, uid: uid, gid: gid, sync: true)
        var ok = false
        defer { if !ok { unlink(temp) } }
        func fail(_ what: String, _ e: Int32) -> SessionError {
            .io(location: p, reason: "\(what): \(String(cString: strerror(e)))")
        }
        if let old {
            switch PosixFile.readRegular(p, limit: FileStore.maxFileSize) {
            case .success(let now) where Bytes.equal(now, old.bytes): break
            default: throw SessionError.conflict(store: displayName, id: id)
            }
            if rename(temp, p) != 0 { throw fail("cannot replace", errno) }
        } else {
            guard link(temp, p) == 0 else {
                let e = errno
                if e == EEXIST { throw SessionError.alreadyExists(store: displayName, id: id) }
                throw fail("cannot create", e)
            }
            unlink(temp)
        }
        ok = true
        PosixFile.fsyncDirectory(directory)
    }
}
