#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension FileStore {
    /// Creates new sessions, a batch at once, as safely as one at a time but far faster: a chunk
    /// of files is written to temp files first, then each is synced, then linked into place only
    /// where no file exists (never replacing one that appeared meanwhile), and the directory is
    /// synced once. A crash leaves each session either whole or absent (and at worst a hidden
    /// temp file).
    func createAll(_ writes: [SessionWrite]) -> [Result<Void, SessionError>] {
        // A few hundred files at a time, their descriptors open until they are synced.
        let chunk = 128
        var results: [Result<Void, SessionError>] = []
        results.reserveCapacity(writes.count)
        var start = 0
        while start < writes.count {
            results += createChunk(writes[start..<min(start + chunk, writes.count)])
            start += chunk
        }
        return results
    }

    private func createChunk(_ writes: ArraySlice<SessionWrite>) -> [Result<Void, SessionError>] {
        let writes = Array(writes)
        var results = [Result<Void, SessionError>?](repeating: nil, count: writes.count)
        var temps: [(index: Int, temp: String, path: String, fd: Int32)] = []
        let owner = newFileOwnership()
        let now = clock.nowMillis()
        for (i, w) in writes.enumerated() {
            let id = w.session.id
            do throws(SessionError) {
                try validate(id: id)
                try w.session.checkRepresentableAsJSON(store: displayName)
                let p = path(for: id)
                if PosixFile.lstatInfo(p) != nil { throw SessionError.alreadyExists(store: displayName, id: id) }
                let timestamp: Int64
                switch w.expiry {
                case .keep, .set(.never): timestamp = now
                case .set(.at(let t)): timestamp = try fileTimestamp(expiringAt: t, id: id)
                }
                let bytes = GSessionFileCodec.encode(
                    timestamp: timestamp,
                    body: try body(for: w.session))
                let temp = try writeTemp(bytes, for: p, mode: owner.mode, uid: owner.uid, gid: owner.gid, sync: false, keepOpen: true)
                temps.append((i, temp.path, p, temp.fd))
            } catch {
                results[i] = .failure(error)
            }
        }
        guard !temps.isEmpty else { return results.map { $0! } }
        // Synced after all were written, several at a time: syncs that overlap share the file
        // system's journal commits (10,000 new files on ext4 here: 2-4x faster than one by one).
        let errors = Self.syncAll(temps.map(\.fd))
        var synced: [(index: Int, temp: String, path: String, fd: Int32)] = []
        for (t, e) in zip(temps, errors) {
            close(t.fd)
            if e != 0 {
                unlink(t.temp)
                results[t.index] = .failure(.io(location: t.path, reason: "cannot sync: \(String(cString: strerror(e)))"))
            } else {
                synced.append(t)
            }
        }
        temps = synced
        for t in temps {
            if link(t.temp, t.path) == 0 {
                results[t.index] = .success(())
            } else {
                let e = errno
                results[t.index] = .failure(
                    e == EEXIST
                        ? .alreadyExists(store: displayName, id: writes[t.index].session.id)
                        : .io(location: t.path, reason: "cannot create: \(String(cString: strerror(e)))"))
            }
            unlink(t.temp)
        }
        PosixFile.fsyncDirectory(directory)
        return results.map { $0! }
    }

    /// How many syncs run at once.
    static let syncThreads = 8

    /// `fsync` of each descriptor, spread over `syncThreads` threads (this one among them); the
    /// errno of each, 0 for success.
    private static func syncAll(_ fds: [Int32]) -> [Int32] {
        struct Codes: @unchecked Sendable {  // each lane writes only its own indices
            let buffer: UnsafeMutableBufferPointer<Int32>
        }
        let codes = Codes(buffer: .allocate(capacity: fds.count))
        codes.buffer.initialize(repeating: 0)
        defer { codes.buffer.deallocate() }
        let lanes = max(min(syncThreads, fds.count), 1)
        let sync: @Sendable (Int) -> Void = { lane in
            for i in stride(from: lane, to: fds.count, by: lanes) where fsync(fds[i]) != 0 { codes.buffer[i] = errno }
        }
        let threads = (1..<lanes).map { lane in (lane, WorkerThread { sync(lane) }) }
        sync(0)
        for (lane, thread) in threads {
            if let thread { thread.join() } else { sync(lane) }  // no thread to be had: done here
        }
        return Array(codes.buffer)
    }
}
