# CrisisCenter: `make run` (embedded demo) and `make test` (whole suite on PostgreSQL + Redis).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

# Test services: CI and this machine run PostgreSQL and Redis on loopback. The suite runs with
# CONN_MAX_AGE=0 so connections opened by async helpers close and the test database can drop.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# pytest-xdist processes: each has its own test database and Redis database
# (tests/xdist_services.py). TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= 2

.PHONY: run test lint format install install-dev chromium bench clean messages

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

.env:
	@printf 'DEBUG=1\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "wrote .env (local settings, not committed)"

run: $(VENV)/.installed .env
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  CrisisCenter is starting at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo ""
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

chromium:
	@bash scripts/ensure_chromium.sh

test: $(VENV)/.installed-dev chromium
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} DEBUG=0 CONN_MAX_AGE=0 \
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Translations: collect strings, fill Dutch from NL=file.json (msgid -> Dutch), compile.
messages: $(VENV)/.installed-dev
	DEBUG=1 $(PY) manage.py makemessages -l nl -l en --no-location --no-obsolete \
		--ignore=.venv --ignore=tests --ignore=staticfiles --ignore=bench --ignore=docs
	$(PY) scripts/i18n_fill.py $(NL)

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles test-artifacts
