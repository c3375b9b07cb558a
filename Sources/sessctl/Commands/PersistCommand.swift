import ArgumentParser
import SessionKit

struct PersistCommand: WritingCommand {
    static let configuration = CommandConfiguration(
        commandName: "persist",
        abstract: "Remove a session's expiry, so it lives until deleted.",
        discussion:
            "Only where the store can keep a session without an expiry (Redis). The data is not touched. A File session always expires at its timestamp plus the app's max age.")

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var recordOptions: RecordOptions

    @Argument(help: "The session id.", completion: SessionIDCompletion.kind)
    var id: String

    var writes: Bool { true }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            guard store.capabilities.canPersist else {
                let why =
                    store.capabilities.hasDeadlines
                    ? "an SCS session always ends at the Deadline inside it"
                    : "a file session expires at its timestamp plus the max age"
                throw SessionError.unsupported(
                    store: store.displayName,
                    reason: "this store cannot keep a session without an expiry (\(why)); use expire instead")
            }
            let id = try storeOptions.sessionID(id, in: store)
            try store.setExpiry(id, .never)
            CommandRun.current?.touch([id])
        }
    }
}
