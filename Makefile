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

.PHONY: install labext run bench test test-fast test-postgres test-clock clock-deps browser-deps slurm-deps node a11y-deps interop-deps sandbox-deps translations messages services clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) translations sandbox-deps labext

# Oqu's JupyterLab extension (lms/hub/oqulab): TypeScript built with JupyterLab's own tooling (jlpm, the
# builder) from npm at the versions yarn.lock pins; the learner's server loads lms/hub/oqulab/build.
LABEXT := lms/hub/oqulab
labext: $(STAMP) node $(LABEXT)/build/labextensions/@oqu/lab/package.json

$(LABEXT)/build/labextensions/@oqu/lab/package.json: $(LABEXT)/package.json $(LABEXT)/yarn.lock $(LABEXT)/tsconfig.json $(wildcard $(LABEXT)/src/*.ts $(LABEXT)/style/*)
	cd $(LABEXT) && PATH="$(abspath $(BIN)):$$PATH" jlpm install --immutable && PATH="$(abspath $(BIN)):$$PATH" jlpm build

# bubblewrap: grading runs learner code in its sandbox, and a worker without it refuses to grade
# (docs/security.md); each learner's JupyterLab on the local back end runs in its own (lms/hub/isolation.py).
sandbox-deps:
	command -v bwrap >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null)

# Compile the Kazakh and Russian catalogs (.po → .mo).
translations: $(STAMP)
	$(BIN)/pybabel compile -d translations

# Extract strings from code and templates and merge them into both catalogs.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -N --ignore-obsolete -i translations/messages.pot -d translations

# Debian's Chromium for the browser tests (Playwright's own download cannot work here).
browser-deps:
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null)

# Debian's Slurm and munge for tests/slurm and LMS_HUB_BACKEND=slurm make run (lms/hub/localslurm.py starts a
# single-node cluster from them; nothing is configured system-wide).
slurm-deps:
	command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 && command -v munged >/dev/null 2>&1 && command -v sbatch >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null)

# Node.js and npm (Debian's) for the npm packages the tests use, where the machine has none.
node:
	command -v npm >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null)

# axe-core for the accessibility tests (tests/a11y), from npm at the version package.json pins.
a11y-deps: node
	test -f tests/a11y/node_modules/axe-core/axe.min.js || npm ci --prefix tests/a11y --no-audit --no-fund --silent

# Credential verifiers Oqu did not write, for tests/interop (Digital Bazaar's vc.js and cryptosuites, the
# DCC's verifier-core, Ajv), from npm at the versions package-lock.json pins; reinstalled when it changes.
INTEROP_STAMP := tests/interop/node_modules/.installed
$(INTEROP_STAMP): tests/interop/package-lock.json
	npm ci --prefix tests/interop --no-audit --no-fund --silent
	touch $@

interop-deps: node $(INTEROP_STAMP)

# Start PostgreSQL and Redis if this machine has them installed but stopped.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no

# The whole system: the LMS (http://127.0.0.1:5000), JupyterHub behind its proxy (http://127.0.0.1:8000) and
# the task-queue worker, under honcho (deploy/Procfile). Ctrl-C stops all of them and every learner server.
# With LMS_HUB_BACKEND=slurm and no SLURM_CONF, learners' servers are jobs of a local single-node Slurm cluster
# (state in instance/slurm), started first and stopped last; the worker charges GPU time from its
# job-completion record (LMS_GPU_SLURM_ACCOUNTING, docs/deployment.md).
SLURM_LOCAL := instance/slurm
run: install $(if $(filter slurm,$(LMS_HUB_BACKEND)),slurm-deps)
	$(FLASK) db upgrade
	$(FLASK) lms seed-demo
	if [ "$$LMS_HUB_BACKEND" = slurm ] && [ -z "$$SLURM_CONF" ]; then \
	  $(BIN)/python -m lms.hub.localslurm start $(SLURM_LOCAL) || exit 1; \
	  export SLURM_CONF="$$PWD/$(SLURM_LOCAL)/slurm.conf"; \
	  export LMS_GPU_SLURM_ACCOUNTING="$${LMS_GPU_SLURM_ACCOUNTING:-jobcomp:$$PWD/$(SLURM_LOCAL)/log/jobcomp.txt}"; \
	  trap '$(BIN)/python -m lms.hub.localslurm stop $(SLURM_LOCAL)' EXIT; trap 'exit 130' INT TERM; \
	fi; \
	$(BIN)/honcho start -f deploy/Procfile -d .

# Every benchmark in bench/ (launch, grading, export, pages, …) as one table against baselines measured in
# the same run (docs/performance.md). BENCH_ARGS=--quick for a smaller run, BENCH_ARGS="--only pages" for one.
bench: install
	command -v wrk >/dev/null 2>&1 && command -v sqlite3 >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk sqlite3 >/dev/null)
	$(BIN)/python -m bench $(BENCH_ARGS)

test: install browser-deps slurm-deps a11y-deps interop-deps
	$(BIN)/pytest

# While working: the tests that start no hub, browser, Slurm, sandbox or other program, over every core
# (about a minute on two; SQLite only, see README).
test-fast: install
	$(BIN)/pytest -q -m "not integration" -n auto

# The tests whose dates matter, run again on the machine's clock faked to the hours when Almaty's date
# is not the UTC one (20:30 UTC: already tomorrow; 31 December 20:30 UTC: already next year) and on a
# machine set to Almaty's zone at 02:00 local time. The app reads dates only through lms/clock.py, so
# each run must pass whatever the hour.
# (Chromium is left out: it tests no date. libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC makes Python's
# time.sleep fail with EINVAL every time (wolfcw/libfaketime#426) — subprocess waits with it, so programs
# started with a timeout failed now and then; under faketime tests/conftest.py sleeps through select.)
DATE_TESTS := tests/test_clock.py tests/certificates tests/hr tests/learning tests/courses tests/gpu/test_quota.py \
	tests/gpu/test_report.py tests/gpu/test_enforcement.py tests/grading/test_gradebook.py tests/grading/test_policy.py \
	tests/test_query_counts.py tests/interop -m "not browser"
FAKED = FAKETIME_DONT_FAKE_MONOTONIC=1 faketime

clock-deps:
	command -v faketime >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null)

test-clock: install clock-deps
	TZ=UTC $(FAKED) '2026-12-01 20:30:00' $(BIN)/pytest -q -p no:cacheprovider $(DATE_TESTS)
	TZ=UTC $(FAKED) '2026-12-31 20:30:00' $(BIN)/pytest -q -p no:cacheprovider $(DATE_TESTS)
	TZ=Asia/Almaty $(FAKED) '2026-12-02 02:00:00' $(BIN)/pytest -q -p no:cacheprovider $(DATE_TESTS)

# The same suite against the real PostgreSQL (CI runs both).
test-postgres: install browser-deps slurm-deps a11y-deps interop-deps services
	LMS_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest

clean:
	rm -rf $(VENV) instance .pytest_cache
