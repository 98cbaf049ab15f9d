# edgesec — the commands a developer types.  CMake does the real build; this file only
# strings the steps together.  Read top to bottom:
#
#   make run      install build deps, build, run the agent in local mode (JSON lines on stdout)
#   make check    install test deps, build (plain + ASan/UBSan), run every test, banned-call and
#                 layer (include) checks
#   make build    build/edgesec
#   make bench    benchmarks under bench/ (figures only, never pass/fail on speed)
#   make format   clang-format the C sources
#   make image    the IoT Edge module image edgesec:<version> and edgesec:latest (FROM scratch;
#                 needs a running Docker daemon: DOCKER_HOST or the default socket)
#   make install  binary, rules, baseline profile, man page, systemd unit under $(PREFIX)
#   make uninstall  removes what make install put there (not the state in /var/lib/edgesec)
#   make clean    remove the build directories
#
# Variables you may override: BUILD_DIR, ASAN_BUILD_DIR, EDGESEC_ARGS, PREFIX, DESTDIR,
# SYSTEMD_UNIT_DIR, SYSUSERS_DIR, JOBS.

BUILD_DIR      ?= build
ASAN_BUILD_DIR ?= build-asan
JOBS           ?= $(shell nproc)
PREFIX         ?= /usr/local
EDGESEC_ARGS   ?=
# As root the agent keeps its AgentId in /var/lib/edgesec (the default); otherwise in here.
STATE_DIR      ?= $(if $(filter 0,$(shell id -u)),,$(abspath $(BUILD_DIR))/state)

CMAKE_FLAGS    ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
# --no-tests=error: a suite that finds no test is a broken suite, not a green one.
CTEST_FLAGS    ?= --output-on-failure --no-tests=error

.PHONY: all build run check check-asan check-full check-banned check-includes check-format bench format \
	image install \
	install-files uninstall clean \
	deps-run deps-check deps-bench

all: build

# ---- dependencies (Debian packages; idempotent) ----

deps-run:
	scripts/install-deps.sh run

deps-check:
	scripts/install-deps.sh check

deps-bench:
	scripts/install-deps.sh bench

# ---- build ----

build:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j$(JOBS)

# ---- run the agent in local mode ----

run: deps-run
	$(MAKE) --no-print-directory build
	exec $(BUILD_DIR)/edgesec run $(if $(STATE_DIR),--state-dir $(STATE_DIR)) $(EDGESEC_ARGS)

# ---- tests ----
# 1. unit + fuzz-replay tests under AddressSanitizer and UBSan (build-asan);
# 2. the whole CTest suite (unit, integration, fuzz replay) on the normal build, one test at
#    a time (integration tests use the real machine: users, sockets, services);
# 3. no banned C calls.  Before them: every C file in .clang-format style (check-format) and
#    no include that breaks the layer table (check-includes; docs/architecture.md, "Layers").
#    Any failure stops make with a non-zero status.

check: deps-check
	$(MAKE) --no-print-directory check-format
	$(MAKE) --no-print-directory check-includes
	$(MAKE) --no-print-directory check-asan
	$(MAKE) --no-print-directory check-full
	$(MAKE) --no-print-directory check-banned

check-asan:
	cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DENABLE_ASAN=ON -DENABLE_UBSAN=ON
	cmake --build $(ASAN_BUILD_DIR) -j$(JOBS)
	cd $(ASAN_BUILD_DIR) && ctest -L 'unit|fuzz' -j$(JOBS) $(CTEST_FLAGS)

check-full: build
	cd $(BUILD_DIR) && ctest $(CTEST_FLAGS)

check-banned:
	scripts/check-banned.sh

check-includes:
	python3 scripts/check-includes.py --self-test
	python3 scripts/check-includes.py

# ---- benchmarks ----

bench: build deps-bench
	$(BUILD_DIR)/bench/pipeline
	$(BUILD_DIR)/bench/rules
	EDGESEC=$(BUILD_DIR)/edgesec bench/rules-latency.sh
	$(BUILD_DIR)/bench/regex
	$(BUILD_DIR)/bench/persist
	EDGESEC=$(BUILD_DIR)/edgesec bench/idle-rss.sh
	BUILD_DIR=$(BUILD_DIR) bench/transport.sh
	EDGESEC=$(BUILD_DIR)/edgesec bench/exec-storm.sh
	EDGESEC=$(BUILD_DIR)/edgesec bench/scan-manifest.sh
	EDGESEC=$(BUILD_DIR)/edgesec bench/docker-resync.sh
	BUILD_DIR=$(BUILD_DIR) bench/image.sh

# ---- housekeeping ----

# The whole tree is in the repository's .clang-format style; check-format fails on any file
# that `make format` would change (clang-format 14, Debian 12's, is the reference).
C_SOURCES = find src tests bench \( -name '*.c' -o -name '*.h' \) -print0

format:
	$(C_SOURCES) | xargs -0 -r clang-format -i

check-format:
	$(C_SOURCES) | xargs -0 -r clang-format --dry-run --Werror
	@echo "check-format: every C file under src/ tests/ bench/ is formatted"

image: build
	deploy/build-image.sh $(BUILD_DIR)

# What make install puts where (every path also in `make uninstall`).  The unit runs the
# agent as root for set-up, then as the system user edgesec (--user, docs/security.md); the
# user comes from sysusers.d (created by systemd-sysusers, or here when installing to /).
SYSTEMD_UNIT_DIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
SYSUSERS_DIR     ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/sysusers.d,$(PREFIX)/lib/sysusers.d)
TMPFILES_DIR     ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/tmpfiles.d,$(PREFIX)/lib/tmpfiles.d)
RULES_FILES      := $(shell cd rules && find . -type f -name '*.json' | sort)

install: build
	$(MAKE) --no-print-directory install-files

# The files alone, from an existing build (the tests' install check uses it).
install-files:
	install -D -m 0755 $(BUILD_DIR)/edgesec $(DESTDIR)$(PREFIX)/bin/edgesec
	install -D -m 0644 docs/edgesec.1 $(DESTDIR)$(PREFIX)/share/man/man1/edgesec.1
	for f in $(RULES_FILES); do \
		install -D -m 0644 rules/$$f $(DESTDIR)$(PREFIX)/share/edgesec/$$f || exit 1; \
	done
	sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@SYSUSERSDIR@|$(SYSUSERS_DIR)|g' \
		-e 's|@TMPFILESDIR@|$(TMPFILES_DIR)|g' deploy/edgesec.service.in >$(BUILD_DIR)/edgesec.service
	install -D -m 0644 $(BUILD_DIR)/edgesec.service $(DESTDIR)$(SYSTEMD_UNIT_DIR)/edgesec.service
	install -D -m 0644 deploy/edgesec.sysusers $(DESTDIR)$(SYSUSERS_DIR)/edgesec.conf
	install -D -m 0644 deploy/edgesec.tmpfiles $(DESTDIR)$(TMPFILES_DIR)/edgesec.conf
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		if ! getent passwd edgesec >/dev/null; then \
			if command -v systemd-sysusers >/dev/null; then \
				systemd-sysusers $(SYSUSERS_DIR)/edgesec.conf; \
			else \
				useradd --system --no-create-home --home-dir /var/lib/edgesec \
					--shell /usr/sbin/nologin edgesec; \
			fi; \
		fi; \
		if command -v systemd-tmpfiles >/dev/null; then \
			systemd-tmpfiles --create $(TMPFILES_DIR)/edgesec.conf; \
		fi; \
	fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/edgesec $(DESTDIR)$(PREFIX)/share/man/man1/edgesec.1
	for f in $(RULES_FILES); do rm -f $(DESTDIR)$(PREFIX)/share/edgesec/$$f; done
	-find $(DESTDIR)$(PREFIX)/share/edgesec -depth -type d -empty -delete 2>/dev/null
	rm -f $(DESTDIR)$(SYSTEMD_UNIT_DIR)/edgesec.service $(DESTDIR)$(SYSUSERS_DIR)/edgesec.conf \
		$(DESTDIR)$(TMPFILES_DIR)/edgesec.conf

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)
