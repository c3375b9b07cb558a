#!/usr/bin/env bash
# Builds the release artifacts into dist/ from `make install` (release binary, Swift standard
# library linked statically) into a staging directory:
#   deb   sessctl_<version>-1_<arch>.deb: /usr/bin (stripped), the man page gzipped, the bash/zsh/fish
#         completions where Debian's shells look, copyright (DEP-5, from LICENSE) and
#         changelog.Debian.gz; Depends from what the binary links (dpkg-shlibdeps).
#   dist  sessctl-<version>-linux-x86_64.tar.gz: bin/, share/ (man page, completions), README.md, LICENSE.
# Both then rewrite dist/SHA256SUMS over every .deb and .tar.gz in dist/.
# The version is scripts/version.sh's; files are dated at the commit and owned by root, so packaging
# the same build again gives the same bytes.
# Usage: scripts/package.sh deb|dist
set -euo pipefail
cd "$(dirname "$0")/.."

MAINTAINER="sessctl maintainers <maintainers@users.noreply.github.com>"
version=$(scripts/version.sh)
epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)
mkdir -p dist .build
stage=$(mktemp -d "$PWD/.build/package.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# make install into $1 with PREFIX $2 and zsh functions in $3, the binary stripped.
install_tree() {
    make -s install DESTDIR="$1" PREFIX="$2" ZSH_FUNCTIONS="$3" >/dev/null
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$1$2/bin/sessctl"
}

# Files 644 and directories 755 whatever the umask, all dated at the commit.
normalize() {
    find "$1" -type d -exec chmod 755 {} + -o -type f ! -path '*/bin/*' -exec chmod 644 {} +
    find "$1" -exec touch -h -d "@$epoch" {} +
}

checksums() {
    local files
    files=$(cd dist && shopt -s nullglob && echo *.deb *.tar.gz)
    (cd dist && sha256sum -- $files > SHA256SUMS)
}

# The machine-readable copyright file: LICENSE's copyright line and text.
deb_copyright() {
    cat <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: sessctl
Upstream-Contact: $MAINTAINER
Comment: /usr/bin/sessctl also contains, linked statically, the Swift standard library
 and Foundation (Swift project authors) and swift-argument-parser (Apple Inc.), under
 the Apache License 2.0 with the Runtime Library Exception; see
 /usr/share/common-licenses/Apache-2.0.

Files: *
Copyright: $(sed -n 's/^Copyright (c) //p' LICENSE)
License: Expat
EOF
    # The text after the copyright line, blank lines as " ." (DEP-5).
    sed -e '1,/^Copyright/d' LICENSE | sed -e '1{/^$/d}' -e 's/^$/./' -e 's/^/ /'
}

deb_changelog() {
    cat <<EOF
sessctl ($1) unstable; urgency=medium

  * Release $version: sessctl --version prints $2.

 -- $MAINTAINER  $(date -u -R -d "@$epoch")
EOF
}

build_deb() {
    local arch debversion root doc deb
    arch=$(dpkg --print-architecture)
    debversion=$version-1
    root=$stage/root
    doc=$root/usr/share/doc/sessctl
    install_tree "$root" /usr share/zsh/vendor-completions
    gzip -9n "$root/usr/share/man/man1/sessctl.1"
    sed -i '1{/^#!/d}' "$root/usr/share/bash-completion/completions/sessctl"   # sourced, not run
    mkdir -p "$root/usr/share/lintian/overrides"
    printf '# Not uploaded to Debian: there is no ITP bug to close.\nsessctl: initial-upload-closes-no-bugs\n' \
        > "$root/usr/share/lintian/overrides/sessctl"
    mkdir -p "$doc" "$root/DEBIAN"
    deb_copyright > "$doc/copyright"
    deb_changelog "$debversion" "$("$root/usr/bin/sessctl" --version)" | gzip -9n > "$doc/changelog.Debian.gz"

    # dpkg-shlibdeps reads debian/control from the working directory.
    mkdir -p "$stage/src/debian"
    printf 'Source: sessctl\n\nPackage: sessctl\nArchitecture: any\n' > "$stage/src/debian/control"
    local depends
    depends=$(cd "$stage/src" && dpkg-shlibdeps -O -e"$root/usr/bin/sessctl" | sed -n 's/^shlibs:Depends=//p')
    [ -n "$depends" ] || { echo "package: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

    (cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
    cat > "$root/DEBIAN/control" <<EOF
Package: sessctl
Version: $debversion
Architecture: $arch
Maintainer: $MAINTAINER
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Depends: $depends
Section: admin
Priority: optional
Description: see and fix the sessions your web apps keep
 sessctl lists, inspects, edits, expires, finds, counts and deletes the
 sessions web applications keep in a directory or in Redis, without
 starting the application: GoFrame gsession (File, Redis-KV, Redis-Hash),
 SCS and gorilla/sessions redistore, byte-compatible with what they write.
 It talks to one Redis server, Sentinel or a cluster, over TLS if asked,
 migrates sessions between stores, and has an interactive shell.
EOF
    normalize "$root"
    deb=dist/sessctl_${debversion}_$arch.deb
    SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
    echo "$deb"
}

build_dist() {
    local name=sessctl-$version-linux-x86_64
    [ "$(uname -m)" = x86_64 ] || { echo "package: the tarball is built on x86_64 only" >&2; exit 1; }
    install_tree "$stage" "/$name" share/zsh/site-functions
    cp README.md LICENSE "$stage/$name/"
    normalize "$stage/$name"
    tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -cf - "$name" \
        | gzip -9n > "dist/$name.tar.gz"
    echo "dist/$name.tar.gz"
}

case ${1:-} in
    deb) build_deb ;;
    dist) build_dist ;;
    *) echo "usage: scripts/package.sh deb|dist" >&2; exit 2 ;;
esac
checksums
