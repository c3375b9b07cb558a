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
            typealias Entries = [SessionFileEntry]
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
            let lister =
                decoders.isEmpty
                ? nil
                : WorkerThread { [self] in
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

    private func scanSerially(
        _ reader: PosixFile.DirectoryReader, pattern: String?, pageSize: Int,
        _ visit: (SessionPage) throws -> ScanControl
    ) throws {
        while true {
            let listed = reader.next(pageSize)
            if listed.isEmpty { return }
            let page = read(entries(listed, matching: pattern)[...], in: reader.descriptor)
            if page.sessions.isEmpty && page.broken.isEmpty { continue }
            if try visit(page) == .stop { return }
        }
    }

    /// A directory entry named as a session file, with its id.
    struct SessionFileEntry {
        let file: PosixFile.DirectoryReader.Entry
        let id: String
    }

    /// The entries named as session files whose id matches `pattern`.
    private func entries(_ listed: [PosixFile.DirectoryReader.Entry], matching pattern: String?) -> [SessionFileEntry] {
        var entries: [SessionFileEntry] = []
        entries.reserveCapacity(listed.count)
        for file in listed {
            guard let id = sessionID(fromFileName: file.name, ext: options.fileExtension) else { continue }
            if let pattern, fnmatch(pattern, id, 0) != 0 { continue }
            entries.append(SessionFileEntry(file: file, id: id))
        }
        return entries
    }

    /// Reads and decodes each entry; one that the directory says is not a regular file is
    /// reported without being opened.
    private func read(_ entries: ArraySlice<SessionFileEntry>, in dir: Int32) -> SessionPage {
        var page = SessionPage()
        page.sessions.reserveCapacity(entries.count)
        for entry in entries {
            do throws(SessionError) {
                try validate(id: entry.id)
            } catch {
                page.broken.append(
                    BrokenSession(
                        id: entry.id,
                        error: .corrupt(
                            location: directory + "/" + entry.file.name,
                            reason: "the file name is not a valid session id: \(error)")))
                continue
            }
            let name = entry.file.name
            let bytes =
                entry.file.notRegular.map { .failure(PosixFile.Failure.notRegular($0)) }
                ?? PosixFile.readRegular(name, in: dir, limit: FileStore.maxFileSize)
            switch decode(id: entry.id, read: bytes, path: { self.directory + "/" + name }) {
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
            let listed = reader.next(4096)
            if listed.isEmpty { return count }
            for name in listed.map(\.name) {
                guard let id = sessionID(fromFileName: name, ext: options.fileExtension) else { continue }
                if let pattern, fnmatch(pattern, id, 0) != 0 { continue }
                count += 1
            }
        }
    }
}
