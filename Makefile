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

.PHONY: venv test bench lint format waterfall waterfall.profile clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m pytest benchmarks -q -s -p no:cacheprovider --benchmark-enable --timeout=1800

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

waterfall: $(STAMP)
	$(VENV)/bin/perf-waterfall compare $(BASELINE_REF) $(HEAD_REF) $(if $(FRAMES),--frames $(FRAMES)) $(ARGS)

waterfall.profile: $(STAMP)
	$(VENV)/bin/perf-waterfall compare $(BASELINE_REF) $(HEAD_REF) -s 4k_raw --profile --profile-dir $(PROFILE_DIR) $(if $(FRAMES),--frames $(FRAMES)) $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .benchmarks
