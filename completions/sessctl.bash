#!/bin/bash

__sessctl_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__sessctl_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__sessctl_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__sessctl_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_sessctl() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __sessctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|get|events|set|del|edit|expire|ttl|persist|count|find|watch|top|stats|purge|trim|reindex|check|migrate|export|import|undo|audit|shell|stores|help)
        # Offer subcommand argument completions
        "_sessctl_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list get events set del edit expire ttl persist count find watch top stats purge trim reindex check migrate export import undo audit shell stores help' -- "${cur}"))
        ;;
    esac
}

_sessctl_list() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --reverse -r --expired --all --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age --app --user --active --output -o --limit --sort)
    __sessctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--app')
        return
        ;;
    '--user')
        return
        ;;
    '--active')
        return
        ;;
    '--output'|'-o')
        __sessctl_add_completions -W 'table'$'\n''json'$'\n''ndjson'$'\n''ids'
        return
        ;;
    '--limit')
        return
        ;;
    '--sort')
        __sessctl_add_completions -W 'id'$'\n''size'$'\n''ttl'$'\n''keys'$'\n''written'$'\n''events'
        return
        ;;
    esac
}

_sessctl_get() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age --output -o --event-limit)
    __sessctl_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--output'|'-o')
        __sessctl_add_completions -W 'json'$'\n''pretty'$'\n''raw'$'\n''typed'
        return
        ;;
    '--event-limit')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __sessctl_add_completions -W "$(__sessctl_custom_complete ---completion get -- positional@0 "${COMP_CWORD}" "$(__sessctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_sessctl_events() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age --last --since --output -o)
    __sessctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--last')
        return
        ;;
    '--since')
        return
        ;;
    '--output'|'-o')
        __sessctl_add_completions -W 'table'$'\n''ndjson'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __sessctl_add_completions -W "$(__sessctl_custom_complete ---completion events -- positional@0 "${COMP_CWORD}" "$(__sessctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_sessctl_set() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --no-trash --audit-syslog --string --create --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age --ttl --type)
    __sessctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--ttl')
        return
        ;;
    '--type')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __sessctl_add_completions -W "$(__sessctl_custom_complete ---completion set -- positional@0 "${COMP_CWORD}" "$(__sessctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_sessctl_del() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --no-trash --audit-syslog --all --yes -y --dry-run --version -h --help)
    repeating_options=(--key --where)
    non_repeating_options=(-s --store --max-age --app --user)
    __sessctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--key')
        return
        ;;
    '--where')
        return
        ;;
    '--app')
        return
        ;;
    '--user')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __sessctl_add_completions -W "$(__sessctl_custom_complete ---completion del -- positional@0 "${COMP_CWORD}" "$(__sessctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_sessctl_edit() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --no-trash --audit-syslog --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age)
    __sessctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __sessctl_add_completions -W "$(__sessctl_custom_complete ---completion edit -- positional@0 "${COMP_CWORD}" "$(__sessctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_sessctl_expire() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --no-trash --audit-syslog --all --no-ttl-only --yes -y --dry-run --version -h --help)
    repeating_options=(--where)
    non_repeating_options=(-s --store --max-age --app --user)
    __sessctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--where')
        return
        ;;
    '--app')
        return
        ;;
    '--user')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __sessctl_add_completions -W "$(__sessctl_custom_complete ---completion expire -- positional@0 "${COMP_CWORD}" "$(__sessctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_sessctl_ttl() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age)
    __sessctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __sessctl_add_completions -W "$(__sessctl_custom_complete ---completion ttl -- positional@0 "${COMP_CWORD}" "$(__sessctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_sessctl_persist() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --no-trash --audit-syslog --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age)
    __sessctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __sessctl_add_completions -W "$(__sessctl_custom_complete ---completion persist -- positional@0 "${COMP_CWORD}" "$(__sessctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_sessctl_count() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age --app --user --active)
    __sessctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--app')
        return
        ;;
    '--user')
        return
        ;;
    '--active')
        return
        ;;
    esac
}

_sessctl_find() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --expired --all --version -h --help)
    repeating_options=(--where)
    non_repeating_options=(-s --store --max-age --app --user --active --output -o --limit)
    __sessctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--where')
        return
        ;;
    '--app')
        return
        ;;
    '--user')
        return
        ;;
    '--active')
        return
        ;;
    '--output'|'-o')
        __sessctl_add_completions -W 'table'$'\n''json'$'\n''ndjson'$'\n''ids'
        return
        ;;
    '--limit')
        return
        ;;
    esac
}

_sessctl_watch() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --enable-notifications --version -h --help)
    repeating_options=(--show --where)
    non_repeating_options=(-s --store --max-age --app --user --output -o --limit)
    __sessctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--app')
        return
        ;;
    '--user')
        return
        ;;
    '--show')
        return
        ;;
    '--where')
        return
        ;;
    '--output'|'-o')
        __sessctl_add_completions -W 'text'$'\n''ndjson'
        return
        ;;
    '--limit')
        return
        ;;
    esac
}

_sessctl_top() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age --app --user --by --interval --rescan --count)
    __sessctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--app')
        return
        ;;
    '--user')
        return
        ;;
    '--by')
        return
        ;;
    '--interval')
        return
        ;;
    '--rescan')
        return
        ;;
    '--count')
        return
        ;;
    esac
}

_sessctl_stats() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age --app --user --output -o --top)
    __sessctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--app')
        return
        ;;
    '--user')
        return
        ;;
    '--output'|'-o')
        __sessctl_add_completions -W 'table'$'\n''json'
        return
        ;;
    '--top')
        return
        ;;
    esac
}

_sessctl_purge() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --no-trash --audit-syslog --expired --yes -y --dry-run --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age --app --user --idle)
    __sessctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--app')
        return
        ;;
    '--user')
        return
        ;;
    '--idle')
        return
        ;;
    esac
}

_sessctl_trim() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --no-trash --audit-syslog --all --yes -y --dry-run --version -h --help)
    repeating_options=(--where)
    non_repeating_options=(-s --store --max-age --keep-turns --keep-events --before)
    __sessctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--keep-turns')
        return
        ;;
    '--keep-events')
        return
        ;;
    '--before')
        return
        ;;
    '--where')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __sessctl_add_completions -W "$(__sessctl_custom_complete ---completion trim -- positional@0 "${COMP_CWORD}" "$(__sessctl_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_sessctl_reindex() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --no-trash --audit-syslog --dry-run --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age --output -o --examples)
    __sessctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--output'|'-o')
        __sessctl_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--examples')
        return
        ;;
    esac
}

_sessctl_check() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --no-trash --audit-syslog --fix --yes -y --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age --output -o --examples)
    __sessctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--output'|'-o')
        __sessctl_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--examples')
        return
        ;;
    esac
}

_sessctl_migrate() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --verify --skip-existing --overwrite --no-trash --audit-syslog --delete-source --yes --version -h --help)
    repeating_options=()
    non_repeating_options=(--from --to --max-age --pattern --batch)
    __sessctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--from')
        return
        ;;
    '--to')
        return
        ;;
    '--max-age')
        return
        ;;
    '--pattern')
        return
        ;;
    '--batch')
        return
        ;;
    esac
}

_sessctl_export() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age --pattern --app --user --batch)
    __sessctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--pattern')
        return
        ;;
    '--app')
        return
        ;;
    '--user')
        return
        ;;
    '--batch')
        return
        ;;
    esac
}

_sessctl_import() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --no-trash --audit-syslog --dry-run --verify --skip-existing --overwrite --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age --pattern --batch)
    __sessctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    '--pattern')
        return
        ;;
    '--batch')
        return
        ;;
    esac
}

_sessctl_undo() {
    repeating_flags=()
    non_repeating_flags=(--list --force --dry-run --no-trash --audit-syslog --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store)
    __sessctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    esac
}

_sessctl_audit() {
    repeating_flags=()
    non_repeating_flags=(--no-color --version -h --help)
    repeating_options=()
    non_repeating_options=(--since --output -o --limit)
    __sessctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--since')
        return
        ;;
    '--output'|'-o')
        __sessctl_add_completions -W 'table'$'\n''ndjson'
        return
        ;;
    '--limit')
        return
        ;;
    esac
}

_sessctl_shell() {
    repeating_flags=()
    non_repeating_flags=(--no-color --read-only --hashed-tokens --version -h --help)
    repeating_options=()
    non_repeating_options=(-s --store --max-age)
    __sessctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '-s'|'--store')
        return
        ;;
    '--max-age')
        return
        ;;
    esac
}

_sessctl_stores() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--output -o)
    __sessctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--output'|'-o')
        __sessctl_add_completions -W 'table'$'\n''json'
        return
        ;;
    esac
}

_sessctl_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __sessctl_offer_flags_options -1
}

complete -o filenames -F _sessctl sessctl
