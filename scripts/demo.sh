#!/usr/bin/env bash
# A short tour of sessctl on a small File store written the way GoFrame writes one.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SESSCTL_BIN:-.build/debug/sessctl}
store=demo/gsessions/default
rm -rf demo && mkdir -p "$store"
export SESSCTL_STORE=$store NO_COLOR=1

run() {
    printf '\n$ sessctl %s\n' "$*"
    "$bin" "$@"
}

# Three sessions, created through sessctl itself (GoFrame's byte layout: 8-byte timestamp + JSON).
"$bin" set 1qbncq5nyf0dn0nrszi6yde1001t55av user '{"id":1001,"name":"alice","roles":["admin","dev"]}' --create
"$bin" set 1qbncq5nyf0dn0nrszi6yde1001t55av login_at 1795239179
"$bin" set 1qbncq5nyf0dn0nrszibygy200wgk0jv cart '[{"sku":"A-100","qty":2,"price":19.99}]' --create --ttl 2h
"$bin" set 1qbncq5nyf0dn0nrszieork300mtlrv2 user '{"id":1002,"name":"bob"}' --create --ttl 45m

echo "A demo GoFrame File store in $store (SESSCTL_STORE points at it):"
run list
run get 1qbncq5nyf0dn0nrszi6yde1001t55av -o pretty
run get 1qbncq5nyf0dn0nrszi6yde1001t55av user
run set 1qbncq5nyf0dn0nrszi6yde1001t55av theme dark
run get 1qbncq5nyf0dn0nrszi6yde1001t55av theme
run expire 1qbncq5nyf0dn0nrszieork300mtlrv2 10m
run ttl 1qbncq5nyf0dn0nrszieork300mtlrv2
run del 1qbncq5nyf0dn0nrszibygy200wgk0jv
run list --sort ttl
run count
printf '\nThe files are in %s; try: %s list -s %s\n' "$store" "$bin" "$store"
