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
export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLL_DIR)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false

.PHONY: demo test venv build install dev-link units integration sanity lint docs docs-check changelog-lint clean bench

venv: $(VENV)/.stamp
$(VENV)/.stamp: tests/requirements-dev.txt tests/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r tests/requirements-dev.txt -c tests/constraints.txt
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

test: install dev-link
	$(MAKE) units integration docs-check changelog-lint sanity lint
	@echo "make test: all checks passed"

units: venv dev-link
	PYTHONPATH=$(BUILD)/dev $(BIN)/python -m pytest -q -p no:cacheprovider tests/unit

integration: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 tests/integration tests/emulator

# ansible-test needs the collection at ansible_collections/NS/NAME; copy the tracked tree there.
sanity: venv
	$(BIN)/python tools/get_pip_standin.py --install
	rm -rf $(SANITY_DIR) && mkdir -p $(SANITY_DIR)
	git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} $(SANITY_DIR)/ 2>/dev/null || true
	cd $(SANITY_DIR) && git init -q && git add -A && \
	  $(BIN)/ansible-test sanity --venv --python 3.11 --color no

lint: install
	$(BIN)/ansible-lint --profile production --offline

# The shared return values (tools/returns.yml) go into the modules first; the rst pages are built from the
# collection installed after that.
docs: venv
	$(BIN)/python tools/docs.py --write --returns-only
	$(MAKE) install
	$(BIN)/python tools/docs.py --write

docs-check: install
	$(BIN)/python tools/docs.py --check

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

# Benchmarks, not part of `make test`: bench/run.py builds its own venv (.build/bench-venv); figures in docs/performance.md.
bench: install
	$(PYTHON) bench/run.py all

clean:
	rm -rf $(BUILD) $(VENV)
