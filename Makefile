# procpool — the two commands a newcomer needs:
#   make demo   install what is missing, build, run a short real demonstration
#   make test   install what is missing, build, run every test (cargo, C ABI, phpt)
SHELL := /bin/bash
PHP_EXT := target/debug/libprocpool_php.so
PHP := php -d extension=$(CURDIR)/$(PHP_EXT)

.PHONY: all deps build demo test test-rust test-c test-phpt header bench fuzz clean

all: build

deps:
	@bash scripts/bootstrap.sh

build: deps
	cargo build --workspace

demo: build
	@bash scripts/demo.sh

# Runs the three suites even if one fails, then reports them together.
test: build
	@status=0; \
	$(MAKE) --no-print-directory test-rust || status=1; \
	$(MAKE) --no-print-directory test-c || status=1; \
	$(MAKE) --no-print-directory test-phpt || status=1; \
	if [ $$status -eq 0 ]; then echo "== make test: all suites passed =="; else echo "== make test: FAILED (see above) =="; fi; \
	exit $$status

test-rust:
	@echo "== cargo tests (core unit + integration, C header freshness) =="
	cargo test --workspace

test-c:
	@echo "== C ABI tests (tests/c) =="
	bash tests/c/run.sh

test-phpt: build
	@echo "== phpt suite (phpt/) =="
	bash scripts/run-phpt.sh $(CURDIR)/$(PHP_EXT)

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
