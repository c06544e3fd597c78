"""Every test/pgtap/*.sql file, run by pg_prove against a fresh database holding the package.

One pytest test per file, named by its stem:  pytest test/test_pgtap.py -k 21_row_level_security
"""
import pathlib
import shutil
import subprocess

import pytest

from conftest import FIXTURES, client_env, client_tool

PGTAP_FILES = sorted((pathlib.Path(__file__).parent / "pgtap").glob("*.sql"))
# The legacy (v0) schema and data the package installs over.
V0_FIXTURES = ["v0_schema", "v0_data"]


@pytest.mark.pgtap
@pytest.mark.parametrize("path", PGTAP_FILES, ids=[p.stem for p in PGTAP_FILES])
def test_pgtap(db, path):
    for name in V0_FIXTURES:
        db.load_fixture(name)
    db.install()
    prove(db, path)


@pytest.mark.pgtap
def test_the_catalog_checks_hold_on_an_empty_database_too(db):
    """99_catalog.sql's rules over the v0 tables the install creates itself (indexed and
    documented like the package's own), not only over the application's."""
    db.install()
    prove(db, pathlib.Path(__file__).parent / "pgtap" / "99_catalog.sql")


def prove(db, path):
    db.psql("CREATE EXTENSION IF NOT EXISTS pgtap")
    c = db.cluster
    pg_prove = shutil.which("pg_prove")
    if not pg_prove:
        pytest.fail("pg_prove not found on PATH: run tools/bootstrap.sh "
                    "(package libtap-parser-sourcehandler-pgtap-perl)", pytrace=False)
    cmd = [pg_prove, "-v", "--psql-bin", client_tool(c, "psql"),
           "-h", str(c.socket_dir), "-p", str(c.port), "-U", "postgres", "-d", db.name, str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=client_env(c, db.name))
    assert proc.returncode == 0, (f"pg_prove failed on {path.name} (exit {proc.returncode}):\n"
                                  f"{proc.stdout}{proc.stderr}")
