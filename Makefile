# Two commands matter: `make run` (the bot on SQLite plus the Agents Playground) and
# `make test` (everything CI runs). Both install what they need themselves.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.PHONY: run test lint typecheck audit unit e2e package bench migrate seed clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

install: $(STAMP) $(NPM_STAMP)

run: $(STAMP) $(NPM_STAMP)
	scripts/run-local.sh

test: $(STAMP) $(NPM_STAMP)
	scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check bot dialogs storage domain

typecheck: $(STAMP)
	$(VENV)/bin/mypy

audit: $(STAMP)
	scripts/audit.sh

package: $(STAMP)
	$(PY) -m manifest.build --out build/vink-ssp-bot.zip

migrate: $(STAMP)
	$(PY) -m bot migrate

bench: $(STAMP) $(NPM_STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules build .mypy_cache .ruff_cache .pytest_cache
