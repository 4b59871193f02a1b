# Two commands do all the set-up on a fresh machine with python3 (3.11+) and make:
#   make run    translate the bundled Spree-family fixtures to DFC JSON-LD (into build/dfc/)
#   make test   lint (ruff), type-check (mypy) and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck pytest clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "statebridge needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	@mkdir -p build/dfc
	@for f in fixtures/spree/*.json fixtures/spree/*.ndjson; do \
	  case $$f in *.expected.*) continue;; esac; \
	  out=build/dfc/$$(basename $${f%.*}).jsonld; \
	  $(BIN)/statebridge translate --from spree "$$f" > "$$out" || exit $$?; \
	  echo "$$f -> $$out"; \
	done

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis
