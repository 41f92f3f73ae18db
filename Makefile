# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rightsledger
# The demo runs with DEBUG off, as production does; `make demo DEBUG=1` (or DJANGO_DEBUG=1) turns it
# on for development (tracebacks in the browser: never where anyone else can reach the server).
DEMO_ENV := RIGHTSLEDGER_DEMO=1 DJANGO_DEBUG=$(or $(DEBUG),$(DJANGO_DEBUG),0)
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) DJANGO_SECRET_KEY=test-only-secret-key-$(shell hostname)-rightsledger-0123456789 \
	DJANGO_ALLOWED_HOSTS=testserver,localhost,127.0.0.1 DJANGO_SECURE_SSL_REDIRECT=0 \
	CELERY_BROKER_URL=$(or $(TEST_CELERY_BROKER_URL),redis://127.0.0.1:6379/15) CELERY_TASK_ALWAYS_EAGER=1

ZOU_VERSION ?= 1.0.97
ZOU_VENV ?= .zou
# Transparency-log tools that are not ours, for the tests that check our ledger with them.
AICS_TLOG_VERSION ?= 0.2.1
AICS_WITNESS_VERSION ?= 0.1.0
TLOG_TOOLS_VENV ?= .tlogtools
# They need Python 3.12 or newer: the first on PATH, else the newest under ~/.pyenv/versions.
TLOG_TOOLS_PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $$HOME/.pyenv/versions/3.* 2>/dev/null | sort -Vr | sed 's|$$|/bin/python3|'); do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)

.PHONY: soak demo stack test venv services migrate bench clean zou tlog-tools fuzz audit lint format

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

# zou, Kitsu's server, for the tracker integration tests: in a virtualenv of its own (it pins its
# own Flask, SQLAlchemy and psycopg). The tests start and stop it; they are skipped, saying so,
# only where it cannot be installed.
$(ZOU_VENV)/.installed-$(ZOU_VERSION):
	@rm -f $(ZOU_VENV)/.installed-*
	@(test -x $(ZOU_VENV)/bin/python || $(PYTHON) -m venv $(ZOU_VENV)) && $(ZOU_VENV)/bin/python -m pip install -q "zou==$(ZOU_VERSION)" \
		&& touch $@ || echo "zou $(ZOU_VERSION) could not be installed: the Kitsu integration tests will be skipped"

zou: $(ZOU_VENV)/.installed-$(ZOU_VERSION)

# aics-tlog (a C2SP tlog-tiles, checkpoint and cosignature verifier) and aics-witness (a C2SP
# tlog-witness), in a virtualenv of their own, for the tests that check our ledger with code that is
# not ours. Without a Python >= 3.12 those tests are skipped, saying so.
$(TLOG_TOOLS_VENV)/.installed-$(AICS_TLOG_VERSION)-$(AICS_WITNESS_VERSION):
	@rm -f $(TLOG_TOOLS_VENV)/.installed-*
	@if [ -z "$(TLOG_TOOLS_PYTHON)" ]; then \
		echo "no Python >= 3.12 on PATH or under ~/.pyenv/versions (aics-tlog needs one): the tests with aics-tlog and aics-witness will be skipped"; \
	else (test -x $(TLOG_TOOLS_VENV)/bin/python || $(TLOG_TOOLS_PYTHON) -m venv $(TLOG_TOOLS_VENV)) \
		&& $(TLOG_TOOLS_VENV)/bin/python -m pip install -q "aics-tlog==$(AICS_TLOG_VERSION)" "aics-witness==$(AICS_WITNESS_VERSION)" \
		&& touch $@ || echo "aics-tlog $(AICS_TLOG_VERSION) and aics-witness $(AICS_WITNESS_VERSION) could not be installed: their tests will be skipped"; fi

tlog-tools: $(TLOG_TOOLS_VENV)/.installed-$(AICS_TLOG_VERSION)-$(AICS_WITNESS_VERSION)

# Start the local PostgreSQL cluster and Redis when they are installed but down.
services:
	@if command -v pg_lsclusters >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
		echo "starting PostgreSQL"; \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort -V | tail -n1) main start; \
		for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; fi
	@missing=""; command -v dot >/dev/null || missing="$$missing graphviz"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	if [ -n "$$missing" ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing from Debian:$$missing (lineage drawings, browser tests, PDF reports)"; \
		(apt-get install -y -qq $$missing >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq $$missing >/dev/null)); fi
	@if command -v redis-server >/dev/null && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then \
		echo "starting Redis"; \
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; \
		for i in $$(seq 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done; fi

demo: $(VENV)/.installed
	@command -v dot >/dev/null || echo "note: install Graphviz (apt-get install graphviz) to draw lineage as SVG"
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo --url http://127.0.0.1:$(or $(PORT),8000)
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:$(or $(PORT),8000)

# The stack as separate processes (Procfile, run by honcho): web, a worker per queue, beat and the
# tracker listener, each in a folder of its own, against PostgreSQL, Redis and S3 (docs/deploy.md).
# With no AWS_S3_ENDPOINT_URL or AWS_STORAGE_BUCKET_NAME it starts moto's S3 server for itself.
stack: $(VENV)/.installed services
	DATABASE_URL=$(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/rightsledger) PY=$(abspath $(PY)) bin/stack

# The suite runs in one process per CPU (tests/parallel.py); WORKERS=n chooses, WORKERS=0 runs one.
test: $(VENV)/.installed services zou tlog-tools lint
	$(TEST_ENV) ZOU_VENV=$(abspath $(ZOU_VENV)) TLOG_TOOLS_VENV=$(abspath $(TLOG_TOOLS_VENV)) $(PY) -m pytest \
		--numprocesses=$(or $(WORKERS),auto) --dist=loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# The code's format and lint (configured in pyproject.toml); `make format` applies both fixes.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check --quiet .
	$(VENV)/bin/ruff check --quiet .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format --quiet .
	$(VENV)/bin/ruff check --quiet --fix .

# A longer Schemathesis run than the suite's: 200 examples per operation and mode.
fuzz: $(VENV)/.installed services
	$(TEST_ENV) SCHEMATHESIS_EXAMPLES=$(or $(EXAMPLES),200) $(PY) -m pytest -q tests/rightsledger/test_schema.py -p no:cacheprovider

# Known vulnerabilities in the pinned dependencies (pip-audit, against PyPI's advisory data), and
# bandit on our code (also a test).
audit: $(VENV)/.installed
	$(PY) -m pip_audit --skip-editable --progress-spinner off
	$(PY) -m bandit -q -r config rightsledger provenance generation portal tracker demo -ll

bench: $(VENV)/.installed services
	$(TEST_ENV) $(PY) bench/api.py

# Ten minutes of the gate's HTTP check at 70% of its peak (not in CI): bench/results/soak.json.
soak: $(VENV)/.installed services
	$(PY) bench/soak.py

clean:
	rm -rf var
