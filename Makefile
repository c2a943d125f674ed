# `make demo` and `make test` work from a clean clone: they build everything they need under .venv and .build.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3.11
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
BUILD := $(CURDIR)/.build
COLL_DIR := $(BUILD)/collections
DEV_LINK := $(BUILD)/dev/ansible_collections/jobgate/cloud
SANITY_DIR := $(BUILD)/sanity/ansible_collections/jobgate/cloud
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
ARTIFACT := $(BUILD)/dist/jobgate-cloud-$(VERSION).tar.gz
STATE := $(BUILD)/emulator-demo.json
# `make emulator`: an emulator of one's own in the background (docs/try_it.md), in a directory of its own
# because ca.pem is written beside the state file (and `make demo` has its own)
SCENARIO ?= try_it
EMULATOR_STATE := $(BUILD)/emulator/state.json
REQUIREMENTS := tests/requirements-dev.txt
CONSTRAINTS := tests/constraints.txt
INTEGRATION_TESTS := tests/integration tests/emulator
# Integration tests mostly wait on job timelines and emulator faults, so more workers than cores pay off.
INTEGRATION_WORKERS ?= 3
# A pytest marker expression that narrows the integration run (test-2.18: smoke); empty: every test.
INTEGRATION_MARK ?=
with_mark = $(if $(INTEGRATION_MARK),($(INTEGRATION_MARK)) and )$(1)
export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLL_DIR)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
# tests/integration/harness.py runs this ansible-playbook.
export JOBGATE_ANSIBLE_PLAYBOOK := $(BIN)/ansible-playbook

# ansible-core 2.18, the oldest that meta/runtime.yml allows: the same targets with a venv of its own
# (tests/requirements-2.18.txt, tests/constraints-2.18.txt) and a build tree of its own.
CORE_2_18 := VENV=$(BUILD)/venv-2.18 BUILD=$(BUILD)/2.18 REQUIREMENTS=tests/requirements-2.18.txt \
  CONSTRAINTS=tests/constraints-2.18.txt

.PHONY: demo emulator emulator-stop test venv build install dev-link units integration sanity lint docs docs-check \
  docs-site browser changelog-lint clean bench venv-2.18 test-2.18

venv: $(VENV)/.stamp
$(VENV)/.stamp: $(REQUIREMENTS) $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(REQUIREMENTS) -c $(CONSTRAINTS)
	touch $@

build: venv
	rm -rf $(BUILD)/dist
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist .

install: build
	rm -rf $(COLL_DIR)
	$(BIN)/ansible-galaxy collection install --force -p $(COLL_DIR) $(ARTIFACT)

# Unit tests import ansible_collections.jobgate.cloud from the work tree through this link.
dev-link:
	mkdir -p $(dir $(DEV_LINK))
	ln -sfn $(CURDIR) $(DEV_LINK)

demo: install
	$(BIN)/python -m emulator start --state-file $(STATE) --scenario emulator/scenarios/demo.json
	trap '$(BIN)/python -m emulator stop --state-file $(STATE)' EXIT; \
	  $(BIN)/python playbooks/run_demo.py --state-file $(STATE)

emulator: install
	$(BIN)/python -m emulator start --state-file $(EMULATOR_STATE) --scenario $(SCENARIO)
	@echo 'then: source .venv/bin/activate; export ANSIBLE_COLLECTIONS_PATH=$(COLL_DIR);' \
	  'eval "$$(python -m emulator env --state-file $(EMULATOR_STATE))"'

emulator-stop: venv
	$(BIN)/python -m emulator stop --state-file $(EMULATOR_STATE)

test: install dev-link
	$(MAKE) units integration docs-check docs-site changelog-lint sanity lint test-2.18
	@echo "make test: all checks passed"

units: venv dev-link
	PYTHONPATH=$(BUILD)/dev $(BIN)/python -m pytest -q -p no:cacheprovider tests/unit

# Tests marked timing assert bounds as tight as the contract's (wait_timeout + 2 s, elapsed within 0.5 s) and run
# after the rest, two at a time, so that no other test's start-ups load the 2 cores under them. pytest exits 5
# when a selection has no test (the smoke run has no timing test).
integration: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(INTEGRATION_WORKERS) --durations=15 \
	  -m "$(call with_mark,not timing)" $(INTEGRATION_TESTS)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 -m "$(call with_mark,timing)" $(INTEGRATION_TESTS) \
	  || [ $$? -eq 5 ]

# ansible-test needs the collection at ansible_collections/NS/NAME; copy the tracked tree there.
sanity: venv
	$(BIN)/python tools/get_pip_standin.py --install
	rm -rf $(SANITY_DIR) && mkdir -p $(SANITY_DIR)
	git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} $(SANITY_DIR)/ 2>/dev/null || true
	cd $(SANITY_DIR) && git init -q && git add -A && \
	  $(BIN)/ansible-test sanity --venv --python 3.11 --color no

lint: install
	$(BIN)/ansible-lint --profile production --offline

# The shared return values (tools/returns.yml) go into the modules first; the HTML docsite (antsibull-docs and
# Sphinx, .build/docsite/site/build/html/index.html) is built from the collection installed after that.
docs: venv
	$(BIN)/python tools/docs.py --write
	$(MAKE) install
	$(BIN)/python tools/docs.py --site

docs-check: install
	$(BIN)/python tools/docs.py --check

# The docsite with Sphinx warnings as errors, then every page loaded in headless Chromium: no broken internal link,
# no console error; screenshots in .build/docsite/screenshots.
docs-site: install browser
	$(BIN)/python tools/docs.py --site --strict
	$(BIN)/python tools/browser_check.py

# Debian's chromium for the browser check: installed where this runs as root with apt-get (these machines, CI);
# anywhere else the check says what it needs.
browser:
	@if ! command -v chromium >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi
	@command -v chromium >/dev/null || { echo "the browser check needs Debian's chromium on PATH" \
	  "(apt-get install -y chromium, as root)"; exit 1; }

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

venv-2.18:
	$(MAKE) $(CORE_2_18) venv

# Under ansible-core 2.18: the unit tests, its ansible-test sanity, the demo and the integration tests marked
# smoke (one per module, and the role for every kind). The demo mostly waits on its job timelines, so it runs
# beside the smoke tests.
test-2.18:
	$(MAKE) $(CORE_2_18) units sanity
	$(MAKE) $(CORE_2_18) -j2 --output-sync=target demo integration INTEGRATION_MARK=smoke INTEGRATION_TESTS=tests/integration
	@echo "make test-2.18: all checks passed"

# Benchmarks, not part of `make test`: bench/run.py builds its own venv (.build/bench-venv); figures in docs/performance.md.
bench: install
	$(PYTHON) bench/run.py all

clean:
	rm -rf $(BUILD) $(VENV)
