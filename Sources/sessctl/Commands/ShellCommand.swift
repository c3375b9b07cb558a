import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

struct ShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "An interactive shell on a store: every command, with completion and history.",
        discussion: """
            Every sessctl command works at the prompt with the same options; `use STORE` switches \
            stores, `help [COMMAND]` explains, `exit`, `quit` or Ctrl-D leaves. Tab completes commands, \
            options, session ids and keys. History is kept in $XDG_STATE_HOME/sessctl/history \
            (SESSCTL_HISTFILE overrides it, /dev/null disables it), with passwords masked. \
            With standard input not a terminal, the lines are run as a script without prompts, \
            and the exit status is 1 if any line failed.
            """)

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        Terminal.noColorFlag = storeOptions.noColor
        _ = try reportingErrors { try storeOptions.selection.resolve() }  // an empty -s or SESSCTL_STORE ends it here
        if let why = storeOptions.selection.readOnlyReason() { StoreSelection.readOnlyForProcess = why }
        let shell = Shell(storeText: storeOptions.store, maxAge: storeOptions.maxAge)
        if isatty(0) == 1 {
            shell.runInteractive()
        } else if !shell.runScript() {
            throw ExitCode(Interrupts.terminationRequested() ? 130 : 1)
        }
        if Interrupts.terminationRequested() { throw ExitCode(130) }
    }
}
