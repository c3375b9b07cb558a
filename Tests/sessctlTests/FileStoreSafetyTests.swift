import Foundation
import SessionKit
import TestSupport
import XCTest

/// The real binary on File stores that hold what should not be there (links, FIFOs) or are
/// written by two sessctl processes at once.
final class FileStoreSafetyTests: XCTestCase {
    /// A session file's bytes: the timestamp `age` milliseconds ago, then `json`.
    private func session(_ json: String, age: Int64 = 0) -> [UInt8] {
        GSessionFileCodec.header(SystemTime.nowMillis() - age) + Array(json.utf8)
    }

    private func lstatus(_ path: String) -> stat? {
        var st = stat()
        return lstat(path, &st) == 0 ? st : nil
    }

    /// Every command that names one session, as an operator types it.
    private func commandsNaming(_ id: String) -> [[String]] {
        [
            ["get", id], ["get", id, "user"], ["ttl", id], ["set", id, "k", "v"], ["set", id, "k", "v", "--create"],
            ["edit", id], ["expire", id, "1h"], ["del", id], ["del", id, "--key", "user"]
        ]
    }

    // MARK: Two writers

    func testTwoWritersOnOneSessionNeverBothSucceedWhenOneWasOverwritten() throws {
        let dir = TempDirectory()
        dir.write("s.session", session(#"{"a":0,"b":0}"#))
        let rounds = 200
        var conflicts = 0
        let start = SystemTime.monotonicSeconds()
        for round in 1...rounds {
            let args = { (key: String) in ["set", "-s", dir.path, "s", key, String(round)] }
            var b: SessctlRun?
            let other = Background { b = Sessctl.run(args("b"), deadline: 60) }
            let a = Sessctl.run(args("a"), deadline: 60)
            try other.wait()
            let runs = [a, try XCTUnwrap(b)]
            let data = try XCTUnwrap(try JSONParser.parse(Array(try XCTUnwrap(dir.read("s.session")).dropFirst(8))).objectValue)
            for (key, r) in zip(["a", "b"], runs) {
                if r.status == 0 {
                    XCTAssertEqual(data[key], .number(String(round)), "round \(round): set \(key) reported success, and its value is lost")
                } else {
                    conflicts += 1
                    XCTAssertEqual(r.status, 1, r.stderr)
                    XCTAssertTrue(r.stderr.contains("session 's' changed while it was being edited; nothing was written"), r.stderr)
                    XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
                }
            }
            XCTAssertTrue(runs.contains { $0.status == 0 }, "round \(round): one of two writers always gets through")
        }
        let seconds = SystemTime.monotonicSeconds() - start
        print("two writers, \(rounds) rounds: \(conflicts) conflicts reported, \(String(format: "%.1f", seconds))s")
        // Rounds where the second writer read before the first renamed are what this is about.
        XCTAssertGreaterThan(conflicts, 0, "the writers never overlapped: nothing was tested")
        XCTAssertEqual(dir.names(), ["s.session"], "no lock or temp file is left behind")
    }

    func testALockHeldByAnotherProcessIsWaitedForThenAnErrorNeverAHang() throws {
        let dir = TempDirectory()
        let before = session(#"{"a":1}"#)
        dir.write("s.session", before)
        let fd = open(dir.file("s.session"), O_RDONLY)
        XCTAssertEqual(flock(fd, LOCK_EX), 0)
        let start = SystemTime.monotonicSeconds()
        let r = Sessctl.run(["set", "-s", dir.path, "s", "a", "2"], deadline: 60)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr, "sessctl: \(dir.path)/s.session: another process has held the file's lock for over 10s; nothing was written\n")
        XCTAssertGreaterThanOrEqual(SystemTime.monotonicSeconds() - start, 10, "it waited")
        XCTAssertEqual(dir.read("s.session"), before)
        close(fd)
        XCTAssertEqual(Sessctl.run(["set", "-s", dir.path, "s", "a", "2"]).status, 0)
    }

    func testDelOfOneIDRemovesAFileTooLargeToReadUnderTheLock() throws {
        let dir = TempDirectory()
        dir.write("big.session", session("{}"))
        XCTAssertEqual(truncate(dir.file("big.session"), 65 << 20), 0)  // sparse: past the 64 MiB read limit
        XCTAssertEqual(Sessctl.run(["get", "-s", dir.path, "big"]).status, 1)
        let r = Sessctl.run(["del", "-s", dir.path, "big"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(dir.names(), [])
    }

    // MARK: Links

    func testLinksAreRefusedOnEveryPathAndNeitherLinkNorTargetChanges() throws {
        let dir = TempDirectory(), outside = TempDirectory()
        dir.write("s.session", session(#"{"user":"alice"}"#))
        outside.write("t.session", session(#"{"user":"target"}"#))
        outside.write("old.session", session(#"{"user":"expired"}"#, age: 3 * 86_400_000))
        // A root-only file, and a link to it owned by another user.
        outside.write("secret", session(#"{"password":"hunter2","user":"root"}"#))
        XCTAssertEqual(chmod(outside.file("secret"), 0o600), 0)
        XCTAssertEqual(symlink(outside.file("t.session"), dir.file("x.session")), 0)
        XCTAssertEqual(symlink(outside.file("secret"), dir.file("y.session")), 0)
        XCTAssertEqual(lchown(dir.file("y.session"), 4321, 4321), 0, "tests run as root")
        XCTAssertEqual(symlink(outside.file("old.session"), dir.file("z.session")), 0)
        XCTAssertEqual(symlink(outside.file("gone"), dir.file("w.session")), 0)

        // Each link (target, owner) and each file outside (bytes, mode, owner), as they are now.
        func state() -> [String] {
            let links = ["x", "y", "z", "w"].map { id -> String in
                let p = dir.file("\(id).session")
                let st = lstatus(p)
                return "\(id) -> \((try? FileManager.default.destinationOfSymbolicLink(atPath: p)) ?? "?") \(st?.st_uid ?? 0) \((st?.st_mode ?? 0) & S_IFMT == S_IFLNK)"
            }
            let files = outside.names().map { name -> String in
                let st = lstatus(outside.file(name))
                return "\(name) \(outside.read(name) ?? []) \(String(st?.st_mode ?? 0, radix: 8)) \(st?.st_uid ?? 0)"
            }
            return links + files
        }
        let before = state()

        for id in ["x", "y", "z", "w"] {
            for args in commandsNaming(id) {
                let r = Sessctl.run(["-s", dir.path] + args, env: ["EDITOR": "true"], deadline: 60)
                XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
                XCTAssertEqual(r.stderr, "sessctl: \(dir.path)/\(id).session: is a symbolic link, not a regular file (a session file is a regular file); left alone\n", "\(args)")
                XCTAssertEqual(r.stdout, "", "\(args)")
            }
        }
        let list = Sessctl.run(["list", "-s", dir.path, "--all"])
        XCTAssertEqual(list.status, 0, list.stderr)
        for id in ["x", "y", "z", "w"] {
            XCTAssertTrue(list.stdoutLines.contains { $0.hasPrefix("\(id) ") && $0.contains("is a symbolic link, not a regular file") }, list.stdout)
        }
        XCTAssertTrue(list.stdoutLines.contains { $0.hasPrefix("s ") })
        for query in ["password=hunter2", "user=target", "user=expired"] {
            let find = Sessctl.run(["find", "-s", dir.path, "--all", "--where", query])
            XCTAssertEqual(find.status, 0, find.stderr)
            XCTAssertEqual(find.stdout, "", "\(query): nothing behind a link is read")
        }
        let purge = Sessctl.run(["purge", "-s", dir.path, "--expired", "--yes"])
        XCTAssertEqual(purge.status, 0, purge.stderr)
        XCTAssertTrue(purge.stderr.contains("4 corrupt sessions could not be read and were left alone"), purge.stderr)
        XCTAssertEqual(Sessctl.run(["count", "-s", dir.path, "-v"]).stdout, "1\nexpired 0\ncorrupt 4\nskipped 0\n")
        for r in [list, purge] { XCTAssertFalse((r.stdout + r.stderr).contains("hunter2")) }

        XCTAssertEqual(state(), before, "no link and no file behind one was changed")
        XCTAssertEqual(dir.names(), ["s.session", "w.session", "x.session", "y.session", "z.session"])
        XCTAssertEqual(Sessctl.run(["get", "-s", dir.path, "s", "user"]).stdout, "\"alice\"\n")
    }

    func testNewFilesGetGoFramesModeAndRewritesKeepTheModeAndOwnerOfTheFileTheyReplace() throws {
        let dir = TempDirectory()
        XCTAssertEqual(chown(dir.path, 4321, 4322), 0, "tests run as root")
        for mask: mode_t in [0o022, 0o027, 0o077] {
            let previous = umask(mask)
            let r = Sessctl.run(["set", "-s", dir.path, "new\(mask)", "a", "1", "--create"])
            umask(previous)
            XCTAssertEqual(r.status, 0, r.stderr)
            let st = try XCTUnwrap(lstatus(dir.file("new\(mask).session")))
            XCTAssertEqual(st.st_mode & S_IFMT, S_IFREG)
            XCTAssertEqual(String(st.st_mode & 0o7777, radix: 8), String(0o777 & ~mask, radix: 8), "GoFrame's 0777 &^ umask \(String(mask, radix: 8))")
            XCTAssertEqual([st.st_uid, st.st_gid], [4321, 4322], "root creates files for the directory's owner")
        }

        dir.write("s.session", session(#"{"a":1}"#))
        XCTAssertEqual(chmod(dir.file("s.session"), 0o640), 0)
        XCTAssertEqual(chown(dir.file("s.session"), 1234, 1235), 0)
        for args in [["set", "s", "b", "2"], ["expire", "s", "2h"], ["del", "s", "--key", "a"]] {
            let inode = try XCTUnwrap(lstatus(dir.file("s.session"))).st_ino
            let r = Sessctl.run(["-s", dir.path] + args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            let st = try XCTUnwrap(lstatus(dir.file("s.session")))
            XCTAssertNotEqual(st.st_ino, inode, "\(args): a new file was renamed into place")
            XCTAssertEqual(st.st_mode & 0o7777, 0o640, "\(args)")
            XCTAssertEqual([st.st_uid, st.st_gid], [1234, 1235], "\(args)")
        }
        XCTAssertEqual(Sessctl.run(["get", "-s", dir.path, "s"]).stdout, #"{"b":2}"# + "\n")
    }

    // MARK: Special files

    func testAFIFOIsRefusedPromptlyWithOneLine() throws {
        let dir = TempDirectory()
        dir.write("s.session", session(#"{"user":"alice"}"#))
        XCTAssertEqual(mkfifo(dir.file("z.session"), 0o644), 0)
        for args in commandsNaming("z") {
            // A hang is killed at the deadline and fails here with status 9.
            let r = Sessctl.run(["-s", dir.path] + args, env: ["EDITOR": "true"], deadline: 30)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr, "sessctl: \(dir.path)/z.session: is a FIFO, not a regular file (a session file is a regular file); left alone\n", "\(args)")
        }
        let list = Sessctl.run(["list", "-s", dir.path], deadline: 30)
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdoutLines.contains { $0.hasPrefix("z ") && $0.contains("is a FIFO") }, list.stdout)
        XCTAssertEqual(Sessctl.run(["find", "-s", dir.path, "--where", "user=alice", "-o", "ids"], deadline: 30).stdout, "s\n")
        XCTAssertEqual(Sessctl.run(["purge", "-s", dir.path, "--expired", "--yes"], deadline: 30).status, 0)
        XCTAssertEqual(try XCTUnwrap(lstatus(dir.file("z.session"))).st_mode & S_IFMT, S_IFIFO, "left alone")
    }
}
