# Thin wrapper over CMake. The two commands of the README:
#   make demo   installs what is missing, builds, runs the demo on the shipped models, says where the outputs are
#   make test   installs what is missing, builds, runs the test suite
# and: make bench, make asan-test, make slurm-test (root: a real Slurm array job, docs/batch.md),
#      make build, make deps, make clean.

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all deps build demo test bench asan-test slurm-test clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)/studio/jielong

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@bench/run.sh $(BUILD)

slurm-test: build
	@scripts/slurm-test.sh $(BUILD)/studio/jielong

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer, in its own build folder.
$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJL_SANITIZE=ON -DJL_BUILD_BENCH=OFF $(CMAKE_ARGS)

asan-test: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
