#!/usr/bin/env bash
# Fuzzes one of the decoders that read what the outside world stores, with libFuzzer (swiftc
# -sanitize=fuzzer, with AddressSanitizer and its leak checker), seeded from ../shared/fixtures:
#   gob   the gob decoder, the SCS and redistore codecs (Fuzz/GobFuzzTarget.swift); seeds: every
#         blob the real SCS and redistore wrote
#   json  JSONParser, the Go encoder, GoJSONCanonical, JSONObjectValidator (Fuzz/JSONFuzzTarget.swift);
#         seeds: the gsession File bodies, every JSON value in the .resp fixtures (connect-redis,
#         trpc-agent, gsession, redistore; 20 of trpc-agent-real), and the expected.json files (cut
#         to -max_len)
#   file  the gsession File decoder, header and plain or AES-CBC body (Fuzz/FileFuzzTarget.swift);
#         seeds: the files in gsession/file and gsession/file-crypto
#   hash  the Redis-Hash field decoding (Fuzz/HashFuzzTarget.swift); seeds: the fields of every
#         hash in gsession/redis-hash.resp, NUL-separated
#   php   the PHP session decoder and writer (Fuzz/PHPFuzzTarget.swift); seeds: sessions PHP 8.2
#         with phpredis wrote (php and php_serialize), given below
#   flask the Flask-Session msgpack, JSON and legacy pickle readers and the msgpack/JSON writers
#         (Fuzz/FlaskFuzzTarget.swift); seeds: values Flask-Session 0.8 and pickle wrote (below)
# All four targets are one binary (FUZZ_TARGET picks one, Fuzz/FuzzMain.swift) that swiftc builds
# straight from the sources they need, not through SwiftPM: one build for all targets (about 30 s
# of CPU; 75 s on a busy 2-core machine), sharing nothing with `swift build`, and rebuilt only when
# a source changes; each target's 100,000 runs then take 10-20 s. The File target's AES comes from
# OpenSSL's libcrypto through the package's own COpenSSL module map (-I Sources/COpenSSL), as in
# the package. Fails on a crash, a hang (a run over 10 s), a leak, or a broken property of the
# target (each target's file lists them); the input that did it is left in .build/fuzz-TARGET/.
#
# Usage: scripts/fuzz.sh gob|json|file|hash|php|flask [RUNS]   (default 100000 executions)
#   FUZZ_SECONDS=N  also stop after N seconds (default: no limit)
#   FUZZ_SEED=N     libFuzzer's seed (default 1, so CI runs are repeatable)
# The libFuzzer runtime ships with the Swift toolchain (usr/lib/clang/*/lib/linux/libclang_rt.fuzzer*).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-}
runs=${2:-100000}
case $target in
gob|json|file|hash|php|flask) ;;
*) echo "usage: scripts/fuzz.sh gob|json|file|hash|php|flask [RUNS]" >&2; exit 2 ;;
esac
fixtures=${SESSCTL_SHARED:-../shared}/fixtures
out=.build/fuzz-$target
binary=.build/fuzz/fuzz
sources=(Sources/SessionKit/JSON/*.swift Sources/SessionKit/Support/Bytes.swift Sources/SessionKit/Support/Base64.swift
         Sources/SessionKit/Support/ClampedArithmetic.swift Sources/SessionKit/Support/Durations.swift
         Sources/SessionKit/Codecs/Gob/*.swift Sources/SessionKit/Codecs/StoredBlobProblem.swift
         Sources/SessionKit/Codecs/SCSCodec.swift Sources/SessionKit/Codecs/RedistoreCodec.swift
         Sources/SessionKit/Codecs/GSessionFileCodec.swift Sources/SessionKit/Codecs/GSessionCipher.swift
         Sources/SessionKit/SessionError.swift Sources/SessionKit/Codecs/HashFieldCodec.swift
         Sources/SessionKit/Codecs/PHPSessionCodec.swift
         Sources/SessionKit/Codecs/MsgPack.swift Sources/SessionKit/Codecs/PickleReader.swift
         Sources/SessionKit/Codecs/FlaskSessionCodec.swift Fuzz/*.swift)

if [ ! -x "$binary" ] || [ -n "$(find "${sources[@]}" "$0" -newer "$binary" 2>/dev/null | head -1)" ]; then
    echo "fuzz: building $binary"
    mkdir -p "$(dirname "$binary")"
    flags=(-sanitize=fuzzer,address -parse-as-library -O -module-name Fuzz -I Sources/COpenSSL)
    # The toolchain's lld links AddressSanitizer quietly; the system linker works too, noisily.
    swiftc "${flags[@]}" -use-ld=lld "${sources[@]}" -o "$binary" 2>/dev/null \
        || swiftc "${flags[@]}" "${sources[@]}" -o "$binary"
fi

# Seeds, one file each, made afresh every run.
rm -rf "$out/seeds"
mkdir -p "$out/seeds" "$out/corpus"
n=0
# Called with its input redirected, not piped, so that it runs in this shell and counts.
seed() { n=$((n + 1)); cat > "$out/seeds/$target-$n"; }
# The bulk strings of a .resp file that start with `{` or `[`: the JSON values.
resp_json() { tr -d '\r' < "$1" | grep -a '^[{[]'; }

case $target in
gob)
    for f in "$fixtures/scs/expected.json" "$fixtures/redistore/expected.json"; do
        while read -r b64; do
            seed < <(printf '%s' "$b64" | base64 -d)
        done < <(grep -o '"\(stored\|reencoded\)_b64": "[^"]*"' "$f" | sed 's/.*: "\(.*\)"/\1/')
    done ;;
json)
    for f in "$fixtures"/gsession/file/*.session; do seed < <(tail -c +9 "$f"); done
    for f in "$fixtures"/{connect-redis,trpc-agent,gsession,redistore}/*.resp; do
        while IFS= read -r value; do seed <<< "$value"; done < <(resp_json "$f")
    done
    while IFS= read -r value; do seed <<< "$value"; done < <(resp_json "$fixtures/trpc-agent-real/sessions.resp" | head -20)
    for f in "$fixtures"/*/expected.json; do seed < "$f"; done ;;
file)
    for f in "$fixtures"/gsession/file/*.session "$fixtures"/gsession/file-crypto/*.session; do seed < "$f"; done ;;
hash)
    # Each HSET's arguments after the key (the bulk strings of one RESP command), NUL-separated.
    while IFS= read -r fields; do seed < <(printf '%s' "$fields" | tr '\001' '\000'); done < <(tr -d '\r' < "$fixtures/gsession/redis-hash.resp" | awk '
        /^\*/ { if (hset && line != "") print line; arg = 0; hset = 0; line = ""; next }
        /^\$/ { next }
        { arg++; if (arg == 1) hset = ($0 == "HSET"); else if (arg > 2) line = line (arg > 3 ? "\001" : "") $0 }
        END { if (hset && line != "") print line }') ;;
php)
    # What PHP 8.2 with phpredis stored (no PHP fixtures in ../shared): both serializers, floats,
    # an object with protected and private properties, a reference, an enum, a Serializable.
    obj='O:1:"U":3:{s:1:"a";i:1;s:4:"\0*\0b";s:1:"x";s:4:"\0U\0c";a:2:{i:0;i:1;i:1;i:2;}}'
    vals='s:6:"h\xc3\xa9llo";f|d:0.1;g|d:1;b|d:1.0E+25;n|N;t|b:1;arr|a:2:{s:1:"x";a:3:{i:0;i:1;i:1;i:2;i:2;i:3;}i:5;s:4:"five";}inf|d:INF;o|'
    seed < <(printf "user_id|i:42;name|$vals$obj"'r|R:7;')
    seed < <(printf 'a:4:{s:7:"user_id";i:42;s:1:"f";d:-0;s:1:"o";'"$obj"'s:1:"r";R:4;}')
    seed < <(printf 'e|E:11:"Suit:Hearts";c|C:11:"ArrayObject":21:{x:i:0;a:0:{};m:a:0:{}}')
    seed < <(printf 'a|a:1:{i:0;O:8:"stdClass":1:{s:1:"p";r:2;}}') ;;
flask)
    # Written by Flask-Session 0.8 (msgpack and JSON) and by pickle.dumps (protocols 2 and 5)
    # for a session like {"_permanent": True, "user_id": 42, "name": "Anné", "b": b"\0\xff", ...}.
    for hex in \
        89aa5f7065726d616e656e74c3a7757365725f69642aa46e616d65a5416e6ec3a9a162c40200ffa1749201cb4004000000000000a16ec0a3626967cfffffffffffffffffa36e6567d1fed4a46e65737482a17a01a16191c3 \
        83a17801a17992c0c2a17ad90d68656c6c6fe280a8776f726c64 \
        80027d7100285807000000757365725f6964710149070000004b2a580100000066710247bff4000000000000752e \
        80059527000000000000007d94288c0161945d94284b01884e8694658c0162944301009475008c0163948a06000000000000ff752e; do
        seed < <(printf '%b' "$(printf '%s' "$hex" | sed 's/../\\x&/g')")
    done
    seed <<< '{"_permanent":true,"user_id":42,"s":"a\"\\\n\u0001<","f":[1.0,1e20,-0.0],"o":{"k":null}}' ;;
esac
[ "$n" -gt 0 ] || { echo "fuzz $target: no seeds found under $fixtures" >&2; exit 1; }

echo "fuzz $target: $runs runs from $n seeds"
args=(-runs="$runs" -seed="${FUZZ_SEED:-1}" -timeout=10 -rss_limit_mb=2048 -max_len=4096
      -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$out/")
if [ -n "${FUZZ_SECONDS:-}" ]; then args+=(-max_total_time="$FUZZ_SECONDS"); fi
FUZZ_TARGET=$target exec "$binary" "${args[@]}" "$out/corpus" "$out/seeds"
