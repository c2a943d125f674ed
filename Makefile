# `make demo` and `make test` work from a clean clone: they build everything they need under .venv and .build.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# The ansible-core versions `make test` runs (README's matrix): the primary one gets everything (and `make demo`,
# `make docs` use it); the smoke tier gets the unit tests, ansible-test sanity, the demo and the integration tests
# marked smoke. The oldest smoke version is meta/runtime.yml's requires_ansible.
PRIMARY := 2.21
SMOKE := 2.20 2.18
# Each version's controller Python (X.Y), found by tools/find_python.sh (pyenv, then pythonX.Y on PATH);
# `make PYTHON_2.21=/path/to/python3.12 ...` names one instead.
PYTHON_VERSION_2.21 := 3.12
PYTHON_VERSION_2.20 := 3.13
PYTHON_VERSION_2.18 := 3.11
# The version this make works on: every target below (venv, install, units, integration, sanity, ...) takes
# CORE=<version> and then uses that version's venv, build tree, requirements and pins (tests/constraints-<ver>.txt).
CORE ?= $(PRIMARY)
PYTHON_VERSION := $(PYTHON_VERSION_$(CORE))
ifeq ($(PYTHON_VERSION),)
  $(error CORE=$(CORE) is not in the matrix ($(PRIMARY) $(SMOKE)): add PYTHON_VERSION_$(CORE) to the Makefile)
endif
ifeq ($(CORE),$(PRIMARY))
  VENV := $(CURDIR)/.venv
  BUILD := $(CURDIR)/.build
  REQUIREMENTS := tests/requirements-dev.txt
else
  VENV := $(CURDIR)/.build/venv-$(CORE)
  BUILD := $(CURDIR)/.build/$(CORE)
  REQUIREMENTS := tests/requirements-smoke.txt
endif
CONSTRAINTS := tests/constraints-$(CORE).txt
BIN := $(VENV)/bin
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
INTEGRATION_TESTS := tests/integration tests/emulator
# Integration tests mostly wait on job timelines and emulator faults, so more workers than cores pay off.
INTEGRATION_WORKERS ?= 3
# A pytest marker expression that narrows the integration run (the smoke tier: smoke); empty: every test.
INTEGRATION_MARK ?=
with_mark = $(if $(INTEGRATION_MARK),($(INTEGRATION_MARK)) and )$(1)
# Bench only (bench/run.py builds its own venv from any Python 3).
PYTHON ?= python3
# `make test` prints how long each phase took, and the list again at its end.
PHASES := $(CURDIR)/.build/phases.txt
timed = start=$$(date +%s); $(2); echo "[phase] $(1): $$(( $$(date +%s) - start )) s" | tee -a $(PHASES)
export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLL_DIR)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
# tests/integration/harness.py runs this ansible-playbook.
export JOBGATE_ANSIBLE_PLAYBOOK := $(BIN)/ansible-playbook

.PHONY: demo emulator emulator-stop test venv versions build install dev-link units integration sanity lint docs \
  docs-check docs-site browser changelog-lint checks smoke clean\
  bench

# One rule for every version: CORE picks the interpreter, the venv and the pins.
venv: $(VENV)/.stamp
$(VENV)/.stamp: $(REQUIREMENTS) $(CONSTRAINTS)
	py="$(or $(PYTHON_$(CORE)),$$(tools/find_python.sh $(PYTHON_VERSION) 'ansible-core $(CORE)'))"; \
	  "$$py" -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(REQUIREMENTS) -c $(CONSTRAINTS)
	touch $@

# venv-2.20, test-2.18, ...: the same targets for another version of the matrix.
venv-%:
	$(MAKE) CORE=$* venv

# What this tier runs on; fails if the venv holds another ansible-core than CORE names.
versions: venv
	@$(BIN)/python -c 'import sys; from ansible.release import __version__ as core; \
	  print(f"== ansible-core {core} on Python {sys.version.split()[0]} ($(BIN)/python):" \
	  " $(if $(filter $(CORE),$(PRIMARY)),primary tier,smoke tier)"); \
	  sys.exit(0 if core.startswith("$(CORE).") else f"the venv has ansible-core {core}, not $(CORE)")'

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

# The primary version's units and integration tests first, on a quiet machine (the timing tests' bounds are the
# contract's). Then its CPU-bound checks beside the smoke tiers, whose tests mostly wait on job timelines.
test:
	mkdir -p $(dir $(PHASES)) && : > $(PHASES) && date +%s > $(PHASES).start
	$(call timed,venvs $(PRIMARY) $(SMOKE),$(MAKE) -j3 --output-sync=target venv $(SMOKE:%=venv-%))
	$(call timed,install $(PRIMARY),$(MAKE) install dev-link)
	$(MAKE) versions
	$(call timed,units $(PRIMARY),$(MAKE) units)
	$(call timed,integration $(PRIMARY),$(MAKE) integration)
	$(call timed,checks $(PRIMARY) beside smoke $(SMOKE),$(MAKE) -j3 --output-sync=recurse checks $(SMOKE:%=smoke-%))
	@echo "make test: all checks passed"; cat $(PHASES); \
	  echo "[phase] make test, in all: $$(( $$(date +%s) - $$(cat $(PHASES).start) )) s" | tee -a $(PHASES)

# The primary version's checks that are not tests.
checks: install
	$(call timed,docs-check $(CORE),$(MAKE) docs-check)
	$(call timed,docs-site $(CORE),$(MAKE) docs-site)
	$(call timed,changelog-lint $(CORE),$(MAKE) changelog-lint)
	$(call timed,sanity $(CORE),$(MAKE) sanity)
	$(call timed,lint $(CORE),$(MAKE) lint)

# The smoke tier of CORE: the unit tests, its ansible-test sanity, the demo and the integration tests marked smoke
# (one per module, and the role for every kind). The demo mostly waits on its job timelines, so it runs beside the
# smoke tests.
smoke: install dev-link
	$(MAKE) versions
	$(call timed,units $(CORE),$(MAKE) units)
	$(call timed,sanity $(CORE),$(MAKE) sanity)
	$(call timed,demo + smoke integration $(CORE),$(MAKE) -j2 --output-sync=target demo integration \
	  INTEGRATION_MARK=smoke INTEGRATION_TESTS=tests/integration)
	@echo "make smoke (ansible-core $(CORE)): all checks passed"

smoke-%:
	$(MAKE) CORE=$* smoke

test-%:
	$(MAKE) CORE=$* $(if $(filter $*,$(PRIMARY)),test,smoke)

units: venv dev-link
	PYTHONPATH=$(BUILD)/dev $(BIN)/python -m pytest -q -p no:cacheprovider tests/unit

# Tests marked timing assert bounds as tight as the contract's (wait_timeout + 2 s, elapsed within 0.5 s) and run
# after the rest, two at a time, so that no other test's start-ups load the 2 cores under them. pytest exits 5
# when a selection has no test (the smoke run has no timing test). --dist loadgroup: tests/integration/conftest.py
# gives the tests that share a module's playbook run to one worker, biggest units first.
integration: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(INTEGRATION_WORKERS) --dist loadgroup --durations=15 \
	  -m "$(call with_mark,not timing)" $(INTEGRATION_TESTS)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 -m "$(call with_mark,timing)" $(INTEGRATION_TESTS) \
	  || [ $$? -eq 5 ]

# ansible-test builds its venvs under ~/.ansible/test, named by Python version and requirements only: two make tests
# on one machine (two clones) built the same one at the same moment, and one found pip half uninstalled. Each build
# tree gives it a home of its own (the pip stand-in goes into that home's cache too). ansible-test hands pip only
# HOME, so that home links to the user's pip configuration and pip cache, where they exist.
SANITY_HOME := $(BUILD)/ansible-test-home
# ansible-test needs the collection at ansible_collections/NS/NAME; copy the tracked tree there.
sanity: venv
	for kept in .config/pip .cache/pip; do \
	  if [ -e "$$HOME/$$kept" ]; then mkdir -p "$(SANITY_HOME)/$$(dirname $$kept)"; \
	    ln -sfn "$$HOME/$$kept" "$(SANITY_HOME)/$$kept"; fi; \
	done
	HOME=$(SANITY_HOME) $(BIN)/python tools/get_pip_standin.py --install
	rm -rf $(SANITY_DIR) && mkdir -p $(SANITY_DIR)
	git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} $(SANITY_DIR)/ 2>/dev/null || true
	cd $(SANITY_DIR) && git init -q && git add -A && \
	  HOME=$(SANITY_HOME) $(BIN)/ansible-test sanity --venv --python $(PYTHON_VERSION) --color no

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

# Benchmarks, not part of `make test`: bench/run.py builds its own venv (.build/bench-venv); figures in docs/performance.md.
bench: install
	$(PYTHON) bench/run.py all

clean:
	rm -rf $(BUILD) $(VENV)
