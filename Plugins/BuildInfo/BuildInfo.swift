import Foundation
import PackagePlugin

/// Before every build, writes BuildInfo.swift (version and commit, from scripts/version.sh) into
/// the plugin's work directory, where the target compiles it; the source tree stays untouched.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let script = context.package.directoryURL.appending(path: "scripts/gen-buildinfo.sh")
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        return [.prebuildCommand(
            displayName: "Stamping the version and commit into \(target.name)",
            executable: URL(fileURLWithPath: "/bin/bash"),
            arguments: [script.path, output.path],
            outputFilesDirectory: output
        )]
    }
}
