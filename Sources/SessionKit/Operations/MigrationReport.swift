/// What a migration (or an import) is asked to do.
public struct MigrationOptions: Sendable {
    /// What happens to a session the target already has.
    public enum Existing: Sendable {
        /// Leave it alone and count it (the default).
        case skip
        /// Replace it.
        case overwrite
    }

    public var existing: Existing
    /// Read every written session back and compare its data and expiry.
    public var verify: Bool
    /// Remove each source session once its copy was verified (implies `verify`).
    public var deleteSource: Bool
    /// Read everything, write nothing, report what would happen.
    public var dryRun: Bool
    /// Sessions read and written at a time.
    public var batchSize: Int

    public init(existing: Existing = .skip, verify: Bool = false, deleteSource: Bool = false, dryRun: Bool = false, batchSize: Int = 1000) {
        self.existing = existing
        self.verify = verify
        self.deleteSource = deleteSource
        self.dryRun = dryRun
        self.batchSize = max(batchSize, 1)
    }
}

/// The counts of a migration so far, or at its end.
public struct MigrationReport: Sendable, Equatable {
    /// Sessions read from the source, whatever became of them.
    public var scanned = 0
    /// Written to the target (in a dry run: would be).
    public var copied = 0
    /// Already in the target, left alone.
    public var skippedExisting = 0
    /// Expired in the source, not copied.
    public var expired = 0
    /// Sessions with no keys, which the target cannot hold (a Redis hash), not copied.
    public var emptySkipped = 0
    /// Sessions that could not be read, converted, written or verified.
    public var failed = 0
    /// Copies read back and found equal.
    public var verified = 0
    /// Source sessions removed after their copy was verified.
    public var deleted = 0
    /// Verified copies left in the source because the source session changed meanwhile.
    public var keptInSource = 0
    /// Copies of sessions without an expiry that got one, as the target cannot keep a session
    /// without (a File store: the timestamp "now").
    public var lifetimeCapped = 0
    /// Keys in the source that are not sessions, left alone.
    public var skippedKeys = 0
    /// The stored size of the copied sessions in the source.
    public var bytes: Int64 = 0
    public var seconds: Double = 0
    public var dryRun = false
    /// Stopped on request before the end.
    public var interrupted = false

    public init(dryRun: Bool = false) {
        self.dryRun = dryRun
    }

    /// Every session the run has settled (the progress count).
    public var done: Int { copied + skippedExisting + expired + emptySkipped + failed }
}

/// One session a migration could not copy, verify or remove, in one line.
public struct MigrationFailure: Sendable, Equatable, CustomStringConvertible {
    /// The session's id, when known.
    public let id: String?
    public let message: String

    public init(id: String?, message: String) {
        self.id = id
        self.message = message
    }

    public var description: String { message }
}

/// A migration that stopped because a store failed (or went away): the error and what was done
/// until then. Running the same migration again finishes the job.
public struct MigrationAborted: Error, Sendable, CustomStringConvertible {
    public let error: SessionError
    public let report: MigrationReport

    public var description: String { error.description }
}
