#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin, Foundation-free file operations with errno-based errors.
enum PosixFile {
    struct Failure: Error {
        let errno: Int32
        var message: String { String(cString: strerror(errno)) }
    }

    /// The whole file, or a failure (ENOENT for a missing file). Files over `limit` bytes fail
    /// with EFBIG.
    static func read(_ path: String, limit: Int) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Failure(errno: errno)) }
        defer { close(fd) }
        return read(fd: fd, limit: limit)
    }

    /// `read(_:limit:)` of the entry `name` of the open directory `directory`: the kernel looks
    /// up one name instead of a whole path, which counts when a store holds a million files.
    static func read(in directory: Int32, _ name: String, limit: Int) -> Result<[UInt8], Failure> {
        let fd = openat(directory, name, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Failure(errno: errno)) }
        defer { close(fd) }
        return read(fd: fd, limit: limit)
    }

    /// `read(in:_:limit:)` for a scan of many small files: one `read` into `scratch`, and when
    /// the file fits (a regular file's short read is its end) no `fstat`; a larger file is read
    /// again the careful way. Opened non-blocking, so a FIFO never hangs the scan.
    static func read(in directory: Int32, _ name: String, limit: Int, scratch: UnsafeMutableBufferPointer<UInt8>) -> Result<[UInt8], Failure> {
        let fd = openat(directory, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return .failure(Failure(errno: errno)) }
        defer { close(fd) }
        var n: Int
        repeat { n = Glibc.read(fd, scratch.baseAddress!, scratch.count) } while n < 0 && errno == EINTR
        if n < 0 { return .failure(Failure(errno: errno)) }
        if n < scratch.count { return .success(Array(UnsafeBufferPointer(rebasing: scratch[..<n]))) }
        guard lseek(fd, 0, SEEK_SET) == 0 else { return .failure(Failure(errno: errno)) }
        return read(fd: fd, limit: limit)
    }

    private static func read(fd: Int32, limit: Int) -> Result<[UInt8], Failure> {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(Failure(errno: errno)) }
        if (st.st_mode & S_IFMT) == S_IFDIR { return .failure(Failure(errno: EISDIR)) }
        if Int(st.st_size) > limit { return .failure(Failure(errno: EFBIG)) }
        // One spare byte tells the end of the file without growing the buffer. A regular file
        // that gave exactly its size in a short read is at its end: no second read to see 0.
        let size = max(Int(st.st_size), 0)
        let regular = (st.st_mode & S_IFMT) == S_IFREG
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

        /// Up to `max` entries that are regular files (or of unknown type); empty at the end.
        func next(_ max: Int) -> [String] {
            var names: [String] = []
            while names.count < max {
                guard let ent = readdir(dir) else {
                    atEnd = true
                    break
                }
                let type = ent.pointee.d_type
                if type != UInt8(DT_REG) && type != UInt8(DT_UNKNOWN) { continue }
                let name = withUnsafePointer(to: ent.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name == "." || name == ".." { continue }
                names.append(name)
            }
            return names
        }
    }
}
