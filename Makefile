# Front door. `make demo` and `make test` work on a fresh Debian 12 clone:
# both install missing packages (scripts/bootstrap), build, then run.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
MESHD := $(BUILD_DIR)/meshd
JOBS ?= 2

.PHONY: all bootstrap build test demo bench soak fuzz asan clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build $(BUILD_DIR) -j$(JOBS)

demo: build
	$(MESHD) demo

test: build
	@scripts/bootstrap --tests
	@ctest --test-dir $(BUILD_DIR) --output-on-failure --timeout 900

bench: build
	@scripts/run-benchmarks $(BUILD_DIR)

soak: build
	@MESHD_SOAK=1 ctest --test-dir $(BUILD_DIR) --output-on-failure -L soak

fuzz:
	@scripts/bootstrap
	@cmake --preset fuzz >/dev/null
	@cmake --build build/fuzz -j$(JOBS)
	@scripts/run-fuzzers build/fuzz $${FUZZ_SECONDS:-300}

asan: bootstrap
	@cmake --preset asan >/dev/null
	@cmake --build build/asan -j$(JOBS)
	@ctest --test-dir build/asan --output-on-failure -L unit

clean:
	rm -rf build
