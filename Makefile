# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
PUBLIC_PORT ?= 5001

.PHONY: run test bench translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Runtime dependencies only; re-installed when the package metadata changes.
$(VENV)/.run-installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

# Runtime plus the test tools (pytest, hypothesis, beancount as the outside oracle).
$(VENV)/.test-installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-installed

translations: $(VENV)/.run-installed
	$(BIN)/pybabel -q compile -d translations

run: $(VENV)/.run-installed translations
	./tools/system-packages.sh --runtime
	$(BIN)/ledger db upgrade
	$(BIN)/ledger demo
	@echo "后台 Back office: http://$(HOST):$(PORT)   公示网站 Public site: http://$(HOST):$(PUBLIC_PORT)  (Ctrl-C stops both)"
	$(BIN)/ledger run --host $(HOST) --port $(PORT) --public-port $(PUBLIC_PORT)

test: $(VENV)/.test-installed translations
	./tools/system-packages.sh
	$(BIN)/python -m pytest

bench: $(VENV)/.test-installed translations
	./tools/bench-packages.sh
	$(BIN)/python -m pytest tests/bench -p no:cacheprovider -s -q

clean:
	rm -rf $(VENV) instance .pytest_cache test-output
