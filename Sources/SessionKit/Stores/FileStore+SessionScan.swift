#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a whole File store fast: `scanSessions` and `estimatedCount`.
extension FileStore {
    /// Threads that read and decode the files of a page together (the files of a store are many
    /// and small: the time goes to system calls and parsing, which spread over the cores).
    static let readerThreads = max(1, min(4, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    /// Pages smaller than this are read by one thread.
    static let parallelPageMinimum = 64
    /// Files up to this size are read with one `read` and no `fstat`.
    static let smallFileBytes = 64 << 10

    /// Reads each file once, through the directory's descriptor, a page's files on several
    /// threads at once.
    public func scanSessions(matching pattern: String?, pageSize: Int, _ visit: (SessionPage) throws -> ScanControl) throws {
        let reader: PosixFile.DirectoryReader
        do {
            reader = try PosixFile.DirectoryReader(directory)
        } catch {
            throw SessionError.storeUnavailable(store: displayName, reason: "cannot list directory: \(error.message)")
        }
        let ext = options.fileExtension
        while true {
            let names = reader.next(max(pageSize, 1))
            if names.isEmpty { return }
            var entries: [(name: String, id: String)] = []
            entries.reserveCapacity(names.count)
            for name in names {
                guard let id = sessionID(fromFileName: name, ext: ext) else { continue }
                if let pattern, fnmatch(pattern, id, 0) != 0 { continue }
                entries.append((name, id))
            }
            // The part each thread read is a page of its own: nothing is copied to join them.
            for page in read(entries, in: reader.descriptor) where !page.sessions.isEmpty || !page.broken.isEmpty {
                if try visit(page) == .stop { return }
            }
        }
    }

    /// The entries read by up to `readerThreads` threads, a page per thread, in order.
    private func read(_ entries: [(name: String, id: String)], in dir: Int32) -> [SessionPage] {
        let threads = entries.count >= Self.parallelPageMinimum ? Self.readerThreads : 1
        if threads == 1 { return [read(entries[...], in: dir)] }
        final class Part: @unchecked Sendable {
            var page = SessionPage()
        }
        let chunk = (entries.count + threads - 1) / threads
        let slices = stride(from: 0, to: entries.count, by: chunk).map { entries[$0..<min($0 + chunk, entries.count)] }
        let parts = slices.map { _ in Part() }
        let workers = (1..<slices.count).map { n in
            let (slice, part) = (slices[n], parts[n])
            return WorkerThread { [self] in part.page = read(slice, in: dir) }
        }
        parts[0].page = read(slices[0], in: dir)
        for (n, w) in workers.enumerated() {
            if let w { w.join() } else { parts[n + 1].page = read(slices[n + 1], in: dir) }  // no thread: read it here
        }
        return parts.map(\.page)
    }

    private func read(_ entries: ArraySlice<(name: String, id: String)>, in dir: Int32) -> SessionPage {
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Self.smallFileBytes)
        defer { scratch.deallocate() }
        var page = SessionPage()
        page.sessions.reserveCapacity(entries.count)
        for entry in entries {
            do throws(SessionError) {
                try validate(id: entry.id)
            } catch {
                page.broken.append(BrokenSession(id: entry.id, error: .corrupt(location: directory + "/" + entry.name,
                    reason: "the file name is not a valid session id: \(error)")))
                continue
            }
            let bytes = PosixFile.read(in: dir, entry.name, limit: FileStore.maxFileSize, scratch: scratch)
            switch decode(id: entry.id, read: bytes, path: { self.directory + "/" + entry.name }) {
            case .found(let s): page.sessions.append(s)
            case .missing: break  // removed since the directory was read
            case .broken(let b): page.broken.append(BrokenSession(id: entry.id, error: b.error))
            }
        }
        return page
    }

    /// The files with the store's extension, without reading them.
    public func estimatedCount(matching pattern: String?) throws -> Int? {
        guard let reader = try? PosixFile.DirectoryReader(directory) else { return nil }
        var count = 0
        while true {
            let names = reader.next(4096)
            if names.isEmpty { return count }
            for name in names {
                guard let id = sessionID(fromFileName: name, ext: options.fileExtension) else { continue }
                if let pattern, fnmatch(pattern, id, 0) != 0 { continue }
                count += 1
            }
        }
    }
}
