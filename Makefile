# memtech: build, install and test the SQL package.
#
# Target database of install/uninstall/seed/psql: the one the environment names when any of
# DATABASE_URL, PGHOST, PGDATABASE, PGPORT, PGSERVICE is set (DATABASE_URL is given to psql
# as its connection string); otherwise the embedded cluster in .pgdata/ (port 54329), which
# is created and started on demand and left running (`make stop` stops it).

PYTHON       ?= python3
PG_BINDIR    ?= /usr/lib/postgresql/15/bin
EMBEDDED_DIR ?= .pgdata
EMBEDDED_PORT ?= 54329
PYTEST_ARGS  ?=
PSQL_ARGS    ?=
export PG_BINDIR

# PostgreSQL 15's own psql when installed, else whatever psql is on PATH.
PSQL_BIN := $(firstword $(wildcard $(PG_BINDIR)/psql) psql)

# Shell prelude of the targets that talk to the target database: it leaves the environment
# alone when it names a database, else starts the embedded cluster and exports its PG* lines.
# Then $$conn is DATABASE_URL or empty.
TARGET_DB = set -e; \
	if [ -n "$${DATABASE_URL:-}$${PGHOST:-}$${PGDATABASE:-}$${PGPORT:-}$${PGSERVICE:-}" ]; then \
		conn="$${DATABASE_URL:-}"; \
	else \
		lines=$$($(PYTHON) tools/pgcluster.py ensure $(EMBEDDED_DIR) --port $(EMBEDDED_PORT)); \
		set -a; eval "$$lines"; set +a; conn=""; \
	fi;
PSQL = $(PSQL_BIN) -X -v ON_ERROR_STOP=1 $${conn:+"$$conn"}

.PHONY: help bootstrap bootstrap-system build check install uninstall seed psql stop test clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

bootstrap: ## install system packages (root) and the .venv test dependencies, if missing
	@tools/bootstrap.sh

bootstrap-system: ## install only the system packages (PostgreSQL 15, pgTAP, pg_prove), if missing
	@tools/bootstrap.sh --system-only

build: ## generate build/install.sql, build/uninstall.sql and migrations/ from sql/
	$(PYTHON) build.py

check: ## fail if the committed migrations/ differ from what build.py generates
	$(PYTHON) build.py --check

install: bootstrap-system build ## apply build/install.sql to the target database
	@$(TARGET_DB) $(PSQL) -f build/install.sql

uninstall: bootstrap-system build ## apply build/uninstall.sql to the target database
	@$(TARGET_DB) $(PSQL) -f build/uninstall.sql

seed: bootstrap-system ## apply seed/dev_seed.sql to the target database
	@$(TARGET_DB) $(PSQL) -f seed/dev_seed.sql

psql: bootstrap-system ## open psql on the target database (extra arguments: PSQL_ARGS='-c "select 1"')
	@$(TARGET_DB) $(PSQL_BIN) $${conn:+"$$conn"} $(PSQL_ARGS)

stop: ## stop the embedded cluster in .pgdata/
	@if [ -d $(EMBEDDED_DIR) ]; then $(PYTHON) tools/pgcluster.py stop $(EMBEDDED_DIR); fi

test: bootstrap build ## run the test suite (pytest + pgTAP); extra arguments: PYTEST_ARGS='-k 20_users'
	.venv/bin/python -m pytest $(PYTEST_ARGS)

clean: ## remove build/ and the embedded cluster .pgdata/ (stopped first)
	-@if [ -d $(EMBEDDED_DIR) ]; then $(PYTHON) tools/pgcluster.py stop $(EMBEDDED_DIR); fi
	rm -rf build $(EMBEDDED_DIR)
