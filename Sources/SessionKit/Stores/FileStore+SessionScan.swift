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
    /// Files up to this size are read with one `read` and no `fstat`.
    static let smallFileBytes = 64 << 10

    /// Reads each file once, through the directory's descriptor. With more than one core, one
    /// thread lists the directory and hands out its names a page at a time, `readerThreads`
    /// threads read and decode them, and each page is visited here as soon as it is done (a scan
    /// has no order), so no thread waits for another to finish its share of a page.
    public func scanSessions(matching pattern: String?, pageSize: Int, _ visit: (SessionPage) throws -> ScanControl) throws {
        let reader = try directoryReader()
        let dir = reader.descriptor
        let pageSize = max(pageSize, 1)
        let readers = Self.readerThreads
        if readers > 1 {
            typealias Entries = [(name: String, id: String)]
            let work = BlockingQueue<Entries>(capacity: readers * 2)
            let done = BlockingQueue<SessionPage?>(capacity: readers * 2)  // nil: a reader has finished
            let decoders = (0..<readers).compactMap { _ in
                WorkerThread { [self] in
                    while let entries = work.pop() {
                        if !done.push(read(entries[...], in: dir)) { break }
                    }
                    _ = done.push(nil)
                }
            }
            let listing = HandOff(reader)
            let lister = decoders.isEmpty ? nil : WorkerThread { [self] in
                while true {
                    let entries = self.entries(listing.value.next(pageSize), matching: pattern)
                    if entries.isEmpty && listing.value.atEnd { break }
                    if !entries.isEmpty && !work.push(entries) { break }
                }
                work.close()
            }
            defer {
                work.close()
                done.close()
                lister?.join()
                for t in decoders { t.join() }
            }
            if lister != nil {
                var finished = 0
                while finished < decoders.count, let next = done.pop() {
                    guard let page = next else {
                        finished += 1
                        continue
                    }
                    if page.sessions.isEmpty && page.broken.isEmpty { continue }
                    if try visit(page) == .stop { return }
                }
                return
            }
            // No threads to be had (the directory was not read yet): read it here.
        }
        try scanSerially(reader, pattern: pattern, pageSize: pageSize, visit)
    }

    private func scanSerially(_ reader: PosixFile.DirectoryReader, pattern: String?, pageSize: Int,
                              _ visit: (SessionPage) throws -> ScanControl) throws {
        while true {
            let names = reader.next(pageSize)
            if names.isEmpty { return }
            let page = read(entries(names, matching: pattern)[...], in: reader.descriptor)
            if page.sessions.isEmpty && page.broken.isEmpty { continue }
            if try visit(page) == .stop { return }
        }
    }

    /// The names that are session files whose id matches `pattern`, with their ids.
    private func entries(_ names: [String], matching pattern: String?) -> [(name: String, id: String)] {
        var entries: [(name: String, id: String)] = []
        entries.reserveCapacity(names.count)
        for name in names {
            guard let id = sessionID(fromFileName: name, ext: options.fileExtension) else { continue }
            if let pattern, fnmatch(pattern, id, 0) != 0 { continue }
            entries.append((name, id))
        }
        return entries
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
