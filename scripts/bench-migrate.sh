#!/usr/bin/env bash
# Times sessctl migrate on a million sessions against loading the same data with redis-cli --pipe.
#
# Builds sessctl in release mode, then:
#   File -> KV    writes 1,000,000 File sessions of about 200 bytes (GoFrame's layout, 1h..24h
#                 left) and times `sessctl migrate --from DIR --to redis://...?prefix=gfsess:`
#                 against `redis-cli --pipe` of the same sessions as a prepared RESP stream
#                 (SET key json PX ttl: no file reading, no JSON work).
#   KV -> Hash    loads those sessions as KV into one private server and times
#                 `sessctl migrate` into a Hash store on a second one, against `redis-cli --pipe`
#                 of the same hashes (HSET key field value... then PEXPIRE) into that second one.
# Each figure is the best of BENCH_RUNS (3) runs into an emptied target; the peak RSS is that of
# the fastest migrate run. Targets: within 2x of redis-cli --pipe, peak RSS under 100 MiB.
# Every migrate run is checked (key count, one session compared field by field).
#
# The redis-servers listen on free loopback ports, keep nothing on disk and are stopped by their
# pids when the script ends; no other Redis is touched. The sessions take about 4 GB of disk
# (one inode each) in a temp directory that is removed at the end.
#
# Environment: BENCH_SESSIONS (1000000), BENCH_RUNS (3), SWIFT (swift), TMPDIR.
set -euo pipefail

cd "$(dirname "$0")/.."
sessions=${BENCH_SESSIONS:-1000000}
runs=${BENCH_RUNS:-3}

. scripts/bench-common.sh
bench_require bench "redis-server redis-tools perl" redis-server redis-cli awk perl
bench_sessctl bench-migrate

work=$(mktemp -d "${TMPDIR:-/tmp}/sessctl-bench-migrate.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    echo "bench: removing $work" >&2
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server NAME: a private redis-server on a free loopback port; sets port_NAME.
start_server() {
    local name=$1 port="" candidate
    for _ in $(seq 1 50); do
        candidate=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
    done
    [ -n "$port" ] || { echo "bench: no free port found" >&2; exit 1; }
    mkdir -p "$work/$name"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
        --dir "$work/$name" --logfile "$work/$name/redis.log" >/dev/null 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        [ "$(redis-cli -p "$port" PING 2>/dev/null)" = "PONG" ] && break
        sleep 0.05
    done
    [ "$(redis-cli -p "$port" PING 2>/dev/null)" = "PONG" ] || { echo "bench: redis-server did not start:" >&2; cat "$work/$name/redis.log" >&2; exit 1; }
    printf -v "port_$name" '%s' "$port"
    echo "bench: redis-server '$name' on 127.0.0.1:$port (pid $!)"
}

# Session i: ~200 bytes of JSON as GoFrame writes it, and 1h..24h left (the same numbers as scripts/bench.sh).
now_ms=$(date +%s%3N)
echo "bench: writing $sessions File sessions"
mkdir -p "$work/files"
perl scripts/write-file-sessions.pl "$work/files" "$sessions" "$now_ms"

# The same sessions as RESP: KV (SET key json PX ttl) and Hash (HSET key fields..., PEXPIRE key ttl).
cat > "$work/resp.awk" <<'AWK'
function bulk(s) { return sprintf("$%d\r\n%s\r\n", length(s), s) }
BEGIN {
    for (i = 0; i < n; i++) {
        id = sprintf("1qbncq5nyf0dn0n%017d", i)
        cart = sprintf("[{\"price\":19.99,\"qty\":%d,\"sku\":\"A-%d\"}]", i % 9 + 1, i % 1000)
        csrf = sprintf("c%031d", i); login = sprintf("%d", 1795240858 + i % 86400)
        uid = sprintf("%d", 100000 + i); user = sprintf("user%d", i)
        ttl = sprintf("%d", 3600000 + (i * 7919) % 82800000)
        if (mode == "kv") {
            value = "{\"cart\":" cart ",\"csrf\":\"" csrf "\",\"last_page\":\"/account/settings/profile\",\"login_at\":" login ",\"roles\":[\"user\",\"editor\"],\"user_id\":" uid ",\"username\":\"" user "\"}"
            printf "*5\r\n$3\r\nSET\r\n%s%s$2\r\nPX\r\n%s", bulk("gfsess:" id), bulk(value), bulk(ttl)
        } else {
            key = bulk("gfhash:" id)
            printf "*16\r\n$4\r\nHSET\r\n%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s", key, bulk("cart"), bulk(cart), bulk("csrf"), bulk(csrf),
                bulk("last_page"), bulk("/account/settings/profile"), bulk("login_at"), bulk(login),
                bulk("roles"), bulk("[\"user\",\"editor\"]"), bulk("user_id"), bulk(uid), bulk("username"), bulk(user)
            printf "*3\r\n$7\r\nPEXPIRE\r\n%s%s", key, bulk(ttl)
        }
    }
}
AWK
awk -v n="$sessions" -v mode=kv -f "$work/resp.awk" > "$work/kv.resp"
awk -v n="$sessions" -v mode=hash -f "$work/resp.awk" > "$work/hash.resp"

start_server source
start_server target
src=(redis-cli -h 127.0.0.1 -p "$port_source")
dst=(redis-cli -h 127.0.0.1 -p "$port_target")

echo "bench: reading the files once so every run finds them in the page cache"
find "$work/files" -type f -exec cat {} + >/dev/null

ticks=$(getconf CLK_TCK)
# servers_cpu: CPU seconds both redis-servers have used so far.
servers_cpu() {
    local total=0 pid
    for pid in "${pids[@]}"; do
        total=$(awk -v t="$total" -v hz="$ticks" '{ printf "%.2f", t + ($14 + $15) / hz }' "/proc/$pid/stat")
    done
    echo "$total"
}

# timed COMMAND...: runs the command, leaves its wall seconds in $elapsed, its peak RSS in KiB
# in $peak (0 when it cannot be measured) and the CPU seconds it and the redis-servers used in
# $cpu (the command's own only where /usr/bin/time can tell).
timed() {
    local start end before after own=0
    elapsed="" peak=0
    before=$(servers_cpu)
    if [ -x /usr/bin/time ]; then
        start=$EPOCHREALTIME
        /usr/bin/time -f "%M %U %S" -o "$work/time.out" "$@" >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
        end=$EPOCHREALTIME
        read -r peak user sys < <(tail -1 "$work/time.out")
        own=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    else
        start=$EPOCHREALTIME
        "$@" >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
        end=$EPOCHREALTIME
    fi
    after=$(servers_cpu)
    elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
    cpu=$(awk -v o="$own" -v a="$before" -v b="$after" 'BEGIN { printf "%.2f", o + b - a }')
}

declare -A best rss cpus
# trial NAME CHECK COMMAND...: $runs runs into an emptied target; keeps the fastest, checks each.
trial() {
    local name=$1 check=$2; shift 2
    for _ in $(seq 1 "$runs"); do
        "${dst[@]}" FLUSHALL >/dev/null
        timed "$@"
        "$check"
        if [ -z "${best[$name]:-}" ] || awk -v a="$elapsed" -v b="${best[$name]}" 'BEGIN { exit !(a < b) }'; then
            best[$name]=$elapsed
            rss[$name]=$peak
            cpus[$name]=$cpu
        fi
        echo "bench:   $name: ${elapsed}s (CPU ${cpu}s with the redis-servers; load average $(cut -d' ' -f1 /proc/loadavg))"
    done
}

sample=1qbncq5nyf0dn0n00000000000012345
expected_json='{"cart":[{"price":19.99,"qty":7,"sku":"A-345"}],"csrf":"c0000000000000000000000000012345","last_page":"/account/settings/profile","login_at":1795253203,"roles":["user","editor"],"user_id":112345,"username":"user12345"}'
check_kv() {
    [ "$("${dst[@]}" DBSIZE)" = "$sessions" ] || { echo "bench: expected $sessions keys in the target" >&2; exit 1; }
    [ "$sessions" -le 12345 ] || [ "$("${dst[@]}" GET "gfsess:$sample")" = "$expected_json" ] || { echo "bench: gfsess:$sample differs" >&2; exit 1; }
}
check_hash() {
    [ "$("${dst[@]}" DBSIZE)" = "$sessions" ] || { echo "bench: expected $sessions keys in the target" >&2; exit 1; }
    [ "$sessions" -le 12345 ] || [ "$("${dst[@]}" HGET "gfhash:$sample" cart)" = '[{"price":19.99,"qty":7,"sku":"A-345"}]' ] \
        || { echo "bench: gfhash:$sample differs" >&2; exit 1; }
    [ "$("${dst[@]}" HLEN "gfhash:$sample")" = 7 ] || [ "$sessions" -le 12345 ] || { echo "bench: gfhash:$sample has the wrong fields" >&2; exit 1; }
}
check_migrate() {
    grep -q "^failed  *0$" "$work/out.txt" || { cat "$work/out.txt" "$work/err.txt" >&2; exit 1; }
}
check_kv_migrate() { check_migrate; check_kv; }
check_hash_migrate() { check_migrate; check_hash; }

echo "bench: File -> KV, best of $runs"
trial pipe-kv check_kv sh -c "exec redis-cli -h 127.0.0.1 -p $port_target --pipe < '$work/kv.resp'"
trial migrate-kv check_kv_migrate "$sessctl" migrate --from "$work/files" --to "redis://127.0.0.1:$port_target/0?prefix=gfsess:"

echo "bench: loading the KV sessions into the source server"
"${src[@]}" --pipe < "$work/kv.resp" >/dev/null
echo "bench: KV -> Hash, best of $runs"
trial pipe-hash check_hash sh -c "exec redis-cli -h 127.0.0.1 -p $port_target --pipe < '$work/hash.resp'"
trial migrate-hash check_hash_migrate "$sessctl" migrate --from "redis://127.0.0.1:$port_source/0?prefix=gfsess:" \
    --to "redis://127.0.0.1:$port_target/0?prefix=gfhash:&layout=hash"

mib() { awk -v k="$1" 'BEGIN { if (k > 0) printf "%.1f", k / 1024; else printf "?" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf '%-44s %8s %7s %9s %10s\n' "$@"; }
echo
row "$sessions sessions" "seconds" "x pipe" "CPU s" "peak RSS"
row "File -> KV: redis-cli --pipe (SET ... PX)" "${best[pipe-kv]}" "1.00" "${cpus[pipe-kv]}" ""
row "File -> KV: sessctl migrate" "${best[migrate-kv]}" "$(ratio "${best[migrate-kv]}" "${best[pipe-kv]}")" "${cpus[migrate-kv]}" "$(mib "${rss[migrate-kv]}") MiB"
row "KV -> Hash: redis-cli --pipe (HSET, PEXPIRE)" "${best[pipe-hash]}" "1.00" "${cpus[pipe-hash]}" ""
row "KV -> Hash: sessctl migrate" "${best[migrate-hash]}" "$(ratio "${best[migrate-hash]}" "${best[pipe-hash]}")" "${cpus[migrate-hash]}" "$(mib "${rss[migrate-hash]}") MiB"
echo "targets: within 2x of redis-cli --pipe, peak RSS under 100 MiB"
echo "CPU s: the client's user+sys plus both redis-servers' (on a shared machine the wall time follows it)"
