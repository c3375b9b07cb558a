#!/usr/bin/env bash
# Times `sessctl watch -o ndjson` through a burst of KV session writes.
#
# Builds sessctl in release mode, starts a private redis-server on a free loopback port (no
# persistence, keyspace notifications on), starts `watch -o ndjson` under /usr/bin/time -v, then
# writes BENCH_WRITES (200,000) new KV sessions server-side in EVAL chunks of 1,000, each key
# naming the server's time of its write in ms (`bw:<n>:<ms>`). It waits (with a deadline) until
# watch has reported every one, stops it with SIGINT, and prints: how many were reported (each
# exactly once), the writer's rate, watch's lag behind the writer (the event's time minus the
# write's, p50/p99/max) and watch's peak RSS. The server is stopped by its pid; no other Redis is
# touched.
#
# Environment: BENCH_WRITES (200000), SWIFT (swift).
set -euo pipefail

cd "$(dirname "$0")/.."
writes=${BENCH_WRITES:-200000}
chunk=1000

. scripts/bench-common.sh
bench_require bench-watch "redis-server redis-tools time" redis-server redis-cli awk sort pgrep /usr/bin/time
bench_sessctl bench-watch
watch_pid=""
bench_extra_cleanup() { if [ -n "$watch_pid" ]; then kill "$watch_pid" 2>/dev/null || true; fi; }
bench_server bench-watch --notify-keyspace-events 'Kg$xen'

/usr/bin/time -v -o "$work/time.txt" "$sessctl" watch -s "redis://127.0.0.1:$port/0?prefix=bw:&layout=kv" -o ndjson \
    >"$work/events.ndjson" 2>"$work/watch.err" &
watch_pid=$!
# Ready once it reports a probe.
for i in $(seq 1 200); do
    "${cli[@]}" SET "bw:probe" '{}' >/dev/null
    grep -q '"id":"probe"' "$work/events.ndjson" 2>/dev/null && break
    kill -0 "$watch_pid" 2>/dev/null || { echo "bench-watch: watch ended:" >&2; cat "$work/watch.err" >&2; exit 1; }
    sleep 0.05
done

# KEYS[] none; ARGV: first index, count. Each key names the server's ms at its write.
script='local t = redis.call("TIME"); local ms = t[1] * 1000 + math.floor(t[2] / 1000)
local first = tonumber(ARGV[1])
for i = first, first + tonumber(ARGV[2]) - 1 do
  redis.call("SET", "bw:" .. i .. ":" .. ms, "{\"user\":" .. i .. "}", "PX", 3600000)
end
return ms'
sha=$("${cli[@]}" SCRIPT LOAD "$script")
echo "bench-watch: writing $writes sessions on port $port"
start=$(date +%s%N)
for ((first = 0; first < writes; first += chunk)); do
    n=$((writes - first < chunk ? writes - first : chunk))
    printf 'EVALSHA %s 0 %d %d\n' "$sha" "$first" "$n"
done | "${cli[@]}" >/dev/null
end=$(date +%s%N)
write_ms=$(((end - start) / 1000000))

deadline=$(($(date +%s) + 120))
while :; do
    seen=$(grep -c '"event":"created","id":"[0-9]' "$work/events.ndjson" || true)
    [ "$seen" -ge "$writes" ] && break
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "bench-watch: only $seen of $writes reported within 120 s" >&2; break; fi
    sleep 0.1
done
# /usr/bin/time ignores SIGINT while it waits: signal sessctl, its child.
kill -INT "$(pgrep -P "$watch_pid")"
wait "$watch_pid" || true
watch_pid=""

# Lag: the event's time of day minus the write's (from the key), in ms.
grep '"id":"[0-9]' "$work/events.ndjson" | awk -F'"' '{
    split($4, d, "T"); split(d[2], c, ":"); sec = c[3] + 0
    seen = ((c[1] * 60 + c[2]) * 60) * 1000 + int(sec * 1000 + 0.5)
    split($12, k, ":"); wrote = k[2] % 86400000
    lag = (seen - wrote + 86400000) % 86400000
    print lag > "'"$work"'/lags.txt"
    if (ids[k[1]]++) dup++
    n++
} END { printf "%d %d %d\n", n, length(ids), dup + 0 }' >"$work/counts.txt"
read -r lines distinct doubled <"$work/counts.txt"
sort -n "$work/lags.txt" >"$work/lags.sorted"
count=$(wc -l <"$work/lags.sorted")
p50=$(awk -v n="$count" 'NR == int(n * 0.50 + 0.5) { print; exit }' "$work/lags.sorted")
p99=$(awk -v n="$count" 'NR == int(n * 0.99 + 0.5) { print; exit }' "$work/lags.sorted")
max=$(tail -n 1 "$work/lags.sorted")
rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")

echo "bench-watch: $writes writes in $write_ms ms ($((writes * 1000 / (write_ms > 0 ? write_ms : 1))) writes/s)"
echo "bench-watch: reported $lines events, $distinct distinct sessions, $doubled doubled"
echo "bench-watch: lag behind the writer p50 ${p50:-?} ms, p99 ${p99:-?} ms, max ${max:-?} ms"
echo "bench-watch: watch peak RSS $((rss / 1024)) MB"
if [ "$distinct" -ne "$writes" ] || [ "$doubled" -ne 0 ]; then
    echo "bench-watch: FAILED: not every write reported exactly once" >&2
    cat "$work/watch.err" >&2
    exit 1
fi
