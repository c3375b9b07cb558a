function __sessctl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __sessctl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __sessctl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __sessctl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __sessctl_parse_tokens -S
    set -l unparsed_tokens (__sessctl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'sessctl'
        __sessctl_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'list'
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'app=' 'user=' 'o/output=' 'limit=' 'sort=' 'r/reverse' 'expired' 'all' 'version' 'h/help'
        case 'get'
            __sessctl_parse_subcommand 2 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'o/output=' 'event-limit=' 'version' 'h/help'
        case 'events'
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'last=' 'since=' 'o/output=' 'version' 'h/help'
        case 'set'
            __sessctl_parse_subcommand -r 3 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'string' 'ttl=' 'create' 'type=' 'version' 'h/help'
        case 'del'
            __sessctl_parse_subcommand -r 1 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'key=+' 'where=+' 'app=' 'user=' 'all' 'y/yes' 'dry-run' 'version' 'h/help'
        case 'edit'
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'version' 'h/help'
        case 'expire'
            __sessctl_parse_subcommand -r 1 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'where=+' 'all' 'app=' 'user=' 'no-ttl-only' 'y/yes' 'dry-run' 'version' 'h/help'
        case 'ttl'
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'version' 'h/help'
        case 'persist'
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'version' 'h/help'
        case 'count'
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'app=' 'user=' 'v/verbose' 'version' 'h/help'
        case 'find'
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'where=+' 'app=' 'user=' 'o/output=' 'limit=' 'expired' 'all' 'version' 'h/help'
        case 'stats'
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'app=' 'user=' 'o/output=' 'top=' 'version' 'h/help'
        case 'purge'
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'app=' 'user=' 'expired' 'idle=' 'y/yes' 'dry-run' 'version' 'h/help'
        case 'trim'
            __sessctl_parse_subcommand -r 1 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'keep-turns=' 'keep-events=' 'before=' 'all' 'where=+' 'y/yes' 'dry-run' 'version' 'h/help'
        case 'reindex'
            __sessctl_parse_subcommand 0 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'dry-run' 'o/output=' 'examples=' 'version' 'h/help'
        case 'check'
            __sessctl_parse_subcommand 0 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'fix' 'y/yes' 'o/output=' 'examples=' 'version' 'h/help'
        case 'migrate'
            __sessctl_parse_subcommand 0 'from=' 'to=' 'max-age=' 'dry-run' 'verify' 'skip-existing' 'overwrite' 'pattern=' 'batch=' 'delete-source' 'yes' 'version' 'h/help'
        case 'export'
            __sessctl_parse_subcommand 0 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'pattern=' 'app=' 'user=' 'batch=' 'version' 'h/help'
        case 'import'
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'dry-run' 'verify' 'skip-existing' 'overwrite' 'pattern=' 'batch=' 'version' 'h/help'
        case 'shell'
            __sessctl_parse_subcommand 0 's/store=' 'max-age=' 'no-color' 'read-only' 'hashed-tokens' 'version' 'h/help'
        case 'stores'
            __sessctl_parse_subcommand 0 'o/output=' 'version' 'h/help'
        case 'help'
            __sessctl_parse_subcommand -r 1 'version'
        end
    end
end

function __sessctl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __sessctl_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __sessctl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __sessctl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__sessctl_tokens -p)
    if test -z "$(__sessctl_tokens -t)"
        set -l index (count (__sessctl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'sessctl' -f
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'list' -d 'List sessions: id, keys, size, remaining lifetime, last write (SCS: the deadline).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'get' -d 'Print a session, or one of its keys, as JSON.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'events' -d 'Show the conversation of a trpc-agent-go session: its stored events, oldest first.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'set' -d 'Set one key of a session.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'del' -d 'Delete sessions, or keys inside one session.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'edit' -d 'Edit a session in your editor.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'expire' -d 'Give a session, or every session that matches, a new remaining lifetime.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'ttl' -d 'Print a session\'s remaining lifetime.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'persist' -d 'Remove a session\'s expiry, so it lives until deleted.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'count' -d 'Print the number of live sessions.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'find' -d 'List the sessions whose data matches conditions.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'stats' -d 'How many sessions, how big, how long they have left, and which keys take the space.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'purge' -d 'Remove expired sessions from a File store, or idle ones from a File or trpc-agent-go store.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'trim' -d 'Delete old events of trpc-agent-go sessions (layout=trpc), keeping whole turns.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'reindex' -d 'Rebuild the user session index of trpc-agent-go HashIdx sessions.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'check' -d 'Find what trpc-agent-go left behind or broke in Redis, and remove what is safe to.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'migrate' -d 'Copy every live session from one store to another, keeping ids and expiry instants.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'export' -d 'Write every live session as NDJSON: one session per line.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'import' -d 'Write sessions exported as NDJSON into a store.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'shell' -d 'An interactive shell on a store: every command, with completion and history.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'stores' -d 'List the named stores of the config file.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" app' -l 'app' -d 'trpc-agent-go stores: only the sessions of this app (its name as the app gives it).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" user' -l 'user' -d 'trpc-agent-go stores: only the sessions of this user id.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" o output' -l 'output' -s 'o' -d 'Output format.' -rfka 'table json ndjson ids'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" limit' -l 'limit' -d 'Stop after this many sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" sort' -l 'sort' -d 'Sort by this field (reads the whole store first).' -rfka 'id size ttl keys written events'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" r reverse' -l 'reverse' -s 'r' -d 'Reverse the sort order.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" expired' -l 'expired' -d 'Only expired sessions (File stores keep them until swept).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" all' -l 'all' -d 'Live and expired sessions.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl get" -eq 1' -fka '(__sessctl_custom_completion ---completion get -- positional@0 (count (__sessctl_tokens -pc)) (__sessctl_tokens -tC))'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" o output' -l 'output' -s 'o' -d 'json: compact, as stored; pretty: indented; raw: the exact stored bytes of KEY, no newline; typed: every value with its Go type (SCS and gorilla sessions). Default: pretty on a terminal, json when piped.' -rfka 'json pretty raw typed'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" event-limit' -l 'event-limit' -d 'trpc-agent-go sessions: the SessionEventLimit of the read window (the events the library\'s GetSession returns are marked in_window).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl events" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl events" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl events" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl events" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl events" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl events" -eq 1' -fka '(__sessctl_custom_completion ---completion events -- positional@0 (count (__sessctl_tokens -pc)) (__sessctl_tokens -tC))'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl events" last' -l 'last' -d 'Only the last N events (after --since).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl events" since' -l 'since' -d 'Only events at or after this time: RFC 3339 (2026-03-20T10:00:00Z) or a duration ago (10m, 2h, 7d).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl events" o output' -l 'output' -s 'o' -d 'table: time, author, text; ndjson: each event as stored.' -rfka 'table ndjson'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl events" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl events" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl set" -eq 1' -fka '(__sessctl_custom_completion ---completion set -- positional@0 (count (__sessctl_tokens -pc)) (__sessctl_tokens -tC))'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" string' -l 'string' -d 'Store VALUE as a string even if it parses as JSON.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" ttl' -l 'ttl' -d 'Give the session this remaining lifetime (e.g. 30m, 24h).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" create' -l 'create' -d 'Create the session if it does not exist.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" type' -l 'type' -d 'SCS and gorilla sessions: the Go type of the value. A new key takes it (default string); an existing key keeps its own unless this names another. A basic type (string, int, int64, uint8, float64, bool, []uint8, []string, ...) or one the session already holds.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl del" -ge 1' -fka '(__sessctl_custom_completion ---completion del -- positional@0 (count (__sessctl_tokens -pc)) (__sessctl_tokens -tC))'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del"' -l 'key' -d 'Delete this key from the session instead (repeatable).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del"' -l 'where' -d 'Delete every session matching this condition (repeatable; all must hold; see find).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" app' -l 'app' -d 'trpc-agent-go stores: only the sessions of this app (its name as the app gives it).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" user' -l 'user' -d 'trpc-agent-go stores: only the sessions of this user id.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" all' -l 'all' -d 'With --where: expired sessions too.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" y yes' -l 'yes' -s 'y' -d 'With --where: delete without asking.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" dry-run' -l 'dry-run' -d 'Show what would be deleted; change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl edit" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl edit" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl edit" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl edit" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl edit" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl edit" -eq 1' -fka '(__sessctl_custom_completion ---completion edit -- positional@0 (count (__sessctl_tokens -pc)) (__sessctl_tokens -tC))'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl edit" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl edit" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl expire" -ge 1' -fka '(__sessctl_custom_completion ---completion expire -- positional@0 (count (__sessctl_tokens -pc)) (__sessctl_tokens -tC))'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire"' -l 'where' -d 'Every session matching this condition (repeatable; all must hold; see find).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" all' -l 'all' -d 'Every live session (narrowed by --where, --app, --user, --no-ttl-only).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" app' -l 'app' -d 'trpc-agent-go stores: only the sessions of this app (its name as the app gives it).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" user' -l 'user' -d 'trpc-agent-go stores: only the sessions of this user id.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" no-ttl-only' -l 'no-ttl-only' -d 'Only sessions without an expiry.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" y yes' -l 'yes' -s 'y' -d 'In bulk: change without asking.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" dry-run' -l 'dry-run' -d 'In bulk: list what would change; change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl ttl" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl ttl" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl ttl" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl ttl" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl ttl" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl ttl" -eq 1' -fka '(__sessctl_custom_completion ---completion ttl -- positional@0 (count (__sessctl_tokens -pc)) (__sessctl_tokens -tC))'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl ttl" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl ttl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl persist" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl persist" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl persist" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl persist" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl persist" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl persist" -eq 1' -fka '(__sessctl_custom_completion ---completion persist -- positional@0 (count (__sessctl_tokens -pc)) (__sessctl_tokens -tC))'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl persist" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl persist" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" app' -l 'app' -d 'trpc-agent-go stores: only the sessions of this app (its name as the app gives it).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" user' -l 'user' -d 'trpc-agent-go stores: only the sessions of this user id.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" v verbose' -l 'verbose' -s 'v' -d 'Also print expired, corrupt and skipped counts.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find"' -l 'where' -d 'A condition on the session data (repeatable; all must hold).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find" app' -l 'app' -d 'trpc-agent-go stores: only the sessions of this app (its name as the app gives it).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find" user' -l 'user' -d 'trpc-agent-go stores: only the sessions of this user id.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find" o output' -l 'output' -s 'o' -d 'Output format.' -rfka 'table json ndjson ids'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find" limit' -l 'limit' -d 'Stop after this many sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find" expired' -l 'expired' -d 'Only expired sessions (File stores keep them until swept).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find" all' -l 'all' -d 'Live and expired sessions.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl find" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stats" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stats" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stats" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stats" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stats" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stats" app' -l 'app' -d 'trpc-agent-go stores: only the sessions of this app (its name as the app gives it).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stats" user' -l 'user' -d 'trpc-agent-go stores: only the sessions of this user id.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stats" o output' -l 'output' -s 'o' -d 'Output format (default: table on a terminal, json when piped).' -rfka 'table json'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stats" top' -l 'top' -d 'How many keys and largest sessions to show.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stats" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stats" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl purge" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl purge" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl purge" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl purge" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl purge" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl purge" app' -l 'app' -d 'trpc-agent-go stores: only the sessions of this app (its name as the app gives it).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl purge" user' -l 'user' -d 'trpc-agent-go stores: only the sessions of this user id.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl purge" expired' -l 'expired' -d 'Remove the sessions that have expired.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl purge" idle' -l 'idle' -d 'Remove the sessions not active for this long (File and trpc-agent-go stores): 90s, 30m, 7d.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl purge" y yes' -l 'yes' -s 'y' -d 'Delete without asking.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl purge" dry-run' -l 'dry-run' -d 'List what would be removed; change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl purge" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl purge" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl trim" -ge 1' -fka '(__sessctl_custom_completion ---completion trim -- positional@0 (count (__sessctl_tokens -pc)) (__sessctl_tokens -tC))'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim" keep-turns' -l 'keep-turns' -d 'Keep the newest N turns (events sharing a request id), whole.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim" keep-events' -l 'keep-events' -d 'Keep the newest N events.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim" before' -l 'before' -d 'Delete the events older than TIME (RFC 3339, or a duration ago: 30d).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim" all' -l 'all' -d 'Trim every session (or every one matching PATTERN).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim"' -l 'where' -d 'Trim every session matching this condition (repeatable; all must hold; see find).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim" y yes' -l 'yes' -s 'y' -d 'With --all or --where: trim without asking.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim" dry-run' -l 'dry-run' -d 'List what would be deleted; change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl trim" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl reindex" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl reindex" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl reindex" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl reindex" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl reindex" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl reindex" dry-run' -l 'dry-run' -d 'Report what would be added and dropped; change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl reindex" o output' -l 'output' -s 'o' -d 'Output format.' -rfka 'text json'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl reindex" examples' -l 'examples' -d 'How many examples of each count to show.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl reindex" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl reindex" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl check" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl check" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl check" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl check" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl check" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl check" fix' -l 'fix' -d 'Remove what is safe to remove (asks first; --yes elsewhere).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl check" y yes' -l 'yes' -s 'y' -d 'With --fix: remove without asking.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl check" o output' -l 'output' -s 'o' -d 'Output format.' -rfka 'text json'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl check" examples' -l 'examples' -d 'How many example keys of each kind to show.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl check" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl migrate" from' -l 'from' -d 'The store to copy from: an address or a store named in the config file, as for -s.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl migrate" to' -l 'to' -d 'The store to copy into: an address or a store named in the config file, as for -s.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl migrate" max-age' -l 'max-age' -d 'The app\'s session max age, for File stores on either side (default 24h; same as ?ttl=).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl migrate" dry-run' -l 'dry-run' -d 'Read everything and write nothing; report what would happen.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl migrate" verify' -l 'verify' -d 'Read every written session back and compare its data and expiry (within 1 s).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl migrate" skip-existing' -l 'skip-existing' -d 'Leave a session the target already has alone, and count it (the default).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl migrate" overwrite' -l 'overwrite' -d 'Replace sessions the target already has.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl migrate" pattern' -l 'pattern' -d 'Only sessions whose id matches this glob (e.g. \'1qbn*\').' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl migrate" batch' -l 'batch' -d 'Sessions read and written at a time.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl migrate" delete-source' -l 'delete-source' -d 'Remove each source session once its copy was read back equal (implies --verify).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl migrate" yes' -l 'yes' -d 'Do not ask before --delete-source.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl migrate" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl migrate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl export" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl export" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl export" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl export" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl export" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl export" pattern' -l 'pattern' -d 'Only sessions whose id matches this glob.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl export" app' -l 'app' -d 'trpc-agent-go stores: only the sessions of this app (its name as the app gives it).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl export" user' -l 'user' -d 'trpc-agent-go stores: only the sessions of this user id.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl export" batch' -l 'batch' -d 'Sessions read at a time.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl export" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl import" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl import" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl import" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl import" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl import" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl import" dry-run' -l 'dry-run' -d 'Read everything and write nothing; report what would happen.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl import" verify' -l 'verify' -d 'Read every written session back and compare its data and expiry (within 1 s).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl import" skip-existing' -l 'skip-existing' -d 'Leave a session the target already has alone, and count it (the default).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl import" overwrite' -l 'overwrite' -d 'Replace sessions the target already has.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl import" pattern' -l 'pattern' -d 'Only sessions whose id matches this glob (e.g. \'1qbn*\').' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl import" batch' -l 'batch' -d 'Sessions read and written at a time.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl import" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl shell" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash|scs|redistore|trpc&serializer=gob|json&engine=hashidx|legacy&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl shell" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl shell" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl shell" read-only' -l 'read-only' -d 'Refuse every write (also SESSCTL_READ_ONLY=1, or read-only = true for a named store): look, change nothing.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl shell" hashed-tokens' -l 'hashed-tokens' -d 'SCS with HashTokenInStore: the session ids given are cookie tokens, each hashed (base64url SHA-256) to its store key. list and find show store keys.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl shell" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl shell" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stores" o output' -l 'output' -s 'o' -d 'Output format.' -rfka 'table json'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stores" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl stores" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl help" version' -l 'version' -d 'Show the version.'
