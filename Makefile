# fabric-action: developer entry points. `make test` works from a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test lint typecheck unit demo container-test benchmark clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -p no:cacheprovider --cov --cov-branch --cov-report=term $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

container-test:
	bash scripts/container-test.sh

benchmark: $(STAMP)
	$(BIN)/python benchmarks/emulator_throughput.py

clean:
	rm -rf $(VENV) .coverage .mypy_cache .ruff_cache build *.egg-info
