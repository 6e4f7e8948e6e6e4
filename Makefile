# caseaudit: the two commands of the README are `make report` and `make test`.
# Everything else is a convenience. The project environment is .venv/, made from pyproject.toml.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := caseaudit
export PATH := $(abspath $(BIN)):$(PATH)
# pre-commit keeps its cache in the project so CI and developers need nothing outside it
export PRE_COMMIT_HOME := $(abspath $(VENV))/pre-commit-cache

.PHONY: venv report test lint lab bench sample clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "caseaudit needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (caseaudit)" >/dev/null
	touch $@

venv: $(STAMP)  ## create the project environment and register its Jupyter kernel

# report.pdf is printed by WeasyPrint, which needs Debian's Pango (installed here, as root);
# without it the reports are still built and one line says the PDFs were skipped.
report: $(STAMP)  ## build every bundled audit's report (HTML and PDF) into outputs/
	bash scripts/install-pdf-engine.sh || [ -z "$$CI" ]
	$(BIN)/caseaudit batch params/

# Without Chromium the browser tests cannot run, nor the PDF tests without Pango: under CI (CI
# set to anything) that fails the target here and in the tests; elsewhere the tests skip and
# pytest's summary says why.
test: $(STAMP)  ## lint, then run the whole test suite (what CI runs)
	bash scripts/install-chromium.sh || [ -z "$$CI" ]
	bash scripts/install-pdf-engine.sh || [ -z "$$CI" ]
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
