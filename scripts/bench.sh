#!/usr/bin/env bash
# Times sessctl on a million Redis-KV sessions against what Redis itself can do.
#
# Builds sessctl in release mode, starts a private redis-server on a free loopback port (no
# persistence), loads 1,000,000 KV sessions of about 200 bytes with TTLs, then times, best of
# BENCH_RUNS (3) on that same server:
#   floor           a server-side Lua loop of SCAN cursor COUNT 1000 that only counts keys
#   redis-cli       redis-cli --scan --pattern 'gfsess:*' (what operators use today)
#   list -o ids     sessctl list -o ids
#   count           sessctl count
#   list -o ndjson  sessctl list -o ndjson (TTL and size of every session)
# and prints the figures and the ratios to the floor (targets: ids and count 1.3x, ndjson 3x).
# The server is stopped by its pid when the script ends; no other Redis is touched.
#
# Environment: BENCH_SESSIONS (1000000), BENCH_RUNS (3), SWIFT (swift).
set -euo pipefail

cd "$(dirname "$0")/.."
sessions=${BENCH_SESSIONS:-1000000}
runs=${BENCH_RUNS:-3}
prefix="gfsess:"

. scripts/bench-common.sh
bench_require bench "redis-server redis-tools" redis-server redis-cli awk
bench_sessctl bench
bench_server bench

echo "bench: loading $sessions KV sessions on 127.0.0.1:$port (redis-server pid $server_pid)"
# RESP for SET gfsess:<32-char id> <~200-byte JSON as GoFrame writes it> PX <1h..24h>.
awk -v n="$sessions" -v prefix="$prefix" 'BEGIN {
    for (i = 0; i < n; i++) {
        id = sprintf("1qbncq5nyf0dn0n%017d", i)
        key = prefix id
        value = sprintf("{\"cart\":[{\"price\":19.99,\"qty\":%d,\"sku\":\"A-%d\"}],\"csrf\":\"c%031d\",\"last_page\":\"/account/settings/profile\",\"login_at\":%d,\"roles\":[\"user\",\"editor\"],\"user_id\":%d,\"username\":\"user%d\"}", i % 9 + 1, i % 1000, i, 1795240858 + i % 86400, 100000 + i, i)
        ttl = 3600000 + (i * 7919) % 82800000
        printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$2\r\nPX\r\n$%d\r\n%d\r\n", length(key), key, length(value), value, length(ttl ""), ttl
    }
}' | "${cli[@]}" --pipe >/dev/null
loaded=$("${cli[@]}" DBSIZE)
[ "$loaded" = "$sessions" ] || { echo "bench: expected $sessions keys, found $loaded" >&2; exit 1; }
echo "bench: $("${cli[@]}" INFO memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r') used; value size $("${cli[@]}" STRLEN "${prefix}1qbncq5nyf0dn0n00000000000000000") bytes"

store="redis://127.0.0.1:$port/0?prefix=$prefix"
floor_script="local c = '0' local n = 0 repeat local r = redis.call('SCAN', c, 'COUNT', 1000) c = r[1] n = n + #r[2] until c == '0' return n"

# Checks once that each contender sees every session, outside the timings.
[ "$("${cli[@]}" EVAL "$floor_script" 0)" = "$sessions" ] || { echo "bench: the floor script miscounted" >&2; exit 1; }
[ "$("$sessctl" count -s "$store")" = "$sessions" ] || { echo "bench: sessctl count miscounted" >&2; exit 1; }
[ "$("$sessctl" list -s "$store" -o ids | wc -l)" = "$sessions" ] || { echo "bench: list -o ids miscounted" >&2; exit 1; }
[ "$("$sessctl" list -s "$store" -o ndjson | wc -l)" = "$sessions" ] || { echo "bench: list -o ndjson miscounted" >&2; exit 1; }
[ "$("${cli[@]}" --scan --pattern "$prefix*" | wc -l)" -ge "$sessions" ] || { echo "bench: redis-cli --scan missed keys" >&2; exit 1; }

echo "bench: timing, best of $runs"
best floor "${cli[@]}" EVAL "$floor_script" 0
best redis-cli "${cli[@]}" --scan --pattern "$prefix*"
best ids "$sessctl" list -s "$store" -o ids
best count "$sessctl" count -s "$store"
best ndjson "$sessctl" list -s "$store" -o ndjson

floor=${best[floor]}
printf '\n%-40s %9s %9s %8s\n' "$sessions KV sessions" "seconds" "x floor" "target"
row() { printf '%-40s %9s %9s %8s\n' "$1" "$2" "$(awk -v t="$2" -v f="$floor" 'BEGIN { printf "%.2f", t / f }')" "$3"; }
row "floor: Lua SCAN COUNT 1000 loop" "${best[floor]}" ""
row "redis-cli --scan --pattern '$prefix*'" "${best[redis-cli]}" ""
row "sessctl list -o ids" "${best[ids]}" "1.3"
row "sessctl count" "${best[count]}" "1.3"
row "sessctl list -o ndjson" "${best[ndjson]}" "3"
