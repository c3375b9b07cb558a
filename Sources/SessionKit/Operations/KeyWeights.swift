/// The keys that take the most bytes across sessions, in fixed memory: the Space-Saving
/// algorithm (Metwally et al.), weighted by bytes. Up to `capacity` distinct keys are counted
/// exactly. Past that, the key with the smallest total gives its slot to the newcomer, which
/// inherits that total as its possible over-count (`error`). Then every key whose true total
/// exceeds `allBytes / capacity` is still held, and a held key's total is at most `error` bytes
/// too high.
public struct KeyWeights: Sendable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        /// Bytes counted for the key (an upper bound once slots were given away).
        public var bytes: Int
        /// Sessions that hold the key, counted since it took its slot.
        public var sessions: Int
        /// How many of `bytes` may belong to keys that held the slot before.
        public var error: Int
    }

    public let capacity: Int
    /// A min-heap by bytes, and where each key sits in it.
    private var heap: [Entry] = []
    private var slot: [String: Int] = [:]
    /// True once a slot was given away: totals may then be over-counts.
    public private(set) var isApproximate = false

    public init(capacity: Int = 2048) {
        self.capacity = Swift.max(capacity, 1)
    }

    public mutating func add(_ key: String, bytes: Int) {
        if let i = slot[key] {
            heap[i].bytes += bytes
            heap[i].sessions += 1
            siftDown(i)
        } else if heap.count < capacity {
            heap.append(Entry(key: key, bytes: bytes, sessions: 1, error: 0))
            slot[key] = heap.count - 1
            siftUp(heap.count - 1)
        } else {
            let smallest = heap[0]
            slot[smallest.key] = nil
            heap[0] = Entry(key: key, bytes: smallest.bytes + bytes, sessions: 1, error: smallest.bytes)
            slot[key] = 0
            isApproximate = true
            siftDown(0)
        }
    }

    /// The `n` heaviest keys, heaviest first (ties by key).
    public func top(_ n: Int) -> [Entry] {
        Array(heap.sorted { a, b in a.bytes != b.bytes ? a.bytes > b.bytes : a.key.utf8.lexicographicallyPrecedes(b.key.utf8) }.prefix(n))
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].bytes < heap[parent].bytes else { break }
            swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && heap[l].bytes < heap[m].bytes { m = l }
            if r < heap.count && heap[r].bytes < heap[m].bytes { m = r }
            if m == i { return }
            swapAt(i, m)
            i = m
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        slot[heap[a].key] = a
        slot[heap[b].key] = b
    }
}

/// The largest sessions seen, in fixed memory: the `limit` best by size (ties by id, so the
/// answer does not depend on scan order).
public struct LargestSessions: Sendable {
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var size: Int
    }

    public let limit: Int
    /// Best first.
    public private(set) var entries: [Entry] = []

    public init(limit: Int = 10) { self.limit = Swift.max(limit, 0) }

    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.size != b.size ? a.size > b.size : a.id.utf8.lexicographicallyPrecedes(b.id.utf8)
    }

    public mutating func add(id: String, size: Int) {
        let e = Entry(id: id, size: size)
        if entries.count == limit {
            guard let last = entries.last, Self.before(e, last) else { return }
            entries.removeLast()
        }
        let at = entries.firstIndex { Self.before(e, $0) } ?? entries.count
        entries.insert(e, at: at)
    }

    /// Forgets a session that is gone (`top`, until its next scan).
    public mutating func remove(id: String) {
        entries.removeAll { $0.id == id }
    }
}
