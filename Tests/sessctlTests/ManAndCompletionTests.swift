import SessionKit
import TestSupport
import XCTest

/// The committed man page and completion scripts, used for real: man renders the page, bash
/// completes from a real store under tmux, zsh and fish load their scripts.
final class ManAndCompletionTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs a program; stderr goes to a file so the two outputs stay apart.
    private func shell(_ argv: [String]) throws -> (status: Int32, output: String, errors: String) {
        let errors = TempDirectory()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        let pipe = Pipe()
        p.standardOutput = pipe
        _ = FileManager.default.createFile(atPath: errors.file("err"), contents: nil)
        p.standardError = FileHandle(forWritingAtPath: errors.file("err"))
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: errors.read("err") ?? [], as: UTF8.self))
    }

    private var subcommands: [String] {
        Sessctl.run(["--help"]).stdout
            .components(separatedBy: "SUBCOMMANDS:").last!
            .split(separator: "\n").compactMap { line in
                // "  name   abstract"; wrapped abstracts are indented further.
                guard line.hasPrefix("  "), let first = line.dropFirst(2).first, first.isLowercase else { return nil }
                return String(line.dropFirst(2).split(separator: " ")[0])
            }
    }

    func testManPageRendersCleanlyAndCoversEveryCommand() throws {
        let r = try shell(["MANWIDTH=80", "man", "-l", root + "/man/sessctl.1"])
        XCTAssertEqual(r.status, 0, r.errors)
        XCTAssertEqual(r.errors, "", "no warnings")
        XCTAssertGreaterThan(subcommands.count, 8)
        for command in subcommands {
            XCTAssertTrue(r.output.contains("\n     \(command) ") || r.output.contains("\n     \(command)\n"), "the man page covers '\(command)'")
        }
        for section in ["STORE ADDRESSES", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"] {
            XCTAssertTrue(r.output.contains("\n\(section)\n"), section)
        }
        for variable in ["SESSCTL_STORE", "SESSCTL_REDIS_PASSWORD", "SESSCTL_READ_ONLY", "SESSCTL_HISTFILE", "NO_COLOR", "EDITOR"] {
            XCTAssertTrue(r.output.contains(variable), variable)
        }
    }

    func testBashCompletesCommandsAndSessionIDs() throws {
        let store = TempDirectory()
        Fixtures.copyFileStore("file", to: store, now: SystemTime.nowMillis())
        let bin = URL(fileURLWithPath: Sessctl.binary).deletingLastPathComponent().path
        let term = try Tmux(["bash", "--norc", "--noprofile"], env: ["PATH": "\(bin):/usr/bin:/bin", "SESSCTL_STORE": store.path, "PS1": "$ "])
        try term.type("source \(root)/completions/sessctl.bash")
        try term.press("Enter")
        try term.type("sessctl g")
        try term.press("Tab")
        try term.waitFor { $0.contains("$ sessctl get") }
        try term.type("1qbncq5nyf0dn0nrszi6")
        try term.press("Tab")
        try term.waitFor { $0.contains("$ sessctl get 1qbncq5nyf0dn0nrszi6yde1001t55av") }
        try term.press("C-u")
        try term.type("sessctl ttl 1qbncq5nyf0dn0nrszi")
        try term.press("Tab", "Tab")
        // Both Tabs list the candidates: ids of the real store.
        try term.waitFor { $0.contains("1qbncq5nyf0dn0nrszibygy200wgk0jv") && $0.contains("1qbncq5nyf0dn0nrszifr4s4008ds9av") }
    }

    /// Ids come from the store named on the line, wherever its option is, as the completion
    /// scripts ask the binary for them (`---completion CMD -- positional@0 INDEX CURSOR WORDS...`).
    func testSessionIDsComeFromTheStoreOnTheLine() {
        let store = TempDirectory()
        Fixtures.copyFileStore("file", to: store, now: SystemTime.nowMillis())
        let prefix = "1qbncq5nyf0dn0nrszi6"
        let env = ["SESSCTL_STORE": TempDirectory().path]  // empty: ids from it would be none
        for words in [
            ["sessctl", "get", prefix, "-s", store.path], ["sessctl", "get", "-s", store.path, prefix],
            ["sessctl", "get", "--store=" + store.path, prefix], ["sessctl", "--no-color", "-s", store.path, "get", prefix],
            ["sessctl", "get", "--max-age", "48h", prefix, "--store", store.path]
        ] {
            let index = words.firstIndex(of: prefix)!
            let r = Sessctl.run(["---completion", "get", "--", "positional@0", String(index), "0"] + words, env: env)
            XCTAssertEqual(r.stdout, "1qbncq5nyf0dn0nrszi6yde1001t55av\n", "\(words): \(r.stderr)")
        }
        let none = Sessctl.run(["---completion", "get", "--", "positional@0", "2", "0", "sessctl", "get", prefix], env: env)
        XCTAssertEqual(none.stdout, "", "without a store on the line, SESSCTL_STORE's (empty) store")
    }

    func testZshAndFishLoadTheirScripts() throws {
        let zsh = try shell(["zsh", "-f", "-c", "autoload -U compinit && compinit -u && source \(root)/completions/_sessctl && echo loaded"])
        XCTAssertEqual(zsh.status, 0, zsh.errors)
        XCTAssertEqual(zsh.output, "loaded\n")
        XCTAssertEqual(zsh.errors, "")
        let fish = try shell(["fish", "--no-config", "-c", "source \(root)/completions/sessctl.fish; and complete -C 'sessctl ge'"])
        XCTAssertEqual(fish.status, 0, fish.errors)
        XCTAssertEqual(fish.errors, "")
        XCTAssertTrue(fish.output.contains("get"), fish.output)
    }
}
