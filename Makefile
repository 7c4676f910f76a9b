# Oqu — one command to run, one to test. Everything installs itself into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

# Settings shared by the LMS, the hub and the worker (see .env.example): exported to every command here.
-include .env
export $(shell sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' .env 2>/dev/null)

.PHONY: install run bench test test-postgres browser-deps a11y-deps sandbox-deps translations messages services clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) translations sandbox-deps

# bubblewrap: grading runs learner code in its sandbox, and a worker without it refuses to grade
# (docs/security.md; LMS_GRADING_SANDBOX=off only on a development machine that cannot have it).
sandbox-deps:
	command -v bwrap >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null)

# Compile the Kazakh and Russian catalogs (.po → .mo).
translations: $(STAMP)
	$(BIN)/pybabel compile -d translations

# Extract strings from code and templates and merge them into both catalogs.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -N -i translations/messages.pot -d translations

# Debian's Chromium for the browser tests (Playwright's own download cannot work here).
browser-deps:
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null)

# axe-core for the accessibility tests (tests/a11y), from npm at the version package.json pins.
a11y-deps:
	test -f tests/a11y/node_modules/axe-core/axe.min.js || npm ci --prefix tests/a11y --no-audit --no-fund --silent

# Start PostgreSQL and Redis if this machine has them installed but stopped.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no

# The whole system: the LMS (http://127.0.0.1:5000), JupyterHub behind its proxy (http://127.0.0.1:8000) and
# the task-queue worker, under honcho (deploy/Procfile). Ctrl-C stops all of them and every learner server.
run: install
	$(FLASK) db upgrade
	$(FLASK) lms seed-demo
	$(BIN)/honcho start -f deploy/Procfile -d .

# Every benchmark in bench/ (launch, grading, export, pages, …) as one table against baselines measured in
# the same run (docs/performance.md). BENCH_ARGS=--quick for a smaller run, BENCH_ARGS="--only pages" for one.
bench: install
	command -v wrk >/dev/null 2>&1 && command -v sqlite3 >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk sqlite3 >/dev/null)
	$(BIN)/python -m bench $(BENCH_ARGS)

test: install browser-deps a11y-deps
	$(BIN)/pytest

# The same suite against the real PostgreSQL (CI runs both).
test-postgres: install browser-deps a11y-deps services
	LMS_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest

clean:
	rm -rf $(VENV) instance .pytest_cache
