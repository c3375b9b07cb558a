#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sessions read from an export stream (`SessionNDJSON` lines) on a file descriptor, a page
/// at a time, for `import`. A line that is not a session fails alone, named by its number.
public final class NDJSONSessions: SessionSource {
    public let displayName: String
    private let fd: Int32
    private let pattern: String?
    private let target: (name: String, framework: SessionFramework)?

    /// Lines longer than this (a session beyond the stores' own 64 MiB limit) fail alone.
    public static let maxLineBytes = 80 << 20

    /// Reads `fd` (not closed here); `displayName` names it in messages (`stdin`, a path). With
    /// `target` (the store imported into), a line whose `layout` belongs to another framework is
    /// refused: alone when sessions came before it, else the whole reading stops with that line.
    public init(fd: Int32, displayName: String, pattern: String? = nil, target: (name: String, framework: SessionFramework)? = nil) {
        self.fd = fd
        self.displayName = displayName
        self.pattern = pattern
        self.target = target
    }

    public func sessionPages(pageSize: Int, _ visit: (SessionPage) throws -> ScanControl) throws {
        var reader = LineReader(fd: fd)
        var lineNumber = 0
        var page = SessionPage()
        var lines = 0
        var accepted = 0  // sessions of the target's framework so far
        while true {
            let next: LineReader.Line?
            do {
                next = try reader.next(limit: Self.maxLineBytes)
            } catch {
                throw SessionError.io(location: displayName, reason: "cannot read: \(String(cString: strerror(error.errno)))")
            }
            guard let next else { break }
            lineNumber += 1
            let location = "\(displayName): line \(lineNumber)"
            switch next {
            case .tooLong(let length):
                page.broken.append(BrokenSession(id: "", error: .corrupt(location: location, reason: "a line of \(length) bytes, longer than the limit")))
                lines += 1
            case .bytes(let line):
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }) { continue }
                var refusal: String?
                do throws(SessionError) {
                    let (session, layout) = try SessionNDJSON.parseLine(line, location: location)
                    if let pattern, fnmatch(pattern, session.id, 0) != 0 { continue }
                    if let target, let layout {
                        refusal = layout.framework.transferRefusal(
                            to: target.framework,
                            from: "\(location) (session \(SessionError.quote(session.id)), layout \(layout.name))",
                            to: target.name)
                    }
                    if refusal == nil {
                        accepted += 1
                        page.sessions.append(session)
                    }
                } catch {
                    page.broken.append(BrokenSession(id: "", error: error))
                }
                if let refusal {
                    if accepted == 0 { throw SessionError.invalidArgument(refusal + "; nothing was imported") }
                    page.broken.append(BrokenSession(id: "", error: .invalidArgument(refusal)))
                }
                lines += 1
            }
            if lines >= pageSize {
                if try visit(page) == .stop { return }
                page = SessionPage()
                lines = 0
            }
        }
        if lines > 0 { _ = try visit(page) }
    }
}

/// Lines from a file descriptor, read in large blocks.
public struct LineReader {
    public enum Line {
        case bytes([UInt8])
        /// A line over the limit, skipped; its length.
        case tooLong(Int)
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where the search for the next newline goes on: the bytes from `start` to here hold none.
    private var searched = 0
    private var atEnd = false
    private static let block = 1 << 20

    public init(fd: Int32) {
        self.fd = fd
    }

    /// The next line without its `\n` (a final line may lack one); nil at the end.
    public mutating func next(limit: Int) throws(PosixFile.Failure) -> Line? {
        var skipped = 0  // bytes of a line over the limit, dropped as they come
        while true {
            // Only bytes not searched yet: a line that takes many blocks is still read in linear time.
            if let nl = buffer[max(start, searched)...].firstIndex(of: 0x0a) {
                let line = Array(buffer[start..<nl])
                start = nl + 1
                if skipped > 0 || line.count > limit { return .tooLong(skipped + line.count) }
                return .bytes(line)
            }
            if atEnd {
                guard start < buffer.count || skipped > 0 else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                if skipped > 0 || line.count > limit { return .tooLong(skipped + line.count) }
                return .bytes(line)
            }
            searched = buffer.count
            if buffer.count - start > limit {
                skipped += buffer.count - start
                start = buffer.count
            }
            try fill()
        }
    }

    private mutating func fill() throws(PosixFile.Failure) {
        if start > 0 {
            buffer.removeFirst(start)
            searched -= start
            start = 0
        }
        var failure: Int32 = 0
        let block = [UInt8](unsafeUninitializedCapacity: Self.block) { b, count in
            while true {
                let n = read(fd, b.baseAddress!, Self.block)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { failure = errno }
                count = max(n, 0)
                return
            }
        }
        buffer.append(contentsOf: block)
        if failure != 0 { throw PosixFile.Failure(errno: failure) }
        if block.isEmpty { atEnd = true }
    }
}
