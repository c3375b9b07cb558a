#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value handed to exactly one other thread, which alone uses it from then on (a store or a
/// connection is not thread-safe, but may move between threads).
struct HandOff<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A POSIX thread running one closure; `join()` waits for it to end.
final class WorkerThread {
    private var thread: pthread_t

    /// Starts `body` on a new thread; nil when the system has no thread to give (the caller
    /// then does the work itself, or gives up).
    init?(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        #if canImport(Glibc)
            var thread = pthread_t()
        #else
            var thread: pthread_t?
        #endif
        let status = pthread_create(
            &thread, nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                box.body()
                return nil
            }, box)
        guard status == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return nil
        }
        #if canImport(Glibc)
            self.thread = thread
        #else
            self.thread = thread!
        #endif
    }

    func join() {
        pthread_join(thread, nil)
    }

    /// Lets the thread end on its own; it is never joined.
    func detach() {
        pthread_detach(thread)
    }
}

/// A first-in first-out queue between threads holding at most `capacity` items: `push` waits
/// while it is full, `pop` while it is empty. `close()` wakes both sides for good: later pushes
/// are refused and `pop` returns what is left, then nil.
final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
    private let capacity: Int
    private var items: [Element] = []
    private var closed = false
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        changed.deallocate()
    }

    private var count: Int { items.count }

    /// Adds an item, waiting for room; false when the queue was closed.
    func push(_ item: Element) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !closed && count >= capacity { pthread_cond_wait(changed, mutex) }
        if closed { return false }
        items.append(item)
        pthread_cond_broadcast(changed)
        return true
    }

    /// The oldest item, waiting for one; nil once the queue is closed and empty.
    func pop() -> Element? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !closed && count == 0 { pthread_cond_wait(changed, mutex) }
        if count == 0 { return nil }
        let item = items.removeFirst()  // a short queue: moving the rest costs nothing
        pthread_cond_broadcast(changed)
        return item
    }

    /// Everything queued now, without waiting.
    func drain() -> [Element] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        let all = items
        items.removeAll()
        pthread_cond_broadcast(changed)
        return all
    }

    var isClosed: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return closed
    }

    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
    }
}
