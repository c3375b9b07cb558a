/// Writes the live sessions of a store as `SessionNDJSON` lines, a page at a time.
public final class SessionExport {
    /// The counts of an export.
    public struct Report: Sendable, Equatable {
        public var exported = 0
        /// Expired in the store, not exported.
        public var expired = 0
        /// Sessions that could not be read.
        public var failed = 0
        /// Keys that are not sessions, left alone.
        public var skippedKeys = 0
        /// Bytes written.
        public var bytes: Int64 = 0
        public var seconds: Double = 0
        public var interrupted = false
        public init() {}
    }

    public let store: any SessionStore
    public let pattern: String?
    public let batchSize: Int

    public var onFailure: (MigrationFailure) -> Void = { _ in }
    public var onProgress: (Report) -> Void = { _ in }
    public var shouldStop: () -> Bool = { false }

    public init(store: any SessionStore, pattern: String? = nil, batchSize: Int = 1000) {
        self.store = store
        self.pattern = pattern
        self.batchSize = max(batchSize, 1)
    }

    /// Hands each page's lines to `write`.
    public func run(_ write: ([UInt8]) throws -> Void) throws -> Report {
        let start = SystemTime.monotonicSeconds()
        var report = Report()
        let layout = store.layout
        var out: [UInt8] = []
        try store.scanSessions(matching: pattern, pageSize: batchSize) { page in
            let now = store.clock.nowMillis()
            report.skippedKeys += page.skipped.count
            for b in page.broken {
                report.failed += 1
                onFailure(MigrationFailure(id: b.id, message: b.error.description))
            }
            out.removeAll(keepingCapacity: true)
            for session in page.sessions {
                if session.expiry.isExpired(now: now) {
                    report.expired += 1
                    continue
                }
                SessionNDJSON.append(session, layout: layout, to: &out)
                report.exported += 1
            }
            if !out.isEmpty { try write(out) }
            report.bytes += Int64(out.count)
            report.seconds = SystemTime.monotonicSeconds() - start
            onProgress(report)
            if shouldStop() {
                report.interrupted = true
                return .stop
            }
            return .proceed
        }
        report.seconds = SystemTime.monotonicSeconds() - start
        return report
    }
}
