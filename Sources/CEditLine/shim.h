#ifndef SESSCTL_CEDITLINE_SHIM_H
#define SESSCTL_CEDITLINE_SHIM_H
#include <stdio.h>
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
#endif
