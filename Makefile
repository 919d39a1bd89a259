# Two entry points for a fresh machine: `make run` (default pipeline) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= config/config.yaml
RUN_NAME = $(shell sed -n 's/^run: *//p' $(CONFIG))
SMK = $(BIN)/snakemake --configfile $(CONFIG)

.PHONY: setup run report test lint format docs mutate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(STAMP)

run: setup
	$(SMK)
	$(SMK) --report results/$(RUN_NAME)/report.html

report: setup
	$(SMK) --report results/$(RUN_NAME)/report.html

# --no-loadscope-reorder: keep conftest.py's order (whole-workflow modules first), not xdist's
# order by test count, so the two workers finish together.
test: setup
	$(BIN)/pytest -n 2 --dist loadgroup --no-loadscope-reorder

# Mutation testing (not part of `test` or CI): [tool.mutmut] in pyproject.toml names the modules and
# the fast unit tests; MUTANTS narrows it to some, e.g. MUTANTS='aelatent.stats.correlations*'.
# tests/mutation_report.py prints the score per module and each survivor with its kind.
MUTANTS ?=
mutate: setup
	$(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/python tests/mutation_report.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint --configfile config/tiny.yaml

docs: setup
	$(BIN)/python -m aelatent.docs

format: setup
	$(BIN)/ruff format .
	$(BIN)/snakefmt Snakefile workflow/rules
