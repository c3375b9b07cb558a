import Foundation
import TestSupport
import XCTest

@testable import SessionKit

/// Watching a File store: what sessctl and an app (writing files as GoFrame does) do to its
/// sessions while a watch runs, each change reported once with its kind.
final class FileStoreWatchTests: XCTestCase {
    private let hour: Int64 = 3_600_000

    /// What a watch on another thread has seen so far.
    private final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var signals: [WatchSignal] = []
        private var stop = false
        var failure: String?

        func add(_ s: WatchSignal) { lock.withLock { signals.append(s) } }
        var all: [WatchSignal] { lock.withLock { signals } }
        var events: [SessionEvent] {
            all.compactMap {
                if case .event(let e) = $0 { return e }
                return nil
            }
        }
        func requestStop() { lock.withLock { stop = true } }
        var stopRequested: Bool { lock.withLock { stop } }

        /// Waits up to `seconds` for `predicate` over the events seen.
        func waitFor(_ what: String, seconds: Double = 20, _ predicate: ([SessionEvent]) -> Bool) throws {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if predicate(events) { return }
                usleep(20_000)
            }
            throw NSError(domain: "watch", code: 1, userInfo: [NSLocalizedDescriptionKey: "timed out waiting for \(what); seen: \(events)"])
        }
    }

    /// Writes a session file as GoFrame does: create or truncate, write header and JSON, close.
    private func goFrameWrite(_ dir: TempDirectory, _ id: String, timestamp: Int64, json: String) {
        let fd = open(dir.file(id + ".session"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0)
        let bytes = GSessionFileCodec.header(timestamp) + Array(json.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    private func startWatch(_ store: FileStore, _ seen: Seen, pattern: String? = nil) throws -> Thread {
        XCTAssertNotNil(store.abilities.watching)
        let started = DispatchSemaphore(value: 0)
        let thread = Thread {
            // The watch reads the directory before its first poll; `started` after that.
            var first = true
            do {
                try store.watch(
                    matching: pattern, options: WatchOptions(),
                    shouldStop: {
                        if first {
                            first = false
                            started.signal()
                        }
                        return seen.stopRequested
                    }
                ) { signal in
                    seen.add(signal)
                    return .proceed
                }
            } catch {
                seen.failure = "\(error)"
                if first { started.signal() }
            }
            seen.requestStop()
        }
        thread.start()
        started.wait()
        return thread
    }

    func testEachChangeIsReportedOnceWithItsKind() throws {
        let dir = TempDirectory()
        let store = try FileStore(directory: dir.path, options: .init(maxAgeMillis: hour))
        let now = SystemTime.nowMillis()
        // Before the watch: a live session, one expired long ago, and files that are no sessions.
        goFrameWrite(dir, "before", timestamp: now, json: "{}")
        goFrameWrite(dir, "stale", timestamp: now - 2 * hour, json: "{}")
        dir.write("..sessctl-1-1-1.tmp", [1, 2, 3])
        dir.write("notes.txt", [1])

        let seen = Seen()
        let thread = try startWatch(store, seen)
        defer {
            seen.requestStop()
            while !thread.isFinished { usleep(10_000) }
        }

        // sessctl creates (a link of a finished temp file) and rewrites (a rename onto it).
        try store.save(SessionWrite(Session(id: "cli", data: JSONObject([("a", .number("1"))]), expiry: .never), mode: .create))
        var cli = try store.get("cli")
        cli.data["a"] = .number("2")
        try store.save(SessionWrite(cli, mode: .update))
        // The app creates and rewrites in place.
        goFrameWrite(dir, "app", timestamp: now, json: #"{"user":{"id":1}}"#)
        goFrameWrite(dir, "app", timestamp: SystemTime.nowMillis(), json: #"{"user":{"id":2}}"#)
        // A session rewritten before it expires moves its expiry; one left alone expires.
        goFrameWrite(dir, "revived", timestamp: now - hour + 1_000, json: "{}")
        goFrameWrite(dir, "revived", timestamp: SystemTime.nowMillis(), json: "{}")
        goFrameWrite(dir, "fading", timestamp: now - hour + 2_000, json: "{}")
        // Temp files and other names are ignored.
        dir.write("..sessctl-2-2-2.tmp", [1, 2, 3])
        dir.write("other.txt", [2])
        // Removed by sessctl and by the app.
        try store.delete("cli")
        unlink(dir.file("app.session"))
        unlink(dir.file("before.session"))

        try seen.waitFor("fading to expire") { $0.contains(SessionEvent(time: 0, change: .expired, id: "fading"), ignoringTime: true) }
        // Events come in order: once the last write is seen, every earlier one has been.
        goFrameWrite(dir, "last", timestamp: SystemTime.nowMillis(), json: "{}")
        try seen.waitFor("the last write") { $0.contains(SessionEvent(time: 0, change: .created, id: "last"), ignoringTime: true) }
        seen.requestStop()
        while !thread.isFinished { usleep(10_000) }
        XCTAssertNil(seen.failure)

        var byID: [String: [SessionChange]] = [:]
        for e in seen.events { byID[e.id, default: []].append(e.change) }
        XCTAssertEqual(byID["cli"], [.created, .changed, .deleted])
        XCTAssertEqual(byID["app"], [.created, .changed, .deleted])
        XCTAssertEqual(byID["revived"], [.created, .changed])
        XCTAssertEqual(byID["fading"], [.created, .expired])
        XCTAssertEqual(byID["before"], [.deleted])
        XCTAssertEqual(byID["last"], [.created])
        XCTAssertEqual(Set(byID.keys), ["cli", "app", "revived", "fading", "before", "last"], "nothing else: \(seen.events)")
        XCTAssertFalse(seen.all.contains { if case .gap = $0 { return true } else { return false } })
    }

    func testWatchOnlyTheSessionsMatchingThePattern() throws {
        let dir = TempDirectory()
        let store = try FileStore(directory: dir.path)
        let seen = Seen()
        let thread = try startWatch(store, seen, pattern: "u-*")
        defer {
            seen.requestStop()
            while !thread.isFinished { usleep(10_000) }
        }
        goFrameWrite(dir, "x-1", timestamp: SystemTime.nowMillis(), json: "{}")
        goFrameWrite(dir, "u-1", timestamp: SystemTime.nowMillis(), json: "{}")
        unlink(dir.file("x-1.session"))
        goFrameWrite(dir, "u-last", timestamp: SystemTime.nowMillis(), json: "{}")
        try seen.waitFor("u-last") { $0.contains(SessionEvent(time: 0, change: .created, id: "u-last"), ignoringTime: true) }
        XCTAssertEqual(seen.events.map(\.id), ["u-1", "u-last"])
    }
}

extension Array where Element == SessionEvent {
    fileprivate func contains(_ event: SessionEvent, ignoringTime: Bool) -> Bool {
        contains { $0.id == event.id && $0.change == event.change }
    }
}
