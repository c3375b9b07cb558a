import Foundation
import SessionKit
import XCTest

/// `sessctl watch -o ndjson ARGS` running in the background, and the events it has written so far.
public final class WatchRun {
    /// One event line; two are equal when their event and id are.
    public struct Event: Equatable {
        public var event: String
        public var id: String
        public var fields: [String: JSONValue]

        public static func == (a: Event, b: Event) -> Bool { a.event == b.event && a.id == b.id }
    }

    public let process: RunningSessctl

    public init(_ args: [String]) throws {
        process = try RunningSessctl(["watch", "-o", "ndjson"] + args)
    }

    /// The events written so far (complete lines only).
    public var events: [Event] {
        let text = String(decoding: process.outputSoFar, as: UTF8.self)
        var out: [Event] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where text.hasSuffix("\n") || line != text.split(separator: "\n").last {
            guard case .object(let o)? = try? JSONParser.parse(Array(line.utf8)), case .string(let e)? = o["event"], case .string(let id)? = o["id"] else {
                XCTFail("not an event line: \(line)")
                continue
            }
            var fields: [String: JSONValue] = [:]
            if case .object(let f)? = o["fields"] { for m in f { fields[m.key] = m.value } }
            out.append(Event(event: e, id: id, fields: fields))
        }
        return out
    }

    /// The events so far as `EVENT ID` lines, but those of `probe`.
    public func seen(but probe: String = "probe") -> [String] {
        events.filter { $0.id != probe }.map { "\($0.event) \($0.id)" }
    }

    public var stderr: String { String(decoding: process.errorSoFar, as: UTF8.self) }

    /// Writes the probe session until the watch reports it: from then on it sees every write.
    public func waitReady(probe: String = "probe", write: () throws -> Void) throws {
        var ended = false
        do {
            try waitUntil("the watch to see the probe", seconds: 30) {
                ended = !process.process.isRunning
                if ended { return true }
                try write()
                usleep(50_000)
                return events.contains { $0.id == probe }
            }
        } catch {
            throw RedisServerError("\(error); watch wrote: \(stderr) \(String(decoding: process.outputSoFar, as: UTF8.self))")
        }
        if ended { throw RedisServerError("watch ended: \(stderr)") }
    }

    /// Waits until the watch has reported `event` of `id`.
    public func waitFor(_ event: String, _ id: String, seconds: Double = 15) throws {
        try waitUntil("\(event) \(id) (stderr: \(stderr))", seconds: seconds) {
            events.contains { $0.event == event && $0.id == id }
        }
    }

    /// Ends it with Ctrl-C: its exit status and output.
    public func stop() -> SessctlRun {
        _ = process.signal(SIGINT) { true }
        return process.finish()
    }

    /// Kills it if it still runs (for tearDown).
    public func kill() {
        guard process.process.isRunning else { return }
        Foundation.kill(process.process.processIdentifier, SIGKILL)
        process.process.waitUntilExit()
    }
}
