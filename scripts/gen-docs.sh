#!/usr/bin/env bash
# Writes the man page and the bash/zsh/fish completions, all generated from the command tree,
# into OUTDIR (default: the repository's man/ and completions/).
# Usage: scripts/gen-docs.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.}
date=$(sed -n 's/^MAN_DATE = //p' Makefile)
mkdir -p "$out/man" "$out/completions"
swift build -q --product sessctl
bin=$(swift build --show-bin-path)/sessctl

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
swift package plugin generate-manual --configuration debug --date "$date" --output-directory "$tmp" >/dev/null
# The generated page ends with a generic EXIT STATUS; the hand-written sections take its place.
# Blank lines from help texts become paragraph breaks, which mdoc wants.
sed -e '/^\.Sh "EXIT STATUS"/,$d' -e 's/^$/.Pp/' "$tmp/sessctl.1" > "$out/man/sessctl.1"
cat man/sections.mdoc >> "$out/man/sessctl.1"

"$bin" --generate-completion-script bash > "$out/completions/sessctl.bash"
"$bin" --generate-completion-script zsh > "$out/completions/_sessctl"
"$bin" --generate-completion-script fish > "$out/completions/sessctl.fish"
