import Foundation
import PackagePlugin

/// Writes BuildInfo.swift (version and commit, from scripts/version.sh) into the plugin's work
/// directory, where the target compiles it; the source tree stays untouched. The command reruns
/// when what the version or commit depend on changes: VERSION, the scripts, git's HEAD, index and
/// tags (a commit, checkout or tag), and the package's sources (the +dirty mark).
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let script = root.appending(path: "scripts/gen-buildinfo.sh")
        let output = context.pluginWorkDirectoryURL.appending(path: "generated/BuildInfo.swift")
        let sources = context.package.targets.compactMap { $0 as? SourceModuleTarget }.flatMap { $0.sourceFiles.map(\.url) }
        let inputs =
            [script, root.appending(path: "scripts/version.sh"), root.appending(path: "VERSION")]
            + gitFiles(root) + sources
        return [
            .buildCommand(
                displayName: "Stamping the version and commit into \(target.name)",
                executable: URL(fileURLWithPath: "/bin/bash"),
                arguments: [script.path, output.deletingLastPathComponent().path],
                inputFiles: inputs.filter { FileManager.default.fileExists(atPath: $0.path) },
                outputFiles: [output]
            )
        ]
    }

    /// The files of the repository's git directory that change on a commit, checkout or new tag
    /// (none outside git).
    private func gitFiles(_ root: URL) -> [URL] {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", root.path, "rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir"]
        let pipe = Pipe()
        git.standardOutput = pipe
        git.standardError = FileHandle.nullDevice
        guard (try? git.run()) != nil else { return [] }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        git.waitUntilExit()
        let dirs = String(decoding: out, as: UTF8.self).split(separator: "\n").map { URL(fileURLWithPath: String($0)) }
        guard git.terminationStatus == 0, dirs.count == 2 else { return [] }
        return [
            dirs[0].appending(path: "HEAD"), dirs[0].appending(path: "index"),
            dirs[1].appending(path: "packed-refs"), dirs[1].appending(path: "refs/tags")
        ]
    }
}
