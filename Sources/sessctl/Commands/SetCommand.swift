import ArgumentParser
import SessionKit

struct SetCommand: WritingCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Set one key of a session.",
        usage: "sessctl set [<options>] <id> <key> <value>",
        discussion:
            "VALUE is taken as JSON when it parses (42, true, {\"a\":1}, \"text\"), else as a string. The session keeps its remaining lifetime unless --ttl is given, and the write is refused if the session changed while it was being written. In SCS and gorilla sessions (Go gob) a key keeps its Go type: a value that does not fit it (300 for a uint8, 1.5 for an int) is refused; a new key is a Go string unless --type names another type."
    )

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var recordOptions: RecordOptions

    @Argument(help: "The session id.", completion: SessionIDCompletion.kind)
    var id: String

    @Argument(help: "The key to set.")
    var key: String

    /// One word, which may begin with `-` (`set ID count -42`, as `redis-cli SET k -42`): taken
    /// from what is not an option of this command, so options can still come anywhere.
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The value: JSON if it parses, else a string. It may begin with '-' (-42, -x).", valueName: "value"))
    var values: [String] = []

    /// The value; a `--` before it (`set ID k -- --ttl`) is the usual end of options.
    var value: String { values.count == 2 ? values[1] : values[0] }

    func validate() throws {
        guard values.count == 1 || (values.count == 2 && values[0] == "--") else {
            throw ValidationError(
                values.isEmpty
                    ? "Missing expected argument '<value>'"
                    : "set takes one value, not \(values.count) (\(values.map { "'\($0)'" }.joined(separator: " "))); quote a value with spaces, or put -- before a value that is an option's name"
            )
        }
    }

    @Flag(help: "Store VALUE as a string even if it parses as JSON.")
    var string = false

    @Option(help: ArgumentHelp("Give the session this remaining lifetime (e.g. 30m, 24h).", valueName: "duration"))
    var ttl: String?

    @Flag(help: "Create the session if it does not exist.")
    var create = false

    @Option(
        name: .customLong("type"),
        help: ArgumentHelp(
            "SCS and gorilla sessions: the Go type of the value. A new key takes it (default string); an existing key keeps its own unless this names another. A basic type (string, int, int64, uint8, float64, bool, []uint8, []string, ...) or one the session already holds.",
            valueName: "name"))
    var typeName: String?

    var writes: Bool { true }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let id = try storeOptions.sessionID(self.id, in: store)
            let newValue: JSONValue = string ? .string(value) : ((try? JSONParser.parse(Array(value.utf8))) ?? .string(value))
            let ttlMillis = try ttl.map { try Durations.parse($0) }
            let now = store.clock.nowMillis()
            let expiry: ExpiryUpdate = ttlMillis.map { .set(.at(now.addingClamped($0))) } ?? .keep
            switch try store.load(id) {
            case .found(let before):
                var session = before
                if ttlMillis == nil, let ago = SessionFormatting.expiredAgo(session.expiry, now: now) {
                    Terminal.warn("note: session '\(id)' \(ago) and stays expired (use --ttl to revive it)")
                }
                noteDefaultedString(try session.setValue(key, to: newValue, typeName: typeName, store: store.displayName))
                try OperationTrash.save(
                    SessionWrite(session, mode: .update, expiry: expiry), replacing: before, in: store, selection: storeOptions.selection, options: recordOptions)
            case .missing:
                guard create else {
                    Terminal.warn("\(store.displayName): no session \(SessionError.quote(id)) (use --create to create it)")
                    throw ExitCode(3)
                }
                var session = store.newSession(id: id, expiry: .at(now.addingClamped(ttlMillis ?? store.defaultLifetimeMillis)))
                noteDefaultedString(try session.setValue(key, to: newValue, typeName: typeName, store: store.displayName))
                try OperationTrash.save(SessionWrite(session, mode: .create, expiry: expiry), replacing: nil, in: store, selection: storeOptions.selection, options: recordOptions)
            case .broken(let error):
                throw error
            }
        }
    }

    private func noteDefaultedString(_ defaulted: Bool) {
        if defaulted {
            Terminal.warn("note: the new key '\(key)' is a Go string; give --type (int, float64, bool, ...) for another Go type")
        }
    }
}
