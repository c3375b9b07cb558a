#ifndef SESSCTL_CEDITLINE_SHIM_H
#define SESSCTL_CEDITLINE_SHIM_H
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <editline/readline.h>

/* Accessors for libedit's readline-compatible globals, which Swift 6 cannot touch directly. */
typedef char **sessctl_completion_fn(const char *text, int start, int end);

static inline void sessctl_rl_setup(const char *name, sessctl_completion_fn *fn) {
    rl_readline_name = name;
    rl_catch_signals = 0;
    rl_attempted_completion_function = fn;
    rl_completer_word_break_characters = " \t\n\"'";
}

static inline void sessctl_rl_completion_over(void) { rl_attempted_completion_over = 1; }
static inline void sessctl_rl_append_character(int c) { rl_completion_append_character = c; }
static inline const char *sessctl_rl_line_buffer(void) { return rl_line_buffer; }

/* Ctrl-C: a handler without SA_RESTART that only records the signal, so a blocked read returns
   and the shell can abandon the line (or the command) instead of dying. */
static volatile sig_atomic_t sessctl_sigint_seen = 0;

static inline void sessctl_on_sigint(int sig) { (void)sig; sessctl_sigint_seen = 1; }

/* Installs `handler` for `signo` without SA_RESTART. */
static inline void sessctl_install_handler(int signo, void (*handler)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(signo, &sa, NULL);
}

static inline void sessctl_install_sigint(void) { sessctl_install_handler(SIGINT, sessctl_on_sigint); }

/* SIGTERM during a long command: the same stop as Ctrl-C (the command ends after the batch in
   hand, with its summary), and remembered, so that the shell ends too. */
static volatile sig_atomic_t sessctl_sigterm_seen = 0;

static inline void sessctl_on_sigterm(int sig) { (void)sig; sessctl_sigterm_seen = 1; sessctl_sigint_seen = 1; }

static inline void sessctl_install_sigterm(void) { sessctl_install_handler(SIGTERM, sessctl_on_sigterm); }

static inline int sessctl_sigterm_pending(void) { return sessctl_sigterm_seen; }

static inline int sessctl_sigint_pending(void) { return sessctl_sigint_seen; }
static inline int sessctl_take_sigint(void) { int seen = sessctl_sigint_seen; sessctl_sigint_seen = 0; return seen; }
#endif
