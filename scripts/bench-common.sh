# Sourced by the bench scripts: what each needs before it measures.
#   bench_sessctl NAME   sets $sessctl: $SESSCTL if given, else a release build (.build-release)
#   bench_server NAME [ARG...]
#                        starts a private redis-server (with ARGs) on a free loopback port (no
#                        persistence, in a temp dir $work) and sets $port, $server_pid and the array
#                        $cli; the server is stopped by its pid and $work removed when the script
#                        exits, after `bench_extra_cleanup` if the script defines one
#   bench_require NAME PACKAGES TOOL...
#                        exits with one line naming the Debian PACKAGES when a TOOL is missing
#   best NAME CMD...     runs CMD $runs times (output discarded) and records the fastest in ${best[NAME]}
# NAME prefixes every message. Needs: set -euo pipefail, the working directory at the repository root.

bench_require() {
    local name=$1 packages=$2
    shift 2
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "$name: $tool is missing (Debian: $packages)" >&2; exit 1; }
    done
}

bench_sessctl() {
    if [ -n "${SESSCTL:-}" ]; then
        sessctl=$SESSCTL
        return
    fi
    echo "$1: building sessctl (release)"
    "${SWIFT:-swift}" build -c release --scratch-path .build-release --product sessctl >/dev/null
    sessctl="$("${SWIFT:-swift}" build -c release --scratch-path .build-release --show-bin-path)/sessctl"
}

bench_cleanup() {
    if declare -F bench_extra_cleanup >/dev/null; then bench_extra_cleanup; fi
    if [ -n "${server_pid:-}" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    [ -n "${work:-}" ] && rm -rf "$work"
}

bench_server() {
    local name=$1
    shift
    work=$(mktemp -d "${TMPDIR:-/tmp}/sessctl-$name.XXXXXX")
    server_pid=""
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    # A loopback port nobody listens on.
    port=""
    for _ in $(seq 1 50); do
        candidate=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
    done
    [ -n "$port" ] || { echo "$name: no free port found" >&2; exit 1; }
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
        --dir "$work" --logfile "$work/redis.log" "$@" >/dev/null 2>&1 &
    server_pid=$!
    cli=(redis-cli -h 127.0.0.1 -p "$port")
    for _ in $(seq 1 100); do
        [ "$("${cli[@]}" PING 2>/dev/null)" = "PONG" ] && return
        kill -0 "$server_pid" 2>/dev/null || { echo "$name: redis-server did not start:" >&2; cat "$work/redis.log" >&2; exit 1; }
        sleep 0.05
    done
    echo "$name: redis-server did not answer PING" >&2
    exit 1
}

declare -A best
best() {
    local name=$1
    shift
    local fastest=""
    for _ in $(seq 1 "$runs"); do
        local start=$EPOCHREALTIME
        "$@" >/dev/null
        local end=$EPOCHREALTIME
        fastest=$(awk -v a="$start" -v b="$end" -v f="$fastest" 'BEGIN { t = b - a; if (f == "" || t < f) f = t; printf "%.3f", f }')
    done
    best[$name]=$fastest
}
