#!/usr/bin/env bash
# Runs the pgTAP tests with pg_prove against the server named by the PG* variables (by
# default the local one), the same steps as test/test_pgtap.py: a scratch database with the
# v0 sample, the install, the pgtap extension, then pg_prove over test/pgtap/, then the
# scratch database is dropped. Used inside the Docker image (/usr/share/memtech/prove.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${MEMTECH_ROOT:-$(cd "$here/.." && pwd)}
install=${MEMTECH_INSTALL:-$root/build/install.sql}
db=memtech_prove_$$
psql=(psql -X -q -v ON_ERROR_STOP=1)
"${psql[@]}" -d postgres -c "CREATE DATABASE $db"
trap '"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
for f in "$root/test/fixtures/v0_schema.sql" "$root/test/fixtures/v0_data.sql" "$install"; do
    "${psql[@]}" -d "$db" -f "$f" > /dev/null 2>&1 || { "${psql[@]}" -d "$db" -f "$f"; exit 1; }
done
"${psql[@]}" -d "$db" -c "CREATE EXTENSION IF NOT EXISTS pgtap"
pg_prove -d "$db" "$root"/test/pgtap/*.sql
