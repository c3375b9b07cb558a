# sessctl: `make demo` and `make test` do everything on a fresh Debian 12 machine with Swift.
PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift

# Build: hiredis, libedit, OpenSSL's libcrypto, pkg-config. Tests: redis-server and redis-cli, tmux, man.
DEBIAN_PACKAGES = pkg-config libhiredis-dev libedit-dev libssl-dev redis-server redis-tools tmux man-db

# The date stamped into the man page, so regenerating it is reproducible.
MAN_DATE = 2026-11-21

BINDIR = $(DESTDIR)$(PREFIX)/bin
MANDIR = $(DESTDIR)$(PREFIX)/share/man/man1

.PHONY: all deps build release demo test bench man completions install uninstall clean

all: build

deps:
	@scripts/install-deps.sh $(DEBIAN_PACKAGES)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --static-swift-stdlib

demo: build
	@scripts/demo.sh

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

bench: deps
	@scripts/bench.sh

# Generated from the command tree and committed.
man: build
	$(SWIFT) package plugin generate-manual --configuration debug --date $(MAN_DATE) --output-directory man
	sed -i 's/^$$/.Pp/' man/sessctl.1

completions: build
	.build/debug/sessctl --generate-completion-script bash > completions/sessctl.bash
	.build/debug/sessctl --generate-completion-script zsh > completions/_sessctl
	.build/debug/sessctl --generate-completion-script fish > completions/sessctl.fish

install: release
	install -d $(BINDIR)
	install -m 755 "$$($(SWIFT) build -c release --show-bin-path)/sessctl" $(BINDIR)/sessctl
	@if [ -f man/sessctl.1 ]; then install -d $(MANDIR) && install -m 644 man/sessctl.1 $(MANDIR)/sessctl.1; fi

uninstall:
	rm -f $(BINDIR)/sessctl $(MANDIR)/sessctl.1

clean:
	rm -rf .build demo
