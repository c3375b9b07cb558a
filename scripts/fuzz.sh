#!/usr/bin/env bash
# Fuzzes the gob decoder with libFuzzer (swiftc -sanitize=fuzzer, with AddressSanitizer and its
# leak checker), seeded with every blob the real SCS and redistore wrote in ../shared/fixtures.
# Fails on a crash, a hang (a run over 10 s), a leak, or a broken property of the target (see
# Fuzz/GobFuzzTarget.swift); the input that did it is left in .build/fuzz-gob/.
#
# Usage: scripts/fuzz-gob.sh [RUNS]   (default 100000 executions)
#   FUZZ_SECONDS=N  also stop after N seconds (default: no limit)
#   FUZZ_SEED=N     libFuzzer's seed (default 1, so CI runs are repeatable)
# The libFuzzer runtime ships with the Swift toolchain (usr/lib/clang/*/lib/linux/libclang_rt.fuzzer*).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100000}
out=.build/fuzz-gob
shared=${SESSCTL_SHARED:-../shared}
mkdir -p "$out/seeds" "$out/corpus"

sources=(Sources/SessionKit/Codecs/Gob/*.swift Sources/SessionKit/JSON/*.swift
         Sources/SessionKit/Support/Bytes.swift Sources/SessionKit/Support/Base64.swift
         Sources/SessionKit/Codecs/HashFieldCodec.swift Sources/SessionKit/Codecs/StoredBlobProblem.swift
         Sources/SessionKit/Codecs/SCSCodec.swift Sources/SessionKit/Codecs/RedistoreCodec.swift
         Fuzz/GobFuzzTarget.swift)
binary=$out/gob-fuzz
# Rebuilt only when a source is newer than the binary.
if [ ! -x "$binary" ] || [ -n "$(find "${sources[@]}" "$0" -newer "$binary" 2>/dev/null | head -1)" ]; then
    echo "fuzz-gob: building $binary"
    flags=(-sanitize=fuzzer,address -parse-as-library -O -module-name GobFuzz)
    # The toolchain's lld links AddressSanitizer quietly; the system linker works too, noisily.
    swiftc "${flags[@]}" -use-ld=lld "${sources[@]}" -o "$binary" 2>/dev/null \
        || swiftc "${flags[@]}" "${sources[@]}" -o "$binary"
fi

# Seeds: the stored and re-encoded blobs of both fixture sets (one file per blob).
n=0
for f in "$shared/fixtures/scs/expected.json" "$shared/fixtures/redistore/expected.json"; do
    while read -r b64; do
        n=$((n + 1))
        printf '%s' "$b64" | base64 -d > "$out/seeds/blob-$n"
    done < <(grep -o '"\(stored\|reencoded\)_b64": "[^"]*"' "$f" | sed 's/.*: "\(.*\)"/\1/')
done
[ "$n" -gt 0 ] || { echo "fuzz-gob: no seeds found under $shared/fixtures" >&2; exit 1; }

echo "fuzz-gob: $runs runs from $n seeds"
args=(-runs="$runs" -seed="${FUZZ_SEED:-1}" -timeout=10 -rss_limit_mb=2048 -max_len=4096
      -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$out/")
if [ -n "${FUZZ_SECONDS:-}" ]; then args+=(-max_total_time="$FUZZ_SECONDS"); fi
exec "$binary" "${args[@]}" "$out/corpus" "$out/seeds"
