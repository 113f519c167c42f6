# Two commands on a fresh clone: `make site` builds the sample site into
# output/, `make test` runs the whole test suite. Both create .venv as needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test serve check lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/sitegen build

check: $(STAMP)
	$(BIN)/sitegen check

serve: $(STAMP)
	$(BIN)/sitegen serve

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check sitegen tests scripts bench

clean:
	rm -rf output .sitegen-cache
