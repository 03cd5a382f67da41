# SPDX-License-Identifier: Apache-2.0
# The verbs users type. Everything is built by CMake under build/; nothing here is installed.
#   make run     set-up, build, start the virtual meter on its defaults (ARGS="..." for options)
#   make run-display  the meter and its in-home display (ihd) together, the page's address printed
#   make test    set-up, build with ASan+UBSan (and the release build: -O2 warnings are errors
#                too), cross-build the firmware, run every test, and build and test the core
#                under the option profiles of tests/options/
#   make bench   accuracy, cost, store wear, power-cut campaign, a year of operation, DLMS reading,
#                kill -9 campaign on meterd
#   make firmware  cross-compile the core for Cortex-M4F and print its footprint
#   make fuzz    run every libFuzzer harness for FUZZ_SECONDS each
BUILD ?= build
JOBS ?= 2
FUZZ_SECONDS ?= 60
ARGS ?=
MAKEFLAGS += --no-print-directory

# The option profiles of tests/options/ (besides the defaults): each builds the core and the
# option-profile test under ASan+UBSan (make test runs them).
PROFILES ?= minimal maximal

.PHONY: setup release run run-display test firmware bench fuzz clean profiles

setup:
	@bash scripts/setup.sh
	@bash scripts/npm.sh $(CURDIR)/build/npm

release: setup
	@cmake -S . -B $(BUILD)/release -DCMAKE_BUILD_TYPE=Release -DMFW_SANITIZE=OFF >/dev/null
	@cmake --build $(BUILD)/release -j$(JOBS)

run: release
	$(BUILD)/release/port/posix/meterd $(ARGS)

# The meter with its in-home display (docs/ihd.md): meterd's P1 module and ihd on
# http://127.0.0.1:$(IHD_PORT)/ (the tests' P1 source instead while meterd has no P1 module).
IHD_PORT ?= 8080
run-display: release
	@bash scripts/run_display.sh $(BUILD)/release $(IHD_PORT) -- $(ARGS)

# The top-level tree with the cross toolchain is the firmware (as CMakePresets.json "firmware").
# A build/firmware configured from port/cortex-m, as it used to be, is started afresh: CMake
# refuses a second source directory for one build tree.
firmware: setup
	@if grep -qs '^CMAKE_HOME_DIRECTORY:INTERNAL=.*/port/cortex-m$$' $(BUILD)/firmware/CMakeCache.txt; \
	  then rm -rf $(BUILD)/firmware; fi
	@cmake -S . -B $(BUILD)/firmware -DCMAKE_BUILD_TYPE=MinSizeRel \
	  -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/arm-none-eabi.cmake >/dev/null
	@cmake --build $(BUILD)/firmware -j$(JOBS)

test: setup firmware release
	@cmake -S . -B $(BUILD)/test -DCMAKE_BUILD_TYPE=Debug -DMFW_SANITIZE=ON \
	  -DFIRMWARE_DIR=$(CURDIR)/$(BUILD)/firmware >/dev/null
	@cmake --build $(BUILD)/test -j$(JOBS)
	ctest --test-dir $(BUILD)/test --output-on-failure -j$(JOBS)
	@$(MAKE) profiles

profiles: setup
	@for p in $(PROFILES); do \
	  echo "option profile $$p (tests/options/$$p.h):"; \
	  cmake -S . -B $(BUILD)/options-$$p -DCMAKE_BUILD_TYPE=Debug -DMFW_SANITIZE=ON \
	    -DMFW_OPTION_PROFILE_ONLY=ON -DMFW_OPTIONS_FILE=$(CURDIR)/tests/options/$$p.h \
	    >/dev/null || exit 1; \
	  cmake --build $(BUILD)/options-$$p -j$(JOBS) >$(BUILD)/options-$$p/build.log 2>&1 || \
	    { cat $(BUILD)/options-$$p/build.log; exit 1; }; \
	  ctest --test-dir $(BUILD)/options-$$p --output-on-failure || exit 1; \
	done

bench: release firmware
	$(BUILD)/release/bench/bench_accuracy
	bash bench/cost.sh $(BUILD)/release $(BUILD)/firmware
	$(BUILD)/release/bench/bench_store
	$(BUILD)/release/bench/bench_powercut 30 10000
	bash bench/year.sh $(BUILD)/release
	bash bench/dlms_cost.sh $(BUILD)/release
	bash bench/kill_campaign.sh $(BUILD)/release
	$(BUILD)/release/bench/bench_hdlc

fuzz: setup
	@bash fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD)
