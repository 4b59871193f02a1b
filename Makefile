# Two commands do all the set-up on a fresh machine with python3 (3.11+) and make:
#   make run    translate the bundled Spree-family fixtures to DFC JSON-LD (into build/dfc/);
#               installs statebridge (no dev tools) into .venv and nothing else: it never changes the system
#   make test   lint (ruff), type-check (mypy) and run the whole test suite; its set-up also
#               tries (best effort) the test tools: Chromium (apt-get, as root only), sssom-py in
#               .venv-sssom and the DFC TypeScript connector (npm) in tests/interop/ts
#   make docs   regenerate docs/crosswalk.md, docs/crosswalk.html and docs/crosswalk-*.svg
#   make bench  the benchmarks of docs/benchmarks.md (about 10 minutes; bench-quick: about 2)
#   make build  compile the bulk path's modules again after editing them (setup.py; optional)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The development tools (ruff, mypy, pytest, ...): for lint, typecheck, test and bench only.
DEV_STAMP := $(VENV)/.installed-dev
# The test tools, tried once by the test set-up only (never by `make run`).
TEST_TOOLS_STAMP := $(VENV)/.test-tools
# sssom-py (for validating `statebridge mappings export`) lives in its own venv: it pulls in
# linkml, pandas and rdflib-jsonld, which must not share a venv with statebridge's rdflib.
SSSOM_VENV := .venv-sssom
# The real DFC TypeScript connector (npm), which tests/test_ts_connector.py runs in Node.js.
NODE_DIR   := tests/interop/ts
NODE_STAMP := $(NODE_DIR)/node_modules/.installed

.PHONY: run build test lint typecheck pytest docs bench bench-quick clean

$(STAMP): pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "statebridge needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(DEV_STAMP)

# Best effort, for the tests that need them (they skip, saying how to install, without):
# Chromium renders the crosswalk page at phone width; sssom-py validates the SSSOM export.
# Only `make test` (and `make pytest`) come here: `make run` changes nothing outside the repository.
$(TEST_TOOLS_STAMP): $(DEV_STAMP)
	-command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get install -y chromium || (apt-get update && apt-get install -y chromium)) ; } || true
	-[ -x $(SSSOM_VENV)/bin/sssom ] || { $(PYTHON) -m venv $(SSSOM_VENV) && $(SSSOM_VENV)/bin/python -m pip install --quiet sssom ; } || true
	@touch $(TEST_TOOLS_STAMP)

# Best effort, only for the tests: without Node.js and npm (or without the npm registry) the
# connector's tests skip, saying how to install it; the next `make test` tries again.
$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	-command -v npm >/dev/null && cd $(NODE_DIR) && npm ci --no-audit --no-fund --prefer-offline && touch node_modules/.installed || true

run: $(STAMP)
	@mkdir -p build/dfc
	@for f in fixtures/spree/*.json fixtures/spree/*.ndjson; do \
	  case $$f in *.expected.*) continue;; esac; \
	  out=build/dfc/$$(basename $${f%.*}).jsonld; \
	  $(BIN)/statebridge translate --from spree "$$f" > "$$out" || exit $$?; \
	  echo "$$f -> $$out"; \
	done

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench setup.py
	$(BIN)/ruff format --check src tests bench setup.py

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP) $(TEST_TOOLS_STAMP) $(NODE_STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

docs: $(STAMP)
	$(BIN)/statebridge mappings show --format markdown > docs/crosswalk.md
	$(BIN)/statebridge mappings show --format html > docs/crosswalk.html
	@for p in $$($(BIN)/python -c 'from statebridge.mapping import available_tables; print(*available_tables())'); do \
	  $(BIN)/statebridge mappings show --format svg --platform $$p > docs/crosswalk-$$p.svg || exit $$?; \
	  echo "docs/crosswalk-$$p.svg"; \
	done

# The bulk path's compiled modules (setup.py), built again from their source: a module edited since
# the last build runs as Python until then (statebridge/compiled.py), with the same results.
build: $(STAMP)
	$(BIN)/python -m pip install --quiet --no-deps -e .

bench: $(DEV_STAMP) build
	$(BIN)/python -m bench.morph --setup || true
	$(BIN)/python -m bench

bench-quick: $(DEV_STAMP) build
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) $(SSSOM_VENV) $(NODE_DIR)/node_modules build .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find src -name '*.so' -delete -o -name '*.c' -delete
