import ArgumentParser
@preconcurrency import CEditLine

/// Ctrl-C and SIGTERM: a handler only records the signal, and the shell's prompt and long
/// commands poll the flag, to abandon a line or stop after the batch in hand. Every access to
/// the flags is in this file: they are statics in the shim header, one copy per Swift file that
/// uses them.
enum Interrupts {
    /// Makes Ctrl-C set the flag instead of ending the program (the shell's prompt).
    static func catchCtrlC() {
        sessctl_install_sigint()
    }

    /// Makes Ctrl-C and SIGTERM set the flag `requested` reads instead of ending the program, for
    /// a long command that stops cleanly (after the batch in hand, with what it did).
    static func catchSignals() {
        sessctl_install_sigint()
        sessctl_install_sigterm()
    }

    /// True when Ctrl-C was pressed since the prompt, or SIGTERM came; long commands poll it.
    static func requested() -> Bool { sessctl_sigint_pending() != 0 }

    /// True once SIGTERM came while a long command caught it: the shell ends too.
    static func terminationRequested() -> Bool { sessctl_sigterm_pending() != 0 }

    /// Whether Ctrl-C came since the last call, clearing the flag (the shell, at each prompt).
    static func take() -> Bool { sessctl_take_sigint() != 0 }
}

/// Ends a command that Ctrl-C interrupted in the shell (exit status 130, as a shell reports SIGINT).
func stopIfInterrupted() throws {
    if Interrupts.requested() {
        Terminal.warn("interrupted")
        throw ExitCode(130)
    }
}
