# Every target bootstraps .venv from pyproject.toml on its own; it re-installs only
# when pyproject.toml changed (the stamp file is older than it).
PYTHON_BOOT ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

BASELINE_REF ?= origin/main
HEAD_REF ?= HEAD
FRAMES ?=
ARGS ?=
PROFILE_DIR ?= /tmp

# The browser tests drive the distribution's Chromium through Playwright (whose own browser
# download is not reachable from CI). Installed once; a machine without it fails the tests.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: venv test faults bench lint format waterfall waterfall.profile ladder calibrate clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: $(STAMP) $(CHROMIUM)
	$(PY) -m pytest -q

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

# The whole fault-injection suite (make test runs its fast subset): interrupts at every
# moment, broken harnesses, hostile input, shared-memory limits, concurrent runs.
faults: $(STAMP)
	PERF_WATERFALL_FAULTS=1 $(PY) -m pytest -q tests/faults

bench: $(STAMP)
	$(PY) -m pytest benchmarks -q -s -p no:cacheprovider --benchmark-enable --timeout=1800

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# A clone without an origin (or a fresh `git init`) has no origin/main: then the
# base is left to the CLI, which falls back to main or master.
BASE_ARG = $(if $(shell git rev-parse -q --verify '$(BASELINE_REF)^{commit}' 2>/dev/null),$(BASELINE_REF),)

waterfall: $(STAMP)
	$(VENV)/bin/perf-waterfall compare $(BASE_ARG) $(if $(BASE_ARG),$(HEAD_REF)) $(if $(FRAMES),--frames $(FRAMES)) $(ARGS)

# The head side's flamegraph is also left at /tmp/perf-waterfall.svg, and the
# differential one (where the time moved, base to head) at /tmp/perf-waterfall-diff.svg.
waterfall.profile: $(STAMP)
	$(VENV)/bin/perf-waterfall compare $(BASE_ARG) $(if $(BASE_ARG),$(HEAD_REF)) -s 4k_raw --profile --profile-dir $(PROFILE_DIR) $(if $(FRAMES),--frames $(FRAMES)) $(ARGS)
	cp $(PROFILE_DIR)/perf-waterfall-head-4k_raw.svg /tmp/perf-waterfall.svg
	cp $(PROFILE_DIR)/perf-waterfall-diff-4k_raw.svg /tmp/perf-waterfall-diff.svg
	@echo "head flamegraph: /tmp/perf-waterfall.svg"
	@echo "differential flamegraph: /tmp/perf-waterfall-diff.svg (open it in a browser)"

# The copy ladder of the change this project grew out of, measured here.
ladder: $(STAMP)
	$(VENV)/bin/perf-waterfall sweep HEAD --env SCENARIOS_TRANSPORT=copy,memoryview,recv-nocopy,nocopy,shm,shm-loan -s 4k_raw $(if $(FRAMES),--frames $(FRAMES)) $(ARGS)

# Verdict quality on this machine: A/A and injected (Detector +0.7 ms) compares, counted.
CALIBRATE_RUNS ?= 10
calibrate: $(STAMP)
	$(VENV)/bin/perf-waterfall calibrate HEAD --runs $(CALIBRATE_RUNS) $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .benchmarks
