# Every target that needs the virtualenv depends on its stamp, so on a fresh
# machine `make demo` or `make test` is the only command needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck pytest docs bench mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,dask,plot]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m salescore

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs_hooks
	$(BIN)/ruff format --check src tests benchmarks docs_hooks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -n auto --cov --cov-branch --cov-report=term

test: lint typecheck pytest

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Mutation testing of the kernels named in [tool.mutmut] (minutes to an hour; not part of
# `make test`). Equivalent survivors are listed, with why, in tests/MUTATION.md.
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet "mutmut>=3.8,<4"
	rm -rf mutants
	SALESCORE_HYPOTHESIS_PROFILE=mutation $(BIN)/mutmut run
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache .coverage mutants
