import ArgumentParser
import SessionKit

/// Options `migrate` and `import` share: how sessions are copied into the target.
struct CopyOptions: ParsableArguments {
    @Flag(help: "Read everything and write nothing; report what would happen.")
    var dryRun = false

    @Flag(help: "Read every written session back and compare its data and expiry (within 1 s).")
    var verify = false

    @Flag(help: "Leave a session the target already has alone, and count it (the default).")
    var skipExisting = false

    @Flag(help: "Replace sessions the target already has.")
    var overwrite = false

    @Option(help: ArgumentHelp("Only sessions whose id matches this glob (e.g. '1qbn*').", valueName: "glob"))
    var pattern: String?

    @Option(help: ArgumentHelp("Sessions read and written at a time.", valueName: "n"))
    var batch = 1000

    func validate() throws {
        if skipExisting && overwrite { throw ValidationError("--skip-existing and --overwrite cannot be used together") }
        if !(1...100_000).contains(batch) { throw ValidationError("--batch must be between 1 and 100000") }
    }

    func migrationOptions(deleteSource: Bool = false) -> MigrationOptions {
        MigrationOptions(
            existing: overwrite ? .overwrite : .skip, verify: verify, deleteSource: deleteSource,
            dryRun: dryRun, batchSize: batch)
    }
}
