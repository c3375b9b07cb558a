#!/usr/bin/env bash
# Times sessctl on a million trpc-agent-go agent sessions (layout=trpc) against what Redis itself
# can do.
#
# Builds sessctl in release mode, starts a private redis-server on a free loopback port (no
# persistence), loads BENCH_SESSIONS (1,000,000) HashIdx sessions in the library's shapes, spread
# over BENCH_USERS (1000) users of one app `chat`: per session a meta string (Go json.Marshal
# order), an event hash of 3 events and their time index (zset of 3), an entry in the user
# session index; per user a user state hash. Then times, best of BENCH_RUNS (3):
#   floor            a server-side Lua loop of SCAN cursor MATCH *:meta:* COUNT 1000 that only counts
#   count            sessctl count ?layout=trpc (both engines: also scans for legacy sess:*)
#   count hashidx    sessctl count ?layout=trpc&engine=hashidx
#   user, index      sessctl list of one app and user (--app/--user, or the id glob chat/u7/*)
#                    while the user session index hash exists (read directly)
#   user, no index   the same after that one index hash is deleted (a SCAN of its meta keys)
# and prints the figures and the ratios. The server is stopped by its pid when the script
# ends; no other Redis is touched.
#
# Environment: BENCH_SESSIONS (1000000), BENCH_USERS (1000), BENCH_RUNS (3), SWIFT (swift),
# SESSCTL (a sessctl binary to time instead of building one).
set -euo pipefail

cd "$(dirname "$0")/.."
sessions=${BENCH_SESSIONS:-1000000}
users=${BENCH_USERS:-1000}
runs=${BENCH_RUNS:-3}
user=u7

[ "$users" -gt 7 ] && [ "$sessions" -ge "$users" ] || { echo "bench: BENCH_USERS must exceed 7 and BENCH_SESSIONS be at least BENCH_USERS" >&2; exit 64; }

. scripts/bench-common.sh
bench_require bench "redis-server redis-tools perl" redis-server redis-cli awk perl
bench_sessctl bench
bench_server bench

echo "bench: loading $sessions HashIdx sessions of $users users on 127.0.0.1:$port (redis-server pid $server_pid)"
# A RESP stream of the library's commands, piped straight into redis-cli --pipe.
perl -e '
    use strict;
    my ($n, $users) = @ARGV;
    sub resp { my $s = "*" . scalar(@_) . "\r\n"; $s .= "\$" . length($_) . "\r\n$_\r\n" for @_; $s }
    my $out = "";
    for my $u (0 .. $users - 1) {
        $out .= resp("HSET", "hashidx:userstate:chat:{u$u}", "plan", "\"pro\"", "lang", "\"en\"");
    }
    for my $i (0 .. $n - 1) {
        my $user = "u" . ($i % $users);
        my $sid = sprintf("%08x-5b1c-4a3e-9f00-%012d", $i, $i);
        my $tag = "chat:{$user}:$sid";
        my $t = sprintf("2026-12-06T%02d:%02d:%02d.%09dZ", int($i / 3600) % 24, int($i / 60) % 60, $i % 60, ($i * 7919) % 1000000000);
        $out .= resp("SET", "hashidx:meta:$tag",
            "{\"id\":\"$sid\",\"appName\":\"chat\",\"userID\":\"$user\",\"state\":{\"topic\":\"ImNhdHMi\"},"
            . "\"generation\":\"" . sprintf("%08x-0000-4000-8000-%012d", $i, $i) . "\",\"createdAt\":\"$t\",\"updatedAt\":\"$t\"}");
        my (@data, @index);
        for my $k (0 .. 2) {
            my $eid = sprintf("%08x-%04d-4222-8333-444455556666", $i, $k);
            my $author = $k == 1 ? "assistant" : "user";
            push @data, $eid,
                "{\"object\":\"chat.completion\",\"created\":1796515491,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":"
                . "{\"role\":\"$author\",\"content\":\"message $k of session $i\"},\"delta\":{\"role\":\"\"}}],\"done\":true,"
                . "\"is_partial\":false,\"requestID\":\"req-$i\",\"invocationId\":\"inv-$i\",\"author\":\"$author\",\"id\":\"$eid\","
                . "\"timestamp\":\"$t\",\"version\":1}";
            push @index, sprintf("17965154%02d%09d", $k, $i % 1000000000), $eid;
        }
        $out .= resp("HSET", "hashidx:evtdata:$tag", @data);
        $out .= resp("ZADD", "hashidx:evtidx:time:$tag", @index);
        $out .= resp("HSET", "hashidx:sessidx:chat:{$user}", $sid, "{\"createdAt\":\"$t\"}");
        if (length($out) > 1 << 20) { print $out; $out = "" }
    }
    print $out;
' "$sessions" "$users" | "${cli[@]}" --pipe >"$work/pipe.log" || { echo "bench: loading failed:" >&2; cat "$work/pipe.log" >&2; exit 1; }
keys=$("${cli[@]}" DBSIZE)
[ "$keys" = $((3 * sessions + 2 * users)) ] || { echo "bench: expected $((3 * sessions + 2 * users)) keys, found $keys" >&2; exit 1; }
echo "bench: $keys keys, $("${cli[@]}" INFO memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r') used"

store="redis://127.0.0.1:$port/0?layout=trpc"
floor_script="local c = '0' local n = 0 repeat local r = redis.call('SCAN', c, 'MATCH', '*:meta:*', 'COUNT', 1000) c = r[1] n = n + #r[2] until c == '0' return n"
# One user's sessions: with --app/--user when this sessctl has them, else the id glob.
if "$sessctl" list --help 2>&1 | grep -q -- '--user'; then one_user=(--app chat --user "$user"); else one_user=("chat/$user/*"); fi
mine=$(awk -v n="$sessions" -v u="$users" 'BEGIN { print int((n - 8) / u) + 1 }')

# Checks once that each contender sees every session, outside the timings.
[ "$("${cli[@]}" EVAL "$floor_script" 0)" = "$sessions" ] || { echo "bench: the floor script miscounted" >&2; exit 1; }
[ "$("$sessctl" count -s "$store")" = "$sessions" ] || { echo "bench: sessctl count miscounted" >&2; exit 1; }
[ "$("$sessctl" count -s "$store&engine=hashidx")" = "$sessions" ] || { echo "bench: sessctl count (engine=hashidx) miscounted" >&2; exit 1; }
[ "$("$sessctl" list -s "$store" -o ids "${one_user[@]}" | wc -l)" = "$mine" ] || { echo "bench: list of one user miscounted" >&2; exit 1; }

echo "bench: timing, best of $runs"
best floor "${cli[@]}" EVAL "$floor_script" 0
best count "$sessctl" count -s "$store"
best count-hashidx "$sessctl" count -s "$store&engine=hashidx"
best user-index "$sessctl" list -s "$store" "${one_user[@]}"
"${cli[@]}" DEL "hashidx:sessidx:chat:{$user}" >/dev/null
[ "$("$sessctl" list -s "$store" -o ids "${one_user[@]}" | wc -l)" = "$mine" ] || { echo "bench: list of one user without its index miscounted" >&2; exit 1; }
best user-scan "$sessctl" list -s "$store" "${one_user[@]}"

floor=${best[floor]}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
printf '\n%-52s %9s %9s\n' "$sessions HashIdx sessions, $users users" "seconds" "x floor"
row() { printf '%-52s %9s %9s\n' "$1" "$2" "$(ratio "$2" "$floor")"; }
row "floor: Lua SCAN MATCH *:meta:* COUNT 1000 loop" "$floor"
row "sessctl count (layout=trpc, both engines)" "${best[count]}"
row "sessctl count (engine=hashidx)" "${best[count-hashidx]}"
row "sessctl list ${one_user[*]}, index ($mine sessions)" "${best[user-index]}"
row "sessctl list ${one_user[*]}, no index" "${best[user-scan]}"
printf '%-52s %9s\n' "one user: no index / index" "$(ratio "${best[user-scan]}" "${best[user-index]}")"
