#!/usr/bin/env bash
# Make sure what the tests need is here; fast and silent when it already is.
#
#   tools/bootstrap.sh                system packages + the .venv with the test dependencies
#   tools/bootstrap.sh --system-only  only the system packages (PostgreSQL 15, pgTAP, pg_prove)
#
# System packages come from apt (Debian/Ubuntu). As root they are installed; otherwise the
# exact command to run is printed and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
PYTHON=${PYTHON:-python3}

# --- system packages: check for files, not dpkg records, so that it stays quick ------------
missing=()
[ -x "$PG_BINDIR/postgres" ] || missing+=(postgresql-15)
pg_sharedir=/usr/share/postgresql/15
if [ -x "$PG_BINDIR/pg_config" ]; then pg_sharedir=$("$PG_BINDIR/pg_config" --sharedir); fi
[ -f "$pg_sharedir/extension/pgtap.control" ] || missing+=(postgresql-15-pgtap)
command -v pg_prove >/dev/null || missing+=(libtap-parser-sourcehandler-pgtap-perl)
if [ "${1:-}" != --system-only ] && ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    missing+=(python3-venv)  # Debian's own python3 ships venv without ensurepip
fi

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "bootstrap: missing system packages: ${missing[*]}. Install them with:" >&2
        echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "bootstrap: installing ${missing[*]}" >&2
    if [[ " ${missing[*]} " == *" postgresql-15 "* ]]; then
        # Debian's postgresql package otherwise creates and starts a 'main' cluster on port
        # 5432 that nothing here uses: the tests make their own clusters.
        mkdir -p /etc/postgresql-common/createcluster.d
        echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/memtech-no-main.conf
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "${1:-}" = --system-only ] && exit 0

# --- the virtualenv: pip only when pyproject.toml changed since the last successful install --
stamp=.venv/.bootstrap-stamp
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ] && .venv/bin/python -c '' 2>/dev/null; then
    exit 0
fi
if ! .venv/bin/python -c '' 2>/dev/null; then
    echo "bootstrap: creating .venv" >&2
    rm -rf .venv
    "$PYTHON" -m venv .venv
fi
echo "bootstrap: installing the test dependencies into .venv (pip install -e .[test])" >&2
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
touch "$stamp"
