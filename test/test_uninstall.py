"""The uninstall (build/uninstall.sql): it gives the database back exactly as it was before
the install, or refuses, naming why, and changes nothing."""
import re

import pytest

from helpers import (VERSION, NEW_TABLES, V0_TABLES, app_state, assert_app_objects_work, data_digest, installed_version, load_v0,
                     notices, rows, scalar, table_exists, v0_digests)

NOTHING_TO_UNINSTALL = "nothing to uninstall"


def assert_refused(proc, *expected):
    assert proc.returncode != 0, f"uninstall succeeded where it should have failed:\n{proc.stderr}"
    assert "ERROR:" in proc.stderr
    for text in expected:
        if isinstance(text, re.Pattern):
            assert text.search(proc.stderr), f"{text.pattern!r} not in the error:\n{proc.stderr}"
        else:
            assert text in proc.stderr, f"{text!r} not in the error:\n{proc.stderr}"


def installed_v0(db):
    """A v0 database with the package installed; returns its state from before the install."""
    load_v0(db)
    before = {"dump": db.dump(), "v0": v0_digests(db), "app": app_state(db), "data": data_digest(db)}
    db.install()
    return before


# --------------------------------------------------------------------------- round trips

def test_uninstall_after_install_on_v0_gives_back_the_v0_database(db):
    before = installed_v0(db)
    # Only the legacy company exists: the install's own row does not block the uninstall.
    assert scalar(db, "SELECT count(*) FROM public.companies") == 1

    proc = db.uninstall()

    assert db.dump() == before["dump"]
    assert v0_digests(db) == before["v0"]
    assert data_digest(db) == before["data"]
    app = app_state(db)
    assert app == before["app"]
    assert_app_objects_work(app)
    assert installed_version(db) is None
    said = notices(proc.stderr)
    assert said and all(n.startswith("memtech: ") for n in said), proc.stderr


@pytest.mark.parametrize("release", ["0.1.0", "0.3.0"])
def test_uninstall_removes_an_earlier_releases_install_too(db, release):
    """docs/upgrades.md: this version's rollback also removes an earlier release's install
    (test/fixtures/memtech_<release>_install.sql), whose columns, tables and functions differ."""
    load_v0(db)
    before = {"dump": db.dump(), "v0": v0_digests(db), "data": data_digest(db)}
    db.load_fixture(f"memtech_{release}_install")

    db.uninstall()

    assert db.dump() == before["dump"]
    assert v0_digests(db) == before["v0"]
    assert data_digest(db) == before["data"]


def test_prepare_install_uninstall_gives_back_the_v0_database(db, build_scripts):
    # build/prepare.sql builds sections (project_id) concurrently before the install; the
    # install takes that index as its own (no build under its lock), the uninstall drops it.
    load_v0(db)
    before = {"dump": db.dump(), "data": data_digest(db)}

    prepared = db.psql(build_scripts.prepare)
    said = prepared.stdout + prepared.stderr
    assert "memtech: indexing sections.project_id concurrently" in said
    assert "memtech: indexing document_chunks.memoire_id concurrently" in said
    again = db.psql(build_scripts.prepare)                          # a second run finds the indexes and does nothing
    assert "indexing" not in again.stdout + again.stderr
    for table in ("sections", "document_chunks"):
        assert scalar(db, f"SELECT count(*) FROM pg_index WHERE indrelid = 'public.{table}'::regclass") == 2
    installed = db.install()
    assert not any("indexing sections.project_id" in n for n in notices(installed.stderr)), installed.stderr
    assert scalar(db, "SELECT created_indexes FROM memtech.installation") == [
        "public.document_chunks_memoire_id_idx", "public.sections_project_id_idx"]

    db.uninstall()

    assert db.dump() == before["dump"]
    assert data_digest(db) == before["data"]


@pytest.mark.parametrize("then", ["prepare", "install"])
def test_an_index_an_interrupted_prepare_left_invalid_is_built_again(db, build_scripts, then):
    # An interrupted CREATE INDEX CONCURRENTLY leaves its index behind, invalid. Running the
    # prepare step again, or the install, replaces it; the uninstall then drops it.
    load_v0(db)
    before = db.dump()
    db.psql("CREATE INDEX sections_project_id_idx ON public.sections (project_id);\n"
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'public.sections_project_id_idx'::regclass;")

    if then == "prepare":
        db.psql(build_scripts.prepare)
    db.install()

    assert scalar(db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.sections_project_id_idx'::regclass")
    assert "public.sections_project_id_idx" in scalar(db, "SELECT created_indexes FROM memtech.installation")
    db.uninstall()
    assert db.dump() == before


def test_prepare_leaves_a_database_without_v0_tables_alone(db, build_scripts):
    before = db.dump()

    proc = db.psql(build_scripts.prepare)

    assert proc.returncode == 0
    assert db.dump() == before


INDEXES_LEFT_TO_FINISH = {"projects": ("created_by", "projects_created_by_idx"),
                          "memoires": ("uploaded_by", "memoires_uploaded_by_idx"),
                          "sections": ("reviewer_id", "sections_reviewer_id_idx")}


def test_on_large_tables_the_install_leaves_the_new_columns_indexes_to_finish(db, build_scripts):
    # Above memtech.index_build_limit (0 here: every v0 table with a page is "large") the
    # install does not scan the table under its lock to index the author and reviewer columns
    # it adds; build/finish.sql builds the same indexes concurrently, and the result is the
    # schema a plain install and build/finish.sql give (which builds the search's indexes on
    # document_chunks, whatever the table's size).
    load_v0(db)
    before = {"dump": db.dump(), "data": data_digest(db)}
    db.install()
    db.psql(build_scripts.finish)
    complete = db.dump()
    db.uninstall()

    installed = db.install(**{"memtech.index_build_limit": "0"})

    said = notices(installed.stderr)
    for table, (column, index) in INDEXES_LEFT_TO_FINISH.items():
        assert any(n.startswith(f"memtech: leaving the index on public.{table} ({column}) to build/finish.sql")
                   for n in said), installed.stderr
        assert scalar(db, "SELECT to_regclass(%s)", [f"public.{index}"]) is None
    finished = db.psql(build_scripts.finish)
    for table, (column, _) in INDEXES_LEFT_TO_FINISH.items():
        assert f"memtech: indexing {table}.{column} concurrently" in finished.stderr
    assert db.dump() == complete
    again = db.psql(build_scripts.finish)                           # nothing left to build
    assert "indexing" not in again.stdout + again.stderr

    db.uninstall()
    assert db.dump() == before["dump"]
    assert data_digest(db) == before["data"]


@pytest.mark.parametrize("then", ["finish", "install"])
def test_an_index_an_interrupted_finish_left_invalid_is_built_again(db, build_scripts, then):
    # An interrupted CREATE INDEX CONCURRENTLY of build/finish.sql leaves its index behind,
    # invalid. Running the finish step again replaces it, and so does an install that finds
    # the table small enough to index under its lock.
    load_v0(db)
    db.install(**{"memtech.index_build_limit": "0"})
    db.psql("CREATE INDEX sections_reviewer_id_idx ON public.sections (reviewer_id);\n"
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'public.sections_reviewer_id_idx'::regclass;")

    if then == "finish":
        db.psql(build_scripts.finish)
    else:
        db.install()

    assert rows(db, "SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index "
                    "WHERE indexrelid = 'public.sections_reviewer_id_idx'::regclass") == [
        (True, "CREATE INDEX sections_reviewer_id_idx ON public.sections USING btree (reviewer_id) "
               "WHERE (reviewer_id IS NOT NULL)")]


def test_finish_leaves_a_database_without_memtech_alone(db, build_scripts):
    load_v0(db)
    before = db.dump()

    proc = db.psql(build_scripts.finish)

    assert proc.returncode == 0
    assert db.dump() == before


def test_an_index_build_limit_that_is_not_a_size_stops_the_install_before_anything_changes(db):
    load_v0(db)
    before = db.dump()

    proc = db.install(check=False, **{"memtech.index_build_limit": "a lot"})

    assert proc.returncode != 0
    assert "memtech.index_build_limit = a lot is not a size" in proc.stderr, proc.stderr
    assert "HINT:  Nothing was changed. Give a value such as '64MB'" in proc.stderr, proc.stderr
    assert not any("locking" in n for n in notices(proc.stderr)), proc.stderr   # stopped before any lock
    assert db.dump() == before


def test_the_uninstall_ignores_the_install_only_index_build_limit(db):
    # A database configured for the install (ALTER DATABASE ... SET) must still be able to
    # take the package off: the uninstall builds no index, so the setting is none of its
    # business, even when it is not a size.
    installed_v0(db)

    db.uninstall(**{"memtech.index_build_limit": "a lot"})

    assert installed_version(db) is None


def test_uninstall_twice_is_harmless(db):
    before = installed_v0(db)
    db.uninstall()

    proc = db.uninstall()

    assert proc.returncode == 0
    assert any(NOTHING_TO_UNINSTALL in n for n in notices(proc.stderr)), proc.stderr
    assert db.dump() == before["dump"]
    assert data_digest(db) == before["data"]


def test_install_uninstall_install(db):
    before = installed_v0(db)
    installed_dump = db.dump()
    db.uninstall()
    assert db.dump() == before["dump"]

    db.install()

    assert installed_version(db) == VERSION
    assert db.dump() == installed_dump
    assert v0_digests(db) == before["v0"]
    legacy = scalar(db, "SELECT legacy_company_id FROM memtech.installation")
    assert rows(db, "SELECT id FROM public.companies") == [(legacy,)]
    assert scalar(db, "SELECT count(*) FROM public.projects WHERE company_id IS DISTINCT FROM %s", [legacy]) == 0
    # And a second round trip still ends where it started.
    db.uninstall()
    assert db.dump() == before["dump"]
    assert data_digest(db) == before["data"]


def test_uninstall_on_database_the_install_populated(db):
    """An empty database before the install is an empty database after the uninstall."""
    empty = db.dump()
    db.install()
    assert table_exists(db, "public.projects")

    db.uninstall()

    assert db.dump() == empty
    for table in V0_TABLES + NEW_TABLES:
        assert not table_exists(db, f"public.{table}")


# --------------------------------------------------------------------------- refusals

def assert_uninstall_refused_and_nothing_changed(db, *expected, settings=None):
    dump, data = db.dump(), data_digest(db)
    proc = db.uninstall(check=False, **(settings or {}))
    assert_refused(proc, *expected)
    assert db.dump() == dump
    assert data_digest(db) == data
    assert installed_version(db) == VERSION
    return proc


def test_app_view_over_a_package_column_stops_the_uninstall(db):
    installed_v0(db)
    db.psql("CREATE VIEW public.active_projects AS SELECT id FROM public.projects WHERE status <> 'submitted'")

    assert_uninstall_refused_and_nothing_changed(db, "active_projects")

    assert scalar(db, "SELECT count(*) FROM public.active_projects") == 5
    # Once the application drops its view, the uninstall goes through.
    db.psql("DROP VIEW public.active_projects")
    db.uninstall()
    assert installed_version(db) is None


def test_app_index_on_company_id_stops_the_uninstall(db):
    """PostgreSQL would drop this index silently with the column: the uninstall must not."""
    installed_v0(db)
    db.psql("CREATE INDEX app_projects_company_idx ON public.projects (company_id)")

    assert_uninstall_refused_and_nothing_changed(db, "app_projects_company_idx")

    assert scalar(db, "SELECT to_regclass('public.app_projects_company_idx') IS NOT NULL") is True


def test_app_foreign_key_to_companies_stops_the_uninstall(db):
    installed_v0(db)
    db.psql("CREATE TABLE public.app_invoices (id serial PRIMARY KEY, "
            "company_id uuid REFERENCES public.companies (id), amount numeric)")

    assert_uninstall_refused_and_nothing_changed(db, "app_invoices_company_id_fkey")

    assert scalar(db, "SELECT count(*) FROM pg_constraint WHERE conname = 'app_invoices_company_id_fkey'") == 1


def test_app_function_using_a_package_enum_stops_the_uninstall(db):
    installed_v0(db)
    db.psql("CREATE FUNCTION public.is_final(s public.project_status) RETURNS boolean "
            "LANGUAGE sql IMMUTABLE AS $$ SELECT s IN ('completed', 'submitted') $$")

    assert_uninstall_refused_and_nothing_changed(db, "is_final")


# --------------------------------------------------------------------------- tenant data guard

def test_tenant_data_stops_the_uninstall_unless_confirmed(db):
    before = installed_v0(db)
    db.psql("""
        WITH c AS (INSERT INTO public.companies (name) VALUES ('Acme BTP') RETURNING id)
        INSERT INTO public.users (company_id, email, full_name) SELECT id, 'jeanne@acme.fr', 'Jeanne Martin' FROM c;
    """)

    proc = assert_uninstall_refused_and_nothing_changed(db, re.compile(r"companies\W+1\b"),
                                                        re.compile(r"users\W+1\b"))
    assert "confirm_data_loss" in proc.stderr
    # How many rows, and in which tables: the total is the sum of the tables named.
    total = re.search(r"(\d+) rows", proc.stderr)
    assert total, proc.stderr
    per_table = dict((t, int(n)) for t, n in re.findall(r"\b([a-z_]+): (\d+)\b", proc.stderr))
    assert per_table.get("companies") == 1 and per_table.get("users") == 1, proc.stderr
    assert int(total.group(1)) == sum(per_table.values()), proc.stderr
    assert scalar(db, "SELECT count(*) FROM public.users") == 1

    # An explicit "off" is a refusal too.
    assert_uninstall_refused_and_nothing_changed(db, re.compile(r"companies\W+1\b"),
                                                 settings={"memtech.confirm_data_loss": "off"})

    db.uninstall(**{"memtech.confirm_data_loss": "on"})

    assert installed_version(db) is None
    assert db.dump() == before["dump"]
    assert v0_digests(db) == before["v0"]
    assert app_state(db) == before["app"]


def test_rows_in_v0_tables_the_install_created_count_as_tenant_data(db):
    empty = db.dump()
    db.install()
    db.psql("""
        WITH c AS (INSERT INTO public.companies (name) VALUES ('Acme BTP') RETURNING id)
        INSERT INTO public.memoires (title, company_id) SELECT 'Mémoire', id FROM c;
    """)

    assert_uninstall_refused_and_nothing_changed(db, re.compile(r"memoires\W+1\b"), re.compile(r"companies\W+1\b"))

    db.uninstall(**{"memtech.confirm_data_loss": "on"})
    assert db.dump() == empty


# --------------------------------------------------------------------------- not installed

def test_uninstall_leaves_a_database_without_memtech_alone(db):
    db.psql("""
        CREATE TABLE public.companies (id serial PRIMARY KEY, name text);
        CREATE TABLE public.users (id serial PRIMARY KEY, company_id int REFERENCES public.companies, email text);
        CREATE TYPE public.user_role AS ENUM ('admin', 'user', 'viewer');
        INSERT INTO public.companies (name) VALUES ('Ailleurs SA');
        INSERT INTO public.users (company_id, email) VALUES (1, 'x@ailleurs.fr');
    """)
    load_v0(db)
    dump, data = db.dump(), data_digest(db)

    proc = db.uninstall()

    assert proc.returncode == 0
    assert any(NOTHING_TO_UNINSTALL in n for n in notices(proc.stderr)), proc.stderr
    assert db.dump() == dump
    assert data_digest(db) == data
    assert rows(db, "SELECT name FROM public.companies") == [("Ailleurs SA",)]
    assert rows(db, "SELECT email FROM public.users") == [("x@ailleurs.fr",)]


@pytest.mark.parametrize("with_v0", [False, True], ids=["empty", "v0"])
def test_uninstall_as_one_psycopg_batch(db, build_scripts, with_v0):
    if with_v0:
        load_v0(db)
    dump, data = db.dump(), data_digest(db)
    db.install()

    with db.connect(autocommit=True) as conn:
        conn.execute(build_scripts.uninstall.read_text(encoding="utf-8"))

    assert db.dump() == dump
    assert data_digest(db) == data
