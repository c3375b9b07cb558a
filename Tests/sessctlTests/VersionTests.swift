import Foundation
import TestSupport
import XCTest

/// `sessctl --version` prints what scripts/version.sh (the one source: a git tag, else VERSION)
/// says, and the commit the binary was built from.
final class VersionTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    private func versionScript(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: root + "/scripts/version.sh")
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    func testVersionPrintsTheVersionAndTheCommitItWasBuiltFrom() throws {
        let version = try versionScript([])
        // The tree may have changed since the build (+dirty either way); the commit may not.
        let commit = try versionScript(["--commit"]).replacingOccurrences(of: "+dirty", with: "")
        XCTAssertTrue(version.range(of: #"^[0-9]+\.[0-9]+\.[0-9]+\S*$"#, options: .regularExpression) != nil, version)
        XCTAssertTrue(commit == "unknown" || commit.range(of: "^[0-9a-f]{12}$", options: .regularExpression) != nil, commit)

        let r = Sessctl.run(["--version"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertTrue(["\(version) (commit \(commit))\n", "\(version) (commit \(commit)+dirty)\n"].contains(r.stdout), r.stdout)
    }
}
