#!/usr/bin/env bash
# Times `sessctl trim --all --keep-turns 10 --yes` on trpc-agent-go HashIdx sessions.
#
# Builds sessctl in release mode (swift build -c release), starts a private redis-server on a
# free loopback port (no persistence), writes BENCH_SESSIONS (10,000) HashIdx sessions of
# BENCH_EVENTS (200) events each, turns of 2 events, server-side with scripts/agent-sessions.lua
# in chunks, then times the trim under /usr/bin/time -v, checks that every session kept exactly
# its newest 10 turns (20 events, event hash and index alike), and prints sessions/s and the peak
# RSS. The server is stopped by its pid when the script ends; no other Redis is touched.
#
# Environment: BENCH_SESSIONS (10000), BENCH_EVENTS (200), SWIFT (swift).
set -euo pipefail

cd "$(dirname "$0")/.."
sessions=${BENCH_SESSIONS:-10000}
events=${BENCH_EVENTS:-200}
chunk=100

. scripts/bench-common.sh
bench_require bench-trim "redis-server redis-tools time" redis-server redis-cli awk /usr/bin/time
bench_sessctl bench-trim
bench_server bench-trim

echo "bench-trim: writing $sessions sessions of $events events (turns of 2) on port $port"
sha=$("${cli[@]}" SCRIPT LOAD "$(cat scripts/agent-sessions.lua)")
for ((first = 0; first < sessions; first += chunk)); do
    n=$((sessions - first < chunk ? sessions - first : chunk))
    "${cli[@]}" EVALSHA "$sha" 0 "$first" "$n" "$events" 2 86400000 >/dev/null
done
echo "bench-trim: $("${cli[@]}" DBSIZE) keys, $("${cli[@]}" INFO memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r') used"

store="redis://127.0.0.1:$port?layout=trpc"
start=$(date +%s.%N)
/usr/bin/time -v -o "$work/time" "$sessctl" trim -s "$store" --all --keep-turns 10 --yes >"$work/out" 2>"$work/err" || {
    echo "bench-trim: trim failed:" >&2; cat "$work/err" >&2; exit 1
}
end=$(date +%s.%N)

# Every session keeps its newest 10 turns: 20 events, in the hash and the index alike.
check='local bad = 0
for n = tonumber(ARGV[1]), tonumber(ARGV[2]) - 1 do
  local tail = "bench:{u" .. (n % 1000) .. "}:s" .. n
  if redis.call("ZCARD", "hashidx:evtidx:time:" .. tail) ~= 20 or redis.call("HLEN", "hashidx:evtdata:" .. tail) ~= 20 then bad = bad + 1 end
end
return bad'
bad=0
for ((first = 0; first < sessions; first += 1000)); do
    last=$((first + 1000 < sessions ? first + 1000 : sessions))
    bad=$((bad + $("${cli[@]}" EVAL "$check" 0 "$first" "$last")))
done
trimmed=$(wc -l <"$work/out")
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
echo "bench-trim: $(tail -1 "$work/err")"
echo "bench-trim: $trimmed sessions trimmed in ${seconds}s: $(awk -v n="$sessions" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }') sessions/s; peak RSS $((rss / 1024)) MiB"
if [ "$bad" -ne 0 ]; then echo "bench-trim: $bad sessions do not hold exactly their newest 10 turns" >&2; exit 1; fi
echo "bench-trim: every session holds exactly its newest 10 turns (20 events)"
