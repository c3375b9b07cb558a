import ArgumentParser
import SessionKit

struct PersistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persist",
        abstract: "Remove a session's expiry, so it lives until deleted.",
        discussion: "Only where the store can keep a session without an expiry (Redis). The data is not touched. A File session always expires at its timestamp plus the app's max age.")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "The session id.", completion: SessionIDCompletion.kind)
    var id: String

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            guard store.capabilities.canPersist else {
                throw SessionError.unsupported(store: store.displayName,
                    reason: "this store cannot keep a session without an expiry (a file session expires at its timestamp plus the max age); use expire instead")
            }
            try store.setExpiry(id, .never)
        }
    }
}
