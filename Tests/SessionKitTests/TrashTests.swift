import Foundation
import SessionKit
import TestSupport
import XCTest

/// The trash file and directory: names, modes, what a reader makes of whole and cut-off files,
/// pruning by age and size.
final class TrashTests: XCTestCase {
    private func session(_ id: String, _ n: Int) -> Session {
        var s = Session(id: id, data: JSONObject([("n", .number(String(n)))]), expiry: .at(1_900_000_000_000))
        s.revision = Revision(Array("rev \(id) \(n)".utf8))
        return s
    }

    private func mode(_ path: String) -> Int {
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0, path)
        return Int(st.st_mode & 0o777)
    }

    func testOperationIDsAreSafeFileNames() {
        XCTAssertTrue(TrashDirectory.isOperationID("20261206-071502-3fa9"))
        for bad in ["", "20261206-071502-3fA9", "20261206-071502-3fa", "../20261206-07150-3fa9", "20261206_071502-3fa9", "2026120a-071502-3fa9"] {
            XCTAssertFalse(TrashDirectory.isOperationID(bad), bad)
        }
    }

    func testAWholeFileReadsBackBlockByBlockAndACutOffOneKeepsOnlyWhatItSaidWasDone() throws {
        let home = TempDirectory()
        let dir = TrashDirectory(path: home.path + "/state/sessctl/trash")
        let store = TrashHeader.Store(name: "redis://h/0", address: "redis://:***@h/0", config: nil, maxAge: "2h", layout: "kv", secret: true)
        let writer = try TrashWriter(directory: dir, command: "sessctl del --where x=1", stores: [store], now: 1_765_000_000_000)
        XCTAssertEqual(mode(dir.path), 0o700)
        XCTAssertEqual(mode(writer.path), 0o600)
        let recorder = writer.recorder(store: 0)
        try recorder.willChange([session("a", 1), session("b", 2)])
        try recorder.didChange([.removed("a")])  // b was left as it was
        try recorder.willChange([session("c", 3)])
        try recorder.didChange([TrashChange(id: "c", kind: .replaced, after: "ab12")])
        try recorder.willChange([session("d", 4)])  // cut off here: no done line for d

        XCTAssertNil(TrashReader.endCount(path: writer.path), "no end line yet")
        let reader = try TrashReader(path: writer.path)
        XCTAssertEqual(reader.header.stores, [store])
        XCTAssertEqual(reader.header.command, "sessctl del --where x=1")
        var blocks: [TrashBlock] = []
        try reader.blocks {
            blocks.append($0)
            return .proceed
        }
        XCTAssertEqual(blocks.count, 2, "d has no done line, so no block hands it over")
        XCTAssertEqual(Set(blocks[0].before.keys), ["a", "b"])
        XCTAssertEqual(blocks[0].changes, [.removed("a")])
        XCTAssertEqual(blocks[0].before["a"]?.data, session("a", 1).data)
        XCTAssertEqual(blocks[1].changes, [TrashChange(id: "c", kind: .replaced, after: "ab12")])

        writer.finish(now: 1_765_000_001_000)
        XCTAssertEqual(TrashReader.endCount(path: writer.path), 2)
        XCTAssertEqual(try dir.entries().map(\.id), [writer.header.id])
    }

    func testAnOperationThatChangedNothingLeavesNoFileAndALinkedTrashIsRefused() throws {
        let home = TempDirectory()
        let dir = TrashDirectory(path: home.path + "/trash")
        let store = TrashHeader.Store(name: "d", address: "d", config: nil, maxAge: nil, layout: "file", secret: false)
        let writer = try TrashWriter(directory: dir, command: "sessctl del x", stores: [store], now: 1_765_000_000_000)
        try writer.recorder(store: 0).willChange([session("x", 1)])
        writer.finish(now: 1_765_000_000_000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: writer.path))

        let elsewhere = TempDirectory()
        XCTAssertEqual(symlink(elsewhere.path, home.path + "/linked"), 0)
        XCTAssertThrowsError(try TrashWriter(directory: TrashDirectory(path: home.path + "/linked"), command: "c", stores: [store], now: 0)) {
            XCTAssertTrue("\($0)".contains("is not a directory"), "\($0)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path), [])
    }

    func testPruningRemovesTheOldThenTheOldestUntilTheRestFits() throws {
        let home = TempDirectory()
        let dir = TrashDirectory(path: home.path + "/trash")
        try dir.ensure()
        let day: Int64 = 86_400_000
        let now: Int64 = 1_765_000_000_000
        let ids = ["20251101-000000-aaaa", "20251201-000000-bbbb", "20251202-000000-cccc", "20251203-000000-dddd", "20251204-000000-eeee"]
        for id in ids { FileManager.default.createFile(atPath: dir.path + "/\(id).ndjson", contents: Data(repeating: 0x20, count: 1000)) }
        FileManager.default.createFile(atPath: dir.path + "/notes.txt", contents: Data("x".utf8))

        // 2025-11-01 is past 7 days; the rest fit in 3000 bytes only once one more goes.
        let removed = try dir.prune(maxBytes: 3000, maxAgeMillis: 7 * day, now: now, keeping: "20251204-000000-eeee")
        XCTAssertEqual(removed, ["20251101-000000-aaaa", "20251201-000000-bbbb"])
        XCTAssertEqual(try dir.entries().map(\.id), ["20251202-000000-cccc", "20251203-000000-dddd", "20251204-000000-eeee"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.path + "/notes.txt"), "only operation files are pruned")
    }
}
