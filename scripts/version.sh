#!/usr/bin/env bash
# The version and commit sessctl is built from, the one place both come from:
# a git tag vX.Y.Z on HEAD gives X.Y.Z, commits after it X.Y.Z+N.gHASH; without a tag, the
# VERSION file. The commit is the abbreviated hash (+dirty with uncommitted changes), or
# `unknown` outside git (a source tarball).
# Usage: scripts/version.sh [--commit]   (prints the version, or the commit)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
git=(git -C "$root" --no-optional-locks)
# Only this repository's git counts, not one the sources were unpacked inside.
in_git() { [ "$("${git[@]}" rev-parse --show-toplevel 2>/dev/null)" = "$root" ]; }

if [ "${1:-}" = --commit ]; then
    in_git || { echo unknown; exit 0; }
    commit=$("${git[@]}" rev-parse --short=12 HEAD)
    [ -z "$("${git[@]}" status --porcelain --untracked-files=no 2>/dev/null)" ] || commit+=+dirty
    echo "$commit"
elif in_git && tag=$("${git[@]}" describe --tags --match 'v[0-9]*' 2>/dev/null); then
    # v1.2.0 -> 1.2.0; v1.2.0-3-gabc1234 -> 1.2.0+3.gabc1234 (sorts after 1.2.0 for dpkg too)
    tag=${tag#v}
    echo "$tag" | sed -E 's/-([0-9]+)-(g[0-9a-f]+)$/+\1.\2/' | tr - "~"   # v1.3.0-rc1 -> 1.3.0~rc1 (sorts before 1.3.0)
else
    tr -d ' \n' < "$root/VERSION"; echo
fi
