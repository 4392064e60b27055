# Two commands: `make run` serves the demo practice, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Every app mypy checks (tests excluded); the engine is strict (pyproject.toml).
TYPED_APPS := accounts payers encounters coding claims audits config

.PHONY: run test install lint serve worker bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Serving on http://$(HOST):$(PORT)/ (demo logins in README.md)"
	$(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 4 --access-logfile -

# With DATABASE_URL on PostgreSQL, pytest creates and migrates the test database as that URL's
# role, then every test connects as the application role DATABASE_APP_ROLE (psych_app): no
# superuser, owner of no table (tests/conftest.py; docs/operations.md, "Database roles").
test: install
	mkdir -p var
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED_APPS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy $(TYPED_APPS)

worker: install
	$(BIN)/celery -A config worker --beat --loglevel INFO

bench: install
	$(BIN)/python bench/engine_throughput.py
	$(BIN)/python bench/proposal_endpoint.py
	$(BIN)/python bench/claims_at_scale.py --sizes 10000,100000
	$(BIN)/python bench/icd_search.py
	$(BIN)/python bench/export_837p.py
	$(BIN)/python bench/audit_month.py

# The engine's property tests with ten times CI's examples (tests/coding/engine/conftest.py).
fuzz: install
	ENGINE_HYPOTHESIS_EXAMPLES=20000 $(BIN)/python -m pytest -q tests/coding/engine/test_invariants.py tests/coding/engine/test_claim_lines.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
