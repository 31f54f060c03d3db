# The two commands a new user types: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out/demo
	$(BIN)/accord validate ukraine-2025
	$(BIN)/accord analyze ukraine-2025 | tee out/demo/analysis.txt
	$(BIN)/accord analyze ukraine-2025 --format json > out/demo/analysis.json
	$(BIN)/accord report ukraine-2025 -o out/demo/report.html
	@echo "demo written to out/demo/"

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check accord tests benchmarks
	$(BIN)/mypy accord

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	for b in benchmarks/*.py; do $(BIN)/python $$b; done

clean:
	rm -rf out .pytest_cache .mypy_cache
