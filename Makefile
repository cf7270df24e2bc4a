# Switchboard — what people and CI type.
#
#   make demo    build, seed a fresh embedded store, run the functions on the example events
#                (Outbound's through the tests' Twilio stand-in, on this machine)
#   make test    install what the tests need, build, run every test
#   make bench   release build, then the benchmarks (figures, not pass/fail)
#
# Each target installs what it needs first (Debian packages, a Python venv), so it works
# as the first command typed on a fresh machine.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

SWIFT ?= swift
STATE := .switchboard
VENV := $(STATE)/venv
PYTHON ?= python3

# Debian packages the build and the tests need (a command or a library each).
# libstdc++-12-dev: the static C++ runtime the functions link (Runtime/link/cxx).
# libssl-dev: OpenSSL's headers, for Redis over TLS (the library is loaded at run time).
APT_PACKAGES := pkg-config tzdata libsqlite3-dev libhiredis-dev libcurl4-openssl-dev libmongoc-dev libssl-dev libstdc++-12-dev
# What only the tests need: Redis, and Chromium with its WebDriver for the admin page.
TEST_APT_PACKAGES := redis-server chromium chromium-driver
# What packaging needs: ELF tools and zip.
PACKAGE_APT_PACKAGES := patchelf zip unzip binutils

# The demo's data key: 32 bytes, base64. Demo only — never use it for real data.
DEMO_DATA_KEY := c3dpdGNoYm9hcmQtZGVtby1rZXktbm90LXNlY3JldCE=
DEMO_STORE := $(STATE)/demo.sqlite
# The demo's admin token secret (at least 32 bytes). Demo only.
DEMO_ADMIN_SECRET := switchboard-demo-admin-secret-not-for-production
DEMO_ENV := SWITCHBOARD_STORE=sqlite:$(DEMO_STORE) SWITCHBOARD_DATA_KEY=$(DEMO_DATA_KEY) \
	SWITCHBOARD_ADMIN_SECRET=$(DEMO_ADMIN_SECRET) SWITCHBOARD_AGENT_STREAM_URL=wss://agent.example.com/stream

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help deps venv build install check-mongoc check-imports check-format format demo test fuzz fuzz-build fuzz-replay soak bench package clean

help:
	@echo "make demo   - run the functions on Examples/events over a fresh embedded store"
	@echo "make test   - run every test (installs what is missing first)"
	@echo "make bench  - release build and benchmarks"
	@echo "make soak   - SOAK_SECONDS (default 600) of mixed traffic through serve with Redis and MongoDB faults"
	@echo "make fuzz   - libFuzzer on every parser, FUZZ_SECONDS each (default 300); FUZZ_TARGETS=\"form jwt\" for some"
	@echo "make package - dist/<Function>.zip for AWS Lambda"
	@echo "make install - the switchboard command in PREFIX/bin (default ~/.local/bin)"

## The switchboard command, built for release: it, the functions it runs, bootstrap (for
## `switchboard emulate`) and the admin page's files in $(PREFIX)/lib/switchboard, linked
## from $(PREFIX)/bin/switchboard. One build for all of them.
PREFIX ?= $(HOME)/.local
INSTALLED := switchboard bootstrap Voice SMS ConfigGet ConfigPut Health Outbound

install: deps
	@$(SWIFT) build -c release
	@mkdir -p $(PREFIX)/bin $(PREFIX)/lib/switchboard
	@bin=$$($(SWIFT) build -c release --show-bin-path); \
		for product in $(INSTALLED); do install -m 0755 "$$bin/$$product" $(PREFIX)/lib/switchboard/; done
	@rm -rf $(PREFIX)/lib/switchboard/Admin && cp -R Admin $(PREFIX)/lib/switchboard/Admin
	@ln -sf ../lib/switchboard/switchboard $(PREFIX)/bin/switchboard
	@echo "installed $(PREFIX)/bin/switchboard ($$($(PREFIX)/bin/switchboard --version)), with its functions, bootstrap and the admin page in $(PREFIX)/lib/switchboard"
	@case ":$$PATH:" in *":$(PREFIX)/bin:"*) ;; *) echo "note: $(PREFIX)/bin is not on PATH; add it: export PATH=\"$(PREFIX)/bin:\$$PATH\"";; esac

## Debian packages: install only what is missing.
deps:
	@missing=""; for package in $(APT_PACKAGES) $(EXTRA_APT_PACKAGES); do \
		dpkg -s "$$package" >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

## The test venv, rebuilt when Tests/requirements.txt changes.
venv: $(VENV)/.installed

$(VENV)/.installed: Tests/requirements.txt
	@mkdir -p $(STATE)
	@[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r Tests/requirements.txt
	@touch $@

build: deps check-mongoc
	$(SWIFT) build

## Swift sources as swift format writes them (.swift-format); `make format` rewrites them so.
SWIFT_SOURCES := Package.swift Base Core Runtime Functions Tools Tests Benchmarks

check-format:
	@$(SWIFT) format lint --strict --recursive $(SWIFT_SOURCES)

format:
	$(SWIFT) format format --in-place --recursive $(SWIFT_SOURCES)

## The module graph against docs/architecture.md: every import declared, none against the grain.
check-imports:
	@$(PYTHON) scripts/check_imports.py

## CMongoC's hand-written libmongoc types, constants and signatures against the installed
## headers (libmongoc is loaded with dlopen, so nothing else compares them).
check-mongoc: deps
	@cc -fsyntax-only -Wall -Werror $$(pkg-config --cflags libmongoc-1.0) -ICore/CMongoC/include Core/CMongoC/check/layout_check.c

demo: build
	@rm -f $(DEMO_STORE) $(DEMO_STORE)-wal $(DEMO_STORE)-shm
	@echo "== seeding $(DEMO_STORE) from Examples/companies.json (demo data key)"
	@$(DEMO_ENV) $$($(SWIFT) build --show-bin-path)/switchboard seed Examples/companies.json
	@bin=$$($(SWIFT) build --show-bin-path); export $(DEMO_ENV) LOG_LEVEL=error; \
	for event in Examples/events/voice-*.json; do \
		[ "$$event" = Examples/events/voice-moved-number.json ] && continue; \
		echo; echo "== Voice < $$event"; "$$bin/switchboard" invoke Voice --event "$$event"; \
	done; \
	for event in Examples/events/sms-*.json; do \
		echo; echo "== SMS < $$event"; "$$bin/switchboard" invoke SMS --event "$$event"; \
	done; \
	token=$$("$$bin/switchboard" token --role admin --subject demo@switchboard --ttl 10m); \
	admin() { echo; echo "== $$1 < $$2 (as a platform admin)"; "$$bin/switchboard" invoke "$$1" --event "$$2" --header "authorization: Bearer $$token"; }; \
	admin ConfigGet Examples/events/config-get-companies.json; \
	admin ConfigGet Examples/events/config-get-acme.json; \
	echo; echo "== Voice < Examples/events/voice-moved-number.json (Birch's account calls +15550100002, which Acme holds: refused)"; \
	"$$bin/switchboard" invoke Voice --event Examples/events/voice-moved-number.json; \
	admin ConfigPut Examples/events/config-put-birch-claim-number.json; \
	admin ConfigPut Examples/events/config-patch-acme-release-number.json; \
	admin ConfigPut Examples/events/config-put-birch-claim-number.json; \
	echo; echo "== Voice < Examples/events/voice-moved-number.json (the number is Birch's now)"; \
	"$$bin/switchboard" invoke Voice --event Examples/events/voice-moved-number.json; \
	echo; echo "== Outbound: messages and calls from a company's own numbers, through a local stand-in for Twilio's API"; \
	port=$$($(PYTHON) -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	$(PYTHON) Tests/Support/twilio_standin.py $$port --companies Examples/companies.json > $(STATE)/demo-twilio.log 2>&1 & standin=$$!; \
	trap 'kill $$standin 2>/dev/null' EXIT; \
	for i in $$(seq 1 100); do grep -q listening $(STATE)/demo-twilio.log && break; sleep 0.1; done; \
	export TWILIO_API_BASE=http://127.0.0.1:$$port; \
	admin Outbound Examples/events/outbound-message.json; \
	echo; echo "== the same request again, with the same Idempotency-Key: the first answer, nothing sent twice"; \
	"$$bin/switchboard" invoke Outbound --event Examples/events/outbound-message.json --header "authorization: Bearer $$token"; \
	admin Outbound Examples/events/outbound-call.json; \
	admin Outbound Examples/events/outbound-foreign-number.json; \
	admin ConfigGet Examples/events/archive-acme-messages.json

test: venv
	@$(MAKE) --no-print-directory deps EXTRA_APT_PACKAGES="$(TEST_APT_PACKAGES) $(PACKAGE_APT_PACKAGES)"
	@$(MAKE) --no-print-directory check-mongoc check-imports check-format
	scripts/package.sh
	@# The release build as a person types it (docs/building.md): it must build and link too.
	$(SWIFT) build -c release
	$(SWIFT) build --build-tests
	@# Every shell block of README.md and docs/, run as written (make install included).
	$(PYTHON) scripts/check_docs.py
	@# make install into a scratch PREFIX, then serve, emulate and invoke from /.
	$(PYTHON) scripts/check_install.py
	@mkdir -p $(STATE)
	@# Everything the tests write to a temporary folder goes into one folder for this run,
	@# read by the store scan and removed at the end: runs do not pile up on the disk.
	@# The MongoDB wire-protocol test server, unless MONGODB_URI names a real MongoDB.
	@export TMPDIR=$$(mktemp -d "$${TMPDIR:-/tmp}/switchboard-make-test.XXXXXX"); server=; \
	trap '[ -z "$$server" ] || kill $$server 2>/dev/null; rm -rf "$$TMPDIR"' EXIT; \
	if [ -n "$${MONGODB_URI:-}" ]; then uri="$$MONGODB_URI"; echo "MongoDB tests use MONGODB_URI"; else \
		port=$$($(VENV)/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
		$(VENV)/bin/python Tests/Support/mongo_wire_server.py $$port > $(STATE)/mongo-test-server.log 2>&1 & server=$$!; \
		for i in $$(seq 1 100); do grep -q listening $(STATE)/mongo-test-server.log && break; sleep 0.1; done; \
		grep -q listening $(STATE)/mongo-test-server.log || { echo "the MongoDB test server did not start"; exit 1; }; \
		uri="mongodb://127.0.0.1:$$port"; echo "MongoDB tests use the wire-protocol test server on $$uri"; fi; \
	touch $(STATE)/test-started; \
	SWITCHBOARD_BIN_DIR=$$($(SWIFT) build --show-bin-path) \
	SWITCHBOARD_TEST_PYTHON=$(abspath $(VENV))/bin/python \
	MONGODB_URI="$$uri" \
		$(SWIFT) test --skip-build 2>&1 | tee $(STATE)/test-output.log; \
	$(VENV)/bin/python Tests/Support/dump_test_stores.py "$$uri" $(STATE)/test-stores.dump $(STATE)/test-started
	@# No secret in clear in anything the run printed, nor in what it left in the stores.
	@$(VENV)/bin/python Tests/Support/scan_for_secrets.py Examples/companies.json \
		--secret "the end-to-end tests' admin secret=switchboard-e2e-admin-secret-0123456789abcdef" \
		--secret "the demo's admin secret=$(DEMO_ADMIN_SECRET)" \
		--secret "the e-mail tests' relay password=relay-password-7f3a9c" $(STATE)/test-output.log $(STATE)/test-stores.dump
	@count=$$(sed -n 's/.*Test run with \([0-9]*\) tests\{0,1\} in .* passed.*/\1/p' $(STATE)/test-output.log | tail -1); \
		[ -n "$$count" ] || { echo "no Swift Testing summary found in $(STATE)/test-output.log"; exit 1; }; \
		echo "tests: $$count passed, 0 failed"
	@echo "== fuzzing: the kept corpora replayed, then a few seconds of libFuzzer per parser"
	@$(MAKE) --no-print-directory fuzz-replay
	@FUZZ_KEEP=0 $(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)

## Fuzzing (libFuzzer with the address sanitizer) in its own build folder.
FUZZ_BUILD := .build-fuzz
FUZZ_SECONDS ?= 300
# What `make test` gives each parser.
TEST_FUZZ_SECONDS ?= 3
FUZZ_TARGETS ?= all

fuzz-build: deps
	@# swiftc keeps only the last -sanitize= it is given, and SwiftPM gives one per sanitizer:
	@# the combined flag after them instruments the Swift code for both (libFuzzer's
	@# coverage and the address sanitizer), not for the address sanitizer alone.
	$(SWIFT) build --product SwitchboardFuzz --build-path $(FUZZ_BUILD) --sanitize=fuzzer --sanitize=address \
		-Xswiftc -sanitize=address,fuzzer -Xswiftc -DSWITCHBOARD_FUZZING

fuzz: fuzz-build
	scripts/fuzz.sh $(FUZZ_BUILD)/debug/SwitchboardFuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

## The kept corpora through a plain build of every target: each past finding stays fixed.
fuzz-replay:
	@bin=$$($(SWIFT) build --show-bin-path); for target in $$("$$bin/SwitchboardFuzz" --list); do \
		"$$bin/SwitchboardFuzz" $$target Tests/Fuzz/corpus/$$target; done

## Mixed traffic through serve while Redis is restarted and MongoDB frozen (not in CI).
SOAK_SECONDS ?= 600

soak: venv
	@$(MAKE) --no-print-directory deps EXTRA_APT_PACKAGES="$(TEST_APT_PACKAGES)"
	$(SWIFT) build
	$(VENV)/bin/python scripts/soak.py $$($(SWIFT) build --show-bin-path) $(SOAK_SECONDS)

bench: venv
	@$(MAKE) --no-print-directory deps EXTRA_APT_PACKAGES="$(TEST_APT_PACKAGES) wrk valgrind"
	scripts/package.sh --build
	@bin=$$($(SWIFT) build -c release --build-path .build/lambda --show-bin-path); \
		"$$bin/switchboard-bench" --bin "$$bin" --companies Examples/companies.json --events Examples/events \
			--python $(abspath $(VENV))/bin/python

## Lambda zips in dist/: bootstrap + function + bundled libraries, glibc-checked.
package:
	@$(MAKE) --no-print-directory deps EXTRA_APT_PACKAGES="$(PACKAGE_APT_PACKAGES)"
	@$(MAKE) --no-print-directory check-mongoc
	scripts/package.sh

clean:
	rm -rf .build .build-fuzz $(STATE) dist
