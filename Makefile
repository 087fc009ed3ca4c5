# The two commands of the README: `make run` (the app on SQLite with demo data) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist): each takes whole files, which keeps a file's module fixtures in one process.
WORKERS ?= auto

.PHONY: run test install clean

$(BIN)/ledger: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/ledger

run: install
	$(BIN)/ledger init
	$(BIN)/ledger demo
	$(BIN)/ledger serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadfile $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance
