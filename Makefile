# privlab: common tasks. Run `make` (or `make help`) to list them.

PYTHON ?= python3
VENV := .venv
PORT ?= 8888

BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
NOTEBOOKS := $(wildcard notebooks/*.ipynb)

# JupyterLab refuses to run as root unless told it may (containers and CI run as root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True)

# Outputs, execution counts and widget state (metadata.widgets, megabytes per
# figure) are stripped by default; cell ids and cell metadata such as tags and
# jupyter.source_hidden are kept. The Python patch version is dropped so that
# saving a notebook with another Python does not show up as a change.
# Keep these options in step with .pre-commit-config.yaml.
STRIP_OPTIONS := --keep-id --extra-keys "metadata.language_info.version"

.DEFAULT_GOAL := help
.PHONY: help install lab voila student test lint format strip bench clean browser reference

help:
	@echo "Targets:"
	@echo "  make lab      start JupyterLab on the first lesson (PORT=$(PORT))"
	@echo "  make voila    serve the lessons as dashboards, code hidden (PORT=$(PORT))"
	@echo "  make student  write student and instructor copies of the lessons into build/"
	@echo "  make test     lint, then run the tests, doctests, every notebook and the browser tests"
	@echo "  make lint     check style with ruff"
	@echo "  make format   reformat and auto-fix with ruff"
	@echo "  make strip    remove outputs and widget state from notebooks/*.ipynb"
	@echo "  make bench    measure import time, notebook run time and memory, widget speed"
	@echo "  make reference  check the DP accountants against Google's dp-accounting library"
	@echo "  make clean    remove the virtual environment, build files and caches"
	@echo "  make install  only create $(VENV) and install privlab into it"
	@echo "Options: PYTHON=python3.12 picks the interpreter for $(VENV) (3.10 or newer)."
	@echo "Optional git hooks (strip notebooks, ruff on commit):"
	@echo "  pip install pre-commit && pre-commit install"

# The virtual environment. A failed `venv` (e.g. Debian without python3-venv)
# would leave a half-made folder that make would take as done, so remove it.
$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: '$(PYTHON)' was not found. Install Python 3.10 or newer," \
	       "or name one with: make PYTHON=python3.x ..." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { \
	  echo "error: privlab needs Python 3.10 or newer, but '$(PYTHON)' is" \
	       "$$($(PYTHON) -V 2>&1). Choose another with: make PYTHON=python3.x ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "error: could not create $(VENV) (on Debian or Ubuntu: apt-get install python3-venv)" >&2; \
	  exit 1; }
	$(PIP) install --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[test]"
	@touch $@

install: $(VENV)/.installed

lab: $(VENV)/.installed
	$(BIN)/jupyter lab \
	  --ServerApp.ip=127.0.0.1 \
	  --ServerApp.port=$(PORT) \
	  --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url=/lab/tree/notebooks/00-start-here.ipynb \
	  --LabApp.news_url=None \
	  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  $(ALLOW_ROOT)

voila: $(VENV)/.installed
	$(BIN)/voila --Voila.ip=127.0.0.1 --port=$(PORT) --no-browser notebooks

student: $(VENV)/.installed-test
	$(BIN)/python scripts/make_versions.py --out build

# The browser tests drive Debian's Chromium (never a browser downloaded by a
# test tool). Installed here when missing and running as root, as in CI.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "error: the browser tests need Chromium at $(CHROMIUM): install it" \
	         "(Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM=/path/to/chromium" >&2; \
	    exit 1; \
	  fi; \
	fi

# Prefer the kernel of this venv; one BLAS thread (small matrices are much
# faster that way on few cores); silence the debugger's frozen-modules warning.
test bench: export JUPYTER_PREFER_ENV_PATH := 1
test: export OPENBLAS_NUM_THREADS := 1
test bench: export PYDEVD_DISABLE_FILE_VALIDATION := 1

# The browser tests spend most of their time waiting for the page, so they run
# beside the rest, in a process of their own; their report follows the rest's.
test: export PRIVLAB_CHROMIUM := $(CHROMIUM)
test: lint browser
	@mkdir -p build
	@$(BIN)/python -m pytest tests/browser > build/browser-tests.log 2>&1 & browser=$$!; \
	trap 'kill $$browser 2>/dev/null' INT TERM; \
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env --doctest-glob=README.md \
	  --ignore=tests/browser notebooks tests privlab README.md; rest=$$?; \
	wait $$browser; browser_status=$$?; \
	echo; echo "The browser tests (tests/browser):"; cat build/browser-tests.log; \
	test $$rest = 0 && test $$browser_status = 0

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

strip: $(VENV)/.installed-test
	$(if $(NOTEBOOKS),$(BIN)/nbstripout $(STRIP_OPTIONS) $(NOTEBOOKS),@echo "No notebooks to strip.")

# No BLAS thread limit here: measure what a learner's JupyterLab does.
bench: export PRIVLAB_CHROMIUM := $(CHROMIUM)
bench: $(VENV)/.installed-test browser
	$(BIN)/python benchmarks/run.py

# The accountants of privlab.dp.composition and privlab.dp.gaussian checked against
# Google's dp-accounting. It needs scipy and pins an old attrs, so it gets a small
# environment of its own instead of joining the test extra; `make test` skips these checks.
REFERENCE := .venv-reference
reference:
	@test -x $(REFERENCE)/bin/python || $(PYTHON) -m venv $(REFERENCE)
	$(REFERENCE)/bin/python -m pip --quiet --disable-pip-version-check install \
	  "dp-accounting>=0.6" numpy pytest hypothesis
	$(REFERENCE)/bin/python -m pip --quiet --disable-pip-version-check install --no-deps -e .
	$(REFERENCE)/bin/python -m pytest -p no:cacheprovider -o addopts="" -k dp_accounting \
	  tests/test_composition.py tests/test_gaussian.py tests/test_fl_dp.py

clean:
	rm -rf $(VENV) $(REFERENCE) build dist *.egg-info .pytest_cache .ruff_cache
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
