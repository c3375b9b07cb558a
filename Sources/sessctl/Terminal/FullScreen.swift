#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    @preconcurrency import Darwin
#endif

/// A full-screen view (`top`): the alternate screen, no cursor, keys read one at a time without
/// echo (termios raw input; Ctrl-C still signals, see `Interrupts`), all put back by `restore`.
final class FullScreen {
    private var saved = termios()
    private var rawInput = false
    private var restored = false

    init() {
        if isatty(0) == 1, tcgetattr(0, &saved) == 0 {
            var raw = saved
            raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
            withUnsafeMutableBytes(of: &raw.c_cc) { cc in
                cc[Int(VMIN)] = 0
                cc[Int(VTIME)] = 0
            }
            rawInput = tcsetattr(0, TCSANOW, &raw) == 0
        }
        Terminal.writeRaw("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
    }

    deinit { restore() }

    /// Leaves the alternate screen and puts the terminal's modes back (once).
    func restore() {
        guard !restored else { return }
        restored = true
        Terminal.writeRaw("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l")
        if rawInput { tcsetattr(0, TCSANOW, &saved) }
    }

    /// The window's size (columns, rows), read each time (so a resize shows at the next look).
    static func size() -> (columns: Int, rows: Int) {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 { return (Int(size.ws_col), Int(size.ws_row)) }
        return (80, 24)
    }

    /// Waits `millis` milliseconds.
    static func sleep(millis: Int64) {
        _ = poll(nil, 0, Int32(clamping: millis))
    }

    /// The keys typed, waiting up to `millis` for the first.
    func keys(waiting millis: Int32) -> [UInt8] {
        var pfd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, millis) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        return n > 0 ? Array(buffer[..<n]) : []
    }

    /// Draws `lines` from the top left, each cut to the width, the rest of the screen cleared.
    /// A line is (text, SGR code or nil): the code paints the whole line.
    func draw(_ lines: [(String, String?)]) {
        let (columns, rows) = Self.size()
        var out = "\u{1B}[H"
        for (i, line) in lines.prefix(rows).enumerated() {
            let text = String(line.0.prefix(columns))
            out += (line.1.map { Terminal.paint(text, $0) } ?? text) + "\u{1B}[K"
            if i < min(lines.count, rows) - 1 { out += "\r\n" }
        }
        out += "\u{1B}[J"
        Terminal.writeRaw(out)
    }
}
