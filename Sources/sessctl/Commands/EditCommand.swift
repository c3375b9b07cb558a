import ArgumentParser
import SessionKit

struct EditCommand: WritingCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit a session in your editor.",
        discussion: """
            Writes the session as indented JSON to a private temp file (mode 0600, in $TMPDIR or /tmp) and opens \
            $VISUAL, else $EDITOR, else vi, split into words and run without a shell, with the file as its last \
            argument. When the editor exits, the JSON is checked: on an error sessctl says where, and on a \
            terminal offers to re-open the editor or abandon (elsewhere it abandons). The session is written \
            back only if it did not change meanwhile: otherwise a conflict error, and the other change stays. \
            The remaining lifetime is kept; a buffer left unchanged writes nothing. The temp file is removed, \
            except when the write fails: then the error names it, so the edit is not lost. Exit status: see \
            sessctl --help.

            SCS and gorilla sessions (Go gob) are edited as typed JSON, every value as {"type": ..., "value": ...} \
            (as get -o typed prints it): values keep their Go types unless you change "type", and a value that \
            does not fit its type is refused with where and why.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var recordOptions: RecordOptions

    @Argument(help: "The session id.", completion: SessionIDCompletion.kind)
    var id: String

    var writes: Bool { true }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            try store.checkWritable()  // before anyone spends time editing
            let id = try storeOptions.sessionID(self.id, in: store)
            let session = try store.get(id)
            let now = store.clock.nowMillis()
            if let ago = SessionFormatting.expiredAgo(session.expiry, now: now) {
                Terminal.warn("note: session '\(id)' \(ago) and stays expired")
            }
            for k in session.undecodableKeys {
                Terminal.warn("warning: key \(SessionError.quote(k)) is not UTF-8 text and shows with U+FFFD; left as it is, it keeps its exact bytes")
            }
            // Go-typed sessions are edited with their types.
            let typed = session.goTypes == nil ? nil : try session.typedData(store: store.displayName)
            let original = Array((JSONPrettyPrinter.format(.object(typed ?? session.data)) + "\n").utf8)
            let editor = try EditBuffer.editorCommand()
            let buffer = try EditBuffer(contents: original)
            defer { buffer.remove() }

            var edited: JSONObject?
            var updated = session
            while edited == nil {
                try buffer.runEditor(editor)
                try stopIfEditInterrupted(buffer)
                let bytes = try buffer.read()
                if bytes == original {
                    Terminal.warn("no changes; nothing was written")
                    return
                }
                switch Self.parse(bytes).flatMap({ object in Self.apply(object, typed: typed != nil, to: session, store: store.displayName) }) {
                case .success(let (object, session)):
                    edited = object
                    updated = session
                case .failure(let problem):
                    Terminal.warn("\(problem); nothing was written yet")
                    guard Confirmation.canAsk, askReopen() else {
                        try stopIfEditInterrupted(buffer)
                        Terminal.warn("edit abandoned; session '\(id)' is unchanged")
                        throw ExitCode(1)
                    }
                }
            }
            guard let edited, edited != (typed ?? session.data) else {
                Terminal.warn("no changes; nothing was written")
                return
            }
            try stopIfEditInterrupted(buffer)
            do {
                try OperationTrash.save(
                    SessionWrite(updated, mode: .update, expiry: .keep), replacing: session, in: store, selection: storeOptions.selection, options: recordOptions)
            } catch let error as SessionError {
                // The edit is the user's work: it stays, and they are told where.
                buffer.keep()
                let what =
                    error.isNotFound
                    ? "\(store.displayName): session \(SessionError.quote(id)) was deleted while it was being edited; nothing was written"
                    : error.description
                Terminal.warn("\(what); your edit is kept in \(buffer.path)")
                throw error.exitCode
            }
        }
    }

    private func askReopen() -> Bool {
        guard let answer = Confirmation.answer(to: "Re-open the editor to fix it, or abandon the edit? [R/a] ") else { return false }
        return !answer.hasPrefix("a")
    }

    private func stopIfEditInterrupted(_ buffer: EditBuffer) throws {
        if buffer.interrupted {
            Terminal.warn("interrupted; nothing was written")
            throw ExitCode(130)
        }
    }

    /// The edited text as session data, or where and why it is not.
    static func parse(_ bytes: [UInt8]) -> Result<JSONObject, EditProblem> {
        do {
            let value = try JSONParser.parse(bytes)
            guard case .object(let object) = value else {
                return .failure(EditProblem(text: "the session must be a JSON object of keys and values, not \(value.kindName == "array" ? "an" : "a") \(value.kindName)"))
            }
            return .success(object)
        } catch {
            let (line, column) = position(of: error.offset, in: bytes)
            return .failure(EditProblem(text: "invalid JSON at line \(line), column \(column): \(error.reason)"))
        }
    }

    /// The session with the edited object as its data, or its typed values.
    static func apply(_ object: JSONObject, typed: Bool, to session: Session, store: String) -> Result<(JSONObject, Session), EditProblem> {
        var updated = session
        guard typed else {
            updated.data = object
            return .success((object, updated))
        }
        do {
            try updated.replaceTyped(object, store: store)
            return .success((object, updated))
        } catch {
            return .failure(EditProblem(text: error.description))
        }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let end = min(max(offset, 0), bytes.count)
        var line = 1, column = 1
        for b in bytes[..<end] {
            if b == 0x0a {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1  // count the first byte of each UTF-8 sequence
            }
        }
        return (line, column)
    }

    struct EditProblem: Error, CustomStringConvertible {
        let text: String
        var description: String { text }
    }
}
