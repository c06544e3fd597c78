"""Helpers shared by the tests (test_install.py, test_uninstall.py, test_locking.py, test_audit.py,
test_plans.py).

    from helpers import make_db  # noqa: F401  (a fixture: import it to use it)
"""
import contextlib
import re
import uuid

import psycopg
import pytest

from conftest import ROOT, Database
import build  # noqa: E402  (the repository's root, on sys.path by conftest)
import manifest  # noqa: E402  (tools/, on sys.path by conftest)

# The package's version (VERSION, the one place it is written).
VERSION = (ROOT / "VERSION").read_text(encoding="utf-8").strip()

# The tenant tables, from the manifest (sql/manifest.sql): the v0 ones the application had, and
# the ones the package adds.
V0_TABLES = manifest.names(origin="v0")
NEW_TABLES = manifest.names(origin="package")


def _fixture_columns(table):
    """The columns test/fixtures/v0_schema.sql gives a table: what the application had before the
    package, and what must come out of an install (and an uninstall) byte for byte."""
    text = (ROOT / "test" / "fixtures" / "v0_schema.sql").read_text(encoding="utf-8")
    block = re.search(rf"CREATE TABLE IF NOT EXISTS public\.{table} \((.*?)\n\s*\)", text, re.S).group(1)
    return [line.split()[0] for line in block.strip().splitlines() if line.strip() and not line.strip().startswith("--")]


V0_COLUMNS = {t: _fixture_columns(t) for t in V0_TABLES}
# The tables the package keeps updated_at on: those whose DDL adds the column (the contract).
UPDATED_AT_TABLES = sorted({t for t, column, _, _ in build.contract_rows(build.modules()) if column == "updated_at"})
V0_COUNTS = {"memoires": 6, "projects": 5, "sections": 25, "document_chunks": 30}


DEFAULT_LEGACY_NAME = "Entreprise (données existantes)"

# A line of psql's stderr carrying a NOTICE: "psql:/path/install.sql:52: NOTICE:  memtech: ..."
NOTICE = re.compile(r"^(?:psql:[^\n]*?:\d+: )?NOTICE:\s+(.*)$", re.M)


@contextlib.contextmanager
def auto_explained(conn, log_format="text"):
    """Yields a list that fills with the plans auto_explain logs for the statements run on conn
    inside the block, those that triggers and functions run included (one message each, in
    log_format); skips the test on a server without auto_explain."""
    try:
        conn.execute("LOAD 'auto_explain'")
    except psycopg.Error:
        pytest.skip("auto_explain is not available on this server")
    plans = []

    def keep(diagnostic):
        plans.append(diagnostic.message_primary or "")

    conn.add_notice_handler(keep)
    for name, value in (("log_min_duration", "0"), ("log_nested_statements", "on"),
                        ("log_format", log_format), ("log_level", "notice")):
        conn.execute(f"SET auto_explain.{name} = {value}")
    conn.execute("SET client_min_messages = notice")
    try:
        yield plans
    finally:
        conn.remove_notice_handler(keep)


def notices(stderr):
    """The NOTICE messages in psql's stderr, in order, without the psql: prefix."""
    return NOTICE.findall(stderr)


def load_v0(db, app_objects=True):
    """The v0 production database: schema, realistic rows, and the application's own objects."""
    db.load_fixture("v0_schema")
    db.load_fixture("v0_data")
    if app_objects:
        db.load_fixture("v0_app_objects")


def scalar(db, sql, params=None):
    with db.connect() as conn:
        row = conn.execute(sql, params).fetchone()
        return None if row is None else row[0]


def rows(db, sql, params=None):
    with db.connect() as conn:
        return conn.execute(sql, params).fetchall()


def table_exists(db, qualified):
    return scalar(db, "SELECT to_regclass(%s) IS NOT NULL", [qualified])


def v0_digests(db):
    """{table: md5 of its v0 columns, row by row in id order} for each v0 table present."""
    out = {}
    with db.connect() as conn:
        for table, columns in V0_COLUMNS.items():
            if not conn.execute("SELECT to_regclass(%s) IS NOT NULL", [f"public.{table}"]).fetchone()[0]:
                continue
            cols = ", ".join(f'"{c}"' for c in columns)
            out[table] = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(ROW({cols})::text, E'\\n' ORDER BY id), '')) "
                f"FROM public.{table}").fetchone()
    return out


def user_tables(conn):
    """Every ordinary table of the database outside the system schemas, schema-qualified."""
    return [r[0] for r in conn.execute(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' ORDER BY 1")]


def counts(db):
    """{table: row count} for every table of the database."""
    with db.connect() as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in user_tables(conn)}


def data_digest(db):
    """{table: (row count, md5 of every row in full)} for every table: equal means no row changed."""
    with db.connect() as conn:
        return {t: conn.execute(
            f"SELECT count(*), md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) FROM {t} x").fetchone()
            for t in user_tables(conn)}


def app_state(db):
    """What the application reads through its own objects (v0_app_objects.sql)."""
    with db.connect() as conn:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        return {
            "internal_code": q("SELECT id, internal_code FROM public.projects ORDER BY id"),
            "projects_name_idx": q("SELECT i.indexdef, x.indisvalid, x.indisready FROM pg_indexes i "
                                   "JOIN pg_index x ON x.indexrelid = format('%I.%I', i.schemaname, i.indexname)::regclass "
                                   "WHERE i.schemaname = 'public' AND i.indexname = 'projects_name_idx'"),
            "project_overview": q("SELECT id, name, internal_code, created_at, section_count "
                                  "FROM public.project_overview ORDER BY id"),
            "chunk_count": q("SELECT id, public.chunk_count(id) FROM public.memoires ORDER BY id"),
            "app_settings": q("SELECT key, value FROM public.app_settings ORDER BY key"),
        }


def assert_app_objects_work(state):
    """The fixture's objects are there and return the fixture's data."""
    assert [c for _, c in state["internal_code"] if c] == ["AO-2023-041", "AO-2024-017", "AO-2024-052"]
    assert state["projects_name_idx"] == [
        ("CREATE INDEX projects_name_idx ON public.projects USING btree (name)", True, True)]
    assert len(state["project_overview"]) == 5
    assert sum(r[4] for r in state["project_overview"]) == 25
    assert sum(r[1] for r in state["chunk_count"]) == 30
    assert [r[0] for r in state["app_settings"]] == ["company", "default_section_types", "generation"]


def installed_version(db):
    """The version in the install record, or None when memtech is not installed."""
    if not table_exists(db, "memtech.installation"):
        return None
    return scalar(db, "SELECT version FROM memtech.installation")


@pytest.fixture
def make_db(cluster, build_scripts):
    """make_db('ref') -> another fresh Database on the session cluster (dropped afterwards),
    for a reference to compare the test's own database with."""
    made = []

    def make(tag="extra"):
        name = f"t_{re.sub(r'[^a-z0-9]+', '_', tag.lower())[:30]}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return Database(cluster, name, lambda: build_scripts)

    yield make
    with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# memoire_section_type's labels before 0.4.0 (the package's own English vocabulary): an
# upgrade keeps them, since a label cannot be removed while rows may use it.
ENGLISH_SECTION_TYPES = ["company-presentation", "human-resources", "equipment", "methodology", "site-organization",
                         "schedule", "quality", "health-safety", "environment", "references", "subcontracting",
                         "technical-variants", "other"]
# The labels a fresh install takes from the v0 fixture's sections, and on an empty database.
V0_SECTION_TYPES = ["presentation", "moyens_humains", "methodologie", "planning", "qualite", "securite", "environnement"]
DEFAULT_SECTION_TYPES = ["presentation", "moyens_humains", "moyens_materiels", "methodologie", "organisation_chantier",
                         "planning", "qualite", "securite", "environnement", "references", "sous_traitance", "variantes",
                         "autre"]
_SECTION_TYPE_ENUM = re.compile(r"^CREATE TYPE public\.memoire_section_type AS ENUM \(\n(.*?)\n\);$", re.S | re.M)


def section_type_labels(dump):
    """(dump without memoire_section_type's labels, its labels in order): two databases whose
    vocabularies differ (an upgrade keeps its old labels) compare equal in everything else."""
    m = _SECTION_TYPE_ENUM.search(dump)
    assert m, "no CREATE TYPE public.memoire_section_type in the dump"
    labels = [line.strip().rstrip(",").strip("'") for line in m.group(1).splitlines()]
    return dump[:m.start(1)] + "..." + dump[m.end(1):], labels


def create_pgvector_or_skip(db):
    """CREATE EXTENSION vector in db, or skip the test where the server has no pgvector."""
    with db.connect() as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        if not conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone():
            pytest.skip(f"the vector extension (pgvector) is not available on PostgreSQL {version}: "
                        f"run `make test-all` (its 16+vector and 18+vector servers have it)")
        conn.execute("CREATE EXTENSION vector")
