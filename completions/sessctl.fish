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
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'o/output=' 'limit=' 'sort=' 'r/reverse' 'expired' 'all' 'version' 'h/help'
        case 'get'
            __sessctl_parse_subcommand 2 's/store=' 'max-age=' 'no-color' 'o/output=' 'version' 'h/help'
        case 'set'
            __sessctl_parse_subcommand 3 's/store=' 'max-age=' 'no-color' 'string' 'ttl=' 'create' 'version' 'h/help'
        case 'del'
            __sessctl_parse_subcommand -r 1 's/store=' 'max-age=' 'no-color' 'key=+' 'version' 'h/help'
        case 'expire'
            __sessctl_parse_subcommand 2 's/store=' 'max-age=' 'no-color' 'version' 'h/help'
        case 'ttl'
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'version' 'h/help'
        case 'persist'
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'version' 'h/help'
        case 'count'
            __sessctl_parse_subcommand 1 's/store=' 'max-age=' 'no-color' 'v/verbose' 'version' 'h/help'
        case 'shell'
            __sessctl_parse_subcommand 0 's/store=' 'max-age=' 'no-color' 'version' 'h/help'
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
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'list' -d 'List sessions: id, keys, size, remaining lifetime, last write.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'get' -d 'Print a session, or one of its keys, as JSON.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'set' -d 'Set one key of a session.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'del' -d 'Delete sessions, or keys inside one session.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'expire' -d 'Give a session a new remaining lifetime.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'ttl' -d 'Print a session\'s remaining lifetime.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'persist' -d 'Remove a session\'s expiry, so it lives until deleted.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'count' -d 'Print the number of live sessions.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'shell' -d 'An interactive shell on a store: every command, with completion and history.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_positional "sessctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" o output' -l 'output' -s 'o' -d 'Output format.' -rfka 'table json ndjson ids'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" limit' -l 'limit' -d 'Stop after this many sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" sort' -l 'sort' -d 'Sort by this field (reads the whole store first).' -rfka 'id size ttl keys written'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" r reverse' -l 'reverse' -s 'r' -d 'Reverse the sort order.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" expired' -l 'expired' -d 'Only expired sessions (File stores keep them until swept).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" all' -l 'all' -d 'Live and expired sessions.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" o output' -l 'output' -s 'o' -d 'json: compact, as stored; pretty: indented; raw: the exact stored bytes of KEY, no newline. Default: pretty on a terminal, json when piped.' -rfka 'json pretty raw'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" string' -l 'string' -d 'Store VALUE as a string even if it parses as JSON.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" ttl' -l 'ttl' -d 'Give the session this remaining lifetime (e.g. 30m, 24h).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" create' -l 'create' -d 'Create the session if it does not exist.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del"' -l 'key' -d 'Delete this key from the session instead (repeatable).' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl del" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl expire" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl ttl" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl ttl" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl ttl" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl ttl" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl ttl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl persist" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl persist" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl persist" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl persist" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl persist" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" v verbose' -l 'verbose' -s 'v' -d 'Also print expired, corrupt and skipped counts.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl count" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl shell" s store' -s 's' -l 'store' -d 'The store: a directory, file:DIR[?ttl=24h&encrypted=true&crypto-key=K&ext=], redis://[user[:password]@]host[:port][/db][?prefix=P&layout=kv|hash&timeout=5s&ttl=24h], redis+unix:///path.sock[?db=N&...], redis+cluster://host:port[,host:port...][?...], or redis+sentinel://host:port[,...]/MASTER[/db][?sentinel-password=...]; rediss:// or tls=1 for TLS, with ca=, cert=, key=, sni=, insecure=1. Default: $SESSCTL_STORE, else file:$TMPDIR/gsessions/default.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl shell" max-age' -l 'max-age' -d 'The app\'s session max age (default 24h; same as ?ttl=): File stores expire by it, Redis stores give it to new sessions.' -rfka ''
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl shell" no-color' -l 'no-color' -d 'Never colour the output (also NO_COLOR).'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl shell" version' -l 'version' -d 'Show the version.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl shell" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'sessctl' -n '__sessctl_should_offer_completions_for_flags_or_options "sessctl help" version' -l 'version' -d 'Show the version.'
