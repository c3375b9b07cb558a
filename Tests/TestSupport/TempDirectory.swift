import Foundation

/// A private directory removed when the value goes away, or at the latest when the test
/// process exits (XCTest keeps test case instances, and so their directories, alive).
public final class TempDirectory: Sendable {
    public let path: String

    private static let leftovers = Leftovers()

    public init(_ label: String = "sessctl-test") {
        var template = Array((NSTemporaryDirectory() + "/\(label).XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        TempDirectory.leftovers.add(path)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
        TempDirectory.leftovers.remove(path)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func write(_ name: String, _ bytes: [UInt8]) {
        _ = FileManager.default.createFile(atPath: file(name), contents: Data(bytes))
    }

    public func read(_ name: String) -> [UInt8]? {
        FileManager.default.contents(atPath: file(name)).map { [UInt8]($0) }
    }

    public func names() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}

/// The directories still there, removed by an exit handler.
private final class Leftovers: @unchecked Sendable {
    private let lock = NSLock()
    private var paths: Set<String> = []

    init() {
        atexit {
            for path in TempDirectoryCleanup.take() { try? FileManager.default.removeItem(atPath: path) }
        }
        TempDirectoryCleanup.registry = self
    }

    func add(_ path: String) { lock.withLock { _ = paths.insert(path) } }
    func remove(_ path: String) { lock.withLock { _ = paths.remove(path) } }
    func takeAll() -> Set<String> {
        lock.withLock {
            defer { paths = [] }; return paths
        }
    }
}

private enum TempDirectoryCleanup {
    nonisolated(unsafe) static var registry: Leftovers?
    static func take() -> Set<String> { registry?.takeAll() ?? [] }
}
