#!/usr/bin/env bash
# Fails when the committed man page or completions differ from what the current code generates
# (run `make man completions` and commit). Part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scripts/gen-docs.sh "$tmp"
status=0
for f in man/sessctl.1 completions/sessctl.bash completions/_sessctl completions/sessctl.fish; do
    if ! cmp -s "$f" "$tmp/$f"; then
        echo "check-generated: $f is out of date; run 'make man completions' and commit it" >&2
        diff -u "$f" "$tmp/$f" | head -20 >&2 || true
        status=1
    fi
done
[ $status -eq 0 ] && echo "check-generated: the man page and completions match the code"
exit $status
