#!/usr/bin/env bash
# Times moving trpc-agent-go sessions off the legacy engine: `sessctl migrate` from
# `engine=legacy` to `engine=hashidx` in place, with --verify and --delete-source.
#
# Builds sessctl in release mode, starts a private redis-server on a free loopback port (no
# persistence), writes BENCH_SESSIONS (100,000) legacy sessions of BENCH_EVENTS (20) events each
# server-side (each user's `sess:{bench}:<user>` hash, one event zset per session, as the
# library's legacy engine lays them out), times the move under /usr/bin/time -v, checks that no
# legacy session is left and that every HashIdx session holds its events once (hash and index
# alike), and prints sessions/s and the peak RSS. The server is stopped by its pid at the end;
# no other Redis is touched.
#
# Environment: BENCH_SESSIONS (100000), BENCH_EVENTS (20), SWIFT (swift).
set -euo pipefail

cd "$(dirname "$0")/.."
sessions=${BENCH_SESSIONS:-100000}
events=${BENCH_EVENTS:-20}
chunk=500

. scripts/bench-common.sh
bench_require bench-agent-move "redis-server redis-tools time" redis-server redis-cli awk /usr/bin/time
bench_sessctl bench-agent-move
bench_server bench-agent-move

echo "bench-agent-move: writing $sessions legacy sessions of $events events on port $port"
gen='local first, count, events = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
for n = first, first + count - 1 do
  local sid, user = "s" .. n, "u" .. (n % 1000)
  redis.call("HSET", "sess:{bench}:" .. user, sid, "{\"id\":\"" .. sid .. "\",\"state\":{\"topic\":\"ImNhdHMi\"},\"createdAt\":\"2026-03-20T02:00:00Z\",\"updatedAt\":\"2026-03-20T02:00:00Z\"}")
  local members = {}
  for k = 1, events do
    members[#members + 1] = string.format("%d", 1773972000000000000 + k * 1000000000)
    members[#members + 1] = "{\"requestID\":\"r" .. k .. "\",\"author\":\"user\",\"id\":\"" .. sid .. "-e" .. k .. "\",\"choices\":[{\"message\":{\"role\":\"user\",\"content\":\"message " .. k .. "\"}}]}"
  end
  redis.call("ZADD", "event:{bench}:" .. user .. ":" .. sid, unpack(members))
end
return count'
for ((first = 0; first < sessions; first += chunk)); do
    n=$((sessions - first < chunk ? sessions - first : chunk))
    "${cli[@]}" EVAL "$gen" 0 "$first" "$n" "$events" >/dev/null
done
echo "bench-agent-move: $("${cli[@]}" DBSIZE) keys, $("${cli[@]}" INFO memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r') used"

store="redis://127.0.0.1:$port?layout=trpc"
start=$(date +%s.%N)
/usr/bin/time -v -o "$work/time" "$sessctl" migrate --from "$store&engine=legacy" --to "$store&engine=hashidx" \
    --verify --delete-source --yes >"$work/out" 2>"$work/err" || {
    echo "bench-agent-move: migrate failed:" >&2; cat "$work/err" "$work/out" >&2; exit 1
}
end=$(date +%s.%N)

check='local bad = 0
for n = tonumber(ARGV[1]), tonumber(ARGV[2]) - 1 do
  local tail = "bench:{u" .. (n % 1000) .. "}:s" .. n
  if redis.call("ZCARD", "hashidx:evtidx:time:" .. tail) ~= tonumber(ARGV[3]) or redis.call("HLEN", "hashidx:evtdata:" .. tail) ~= tonumber(ARGV[3])
    or redis.call("EXISTS", "hashidx:meta:" .. tail) ~= 1 then bad = bad + 1 end
end
return bad'
bad=0
for ((first = 0; first < sessions; first += 1000)); do
    last=$((first + 1000 < sessions ? first + 1000 : sessions))
    bad=$((bad + $("${cli[@]}" EVAL "$check" 0 "$first" "$last" "$events")))
done
legacy_left=$("$sessctl" count -s "$store&engine=legacy")
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
sed 's/^/bench-agent-move: /' "$work/out"
echo "bench-agent-move: $sessions sessions moved in ${seconds}s: $(awk -v n="$sessions" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }') sessions/s; peak RSS $((rss / 1024)) MiB"
if [ "$bad" -ne 0 ] || [ "$legacy_left" -ne 0 ]; then echo "bench-agent-move: $bad sessions wrong, $legacy_left legacy sessions left" >&2; exit 1; fi
echo "bench-agent-move: every session is in HashIdx once with its $events events; no legacy session left"
