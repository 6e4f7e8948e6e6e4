# caseaudit: the two commands of the README are `make report` and `make test`.
# Everything else is a convenience. The project environment is .venv/, installed from
# requirements.lock (pinned and hashed, made from pyproject.toml by `make lock`).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := caseaudit
LOCK   := requirements.lock
# The tool that writes the lock, pinned like everything else.
UV_VERSION := 0.13.9
export PATH := $(abspath $(BIN)):$(PATH)
# pre-commit keeps its cache in the project so CI and developers need nothing outside it
export PRE_COMMIT_HOME := $(abspath $(VENV))/pre-commit-cache

.PHONY: venv lock upgrade report test lint lab bench sample clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# Exactly the lock's versions, every file checked against its hash; then caseaudit itself.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "caseaudit needs Python 3.11 or newer")'
	$(PYTHON) scripts/lock.py --check
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (caseaudit)" >/dev/null
	touch $@

venv: $(STAMP)  ## create the project environment (from the lock) and register its Jupyter kernel

# Needs only a Python and PyPI: run it after changing (or merging) pyproject.toml's dependencies.
lock:  ## regenerate requirements.lock and environment.yml's pins from pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION) packaging
	$(BIN)/python scripts/lock.py

# A newer release that moves any number of the bundled audits fails the back-test here.
upgrade:  ## refresh the lock to the newest allowed releases, reinstall, run the back-test
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION) packaging
	$(BIN)/python scripts/lock.py --upgrade
	$(MAKE) --no-print-directory venv
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_backtest.py

# report.pdf is printed by WeasyPrint, which needs Debian's Pango (installed here, as root);
# without it the reports are still built and one line says the PDFs were skipped.
report: $(STAMP)  ## build every bundled audit's report (HTML and PDF) into outputs/
	bash scripts/install-pdf-engine.sh || [ -z "$$CI" ]
	$(BIN)/caseaudit batch params/

# Without Chromium the browser tests cannot run, nor the PDF tests without Pango, nor the forms'
# round trip without LibreOffice: under CI (CI set to anything) that fails the target here and in
# the tests; elsewhere the tests skip and pytest's summary says why.
test: $(STAMP)  ## lint, then run the whole test suite (what CI runs)
	bash scripts/install-chromium.sh || [ -z "$$CI" ]
	bash scripts/install-pdf-engine.sh || [ -z "$$CI" ]
	bash scripts/install-libreoffice.sh || [ -z "$$CI" ]
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest

lint: $(STAMP)  ## the pre-commit hooks (ruff, notebook outputs, large files), then the import layers
	$(BIN)/pre-commit run --all-files --show-diff-on-failure
	$(BIN)/lint-imports --no-cache

# Rooted at the project (params/, data/ and outputs/ in reach), opening on notebooks/; Jupyter
# refuses root without --allow-root, which is how a container or a CI runner usually runs.
lab: $(STAMP)  ## start JupyterLab with the project's kernel, opening on notebooks/
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(STAMP)  ## the speed and memory benchmark (prints ratios)
	$(BIN)/python benchmarks/bench.py

sample: $(STAMP)  ## regenerate the bundled synthetic sample audits
	$(BIN)/python scripts/make_sample_data.py

clean:  ## remove the environment and every output
	rm -rf $(VENV) outputs/*/ .pytest_cache .ruff_cache .hypothesis
