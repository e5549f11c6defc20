# OSE Platform. `make run` serves the site on SQLite; `make test` runs every test.
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: messages run test lint format bench fuzz serve worker install migrate seed clean backup restore

$(PY):
	@PYTHON_BIN=$$(scripts/find-python) || exit 1; \
	echo "Creating $(VENV) with $$PYTHON_BIN"; \
	"$$PYTHON_BIN" -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: export DEBUG ?= 1
# The demo staff sign in with a password alone; production's default is required.
run: export STAFF_MFA ?= optional
run: seed
	$(PY) manage.py runserver $(HOST):$(PORT)

# A run that collects nothing fails (pytest exits 5): a filter or a path that
# matches no test must not pass for a green suite. Two workers by default
# (pytest-xdist, a module per unit of work: tests/conftest.py); TEST_WORKERS=0 runs
# in one process, TEST_WORKERS=auto one worker per CPU.
TEST_WORKERS ?= 2
test: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

# After wrapping new strings: refresh locale/ar/LC_MESSAGES/django.po, translate
# the new entries, then `make messages` again to compile (docs/architecture.md).
messages: install
	$(PY) manage.py makemessages -l ar -e html,txt,py --no-obsolete --ignore=tests --ignore=bench \
		--ignore=staticfiles --ignore=scripts --ignore=deploy --ignore='templates/admin/*' \
		--ignore='templates/drf_spectacular/*'
	$(PY) scripts/compilemessages.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The production layout on this machine, DEBUG off (docs/deploy.md): gunicorn for
# HTTP, uvicorn for /ws/, the task worker, nginx in front when installed. Needs
# Redis (REDIS_URL, default the local one) and PostgreSQL (DATABASE_URL; SQLite only
# with SERVE_ALLOW_SQLITE=1). Internal addresses: GUNICORN_BIND, WS_PORT.
# The key below is for this machine only.
serve: export DEBUG = 0
serve: export SECRET_KEY ?= local-serve-only-key-not-for-production-6c1f0e9b2d7a4e35b8a9c0d1e2f3a4b5
serve: export REDIS_URL ?= redis://127.0.0.1:6379/0
serve: install
	@$(PY) scripts/serve.py --check
	@$(BIN)/python -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL'], socket_timeout=2).ping()" \
		|| { echo "make serve needs Redis at $$REDIS_URL (set REDIS_URL)"; exit 1; }
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py migrate --noinput
	$(PY) scripts/serve.py --host $(HOST) --port $(PORT)

# The task worker alone (TASK_BACKEND=database, the default when REDIS_URL is set).
worker: export TASK_BACKEND ?= database
worker: install
	$(PY) manage.py db_worker

# Seed PostgreSQL, start the production processes, drive load, write
# docs/benchmarks.md (under ten minutes; needs PostgreSQL and Redis; installs wrk),
# then the ledger core against django-hordak (the `bench` extra, installed here
# only). `make bench BENCH_ARGS=--ledger-only` runs the ledger part alone;
# --hot-campaign (one campaign against a thousand), --replica (a streaming replica
# of our own) and --large-ledger (10 thousand against 10 million entries) likewise.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ose_bench
BENCH_LEDGER_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ose_ledger_bench
bench: install
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_LEDGER_DATABASE_URL=$(BENCH_LEDGER_DATABASE_URL) \
		$(PY) bench/run.py $(BENCH_ARGS)

# Schemathesis for longer than CI (which fuzzes 100 examples per operation on
# PostgreSQL inside `make test`); runs on SQLite too.
FUZZ_EXAMPLES ?= 1000
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/security/test_fuzz.py -q -p no:cacheprovider $(PYTEST_ARGS)

# PostgreSQL backup and restore drill (docs/deploy.md "Backups and restore"):
#   make backup DATABASE_URL=postgres://...                    -> backups/<db>-<time>.dump + .sha256
#   make restore DATABASE_URL=postgres://... BACKUP=backups/x.dump RESTORE_DATABASE=ose_restored
# restore checks the checksum, creates RESTORE_DATABASE (never overwrites one) and
# runs ledger_verify there. Needs the PostgreSQL client (pg_dump, pg_restore, psql).
BACKUP_DIR ?= backups
backup: install
	@test -n "$(DATABASE_URL)" || { echo "make backup needs DATABASE_URL=postgres://..."; exit 2; }
	$(PY) scripts/db_backup.py backup --database-url "$(DATABASE_URL)" --out $(BACKUP_DIR)

restore: install
	@test -n "$(DATABASE_URL)" -a -n "$(BACKUP)" -a -n "$(RESTORE_DATABASE)" || \
		{ echo "make restore needs DATABASE_URL=postgres://... BACKUP=<file.dump> RESTORE_DATABASE=<new name>"; exit 2; }
	$(PY) scripts/db_backup.py restore --database-url "$(DATABASE_URL)" --file "$(BACKUP)" --into "$(RESTORE_DATABASE)"
	DATABASE_URL="$$($(PY) -c "import sys; sys.path.insert(0, 'scripts'); import db_backup; print(db_backup.with_database('$(DATABASE_URL)', '$(RESTORE_DATABASE)'))")" \
		SECRET_KEY="$${SECRET_KEY:-only-for-the-ledger-check}" $(PY) manage.py ledger_verify

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
