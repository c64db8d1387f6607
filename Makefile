# procpool — the two commands a newcomer needs:
#   make demo   install what is missing, build, run a short real demonstration
#   make test   install what is missing, build, run every test (lint, cargo, C ABI, phpt, install)
SHELL := /bin/bash
PHP_EXT := target/debug/libprocpool_php.so
PHP := php -d extension=$(CURDIR)/$(PHP_EXT)

.PHONY: all deps build demo test lint test-rust test-c test-phpt header bench fuzz clean

all: build

deps:
	@bash scripts/bootstrap.sh

build: deps
	cargo build --workspace

demo: build
	@bash scripts/demo.sh

# Runs the lint gate and the three suites even if one fails, then reports them together.
test: build
	@status=0; \
	$(MAKE) --no-print-directory lint || status=1; \
	$(MAKE) --no-print-directory test-rust || status=1; \
	$(MAKE) --no-print-directory test-c || status=1; \
	$(MAKE) --no-print-directory test-phpt || status=1; \
	$(MAKE) --no-print-directory test-install || status=1; \
	if [ $$status -eq 0 ]; then echo "== make test: all suites passed =="; else echo "== make test: FAILED (see above) =="; fi; \
	exit $$status

# Formatting (rustfmt.toml) and clippy with warnings as errors; the workspace lints (root Cargo.toml)
# add clippy::undocumented_unsafe_blocks. Both run even if the first fails. A toolchain without the
# rustfmt or clippy component gets it from rustup first.
lint:
	@echo "== lint (cargo fmt --check, cargo clippy -D warnings) =="
	@if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then \
		rustup component add rustfmt clippy; \
	fi
	@status=0; \
	echo "cargo fmt --all --check"; \
	cargo fmt --all --check || { echo "lint: cargo fmt --all --check failed (run cargo fmt --all)"; status=1; }; \
	echo "cargo clippy --workspace --all-targets -- -D warnings"; \
	cargo clippy --workspace --all-targets -- -D warnings || { echo "lint: cargo clippy failed"; status=1; }; \
	exit $$status

test-rust:
	@echo "== cargo tests (core unit, integration tests/, fuzz-regression replay, C header freshness) =="
	cargo test --workspace --no-fail-fast

test-c:
	@echo "== C ABI tests (tests/c) =="
	bash tests/c/run.sh

test-phpt: build
	@echo "== phpt suite (phpt/) =="
	bash scripts/run-phpt.sh $(CURDIR)/$(PHP_EXT)

# Installs into a temporary DESTDIR (never the system): pkg-config builds of examples/c/hello_pool.c
# (shared and static), the PHP extension loaded by name, then uninstall. Builds release once.
test-install:
	@echo "== install test (tests/install) =="
	bash tests/install/run.sh

# Not part of make test (a fresh release build of a copy of the tree): phpize && ./configure && make &&
# make install in php-ext/, the way PIE builds the extension (php-ext/config.m4).
test-phpize:
	bash tests/install/phpize.sh

# make install [PREFIX=/usr/local] [DESTDIR=]: release build, then the PHP extension (procpool.so +
# 20-procpool.ini in the CLI's conf.d) and the C library (libprocpool.so.0, .a, procpool.h, procpool.pc),
# stripped; make uninstall removes what the manifest of that install lists. See scripts/install.sh.
.PHONY: release install uninstall test-install test-phpize
PREFIX ?= /usr/local
DESTDIR ?=

release:
	cargo build --release -p procpool-php -p procpool-ffi

install:
	@PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" bash scripts/install.sh install

uninstall:
	@PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" bash scripts/install.sh uninstall

# Benchmarks (release build): figures and ratios to a baseline, see bench/README.md.
bench: deps
	bash bench/run.sh

# Bounded fuzzing of the SOCKET frame decoder and the message-bus reassembler (not part of make test).
fuzz: deps
	bash fuzz/run.sh

# Regenerates include/procpool.h from the ffi crate (the header test fails when it is stale).
header:
	PROCPOOL_BLESS=1 cargo test -p procpool-ffi --test header

clean:
	cargo clean
