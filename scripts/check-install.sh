#!/usr/bin/env bash
# `make install PREFIX=$tmp` gives a working sessctl outside the repository, and
# `make uninstall` leaves nothing behind. Part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s install PREFIX="$tmp/prefix" >/dev/null
for f in bin/sessctl share/man/man1/sessctl.1 share/bash-completion/completions/sessctl \
         share/zsh/site-functions/_sessctl share/fish/vendor_completions.d/sessctl.fish; do
    [ -f "$tmp/prefix/$f" ] || { echo "check-install: make install did not install $f" >&2; exit 1; }
done
version=$(cd / && env -i PATH=/usr/bin:/bin "$tmp/prefix/bin/sessctl" --version)
[ -n "$version" ] || { echo "check-install: the installed sessctl printed no version" >&2; exit 1; }
make -s uninstall PREFIX="$tmp/prefix" >/dev/null
if [ -e "$tmp/prefix" ]; then
    echo "check-install: make uninstall left these behind:" >&2
    find "$tmp/prefix" >&2
    exit 1
fi
echo "check-install: make install and make uninstall work (sessctl $version)"
