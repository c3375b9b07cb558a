#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A store's `estimatedCount`, worked out on a thread of its own through a handle of its own,
/// so a progress line can show a total and an ETA without making the work wait for it.
public final class SessionCountEstimate: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var count: Int?

    /// Starts counting; `value` stays nil until done, or for good when the store cannot tell.
    public init(_ store: any SessionStore, pattern: String?) {
        pthread_mutex_init(mutex, nil)
        guard let handle = try? store.reopened() else { return }
        let job = HandOff(handle)
        WorkerThread { [self] in
            let n = (try? job.value.estimatedCount(matching: pattern)) ?? nil
            pthread_mutex_lock(mutex)
            count = n
            pthread_mutex_unlock(mutex)
        }?.detach()
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public var value: Int? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return count
    }
}
