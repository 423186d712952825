# triggerdev.management — every entry point sets up what it needs (venvs are cached in .venvs/).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The first candidate that runs: a pyenv shim exists for every installed version but fails (127)
# for one that is not selected, so a name found on PATH is not enough.
first_runnable = $(shell for p in $(1); do "$$p" -c '' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)
PYENV_DIR := $(or $(PYENV_ROOT),$(HOME)/.pyenv)
PY311 ?= $(call first_runnable,python3.11 $(wildcard $(PYENV_DIR)/versions/3.11.*/bin/python3.11) python3)
PY312 ?= $(call first_runnable,python3.12 $(wildcard $(PYENV_DIR)/versions/3.12.*/bin/python3.12))
VENV := .venvs/py311
VENV_LATEST := .venvs/py312
# Outside the git work tree: ansible-test would otherwise list files through git and see none.
BUILD_ROOT ?= $(or $(TMPDIR),/tmp)/triggerdev.management-build-$(shell printf '%s' '$(CURDIR)' | md5sum | cut -c1-8)
BUILD := $(BUILD_ROOT)/ansible_collections/triggerdev/management
# Every installed python3.X, by name, so ansible-test checks module code on each target Python.
PYTHONS_BIN := $(BUILD_ROOT)/bin
export PATH := $(PYTHONS_BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(BUILD_ROOT)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv venv-latest tree sanity sanity-oldest sanity-latest units units-oldest units-latest selftests quick integration real-server integration-real differential real-checks lint docs demo installed awx test bench bench-short reliability reliability-short changelog build clean

help:
	@echo "make demo         run the demo playbook against the local emulator (sets everything up)"
	@echo "make test         every check: sanity, units, integration, lint, short bench and reliability"
	@echo "make quick        the fast inner loop: unit and meta tests, pep8, pylint, validate-modules"
	@echo "make units | selftests | sanity | integration | lint | docs | bench | reliability | build | clean"
	@echo "make real-server  start the real Trigger.dev server (tests/realserver) and serve until interrupted"
	@echo "make integration-real | differential   the integration targets / the differential corpus against it"

$(VENV)/.stamp: tests/requirements/controller.txt
	rm -rf $(VENV) && $(PY311) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r tests/requirements/controller.txt
	touch $@

$(VENV_LATEST)/.stamp: tests/requirements/latest.txt
	rm -rf $(VENV_LATEST) && $(PY312) -m venv $(VENV_LATEST)
	$(VENV_LATEST)/bin/pip install -q --disable-pip-version-check -r tests/requirements/latest.txt
	touch $@

venv: $(VENV)/.stamp
venv-latest: $(VENV_LATEST)/.stamp

# ansible-test resolves real paths, so the collection is copied (tracked and new files, not ignored ones).
tree:
	rm -rf $(BUILD) && mkdir -p $(BUILD)
	tests/utils/link-pythons.sh $(PYTHONS_BIN)
	git ls-files -co --exclude-standard -z | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' | tar -c --null -T - -f - | tar -x -C $(BUILD)

sanity: sanity-oldest sanity-latest

sanity-oldest: venv tree
	tests/utils/seed-get-pip.sh $(VENV)/bin/python
	cd $(BUILD) && $(CURDIR)/$(VENV)/bin/ansible-test sanity --venv --color no --requirements

sanity-latest: venv-latest tree
	tests/utils/seed-get-pip.sh $(VENV_LATEST)/bin/python
	cd $(BUILD) && $(CURDIR)/$(VENV_LATEST)/bin/ansible-test sanity --venv --color no --requirements

# Unit tests (tests/unit) as the model collections run them: ansible-test units on the oldest and the newest
# ansible-core, each on its controller Python.
units: units-oldest units-latest

units-oldest: venv tree
	tests/utils/seed-get-pip.sh $(VENV)/bin/python
	cd $(BUILD) && $(CURDIR)/$(VENV)/bin/ansible-test units --venv --color no --requirements --python 3.11

units-latest: venv-latest tree
	tests/utils/seed-get-pip.sh $(VENV_LATEST)/bin/python
	cd $(BUILD) && $(CURDIR)/$(VENV_LATEST)/bin/ansible-test units --venv --color no --requirements --python 3.12

# The tests of the test tooling and of the package: the emulator over HTTP (tests/emulator/tests), the collection's
# metadata, docs and packaging (tests/meta), the real-server helpers (tests/realserver/tests).
selftests: venv tree
	cd $(BUILD) && $(CURDIR)/$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/emulator/tests tests/meta tests/realserver/tests tests/differential/tests

# The fast inner loop (well under two minutes): the unit tests and the meta tests with plain pytest, pep8 and pylint.
quick: venv tree
	cd $(BUILD) && $(CURDIR)/$(VENV)/bin/python -m pytest -q -p no:cacheprovider -x tests/unit tests/meta
	tests/utils/seed-get-pip.sh $(VENV)/bin/python
	cd $(BUILD) && $(CURDIR)/$(VENV)/bin/ansible-test sanity --venv --color no --requirements --test pep8 --test pylint --test validate-modules

integration: venv tree
	tests/utils/run-integration.sh $(CURDIR)/$(VENV) $(BUILD)

test: units selftests sanity lint integration real-checks docs installed demo awx bench-short reliability-short
	@echo "make test: all checks passed"

# The real Trigger.dev server as a second backend (tests/realserver; built once per server commit into
# ~/.cache/triggerdev-realserver). Each target starts it, or uses the one given by REAL_SERVER_URL and
# REAL_SERVER_CONFIG. Where it cannot be built the targets say so and skip (exit 77 of with_real_server.py),
# unless REAL_SERVER_REQUIRED=1 (.ci/run sets it), which makes that a failure.
WITH_REAL := $(VENV)/bin/python tests/realserver/with_real_server.py --
SKIP_IF_77 := rc=$$?; if [ $$rc -eq 77 ]; then echo "real server unavailable here: skipped"; else exit $$rc; fi
INTEGRATION_REAL := cd $(BUILD) && $(CURDIR)/$(VENV)/bin/python tests/utils/integration_real.py $(CURDIR)/$(VENV)
DIFFERENTIAL := cd $(BUILD) && $(CURDIR)/$(VENV)/bin/python tests/differential/run.py --report $(CURDIR)/tests/output/differential.json
# The shim's tests again once the build has made its chDB venv (selftests skips the real-engine test before that).
REAL_SELFTESTS := cd $(BUILD) && $(CURDIR)/$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/realserver/tests

real-server: venv
	$(VENV)/bin/python tests/realserver/realserver.py serve

integration-real: venv tree
	mkdir -p tests/output
	$(WITH_REAL) bash -c '$(INTEGRATION_REAL)' || { $(SKIP_IF_77); }

differential: venv tree
	mkdir -p tests/output
	$(WITH_REAL) bash -c '$(DIFFERENTIAL)' || { $(SKIP_IF_77); }

# Both against one server start (what make test runs).
real-checks: venv tree
	mkdir -p tests/output
	$(WITH_REAL) bash -c '($(REAL_SELFTESTS)) && ($(DIFFERENTIAL)) && ($(INTEGRATION_REAL))' || { $(SKIP_IF_77); }

# Benchmarks against the emulator (tests/bench): the long form prints the table and writes
# docs/docsite/rst/benchmarks.rst (about an hour); the short form checks the exact request counts only.
bench: venv tree
	cd $(BUILD) && $(CURDIR)/$(VENV)/bin/python tests/bench/run_bench.py --out $(CURDIR)/docs/docsite/rst/benchmarks.rst

bench-short: venv tree
	cd $(BUILD) && $(CURDIR)/$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/bench/test_bench_counts.py

# Reliability (tests/reliability): faults, load, bad input, secrets, nothing lost. The long form runs
# every state module 50 times under faults and sweeps every integration target for secrets.
reliability: venv tree
	cd $(BUILD) && RELIABILITY_LONG=1 $(CURDIR)/$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/reliability

reliability-short: venv tree
	cd $(BUILD) && $(CURDIR)/$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/reliability

# The README's first command: playbooks/demo.yml twice against the local emulator (the second run must change nothing).
demo: venv tree
	$(VENV)/bin/python tests/packaging/run_demo.py --ansible-playbook $(CURDIR)/$(VENV)/bin/ansible-playbook

# The docs site, offline, into docs/build/html; then its links and its pages in headless Chromium.
docs: venv-latest tree
	tests/packaging/build_docs.sh $(VENV_LATEST)

# The collection as users get it: build, install into a clean path, ansible-doc everything, syntax of the playbooks,
# ansible-builder introspect, a CHANGELOG from the fragments.
installed: venv venv-latest tree
	tests/packaging/installed.sh $(VENV) $(VENV_LATEST) $(BUILD)

# ansible-lint (production profile) over the whole collection, the collection docs and the changelog fragments.
# awx.awx (for docs/examples/awx_credential_type.yml) comes out of the community package on PyPI, see the script.
AWX_COLLECTIONS := $(BUILD_ROOT)/awx
lint: venv-latest tree
	tests/packaging/awx_collection.sh $(VENV_LATEST) $(AWX_COLLECTIONS)
	ANSIBLE_COLLECTIONS_PATH=$(AWX_COLLECTIONS):$(BUILD_ROOT) $(VENV_LATEST)/bin/ansible-lint --nocolor
	cd $(BUILD) && PATH=$(CURDIR)/$(VENV_LATEST)/bin:$$PATH $(CURDIR)/$(VENV_LATEST)/bin/antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs .
	$(VENV_LATEST)/bin/antsibull-changelog lint

# AWX: the credential-type playbook against awx.awx (syntax), then through ansible-runner as AWX runs them, with the credential
# in the environment only, the demo and the many-projects inventory update and job (a key rotation included); fails if a key
# or secret value appears in any artifact.
awx: venv-latest tree
	tests/packaging/awx_collection.sh $(VENV_LATEST) $(AWX_COLLECTIONS)
	ANSIBLE_COLLECTIONS_PATH=$(AWX_COLLECTIONS):$(BUILD_ROOT) $(VENV_LATEST)/bin/ansible-playbook --syntax-check $(BUILD)/docs/examples/awx_credential_type.yml
	$(VENV_LATEST)/bin/python tests/awx/run_demo_like_awx.py
	$(VENV_LATEST)/bin/python tests/awx/run_many_projects_like_awx.py

build: venv
	rm -f triggerdev-management-*.tar.gz
	$(VENV)/bin/ansible-galaxy collection build --force .

clean:
	rm -rf $(BUILD_ROOT) .venvs tests/output triggerdev-management-*.tar.gz
