#if canImport(Glibc)
    import Glibc

    /// Watching a File store (`StoreAbilities.watching`): inotify on the directory for files
    /// created, rewritten and removed, and a timer for expiries, which no file system reports: each
    /// known session's expiry (header timestamp plus the max age, as GoFrame computes it) is kept,
    /// and a session still there when that instant passes is reported `expired` then, as GoFrame
    /// would see it. A rewrite before then moves it.
    ///
    /// A new file is `created` once it is complete: GoFrame creates the file and then writes it
    /// (reported at its close), sessctl links a finished temp file in place (reported at once, or
    /// at the next event of that file; one nobody closes after `pendingCreateMillis`). Writes
    /// (IN_MODIFY) are watched though never reported: the kernel merges two identical events in
    /// a row, and a write between two closes keeps each close. A rename onto a session file
    /// (sessctl's rewrites) is `changed`, or `created` when there was none. sessctl's temp files
    /// and names that are not session files are ignored. When the kernel's event queue overflows,
    /// the watch reports a gap and reads the directory again, reporting what differs.
    extension FileStore: SessionWatching {
        /// How long a created file may stay open before it is reported anyway.
        static let pendingCreateMillis: Int64 = 1000

        public func watch(
            matching pattern: String?, options: WatchOptions, shouldStop: () -> Bool,
            _ handle: (WatchSignal) throws -> ScanControl
        ) throws {
            var watcher = try FileWatcher(store: self, pattern: pattern)
            defer { watcher.close() }
            try watcher.run(shouldStop: shouldStop, handle)
        }
    }

    /// One watch of a File store's directory.
    struct FileWatcher {
        /// What the watch knows of one session file.
        struct Known {
            /// When GoFrame takes it for expired; nil when the header cannot tell (yet).
            var expiry: Int64?
            /// Reported `expired` (or expired before the watch began): gone for the app.
            var expired: Bool
        }

        let store: FileStore
        let pattern: String?
        let fd: Int32
        var known: [String: Known] = [:]
        /// Files created and not yet closed, with when to report them anyway.
        var pending: [String: Int64] = [:]
        /// The last event was the close of a sessctl temp file: a session file created next is
        /// that file linked in place, complete.
        var afterTempWrite = false

        init(store: FileStore, pattern: String?) throws(SessionError) {
            self.store = store
            self.pattern = pattern
            fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
            guard fd >= 0 else { throw Self.failure(store, "cannot start inotify", errno) }
            let mask = UInt32(IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
            if inotify_add_watch(fd, store.directory, mask) < 0 {
                let e = errno
                Glibc.close(fd)
                if e == ENOSPC {
                    throw SessionError.storeUnavailable(
                        store: store.displayName, reason: "cannot watch the directory: the inotify watch limit is reached (sysctl fs.inotify.max_user_watches)")
                }
                throw Self.failure(store, "cannot watch the directory", e)
            }
            // Watching first, then reading: a change during the scan is seen by both and
            // reported once (a created file already known is `changed`).
            known = try scanKnown()
        }

        static func failure(_ store: FileStore, _ what: String, _ e: Int32) -> SessionError {
            .storeUnavailable(store: store.displayName, reason: "\(what): \(String(cString: strerror(e)))")
        }

        func close() { Glibc.close(fd) }

        /// The session files there are now and their expiries (a light read: headers only).
        func scanKnown() throws(SessionError) -> [String: Known] {
            let reader = try store.directoryReader()
            let now = store.clock.nowMillis()
            var found: [String: Known] = [:]
            while true {
                let entries = reader.next(4096)
                if entries.isEmpty { return found }
                for entry in entries where entry.notRegular == nil {
                    guard let id = sessionID(entry.name) else { continue }
                    let expiry = readExpiry(entry.name, in: reader.descriptor)
                    found[id] = Known(expiry: expiry, expired: expiry.map { $0 < now } ?? false)
                }
            }
        }

        /// The id of a file name that is a watched session file; nil for others (temp files,
        /// hidden files, other extensions, ids outside the pattern).
        func sessionID(_ name: String) -> String? {
            guard let id = store.sessionID(fromFileName: name, ext: store.options.fileExtension),
                (try? store.validate(id: id)) != nil
            else { return nil }
            if let pattern, fnmatch(pattern, id, 0) != 0 { return nil }
            return id
        }

        /// The expiry in the header of the session file `name`, without reading the rest.
        func readExpiry(_ name: String, in directory: Int32 = AT_FDCWD) -> Int64? {
            let path = directory == AT_FDCWD ? store.directory + "/" + name : name
            guard case .success(let (file, _)) = PosixFile.openRegular(path, in: directory) else { return nil }
            defer { Glibc.close(file) }
            var header = [UInt8](repeating: 0, count: GSessionFileCodec.headerSize)
            let n = header.withUnsafeMutableBytes { pread(file, $0.baseAddress, $0.count, 0) }
            guard n == header.count, let timestamp = GSessionFileCodec.readTimestamp(header),
                GSessionFileCodec.implausibility(of: timestamp) == nil
            else { return nil }
            return timestamp.addingClamped(store.options.maxAgeMillis)
        }

        func fileLinks(_ name: String) -> (size: Int, links: Int)? {
            var st = stat()
            guard lstat(store.directory + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            return (Int(st.st_size), Int(st.st_nlink))
        }

        mutating func run(shouldStop: () -> Bool, _ handle: (WatchSignal) throws -> ScanControl) throws {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            var signals: [WatchSignal] = []
            while !shouldStop() {
                let now = store.clock.nowMillis()
                signals.removeAll(keepingCapacity: true)
                dueSignals(now: now, into: &signals)
                for s in signals where try handle(s) == .stop { return }
                signals.removeAll(keepingCapacity: true)
                var wait: Int64 = 100
                if let next = nextDeadline() { wait = max(0, min(wait, next.subtractingClamped(now) + 1)) }
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&pfd, 1, Int32(wait))
                if ready < 0 {
                    if errno == EINTR { continue }
                    throw Self.failure(store, "cannot wait for changes", errno)
                }
                if ready == 0 { continue }
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    throw Self.failure(store, "cannot read changes", errno)
                }
                try events(buffer[..<n], into: &signals)
                for s in signals where try handle(s) == .stop { return }
            }
        }

        /// The earliest instant something is due: an expiry, or a created file to report.
        func nextDeadline() -> Int64? {
            var next = pending.values.min()
            for k in known.values where !k.expired {
                if let e = k.expiry, e < (next ?? Int64.max) { next = e }
            }
            return next
        }

        /// Expiries passed and created files waited for long enough.
        mutating func dueSignals(now: Int64, into signals: inout [WatchSignal]) {
            for (id, due) in pending where due <= now {
                pending[id] = nil
                if fileLinks(id + store.options.fileExtension) != nil { created(id, now: now, into: &signals) }
            }
            for (id, k) in known where !k.expired {
                // GoFrame: expired once ts + ttl < now.
                if let e = k.expiry, e < now {
                    known[id]?.expired = true
                    signals.append(.event(SessionEvent(time: now, change: .expired, id: id)))
                }
            }
        }

        mutating func created(_ id: String, now: Int64, into signals: inout [WatchSignal]) {
            let expiry = readExpiry(id + store.options.fileExtension)
            let was = known[id]
            known[id] = Known(expiry: expiry, expired: false)
            let change: SessionChange = was.map(\.expired) ?? true ? .created : .changed
            signals.append(.event(SessionEvent(time: now, change: change, id: id)))
        }

        /// Turns a read of inotify events into signals.
        mutating func events(_ bytes: ArraySlice<UInt8>, into signals: inout [WatchSignal]) throws {
            let now = store.clock.nowMillis()
            let headerSize = MemoryLayout<inotify_event>.size
            var offset = bytes.startIndex
            while offset + headerSize <= bytes.endIndex {
                let (mask, nameLength) = bytes.withUnsafeBytes { raw -> (UInt32, Int) in
                    let base = raw.baseAddress! + (offset - bytes.startIndex)
                    let mask = base.loadUnaligned(fromByteOffset: MemoryLayout<inotify_event>.offset(of: \.mask)!, as: UInt32.self)
                    let len = base.loadUnaligned(fromByteOffset: MemoryLayout<inotify_event>.offset(of: \.len)!, as: UInt32.self)
                    return (mask, Int(len))
                }
                let nameStart = offset + headerSize
                let nameEnd = min(nameStart + nameLength, bytes.endIndex)
                offset = nameEnd
                if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    try overflowed(now: now, into: &signals)
                    continue
                }
                if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED) != 0 {
                    throw SessionError.storeUnavailable(store: store.displayName, reason: "the directory was removed or moved away; the watch ended")
                }
                if mask & UInt32(IN_ISDIR) != 0 { continue }
                let nameBytes = bytes[nameStart..<nameEnd].prefix { $0 != 0 }
                let name = String(decoding: nameBytes, as: UTF8.self)
                guard let id = sessionID(name) else {
                    if mask & UInt32(IN_CLOSE_WRITE) != 0 && store.isTempFileName(name) { afterTempWrite = true }
                    continue
                }
                event(mask: mask, id: id, name: name, now: now, into: &signals)
                afterTempWrite = false
            }
        }

        mutating func event(mask: UInt32, id: String, name: String, now: Int64, into signals: inout [WatchSignal]) {
            if mask & UInt32(IN_CREATE) != 0 {
                // sessctl links a complete file (named by its temp file too until it unlinks
                // that, right after its last write); an app creates the file, then writes it:
                // reported when it is closed, or at whatever comes next.
                if afterTempWrite || (fileLinks(name).map { $0.links > 1 } ?? false) {
                    created(id, now: now, into: &signals)
                } else {
                    pending[id] = now.addingClamped(FileStore.pendingCreateMillis)
                }
                return
            }
            if mask & UInt32(IN_MODIFY) != 0 {
                // Being written: wait for the close.
                if pending[id] != nil { pending[id] = now.addingClamped(FileStore.pendingCreateMillis) }
                return
            }
            if pending.removeValue(forKey: id) != nil {
                // The file was complete as it came: it was created, then this happened to it.
                created(id, now: now, into: &signals)
                if mask & UInt32(IN_CLOSE_WRITE) != 0 { return }
            }
            if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 {
                created(id, now: now, into: &signals)
            } else if mask & UInt32(IN_DELETE | IN_MOVED_FROM) != 0 {
                guard let was = known.removeValue(forKey: id) else { return }
                // A file that had expired was already gone for the app (a sweep removed it).
                if !was.expired { signals.append(.event(SessionEvent(time: now, change: .deleted, id: id))) }
            }
        }

        /// The kernel dropped events: say so, read the directory again and report what differs.
        mutating func overflowed(now: Int64, into signals: inout [WatchSignal]) throws {
            signals.append(.gap(WatchGap(from: now, to: now, reason: "the inotify event queue overflowed; the directory was read again")))
            let fresh = try scanKnown()
            for (id, k) in fresh {
                if let old = known[id] {
                    if old.expiry != k.expiry && !k.expired {
                        signals.append(.event(SessionEvent(time: now, change: old.expired ? .created : .changed, id: id)))
                    }
                } else if !k.expired {
                    signals.append(.event(SessionEvent(time: now, change: .created, id: id)))
                }
            }
            for (id, old) in known where fresh[id] == nil && !old.expired {
                signals.append(.event(SessionEvent(time: now, change: .deleted, id: id)))
            }
            var merged = fresh
            for (id, k) in fresh where k.expired && known[id]?.expired == false && known[id]?.expiry == k.expiry {
                // Expired while the events were lost, not yet reported.
                merged[id]?.expired = false
            }
            known = merged
            pending.removeAll()
        }
    }
#endif
