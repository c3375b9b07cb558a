#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin, Foundation-free file operations with errno-based errors.
public enum PosixFile {
    public struct Failure: Error {
        public let errno: Int32
        /// What the path names instead of a regular file ("a symbolic link", "a FIFO"), when
        /// that is why it was refused.
        var notRegular: String? = nil
        public var message: String { notRegular.map { "is \($0), not a regular file" } ?? String(cString: strerror(errno)) }

        /// The refusal of something that is `kind` ("a FIFO"), not a regular file.
        static func notRegular(_ kind: String) -> Failure { Failure(errno: EINVAL, notRegular: kind) }
    }

    /// What a file of this mode is, unless it is a regular file.
    static func kind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFLNK: return "a symbolic link"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR, S_IFBLK: return "a device"
        default: return "not a regular file"
        }
    }

    /// The whole file, or a failure (ENOENT for a missing file). Files over `limit` bytes fail
    /// with EFBIG. Follows links: for files the user names (a config file); session files are
    /// read with `readRegular`.
    static func read(_ path: String, limit: Int) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Failure(errno: errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(Failure(errno: errno)) }
        if (st.st_mode & S_IFMT) == S_IFDIR { return .failure(Failure(errno: EISDIR)) }
        return read(fd: fd, size: Int(st.st_size), regular: (st.st_mode & S_IFMT) == S_IFREG, limit: limit)
    }

    /// Opens the regular file `name` (a path, or a name in the open directory `directory`) for
    /// reading: never through a symbolic link, without blocking (a FIFO would wait for a writer
    /// forever), and refusing after a look at what was opened anything that is not a regular file.
    static func openRegular(_ name: String, in directory: Int32 = AT_FDCWD) -> Result<(fd: Int32, stat: stat), Failure> {
        let fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            return .failure(Failure(errno: e, notRegular: e == ELOOP ? "a symbolic link" : nil))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno
            close(fd)
            return .failure(Failure(errno: e))
        }
        if let kind = kind(st.st_mode) {
            close(fd)
            return .failure(.notRegular(kind))
        }
        return .success((fd, st))
    }

    /// The whole regular file `name` (a path, or a name in the open directory `directory`,
    /// where the kernel looks up one name instead of a whole path, which counts when a store
    /// holds a million files), opened as `openRegular` does. Files over `limit` bytes fail with
    /// EFBIG.
    static func readRegular(_ name: String, in directory: Int32 = AT_FDCWD, limit: Int) -> Result<[UInt8], Failure> {
        switch openRegular(name, in: directory) {
        case .failure(let f): return .failure(f)
        case .success(let (fd, st)):
            defer { close(fd) }
            return read(fd: fd, size: Int(st.st_size), regular: true, limit: limit)
        }
    }

    /// A session file that a writer holds: opened as `openRegular` does, locked with
    /// `flock(LOCK_EX)` (sessctl's writers take it; GoFrame takes none), still the file its path
    /// names once locked, and its status and (when asked for) contents read under the lock. The
    /// lock lasts until the value goes away.
    final class LockedFile {
        let fd: Int32
        let stat: stat
        let bytes: [UInt8]

        fileprivate init(fd: Int32, stat: stat, bytes: [UInt8]) {
            (self.fd, self.stat, self.bytes) = (fd, stat, bytes)
        }

        deinit { close(fd) }
    }

    /// How long `lock` waits for another writer (a lock held longer is not a write in progress).
    static let lockPatienceSeconds = 10.0

    /// Locks the regular file at `path` (see `LockedFile`) and reads it unless `limit` is nil;
    /// ENOENT when there is none, EWOULDBLOCK when another process held its lock for
    /// `lockPatienceSeconds`.
    static func lock(_ path: String, limit: Int?) -> Result<LockedFile, Failure> {
        while true {
            let fd: Int32
            switch openRegular(path) {
            case .failure(let f): return .failure(f)
            case .success(let opened): fd = opened.fd
            }
            if let f = waitForLock(fd) {
                close(fd)
                return .failure(f)
            }
            // The holder may have renamed a new file over this one, or removed it: what the path
            // names now is what counts.
            var held = stat(), named = stat()
            guard fstat(fd, &held) == 0 else {
                let e = errno
                close(fd)
                return .failure(Failure(errno: e))
            }
            guard lstat(path, &named) == 0, named.st_ino == held.st_ino, named.st_dev == held.st_dev else {
                let e = errno
                close(fd)
                if e == ENOENT { return .failure(Failure(errno: ENOENT)) }
                continue
            }
            guard let limit else { return .success(LockedFile(fd: fd, stat: held, bytes: [])) }
            switch read(fd: fd, size: Int(held.st_size), regular: true, limit: limit) {
            case .success(let bytes): return .success(LockedFile(fd: fd, stat: held, bytes: bytes))
            case .failure(let f):
                close(fd)
                return .failure(f)
            }
        }
    }

    /// Takes `fd`'s exclusive lock, polling (a blocking `flock` would wait forever for any process
    /// that can read the file and keeps its lock) for up to `lockPatienceSeconds`.
    private static func waitForLock(_ fd: Int32) -> Failure? {
        let deadline = SystemTime.monotonicSeconds() + lockPatienceSeconds
        var pause: UInt32 = 500  // microseconds, doubled up to 10 ms
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            if e == EINTR { continue }
            if e != EWOULDBLOCK || SystemTime.monotonicSeconds() > deadline { return Failure(errno: e) }
            usleep(pause)
            pause = min(pause * 2, 10_000)
        }
        return nil
    }

    /// Reads `fd` to its end; `size` is what `fstat` said. One spare byte tells the end of the
    /// file without growing the buffer. A regular file that gave exactly its size in a short read
    /// is at its end: no second read to see 0.
    private static func read(fd: Int32, size: Int, regular: Bool, limit: Int) -> Result<[UInt8], Failure> {
        if size > limit { return .failure(Failure(errno: EFBIG)) }
        let size = max(size, 0)
        var capacity = size + 1
        var out: [UInt8] = []
        while true {
            var failure: Int32 = 0
            var reachedEnd = false
            let previous = out
            out = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                let base = buffer.baseAddress!
                if !previous.isEmpty { previous.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: $0.count) } }
                count = previous.count
                while count < capacity {
                    let n = Glibc.read(fd, base + count, capacity - count)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        return
                    }
                    if n == 0 { reachedEnd = true; return }
                    count += n
                    if regular && count == size && previous.isEmpty { reachedEnd = true; return }
                }
            }
            if failure != 0 { return .failure(Failure(errno: failure)) }
            if out.count > limit { return .failure(Failure(errno: EFBIG)) }
            if reachedEnd { return .success(out) }
            capacity *= 2  // the file grew while being read
        }
    }

    static func lstatInfo(_ path: String) -> stat? {
        var st = stat()
        return lstat(path, &st) == 0 ? st : nil
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Failure? {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                return Failure(errno: errno)
            }
            done += n
        }
        return nil
    }

    static func fsyncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    /// The process umask, read without changing it for longer than an instant.
    static let umaskValue: mode_t = {
        let m = umask(0o022)
        umask(m)
        return m
    }()

    /// Names in a directory (no `.` and `..`), a batch at a time.
    final class DirectoryReader {
        private let dir: OpaquePointer

        init(_ path: String) throws(Failure) {
            guard let d = opendir(path) else { throw Failure(errno: errno) }
            dir = d
        }

        deinit { closedir(dir) }

        /// The directory's descriptor, for `read(in:_:limit:)`; valid while the reader lives.
        var descriptor: Int32 { dirfd(dir) }

        /// True once `next` has seen the end of the directory.
        private(set) var atEnd = false

        /// A name in the directory, and what it is when the directory says it is not a regular
        /// file (a file system that does not say leaves that to whoever opens it).
        struct Entry {
            let name: String
            let notRegular: String?
        }

        /// Up to `max` entries that are not directories; empty at the end.
        func next(_ max: Int) -> [Entry] {
            var entries: [Entry] = []
            while entries.count < max {
                guard let ent = readdir(dir) else {
                    atEnd = true
                    break
                }
                let type = ent.pointee.d_type
                if type == UInt8(DT_DIR) { continue }
                let name = withUnsafePointer(to: ent.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name == "." || name == ".." { continue }
                let unsaid = type == UInt8(DT_REG) || type == UInt8(DT_UNKNOWN)
                entries.append(Entry(name: name, notRegular: unsaid ? nil : PosixFile.kind(mode_t(type) << 12)))  // DTTOIF
            }
            return entries
        }
    }
}
