#!/usr/bin/env bash
# The .deb and the tarball in a minimal Debian 12 root (debootstrap, no Swift): apt installs the
# .deb with exactly the libraries it needs; --version, man and bash completion work; sessctl reads
# a session from a redis-server on the host; apt remove leaves nothing behind. Then the tarball's
# binary runs there with the packages its README names. lintian reports no errors on the .deb.
# Prints the package sizes, the start-up time and how long it took. Part of CI after `make test`;
# `make check-package` builds the .deb and the tarball first. Runs as root (chroot, mount).
# The base root (debootstrap + man-db + bash-completion) is cached in .build/check-package/;
# each run starts from a fresh copy of it.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
version=$(scripts/version.sh)
commit=$(scripts/version.sh --commit)
expected_version="$version (commit ${commit%+dirty}"   # +dirty: built from a changed tree
arch=$(dpkg --print-architecture)
deb=dist/sessctl_${version}-1_$arch.deb
tarball=dist/sessctl-$version-linux-x86_64.tar.gz
work=$PWD/.build/check-package
base=$work/bookworm-base.tar
root=$work/root
mirror=http://deb.debian.org/debian
redis_pid=

fail() { echo "check-package: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot)"
[ -f "$deb" ] && [ -f "$tarball" ] || fail "run 'make deb dist' first ($deb, $tarball)"

# What is mounted under directory $1 (ours, or debootstrap's if it was interrupted), deepest first.
mounts_under() { findmnt -rn -o TARGET | grep "^$1/" | sort -r || true; }

cleanup() {
    [ -z "$redis_pid" ] || { kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null || true; }
    local dir mount
    for dir in "$root" "$work/new-root"; do
        for mount in $(mounts_under "$dir"); do umount "$mount" || umount -l "$mount"; done
        # Never remove a root that still has something mounted in it.
        if [ -z "$(mounts_under "$dir")" ]; then rm -rf "$dir"; else echo "check-package: $dir is still mounted" >&2; fi
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a command in $root with a clean environment.
in_root() {
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
        chroot "$root" "$@"
}

mount_proc() {
    mountpoint -q "$1/proc" || mount -t proc proc "$1/proc"
}

# debootstrap's minbase with Debian 12's updates and security archives, man-db and bash-completion.
make_base() {
    local new=$work/new-root
    rm -rf "$new"
    echo "check-package: debootstrap bookworm into $new"
    debootstrap --variant=minbase bookworm "$new" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap failed (log: $work/debootstrap.log)"; }
    cat > "$new/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
    printf '#!/bin/sh\nexit 101\n' > "$new/usr/sbin/policy-rc.d"   # no services start in the root
    chmod 755 "$new/usr/sbin/policy-rc.d"
    echo 'Dpkg::Use-Pty "0";' > "$new/etc/apt/apt.conf.d/90no-pty"   # no /dev/pts in the root
    mount_proc "$new"
    root=$new in_root apt-get update -qq
    root=$new in_root apt-get install -y -qq --no-install-recommends man-db bash-completion \
        >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt install man-db bash-completion failed"; }
    root=$new in_root apt-get clean
    umount "$new/proc"
    tar -C "$new" -cf "$base.tmp" . && mv "$base.tmp" "$base"
    rm -rf "$new"
}

# Every path in the root but caches, logs and package databases: what installing and removing
# must leave as it was.
listing() {
    (cd "$root" && find . -xdev \( -path ./proc -o -path ./tmp -o -path ./root -o -path ./var/cache \
        -o -path ./var/log -o -path ./var/lib/apt -o -path ./var/lib/dpkg \) -prune -o -print | sort)
}

# A redis-server on the host on a free loopback port, holding one gsession Redis-KV session.
start_redis() {
    local deadline
    for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 40000))
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
            --logfile "$work/redis.log" &
        redis_pid=$!
        deadline=$((SECONDS + 10))
        while kill -0 "$redis_pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
            # Our server answers, not another one that holds the port.
            if redis-cli -p "$port" info server 2>/dev/null | tr -d '\r' | grep -qx "process_id:$redis_pid"; then
                return 0
            fi
            sleep 0.1
        done
        kill "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
        redis_pid=
    done
    fail "could not start redis-server (log: $work/redis.log)"
}

# sessctl (at path $1 in the root) reads the seeded session from the host's redis-server.
check_redis_read() {
    local got
    got=$(in_root "$1" -s "redis://127.0.0.1:$port" get "$session" user) || fail "$1 get failed"
    [ "$got" = '{"id":1001}' ] || fail "$1 get read '$got', want {\"id\":1001}"
    in_root "$1" -s "redis://127.0.0.1:$port" list | grep -q "$session" || fail "$1 list does not show $session"
}

check_version() {
    local got
    got=$(in_root "$1" --version) || fail "$1 --version failed"
    [[ "$got" == "$expected_version"?(+dirty)")" ]] || fail "$1 --version printed '$got', want '$expected_version)'"
}

echo "check-package: lintian $deb"
# lintian warns when run as root: it runs as nobody.
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent lintian --fail-on error "$deb" \
    || fail "lintian reports errors"
(cd dist && sha256sum -c --ignore-missing --quiet SHA256SUMS) || fail "dist/SHA256SUMS does not match"

mkdir -p "$work"
[ -f "$base" ] || make_base
rm -rf "$root" && mkdir -p "$root"
tar -C "$root" -xf "$base"
mount_proc "$root"
cp "$deb" "$tarball" "$root/tmp/"
! in_root sh -c 'command -v swift' >/dev/null || fail "the root has swift"

start_redis
session=1qbncq5nyf0dn0nrszi6yde1001t55av
redis-cli -p "$port" set "$session" '{"user":{"id":1001},"theme":"dark"}' EX 3600 >/dev/null

# 1. The .deb.
before=$(listing)
packages_before=$(in_root dpkg-query -W -f='${Package}\n' | sort)
in_root sh -c 'cd /tmp && apt-get install -y -qq ./sessctl_*.deb' >"$work/apt.log" 2>&1 \
    || { cat "$work/apt.log" >&2; fail "apt install of the .deb failed"; }
pulled_in=$(comm -13 <(echo "$packages_before") <(in_root dpkg-query -W -f='${Package}\n' | sort) | grep -vx sessctl | xargs)
! in_root ldd /usr/bin/sessctl | grep 'not found' || fail "the installed sessctl misses libraries"
check_version sessctl
check_redis_read sessctl
man_out=$(in_root env MANWIDTH=80 man -P cat sessctl 2>"$work/man.err") || fail "man sessctl failed: $(cat "$work/man.err")"
[ ! -s "$work/man.err" ] || fail "man sessctl warns: $(cat "$work/man.err")"
grep -q "See and fix the sessions your web apps keep" <<<"$man_out" || fail "man sessctl shows no sessctl page"
# bash-completion loads the script on demand, as on `sessctl <Tab>`.
completed=$(in_root bash -c '. /usr/share/bash-completion/bash_completion
    _completion_loader sessctl
    COMP_WORDS=(sessctl ge); COMP_CWORD=1; COMP_LINE="sessctl ge"; COMP_POINT=${#COMP_LINE}
    _sessctl sessctl ge sessctl; printf "%s\n" "${COMPREPLY[@]}"')
[ "$completed" = get ] || fail "bash completion of 'sessctl ge' gave '$completed', want get"
startup_ms=$(in_root bash -c 'start=$(date +%s%N); for i in $(seq 20); do sessctl --version >/dev/null; done
    echo $(( ($(date +%s%N) - start) / 20000000 ))')
installed_kb=$(in_root dpkg-query -W -f='${Installed-Size}' sessctl)
in_root apt-get remove -y -qq sessctl >>"$work/apt.log" 2>&1 || fail "apt remove sessctl failed"
in_root apt-get autoremove -y -qq --purge >>"$work/apt.log" 2>&1 || fail "apt autoremove failed"
! in_root dpkg-query -W -f='${Status}\n' sessctl 2>/dev/null | grep -qE ' (installed|config-files)$' \
    || fail "sessctl is still installed or has config files"
leftovers=$(diff <(echo "$before") <(listing) || true)
[ -z "$leftovers" ] || fail "apt remove sessctl (and autoremove) left these changes: $leftovers"
echo "check-package: the .deb installs (apt pulled in: $pulled_in), works (version, man, bash completion, Redis) and removes cleanly"

# 2. The tarball, with the packages its README names (the .deb's libraries are gone again).
in_root tar -C /opt -xzf "/tmp/${tarball##*/}"
bin=/opt/sessctl-$version-linux-x86_64/bin/sessctl
! in_root "$bin" --version >/dev/null 2>&1 || fail "the tarball's binary runs without its libraries: the check proves nothing"
packages=$(tar -xzOf "$tarball" "sessctl-$version-linux-x86_64/README.md" | sed -n 's/^apt install \(lib[^#]*\).*/\1/p')
[ -n "$packages" ] || fail "the tarball's README names no packages (a line 'apt install lib...')"
# shellcheck disable=SC2086
in_root apt-get install -y -qq --no-install-recommends $packages >>"$work/apt.log" 2>&1 \
    || fail "apt install $packages failed"
check_version "$bin"
check_redis_read "$bin"
echo "check-package: the tarball's sessctl works with $packages"

echo "check-package: $(stat -c %s "$deb") bytes $deb ($installed_kb KiB installed), $(stat -c %s "$tarball") bytes $tarball"
echo "check-package: sessctl --version starts in ${startup_ms} ms (mean of 20 runs in the root); took $((SECONDS - started)) s"
