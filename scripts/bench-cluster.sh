#!/usr/bin/env bash
# Times sessctl on a Redis Cluster against one node holding the same sessions, and over TLS
# against plain TCP on one node.
#
# Builds sessctl in release mode and starts, on free loopback ports, a 3-master cluster (no
# replicas) and one node that listens on a plain and a TLS port (a throwaway CA and client
# certificate made with openssl). It loads the same BENCH_SESSIONS (1,000,000) KV sessions of
# about 200 bytes with TTLs into both, each cluster key straight to the master of its slot, then
# times, best of BENCH_RUNS (3):
#   list -o ids, count            cluster vs one node (targets: 1.2x)
#   list -o ids, count, ndjson    TLS vs plain TCP on the one node (targets: 1.3x)
# then empties both and writes the same sessions as File sessions (GoFrame's layout, as
# scripts/bench-migrate.sh does) and times, best of BENCH_RUNS into emptied targets:
#   migrate File -> Cluster       vs migrate File -> one node (target: 1.5x)
# and prints the figures and the ratios. Set BENCH_MIGRATE=0 to leave migrate out (the File
# sessions take about 4 GB of disk, one inode each, in the temp directory).
# Every server is a child of this script, stopped by its pid when it ends; no other Redis is touched.
#
# Environment: BENCH_SESSIONS (1000000), BENCH_RUNS (3), BENCH_MIGRATE (1), SWIFT (swift).
set -euo pipefail

cd "$(dirname "$0")/.."
sessions=${BENCH_SESSIONS:-1000000}
runs=${BENCH_RUNS:-3}
with_migrate=${BENCH_MIGRATE:-1}
prefix="gfsess:"

. scripts/bench-common.sh
bench_require bench "redis-server redis-tools openssl perl" redis-server redis-cli openssl perl
bench_sessctl bench-cluster

work=$(mktemp -d "${TMPDIR:-/tmp}/sessctl-bench-cluster.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port: sets $port to a loopback port nobody listens on, whose port+10000 (a cluster bus)
# is free too, and that this script has not handed out yet.
used=" "
free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 25000))
        case "$used" in *" $p "*|*" $((p + 10000)) "*) continue ;; esac
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 10000))") 2>/dev/null; then
            used="$used$p $((p + 10000)) "
            port=$p
            return
        fi
    done
    echo "bench: no free port found" >&2
    exit 1
}

# A throwaway CA, a server certificate for 127.0.0.1 and a client certificate.
pki="$work/pki"
mkdir -p "$pki"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 -new "${ec[@]}" -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 1 -subj "/CN=sessctl bench CA" 2>/dev/null
for name in server client; do
    openssl req -new "${ec[@]}" -keyout "$pki/$name.key" -out "$pki/$name.csr" -subj "/CN=$name" 2>/dev/null
done
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$pki/server.ext"
printf 'extendedKeyUsage=clientAuth\n' >"$pki/client.ext"
for name in server client; do
    openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -out "$pki/$name.crt" \
        -days 1 -extfile "$pki/$name.ext" 2>/dev/null
done

common=(--bind 127.0.0.1 --save '' --appendonly no --daemonize no --shutdown-on-sigterm "nosave now")
start() {  # start NAME ARGS...: a redis-server child with its own directory and log
    local dir="$work/$1"
    shift
    mkdir -p "$dir"
    redis-server "$@" "${common[@]}" --dir "$dir" --logfile "$dir/log" >/dev/null 2>&1 &
    pids+=($!)
}
wait_ping() {
    for p in "$@"; do
        for _ in $(seq 1 300); do [ "$(redis-cli -p "$p" PING 2>/dev/null)" = PONG ] && break; sleep 0.01; done
    done
}

free_port; single=$port
free_port; single_tls=$port
start single --port "$single" --tls-port "$single_tls" --tls-cert-file "$pki/server.crt" --tls-key-file "$pki/server.key" \
    --tls-ca-cert-file "$pki/ca.crt"
nodes=()
for i in 0 1 2; do
    free_port
    p=$port
    nodes+=("$p")
    start "node$p" --port "$p" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000
done
wait_ping "$single" "${nodes[@]}"
timeout 60 redis-cli --cluster create $(for p in "${nodes[@]}"; do printf '127.0.0.1:%s ' "$p"; done) \
    --cluster-replicas 0 --cluster-yes >"$work/create.log" 2>&1 || { echo "bench: redis-cli --cluster create failed:" >&2; cat "$work/create.log" >&2; exit 1; }
for p in "${nodes[@]}"; do
    for _ in $(seq 1 1000); do redis-cli -p "$p" CLUSTER INFO | grep -q cluster_state:ok && break; sleep 0.01; done
done
echo "bench: one node on 127.0.0.1:$single (TLS :$single_tls), a cluster of 3 masters on ${nodes[*]}"

# Which master serves each slot, as "start end port" lines.
redis-cli -p "${nodes[0]}" CLUSTER NODES | perl -ne '
    my @f = split; next unless $f[2] =~ /master/; my ($port) = $f[1] =~ /:(\d+)@/;
    for my $r (@f[8..$#f]) { next if $r =~ /^\[/; my ($a, $b) = split /-/, $r; $b //= $a; print "$a $b $port\n"; }' >"$work/slots"

echo "bench: loading $sessions KV sessions into each"
# RESP for SET gfsess:<32-char id> <~200-byte JSON as GoFrame writes it> PX <1h..24h>, as scripts/bench.sh
# writes them: all into single.resp, and each into the file of its slot's master (CRC16/XMODEM).
perl -e '
    my ($n, $prefix, $dir, $slotsfile) = @ARGV;
    my @owner; open(my $s, "<", $slotsfile) or die; while (<$s>) { my ($a, $b, $p) = split; $owner[$_] = $p for $a..$b; }
    my @t; for my $i (0..255) { my $c = $i << 8; for (1..8) { $c = ($c & 0x8000) ? (($c << 1) ^ 0x1021) & 0xFFFF : ($c << 1) & 0xFFFF } $t[$i] = $c }
    sub crc { my $c = 0; $c = (($c << 8) & 0xFFFF) ^ $t[(($c >> 8) ^ $_) & 0xFF] for unpack("C*", $_[0]); $c }
    die "CRC16 self-check failed\n" unless crc("123456789") == 0x31C3;
    my %out; open(my $all, ">", "$dir/single.resp") or die;
    for my $i (0 .. $n - 1) {
        my $id = sprintf("1qbncq5nyf0dn0n%017d", $i);
        my $key = $prefix . $id;
        my $value = sprintf("{\"cart\":[{\"price\":19.99,\"qty\":%d,\"sku\":\"A-%d\"}],\"csrf\":\"c%031d\",\"last_page\":\"/account/settings/profile\",\"login_at\":%d,\"roles\":[\"user\",\"editor\"],\"user_id\":%d,\"username\":\"user%d\"}", $i % 9 + 1, $i % 1000, $i, 1795240858 + $i % 86400, 100000 + $i, $i);
        my $ttl = 3600000 + ($i * 7919) % 82800000;
        my $resp = sprintf("*5\r\n\$3\r\nSET\r\n\$%d\r\n%s\r\n\$%d\r\n%s\r\n\$2\r\nPX\r\n\$%d\r\n%d\r\n", length($key), $key, length($value), $value, length($ttl), $ttl);
        print $all $resp;
        my $port = $owner[crc($key) & 16383];
        unless ($out{$port}) { open($out{$port}, ">", "$dir/node-$port.resp") or die }
        print { $out{$port} } $resp;
    }
' "$sessions" "$prefix" "$work" "$work/slots"
redis-cli -p "$single" --pipe <"$work/single.resp" >/dev/null
for p in "${nodes[@]}"; do redis-cli -p "$p" --pipe <"$work/node-$p.resp" >/dev/null; done
rm -f "$work"/*.resp
total=0
for p in "${nodes[@]}"; do total=$((total + $(redis-cli -p "$p" DBSIZE))); done
[ "$(redis-cli -p "$single" DBSIZE)" = "$sessions" ] || { echo "bench: the single node does not hold $sessions keys" >&2; exit 1; }
[ "$total" = "$sessions" ] || { echo "bench: the cluster holds $total keys, not $sessions" >&2; exit 1; }
echo "bench: cluster masters hold $(for p in "${nodes[@]}"; do printf '%s ' "$(redis-cli -p "$p" DBSIZE)"; done)keys"

one="redis://127.0.0.1:$single/0?prefix=$prefix"
cluster="redis+cluster://127.0.0.1:${nodes[0]},127.0.0.1:${nodes[1]}?prefix=$prefix"
tls="rediss://127.0.0.1:$single_tls/0?prefix=$prefix&ca=$pki/ca.crt&cert=$pki/client.crt&key=$pki/client.key"

# Each contender sees every session, outside the timings.
for store in "$one" "$cluster" "$tls"; do
    [ "$("$sessctl" count -s "$store")" = "$sessions" ] || { echo "bench: count miscounted on ${store%%\?*}" >&2; exit 1; }
    [ "$("$sessctl" list -s "$store" -o ids | sort -u | wc -l)" = "$sessions" ] || { echo "bench: list -o ids missed or repeated on ${store%%\?*}" >&2; exit 1; }
done

# The contenders, each run once per round and the rounds interleaved, so that a change in the
# machine's load hits all of them alike; the fastest run of each counts.
names=(one-ids cluster-ids one-count cluster-count tls-ids tls-count one-ndjson tls-ndjson)
declare -A command=(
    [one-ids]="list -s $one -o ids" [cluster-ids]="list -s $cluster -o ids"
    [one-count]="count -s $one" [cluster-count]="count -s $cluster"
    [tls-ids]="list -s $tls -o ids" [tls-count]="count -s $tls"
    [one-ndjson]="list -s $one -o ndjson" [tls-ndjson]="list -s $tls -o ndjson"
)
declare -A best
echo "bench: timing, best of $runs rounds"
for _ in $(seq 1 "$runs"); do
    for name in "${names[@]}"; do
        read -r -a args <<<"${command[$name]}"
        start=$EPOCHREALTIME
        "$sessctl" "${args[@]}" >/dev/null
        end=$EPOCHREALTIME
        best[$name]=$(awk -v a="$start" -v b="$end" -v f="${best[$name]:-}" 'BEGIN { t = b - a; if (f == "" || t < f) f = t; printf "%.3f", f }')
    done
done

printf '\n%-34s %10s %10s %8s %8s\n' "$sessions KV sessions" "base (s)" "this (s)" "ratio" "target"
row() { printf '%-34s %10s %10s %8s %8s\n' "$1" "${best[$2]}" "${best[$3]}" "$(awk -v a="${best[$2]}" -v b="${best[$3]}" 'BEGIN { printf "%.2f", b / a }')" "$4"; }
row "list -o ids: cluster vs one node" one-ids cluster-ids 1.2
row "count: cluster vs one node" one-count cluster-count 1.2
row "list -o ids: TLS vs TCP" one-ids tls-ids 1.3
row "count: TLS vs TCP" one-count tls-count 1.3
row "list -o ndjson: TLS vs TCP" one-ndjson tls-ndjson 1.3

[ "$with_migrate" = 1 ] || exit 0

# ---- migrate File -> Cluster vs File -> one node
flush_all() {
    redis-cli -p "$single" FLUSHALL >/dev/null
    for p in "${nodes[@]}"; do redis-cli -p "$p" FLUSHALL >/dev/null; done
}
flush_all
now_ms=$(date +%s%3N)
echo
echo "bench: writing $sessions File sessions"
mkdir -p "$work/files"
# The same sessions as above (and as scripts/bench-migrate.sh writes): ~200 bytes of JSON, 1h..24h left.
perl scripts/write-file-sessions.pl "$work/files" "$sessions" "$now_ms"
echo "bench: reading the files once so every run finds them in the page cache"
find "$work/files" -type f -exec cat {} + >/dev/null

# check_migrate STORE: the run copied every session and failed none, and the store holds them all.
check_migrate() {
    grep -q "^copied  *$sessions$" "$work/out.txt" && grep -q "^failed  *0$" "$work/out.txt" \
        || { echo "bench: migrate to ${1%%\?*} did not copy every session:" >&2; cat "$work/out.txt" "$work/err.txt" >&2; exit 1; }
    [ "$("$sessctl" count -s "$1")" = "$sessions" ] || { echo "bench: ${1%%\?*} does not hold $sessions sessions after migrate" >&2; exit 1; }
}
mnames=(one-migrate cluster-migrate)
declare -A mtarget=([one-migrate]="$one" [cluster-migrate]="$cluster")
echo "bench: migrate, best of $runs rounds into emptied targets"
for _ in $(seq 1 "$runs"); do
    for name in "${mnames[@]}"; do
        flush_all
        start=$EPOCHREALTIME
        "$sessctl" migrate --from "$work/files" --to "${mtarget[$name]}" >"$work/out.txt" 2>"$work/err.txt" \
            || { cat "$work/err.txt" >&2; exit 1; }
        end=$EPOCHREALTIME
        check_migrate "${mtarget[$name]}"
        t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
        echo "bench:   $name: ${t}s (load average $(cut -d' ' -f1 /proc/loadavg))"
        best[$name]=$(awk -v t="$t" -v f="${best[$name]:-}" 'BEGIN { if (f == "" || t < f) f = t; printf "%.3f", f }')
    done
done
printf '\n%-34s %10s %10s %8s %8s\n' "$sessions File sessions" "base (s)" "this (s)" "ratio" "target"
row "migrate File -> cluster vs one" one-migrate cluster-migrate 1.5
