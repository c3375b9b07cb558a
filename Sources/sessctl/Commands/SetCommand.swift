import ArgumentParser
import SessionKit

struct SetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Set one key of a session.",
        discussion: "VALUE is taken as JSON when it parses (42, true, {\"a\":1}, \"text\"), else as a string. The session keeps its remaining lifetime unless --ttl is given, and the write is refused if the session changed while it was being written.")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "The session id.", completion: SessionIDCompletion.kind)
    var id: String

    @Argument(help: "The key to set.")
    var key: String

    @Argument(help: "The value: JSON if it parses, else a string.")
    var value: String

    @Flag(help: "Store VALUE as a string even if it parses as JSON.")
    var string = false

    @Option(help: ArgumentHelp("Give the session this remaining lifetime (e.g. 30m, 24h).", valueName: "duration"))
    var ttl: String?

    @Flag(help: "Create the session if it does not exist.")
    var create = false

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let newValue: JSONValue = string ? .string(value) : ((try? JSONParser.parse(Array(value.utf8))) ?? .string(value))
            let ttlMillis = try ttl.map { try Durations.parse($0) }
            let now = store.clock.nowMillis()
            let expiry: ExpiryUpdate = ttlMillis.map { .set(.at(now + $0)) } ?? .keep
            switch try store.load(id) {
            case .found(var session):
                if ttlMillis == nil, let left = session.expiry.remaining(now: now), left < 0 {
                    Terminal.warn("note: session '\(id)' expired \(Durations.format(millis: -left)) ago and stays expired (use --ttl to revive it)")
                }
                session.data[key] = newValue
                try store.save(SessionWrite(session, mode: .update, expiry: expiry))
            case .missing:
                guard create else {
                    Terminal.warn("\(store.displayName): no session \(SessionError.quote(id)) (use --create to create it)")
                    throw ExitCode(3)
                }
                let session = Session(id: id, data: JSONObject([(key, newValue)]), expiry: .at(now + store.defaultLifetimeMillis))
                try store.save(SessionWrite(session, mode: .create, expiry: expiry))
            case .broken(let error):
                throw error
            }
        }
    }
}
