# sessctl: `make demo` and `make test` do everything on a fresh Debian 12 machine with Swift.
PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift

# Build: hiredis, libedit, OpenSSL's libcrypto, pkg-config. Tests: redis-server and redis-cli, tmux,
# man, zsh and fish to load the completion scripts, and the openssl command for the TLS tests' certificates.
# python3-venv: the venv the Flask-Session tests run the real framework in (scripts/flask-env.sh).
DEBIAN_PACKAGES = pkg-config libhiredis-dev libedit-dev libssl-dev redis-server redis-tools tmux man-db zsh fish openssl php-cli php-redis
DEBIAN_PACKAGES += python3-venv
# Packaging: strip (binutils) and dpkg-shlibdeps (dpkg-dev); checking the packages: debootstrap, lintian.
PACKAGE_TOOLS = binutils dpkg-dev debootstrap lintian

# The date stamped into the man page, so regenerating it is reproducible.
MAN_DATE = 2026-11-21

FORMAT_PATHS = Package.swift Plugins Sources Tests Fuzz

BINDIR = $(DESTDIR)$(PREFIX)/bin
MANDIR = $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
# Debian's zsh looks in share/zsh/vendor-completions too (the .deb puts it there).
ZSH_FUNCTIONS ?= share/zsh/site-functions
ZSHDIR = $(DESTDIR)$(PREFIX)/$(ZSH_FUNCTIONS)
FISHDIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

.PHONY: all deps package-deps build release demo test format bench bench-migrate bench-cluster bench-trpc bench-trim bench-watch bench-agent-move man completions install uninstall \
	deb dist check-package clean

all: build

deps:
	@scripts/install-deps.sh $(DEBIAN_PACKAGES)

package-deps: deps
	@scripts/install-deps.sh $(PACKAGE_TOOLS)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product sessctl

demo: build
	@scripts/demo.sh

test: deps
	$(SWIFT) format lint --strict -r $(FORMAT_PATHS)
	$(SWIFT) build --build-tests
	scripts/check-generated.sh
	scripts/check-install.sh
	scripts/fuzz.sh gob 100000
	scripts/fuzz.sh json 100000
	scripts/fuzz.sh file 100000
	scripts/fuzz.sh hash 100000
	scripts/fuzz.sh php 100000
	scripts/fuzz.sh flask 100000
	scripts/flask-env.sh
	$(SWIFT) test --skip-build --disable-swift-testing

# The code follows .swift-format; `make test` fails on any difference, `make format` fixes it.
format:
	$(SWIFT) format format -i -r $(FORMAT_PATHS)

bench: deps
	@scripts/bench.sh

# migrate of 1,000,000 sessions File -> Redis-KV and KV -> Hash against redis-cli --pipe.
bench-migrate: deps
	@scripts/bench-migrate.sh

# A 3-master cluster against one node (list, count, migrate), TLS against plain TCP.
bench-cluster: deps
	@scripts/bench-cluster.sh

# 1,000,000 trpc-agent-go sessions (layout=trpc): count and one user's list against a Lua SCAN loop.
bench-trpc: deps
	@scripts/bench-trpc.sh

# 200,000 KV session writes in a burst: watch -o ndjson reports each once; its lag and peak RSS.
bench-watch: deps
	@scripts/bench-watch.sh

# Trims 10,000 agent sessions of 200 events to their newest 10 turns.
bench-trim: deps
	@scripts/bench-trim.sh

# Moves 100,000 legacy agent sessions of 20 events to the HashIdx engine in place.
bench-agent-move: deps
	@scripts/bench-agent-move.sh

# Generated from the command tree (plus man/sections.mdoc) and committed; `make test` checks them.
man completions: deps
	scripts/gen-docs.sh

install: release
	install -d $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR)
	install -m 755 "$$($(SWIFT) build -c release --show-bin-path)/sessctl" $(BINDIR)/sessctl
	install -m 644 man/sessctl.1 $(MANDIR)/sessctl.1
	install -m 644 completions/sessctl.bash $(BASHDIR)/sessctl
	install -m 644 completions/_sessctl $(ZSHDIR)/_sessctl
	install -m 644 completions/sessctl.fish $(FISHDIR)/sessctl.fish

# Release artifacts in dist/ (see scripts/package.sh): the .deb, and the tarball for machines
# without dpkg; each rewrites dist/SHA256SUMS.
deb: package-deps
	@scripts/package.sh deb

dist: package-deps
	@scripts/package.sh dist

# Both in a minimal Debian 12 root without Swift (debootstrap; needs root). CI runs it after test.
check-package: deb dist
	scripts/check-package.sh

# Removes what install put there, and the directories it made if they are left empty.
uninstall:
	rm -f $(BINDIR)/sessctl $(MANDIR)/sessctl.1 $(BASHDIR)/sessctl $(ZSHDIR)/_sessctl $(FISHDIR)/sessctl.fish
	-rmdir -p --ignore-fail-on-non-empty $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR) 2>/dev/null

clean:
	rm -rf .build demo dist
