"""The install (build/install.sql): what a user of the package relies on when applying it.

Every test builds its own database (the `db` fixture), runs the install through psql (or
psycopg), and checks the outcome from the outside: catalogs, rows, the schema dump, and what
the script printed.
"""
import re
import subprocess

import psycopg
import pytest

from conftest import client_env, client_tool
from helpers import (VERSION, DEFAULT_LEGACY_NAME, ENGLISH_SECTION_TYPES, NEW_TABLES, V0_COUNTS, V0_SECTION_TYPES,
                     V0_TABLES, app_state, assert_app_objects_work, counts, create_pgvector_or_skip, data_digest, installed_version, load_v0,
                     make_db, notices, rows, scalar, section_type_labels, table_exists, v0_digests)  # noqa: F401

INSTALLED = re.compile(r"^memtech: version \S+ installed$")
NOTICE_LINE = re.compile(r"^psql:[^\n]*?:(\d+): NOTICE:\s+memtech: ", re.M)


def notice_modules(stderr, script):
    """The rank of the sql/ module each NOTICE of psql's stderr came from (from psql's line numbers
    and the "-- ==== sql/NN_name.sql ====" headers build.py writes into the script)."""
    starts = [(i, m.group(1)) for i, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1)
              for m in [re.match(r"^-- ==== (sql/\S+) ====$", line)] if m]
    return [max((k for k, (start, _) in enumerate(starts) if start <= int(n)), default=-1)
            for n in NOTICE_LINE.findall(stderr)]


def legacy_company(db):
    """(id, name) of every company, and the id the install record calls the legacy one."""
    return (rows(db, "SELECT id, name FROM public.companies ORDER BY name"),
            scalar(db, "SELECT legacy_company_id FROM memtech.installation"))


# --------------------------------------------------------------------------- empty database

def test_install_on_empty_database_creates_v0_and_new_tables(db, build_scripts):
    proc = db.install()

    for table in V0_TABLES + NEW_TABLES:
        assert table_exists(db, f"public.{table}"), f"public.{table} was not created"
    assert len(NEW_TABLES) == 12
    assert installed_version(db) == VERSION
    assert scalar(db, "SELECT memtech.installed_version()") == VERSION
    # The v0 tables were missing, so the install created them and says so in its record
    # (the uninstall drops only these).
    assert sorted(scalar(db, "SELECT created_tables FROM memtech.installation")) == sorted(V0_TABLES)
    # No rows to own: no legacy company.
    assert scalar(db, "SELECT count(*) FROM public.companies") == 0
    assert scalar(db, "SELECT legacy_company_id FROM memtech.installation") is None

    # Progress: "memtech: ..." NOTICEs all along the script, step after step, the last one
    # saying it is done.
    said = notices(proc.stderr)
    assert said, f"no NOTICE on psql's stderr:\n{proc.stderr}"
    assert all(n.startswith("memtech: ") for n in said), said
    steps = notice_modules(proc.stderr, build_scripts.install)
    assert len(steps) == len(said) and -1 not in steps
    assert len(set(steps)) >= 8, f"NOTICEs from only {len(set(steps))} of the script's modules"
    assert steps == sorted(steps), "NOTICEs out of order"
    for phrase in ["checking the existing schema", "locking public.projects"]:
        assert any(phrase in n for n in said), f"no NOTICE saying {phrase!r}:\n" + "\n".join(said)
    assert INSTALLED.match(said[-1]), f"last NOTICE is {said[-1]!r}, expected 'memtech: version ... installed'"
    assert "version " + VERSION + " installed" in said[-1]
    assert "ERROR" not in proc.stderr and "WARNING" not in proc.stderr


def test_rerun_prints_only_memtech_notices(db):
    """A re-run stays quiet about PostgreSQL's own "already exists, skipping" notices."""
    db.install()
    proc = db.install()
    said = notices(proc.stderr)
    assert all(n.startswith("memtech: ") for n in said), proc.stderr
    assert "skipping" not in proc.stderr
    assert INSTALLED.match(said[-1]), said


def test_on_an_empty_database_the_document_chunks_it_creates_are_indexed_by_memoire(db):
    """The RAG path (a company's memoires, then their chunks) and the cascade from memoires look
    chunks up by memoire_id: on the document_chunks the install creates, an index serves them;
    the uninstall takes it away with the table."""
    before = db.dump()

    db.install()

    assert rows(db, "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                    "WHERE indrelid = 'public.document_chunks'::regclass AND NOT indisprimary") == [
        ("document_chunks_memoire_id_idx",
         "CREATE INDEX document_chunks_memoire_id_idx ON public.document_chunks USING btree (memoire_id)")]
    with db.connect() as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT id FROM public.document_chunks WHERE memoire_id = '10000000-0000-4000-a000-000000000001'"))
    assert "document_chunks_memoire_id_idx" in plan, plan
    db.uninstall()
    assert db.dump() == before


def test_the_applications_document_chunks_gets_no_index_from_the_install(db):
    load_v0(db)
    indexes = "SELECT array_agg(indexrelid::regclass::text) FROM pg_index WHERE indrelid = 'public.document_chunks'::regclass"
    before = scalar(db, indexes)

    db.install()

    assert scalar(db, indexes) == before == ["document_chunks_pkey"]


# --------------------------------------------------------------------------- v0 database

@pytest.mark.parametrize("legacy_name", [None, "Delorme Bâtiment l'Atelier"], ids=["default_name", "given_name"])
def test_install_on_v0_keeps_every_row_and_gives_it_a_company(db, legacy_name):
    load_v0(db)
    before = v0_digests(db)
    assert {t: d[0] for t, d in before.items()} == V0_COUNTS
    app_before = app_state(db)

    settings = {"memtech.legacy_company_name": legacy_name} if legacy_name else {}
    proc = db.install(**settings)

    # Every legacy row, every v0 column: identical.
    assert v0_digests(db) == before

    # One company, created by the install, owning every project and memoire.
    companies, legacy = legacy_company(db)
    assert len(companies) == 1, companies
    assert companies[0] == (legacy, legacy_name or DEFAULT_LEGACY_NAME)
    assert scalar(db, "SELECT count(*) FROM public.projects WHERE company_id IS DISTINCT FROM %s", [legacy]) == 0
    assert scalar(db, "SELECT count(*) FROM public.memoires WHERE company_id IS DISTINCT FROM %s", [legacy]) == 0
    # Sections carry their project's company.
    assert scalar(db, "SELECT count(*) FROM public.sections s JOIN public.projects p ON p.id = s.project_id "
                      "WHERE s.company_id IS DISTINCT FROM p.company_id") == 0
    assert scalar(db, "SELECT count(*) FROM public.sections WHERE company_id IS NULL") == 0
    # The v0 tables were there: the install created none of them (the uninstall must keep them).
    assert scalar(db, "SELECT created_tables FROM memtech.installation") == []
    assert any((legacy_name or DEFAULT_LEGACY_NAME) in n for n in notices(proc.stderr)), proc.stderr

    # The application's own objects are still there and give the same answers.
    app_after = app_state(db)
    assert app_after == app_before
    assert_app_objects_work(app_after)
    # New columns got their defaults on old rows.
    assert scalar(db, "SELECT array_agg(DISTINCT status::text) FROM public.projects") == ["draft"]


def test_v0_application_inserts_still_work(db):
    """The v0 application keeps inserting sections and chunks without the new columns."""
    load_v0(db)
    db.install()
    _, legacy = legacy_company(db)

    with db.connect() as conn:
        section = conn.execute(
            "INSERT INTO public.sections (project_id, section_type, title, content, position) "
            "VALUES ('20000000-0000-4000-a000-000000000001', 'methodologie', 'Méthodologie', 'Texte', 9) "
            "RETURNING company_id").fetchone()
        assert section[0] == legacy
        chunk = conn.execute(
            "INSERT INTO public.document_chunks (memoire_id, chunk_index, content, metadata) "
            "VALUES ('10000000-0000-4000-a000-000000000001', 99, 'Nouveau passage', '{\"page\": 9}') "
            "RETURNING id").fetchone()
        assert chunk[0] is not None
        assert conn.execute("SELECT public.chunk_count('10000000-0000-4000-a000-000000000001')").fetchone()[0] == \
            conn.execute("SELECT count(*) FROM public.document_chunks "
                         "WHERE memoire_id = '10000000-0000-4000-a000-000000000001'").fetchone()[0]

        # A section takes its own project's company, not just the legacy one.
        other = conn.execute("INSERT INTO public.companies (name) VALUES ('Autre BTP') RETURNING id").fetchone()[0]
        project = conn.execute("INSERT INTO public.projects (name, company_id) VALUES ('AO autre', %s) RETURNING id",
                               [other]).fetchone()[0]
        got = conn.execute("INSERT INTO public.sections (project_id, title) VALUES (%s, 'Intro') RETURNING company_id",
                           [project]).fetchone()[0]
        assert got == other


# --------------------------------------------------------------------------- re-run

@pytest.mark.parametrize("with_v0", [False, True], ids=["empty", "v0"])
def test_second_install_changes_nothing(db, with_v0):
    if with_v0:
        load_v0(db)
    db.install()
    dump, data, n = db.dump(), data_digest(db), counts(db)
    record = rows(db, "SELECT * FROM memtech.installation")

    db.install()

    assert db.dump() == dump
    assert counts(db) == n
    assert data_digest(db) == data
    assert rows(db, "SELECT * FROM memtech.installation") == record
    assert scalar(db, "SELECT count(*) FROM public.companies") == (1 if with_v0 else 0)


def test_upgrade_from_0_1_0_converts_the_filtered_enums_and_copies_the_tags(db, make_db):
    """A database installed with version 0.1.0 (test/fixtures/memtech_0.1.0_install.sql, that
    release's install script) and used since: the install of this version keeps every row,
    turns content_blocks.type and projects.status into checked text, fills content_block_tags,
    and ends with the schema of a fresh install."""
    load_v0(db)
    db.load_fixture("memtech_0.1.0_install")
    assert installed_version(db) == "0.1.0"
    db.psql("""
        INSERT INTO companies (id, name) VALUES ('c0000000-0000-4000-8000-0000000000a1', 'Ancienne BTP');
        INSERT INTO content_blocks (id, company_id, type, title, tags) VALUES
          ('b0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-0000000000a1', 'equipment', 'Grue', '{levage,grue}'),
          ('b0000000-0000-4000-8000-0000000000a2', 'c0000000-0000-4000-8000-0000000000a1', 'person-cv', 'CV', '{}');
        UPDATE projects SET status = 'matching' WHERE name = (SELECT min(name) FROM projects);
    """)
    before = rows(db, "SELECT id, type::text, tags FROM content_blocks ORDER BY id")
    statuses = rows(db, "SELECT id, status::text FROM projects ORDER BY id")

    proc = db.install()

    said = notices(proc.stderr)
    for phrase in ["converting public.content_blocks.type from enum public.content_block_type to text",
                   "converting public.projects.status from enum public.project_status to text",
                   "copying the tags of existing content blocks", "version " + VERSION + " installed"]:
        assert any(phrase in n for n in said), f"no NOTICE saying {phrase!r}:\n" + "\n".join(said)
    assert rows(db, "SELECT id, type, tags FROM content_blocks ORDER BY id") == before
    assert rows(db, "SELECT id, status FROM projects ORDER BY id") == statuses
    assert rows(db, "SELECT block_id::text, tag FROM content_block_tags ORDER BY tag") == [
        ("b0000000-0000-4000-8000-0000000000a1", "grue"), ("b0000000-0000-4000-8000-0000000000a1", "levage")]
    with pytest.raises(AssertionError, match='invalid input value for enum project_status: "archived"'):
        db.psql("UPDATE projects SET status = 'archived'")

    fresh = make_db("fresh")
    load_v0(fresh)
    fresh.install()
    assert_same_schema_but_the_old_section_types(db, fresh)


def assert_same_schema_but_the_old_section_types(upgraded, fresh):
    """The upgraded database has the schema of a fresh install, but that its enum of section
    types keeps the English labels of the version it came from, the application's codes after."""
    upgraded_dump, upgraded_labels = section_type_labels(upgraded.dump())
    fresh_dump, fresh_labels = section_type_labels(fresh.dump())
    assert upgraded_dump == fresh_dump
    assert fresh_labels == V0_SECTION_TYPES
    assert upgraded_labels == ENGLISH_SECTION_TYPES + V0_SECTION_TYPES


def test_upgrade_from_0_3_0_moves_the_policies_onto_active_members_and_ends_as_a_fresh_install(db, make_db):
    """A database installed with version 0.3.0 (test/fixtures/memtech_0.3.0_install.sql, that
    release's install script) and used since: this version's install keeps every row, fills
    memtech.active_member from the users already there, replaces the helpers that ran as their
    owner, and ends with the schema of a fresh install; the uninstall then removes it all."""
    load_v0(db)
    before_any = db.dump()
    db.load_fixture("memtech_0.3.0_install")
    assert installed_version(db) == "0.3.0"
    db.psql("""
        INSERT INTO companies (id, name) VALUES ('c0000000-0000-4000-8000-0000000000a1', 'Ancienne BTP');
        INSERT INTO users (id, company_id, email, full_name, role, is_active) VALUES
          ('d0000000-0000-4000-8000-0000000000a1', 'c0000000-0000-4000-8000-0000000000a1', 'a@ancienne.fr', 'A', 'admin', true),
          ('d0000000-0000-4000-8000-0000000000a2', 'c0000000-0000-4000-8000-0000000000a1', 'b@ancienne.fr', 'B', 'user', false);
        INSERT INTO content_blocks (company_id, type, title) VALUES ('c0000000-0000-4000-8000-0000000000a1', 'equipment', 'Grue');
    """)
    data = data_digest(db)

    db.install()

    assert installed_version(db) == VERSION
    assert rows(db, "SELECT user_id::text, company_id::text, role::text FROM memtech.active_member") == [
        ("d0000000-0000-4000-8000-0000000000a1", "c0000000-0000-4000-8000-0000000000a1", "admin")]
    assert scalar(db, "SELECT count(*) FROM pg_proc WHERE pronamespace = 'memtech'::regnamespace AND prosecdef "
                      "AND has_function_privilege('authenticated', oid, 'EXECUTE')") == 0
    with db.connect() as conn, conn.transaction(force_rollback=True):
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SET LOCAL app.user_id = 'd0000000-0000-4000-8000-0000000000a1'")
        assert conn.execute("SELECT title FROM content_blocks").fetchall() == [("Grue",)]
    kept = data_digest(db)
    assert {t: kept[t] for t in data if t.startswith("public.")} == {
        t: data[t] for t in data if t.startswith("public.")}

    fresh = make_db("fresh")
    load_v0(fresh)
    fresh.install()
    assert_same_schema_but_the_old_section_types(db, fresh)

    db.uninstall(**{"memtech.confirm_data_loss": "on"})
    assert db.dump() == before_any


# --------------------------------------------------------------------------- all or nothing

@pytest.mark.parametrize("release", ["0.1.0", "0.2.0", "0.3.0"])
def test_an_install_of_each_release_upgrades_to_a_fresh_installs_schema_and_uninstalls(db, make_db, release):
    """Every released version (test/fixtures/memtech_<release>_install.sql, its install script),
    used, then this version's install: the rows stay, the schema is a fresh install's, a tenant
    reads its rows, and the uninstall gives the v0 database back."""
    load_v0(db)
    before_any = db.dump()
    db.load_fixture(f"memtech_{release}_install")
    assert installed_version(db) == release
    db.psql("""
        INSERT INTO companies (id, name) VALUES ('c0000000-0000-4000-8000-0000000000b1', 'Bravo BTP');
        INSERT INTO users (id, company_id, email, full_name, role) VALUES
          ('d0000000-0000-4000-8000-0000000000b1', 'c0000000-0000-4000-8000-0000000000b1', 'b@bravo.fr', 'B', 'admin');
        INSERT INTO content_blocks (company_id, type, title, tags) VALUES
          ('c0000000-0000-4000-8000-0000000000b1', 'equipment', 'Grue', '{levage}');
    """)
    data = data_digest(db)

    db.install()

    assert installed_version(db) == VERSION
    kept = data_digest(db)
    assert {t: kept[t] for t in data if t.startswith("public.")} == {t: data[t] for t in data if t.startswith("public.")}
    with db.connect() as conn, conn.transaction(force_rollback=True):
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SET LOCAL app.user_id = 'd0000000-0000-4000-8000-0000000000b1'")
        assert conn.execute("SELECT title FROM content_blocks").fetchall() == [("Grue",)]
        assert conn.execute("SELECT tag FROM content_block_tags").fetchall() == [("levage",)]
    fresh = make_db("fresh")
    load_v0(fresh)
    fresh.install()
    assert_same_schema_but_the_old_section_types(db, fresh)

    db.uninstall(**{"memtech.confirm_data_loss": "on"})
    assert db.dump() == before_any


def assert_refused(proc, *expected):
    assert proc.returncode != 0, f"install succeeded where it should have failed:\n{proc.stderr}"
    assert "ERROR:" in proc.stderr
    for text in expected:
        assert text in proc.stderr, f"{text!r} not in the error:\n{proc.stderr}"
    assert "version " + VERSION + " installed" not in proc.stderr


def test_clashing_companies_table_fails_and_changes_nothing(db):
    load_v0(db)
    db.psql("CREATE TABLE public.companies (id integer PRIMARY KEY, nom text); "
            "INSERT INTO public.companies VALUES (1, 'Déjà là');")
    dump, data = db.dump(), data_digest(db)

    proc = db.install(check=False)

    assert_refused(proc, "public.companies.id", "integer", "uuid")
    assert re.search(r"companies\.id is integer, but memtech expects uuid", proc.stderr), proc.stderr
    assert db.dump() == dump
    assert data_digest(db) == data
    assert not table_exists(db, "memtech.installation")


V0_SCHEMA_TEXT_PROJECT_ID = """
CREATE TABLE public.memoires (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text NOT NULL,
  filename text, file_url text, content text, created_at timestamptz DEFAULT now());
CREATE TABLE public.projects (id text PRIMARY KEY, name text NOT NULL, description text,
  created_at timestamptz DEFAULT now());
CREATE TABLE public.sections (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id text NOT NULL REFERENCES public.projects ON DELETE CASCADE, section_type text,
  title text NOT NULL, content text, position integer, created_at timestamptz DEFAULT now());
CREATE TABLE public.document_chunks (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  memoire_id uuid NOT NULL REFERENCES public.memoires ON DELETE CASCADE, chunk_index integer,
  content text NOT NULL, embedding real[], metadata jsonb, created_at timestamptz DEFAULT now());
INSERT INTO public.projects (id, name) VALUES ('AO-1', 'Gymnase'), ('AO-2', 'École');
INSERT INTO public.sections (project_id, title) VALUES ('AO-1', 'Méthodologie');
"""


def test_text_project_id_fails_and_changes_nothing(db):
    db.psql(V0_SCHEMA_TEXT_PROJECT_ID)
    dump, data = db.dump(), data_digest(db)

    proc = db.install(check=False)

    assert_refused(proc, "public.projects.id", "text", "uuid")
    assert re.search(r"projects\.id is text, but memtech expects uuid", proc.stderr), proc.stderr
    assert db.dump() == dump
    assert data_digest(db) == data


def test_view_named_users_is_reported(db):
    load_v0(db)
    db.psql("CREATE VIEW public.users AS SELECT 1 AS id, 'a@b.fr'::text AS email")
    dump, data = db.dump(), data_digest(db)

    proc = db.install(check=False)

    assert_refused(proc, "public.users is a view")
    assert db.dump() == dump
    assert data_digest(db) == data


def test_every_clash_is_named_at_once(db):
    db.psql(V0_SCHEMA_TEXT_PROJECT_ID)
    db.psql("CREATE TABLE public.companies (id integer PRIMARY KEY, nom text); "
            "CREATE VIEW public.users AS SELECT 1 AS id;")
    dump = db.dump()

    proc = db.install(check=False)

    assert_refused(proc, "public.companies.id", "public.projects.id", "public.users is a view")
    assert db.dump() == dump


def test_failure_at_the_last_step_changes_nothing_either(db):
    """All or nothing beyond the preflight: a hand-made companies row without a name makes
    the very last step (SET NOT NULL) fail, after every other module ran."""
    load_v0(db)
    db.psql("CREATE TABLE public.companies (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text); "
            "INSERT INTO public.companies (name) VALUES (NULL);")
    dump, data = db.dump(), data_digest(db)

    proc = db.install(check=False)

    assert_refused(proc, "name", "companies")
    assert db.dump() == dump
    assert data_digest(db) == data
    assert not table_exists(db, "memtech.installation")
    assert not table_exists(db, "public.users")


# A deployment's v0 schema: the keys and links memtech needs, and not every column of the
# fixture (no memoires.filename, file_url or content, no projects.description, no
# sections.section_type or position, no document_chunks.chunk_index or metadata; the
# embedding, if any, as each case of the test below declares it).
V0_SCHEMA_LEAN = """
CREATE TABLE public.memoires (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text NOT NULL,
  created_at timestamptz DEFAULT now());
CREATE TABLE public.projects (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL,
  created_at timestamptz DEFAULT now());
CREATE TABLE public.sections (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL REFERENCES public.projects ON DELETE CASCADE, title text NOT NULL, content text);
CREATE TABLE public.document_chunks (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  memoire_id uuid NOT NULL REFERENCES public.memoires ON DELETE CASCADE, content text NOT NULL{embedding});
INSERT INTO public.projects (id, name) VALUES ('20000000-0000-4000-a000-0000000000b1', 'Gymnase de Bron');
INSERT INTO public.sections (project_id, title, content)
VALUES ('20000000-0000-4000-a000-0000000000b1', 'Méthodologie', 'Phasage en trois temps.');
INSERT INTO public.memoires (id, title) VALUES ('10000000-0000-4000-a000-0000000000b1', 'MT Gymnase 2023');
INSERT INTO public.document_chunks (memoire_id, content) VALUES ('10000000-0000-4000-a000-0000000000b1', 'Phasage.');
"""
# What the preflight says of a document_chunks.embedding that search_chunks cannot search.
EMBEDDING_LEFT_OUT = re.compile(r"public\.document_chunks\.embedding is (.+?), not pgvector's vector: the install "
                                r"leaves out public\.search_chunks and public\.search_hybrid, which search it")


def has_pgvector(db):
    return scalar(db, "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'") == 1


# The embedding of the v0 contract: none (searched by nothing), pgvector's vector (searched by
# search_chunks), real[] (the specification's type where pgvector is absent) and jsonb (a type
# no search can use): the last two install too, without search_chunks and search_hybrid.
@pytest.mark.parametrize("embedding", [None, "vector(3)", "real[]", "jsonb"])
def test_a_v0_database_without_the_optional_columns_installs_works_and_uninstalls_to_the_same_schema(db, embedding):
    if embedding == "vector(3)":
        if not has_pgvector(db):
            pytest.skip("the vector extension (pgvector) is not available here: the 16+vector and 18+vector servers "
                        "of `make test-all` have it")
        db.psql("CREATE EXTENSION vector")
    db.psql(V0_SCHEMA_LEAN.format(embedding=f", embedding {embedding}" if embedding else ""))
    v0_rows = ("SELECT (SELECT array_agg(ROW(id, title, created_at)::text) FROM public.memoires), "
               "(SELECT array_agg(ROW(id, name, created_at)::text) FROM public.projects), "
               "(SELECT array_agg(ROW(id, project_id, title, content)::text) FROM public.sections), "
               "(SELECT array_agg(ROW(id, memoire_id, content)::text) FROM public.document_chunks)")
    before, data = db.dump(), rows(db, v0_rows)
    user = "d0000000-0000-4000-8000-0000000000b1"

    proc = db.install()

    assert installed_version(db) == VERSION
    assert rows(db, v0_rows) == data
    # Columns that are there are documented, those that are not are simply not.
    commented = rows(db, "SELECT table_name, column_name FROM memtech.added_comment "
                         "WHERE table_name IN ('memoires', 'projects') ORDER BY 1, 2")
    assert ("memoires", "title") in commented and ("projects", "name") in commented
    assert ("memoires", "filename") not in commented and ("projects", "description") not in commented
    # No section_type column: the default codes.
    assert scalar(db, "SELECT 'methodologie'::public.memoire_section_type::text") == "methodologie"
    # An embedding search_chunks can search gets it and search_hybrid; another one is named, with its type.
    searchable = embedding == "vector(3)"
    left_out = [m.group(1) for n in notices(proc.stderr) for m in [EMBEDDING_LEFT_OUT.search(n)] if m]
    assert left_out == ([] if embedding is None or searchable else [embedding]), proc.stderr
    assert {r[0] for r in rows(db, "SELECT proname::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
                                   "AND proname LIKE 'search\\_%'")} == (
        {"search_chunks", "search_hybrid", "search_library"} if searchable else {"search_library"})
    # The application writes as before: as the owner naming no user, and through authenticated.
    with db.connect() as conn:
        conn.execute("INSERT INTO public.projects (id, name) VALUES ('20000000-0000-4000-a000-0000000000b2', 'Crèche')")
        conn.execute("INSERT INTO public.sections (project_id, title) VALUES ('20000000-0000-4000-a000-0000000000b2', 'Planning')")
        conn.execute("INSERT INTO public.document_chunks (memoire_id, content) "
                     "VALUES ('10000000-0000-4000-a000-0000000000b1', 'Planning.')")
        if searchable:
            conn.execute("UPDATE public.document_chunks SET embedding = '[1,0,0]' WHERE content = 'Planning.'")
        conn.execute("INSERT INTO public.users (id, company_id, email, full_name, role) "
                     "SELECT %s, legacy_company_id, 'chef@bron.fr', 'Chef', 'user' FROM memtech.installation", [user])
        with conn.transaction():
            conn.execute("SET LOCAL ROLE authenticated")
            conn.execute("SELECT set_config('app.user_id', %s, true)", [user])
            conn.execute("INSERT INTO public.sections (project_id, title) "
                         "VALUES ('20000000-0000-4000-a000-0000000000b1', 'Moyens humains')")
            conn.execute("INSERT INTO public.generation_requests (project_id, section_type) "
                         "VALUES ('20000000-0000-4000-a000-0000000000b1', 'moyens_humains')")
            assert conn.execute("SELECT count(*) FROM public.sections").fetchone()[0] == 3
            assert conn.execute("SELECT count(*) FROM public.document_chunks").fetchone()[0] == 2
            if searchable:
                assert conn.execute("SELECT content FROM public.search_chunks('[1,0.1,0]', 5)").fetchall() == [
                    ("Planning.",)]
    # A re-run changes nothing.
    dump = db.dump()
    db.install()
    assert db.dump() == dump

    db.uninstall(**{"memtech.confirm_data_loss": "on"})
    assert db.dump() == before



# document_chunks.content, the other optional column of the v0 contract: search_chunks returns
# it and search_hybrid's full-text index reads it. Missing, the install goes on without both
# functions and build/finish.sql builds no full-text index; varchar serves as text does.
@pytest.mark.parametrize("content", [None, "varchar(4000)"])
def test_document_chunks_content_missing_leaves_out_the_chunk_searches_and_varchar_serves(db, build_scripts, content):
    vector = has_pgvector(db)
    if content or vector:
        create_pgvector_or_skip(db)
    schema = V0_SCHEMA_LEAN.format(embedding=", embedding vector(3)" if vector else ", embedding real[]")
    if content:
        schema = schema.replace("content text NOT NULL, embedding", f"content {content} NOT NULL, embedding")
    else:
        schema = (schema.replace(", content text NOT NULL, embedding", ", body text, embedding")
                        .replace("INSERT INTO public.document_chunks (memoire_id, content)",
                                 "INSERT INTO public.document_chunks (memoire_id, body)"))
    db.psql(schema)
    before = db.dump()

    proc = db.install()

    functions = {r[0] for r in rows(db, "SELECT proname::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
                                        "AND proname LIKE 'search\\_%'")}
    if content:
        assert functions == {"search_chunks", "search_hybrid", "search_library"}
        with db.connect() as conn:
            conn.execute("UPDATE public.document_chunks SET embedding = '[1,0,0]'")
            conn.execute("INSERT INTO public.users (id, company_id, email, full_name, role) SELECT "
                         "'d0000000-0000-4000-8000-0000000000b1', legacy_company_id, 'chef@bron.fr', 'Chef', 'user' "
                         "FROM memtech.installation")
            with conn.transaction():
                conn.execute("SET LOCAL ROLE authenticated")
                conn.execute("SET LOCAL app.user_id = 'd0000000-0000-4000-8000-0000000000b1'")
                assert conn.execute("SELECT content FROM public.search_chunks('[1,0.1,0]', 5)").fetchall() == [
                    ("Phasage.",)]
    else:
        assert functions == {"search_library"}
        assert any(n.startswith("memtech: public.document_chunks has no column content: the install leaves out "
                                "public.search_chunks and public.search_hybrid") for n in notices(proc.stderr)), proc.stderr
    finished = db.psql(build_scripts.finish)
    built = {r[0] for r in rows(db, "SELECT indexrelid::regclass::text FROM pg_index "
                                    "WHERE indrelid = 'public.document_chunks'::regclass")}
    assert ("document_chunks_search_idx" in built) == bool(content), finished.stderr
    db.uninstall(**{"memtech.confirm_data_loss": "on"})
    assert db.dump() == before

def test_a_v0_table_without_the_key_or_link_memtech_needs_is_refused_naming_every_problem(db):
    db.psql("""
        CREATE TABLE public.memoires (id uuid NOT NULL, title text);
        CREATE TABLE public.projects (id uuid NOT NULL, name text NOT NULL, PRIMARY KEY (id, name));
        CREATE TABLE public.sections (id uuid PRIMARY KEY, projet uuid, title text);
        CREATE TABLE public.document_chunks (chunk uuid PRIMARY KEY, content text, embedding jsonb);
    """)
    dump = db.dump()

    proc = db.install(check=False)

    assert_refused(proc,
                   "memtech cannot install: 5 problem(s) with what it needs of the v0 tables, their keys and links",
                   "public.memoires has no primary key, but memtech needs its primary key on (id): add it "
                   "(ALTER TABLE public.memoires ADD PRIMARY KEY (id))",
                   "public.projects has its primary key on (id, name), but memtech needs its primary key on (id)",
                   "public.sections has no column project_id, which memtech needs to give each row of public.sections its "
                   "project's company: add it (uuid), or rename the column that holds it",
                   "public.document_chunks has no column id, which memtech needs as its primary key",
                   "public.document_chunks has no column memoire_id, which memtech needs to give each row of public.document_chunks its "
                   "memoire's company",
                   "HINT:  Nothing was changed. Of the application's tables projects, sections, memoires and document_chunks, "
                   "memtech needs only a primary key id (uuid), sections.project_id and document_chunks.memoire_id (uuid)")
    # An embedding search_chunks cannot search is no problem of the contract: it is said, with the rest.
    assert [m.group(1) for n in notices(proc.stderr) for m in [EMBEDDING_LEFT_OUT.search(n)] if m] == ["jsonb"]
    assert db.dump() == dump
    assert not table_exists(db, "memtech.installation")


def test_a_v0_document_chunks_without_a_foreign_key_to_memoires_installs_with_a_warning_whose_fix_runs(db):
    db.psql(V0_SCHEMA_LEAN.format(embedding="").replace(" REFERENCES public.memoires ON DELETE CASCADE", ""))

    proc = db.install()

    warning = re.search(r"WARNING:  memtech: (public\.document_chunks\.memoire_id has no foreign key to "
                        r"public\.memoires \(id\)[^\n]*)\nHINT:  [^\n]*?: (ALTER TABLE [^;]*);", proc.stderr)
    assert warning, proc.stderr
    assert "until a memoire is created with that id, by any company, which then reads it" in warning.group(1)
    # The fix it gives runs as written, and a re-run has nothing more to say.
    db.psql(warning.group(2))
    assert "WARNING" not in db.install().stderr
    db.psql("DELETE FROM public.memoires WHERE id = '10000000-0000-4000-a000-0000000000b1'")
    assert scalar(db, "SELECT count(*) FROM public.document_chunks") == 0


# --------------------------------------------------------------------------- convergence

def assert_column_contract(db):
    """Every column the package defines exists with its type and nullability (the contract names
    types as format_type() does with the install's search_path, outside pg_catalog qualified)."""
    with db.connect() as conn:
        conn.execute("SET search_path = pg_catalog, pg_temp")
        wrong = conn.execute("""
            SELECT m.table_name, m.column_name, m.data_type, m.not_null,
                   format_type(a.atttypid, a.atttypmod), a.attnotnull
              FROM memtech.managed_column m
              LEFT JOIN pg_attribute a ON a.attrelid = to_regclass('public.' || quote_ident(m.table_name))
                                      AND a.attname = m.column_name AND NOT a.attisdropped
             WHERE a.attname IS NULL OR format_type(a.atttypid, a.atttypmod) <> m.data_type
                OR (m.not_null AND NOT a.attnotnull)""").fetchall()
    assert wrong == []
    covered = {r[0] for r in rows(db, "SELECT DISTINCT table_name FROM memtech.managed_column")}
    assert covered >= set(NEW_TABLES) | set(V0_TABLES)


def test_hand_made_companies_table_converges(db, make_db):
    db.psql("CREATE TABLE public.companies (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text); "
            "INSERT INTO public.companies (id, name) VALUES ('50000000-0000-4000-a000-000000000001', 'Acme BTP');")

    db.install()

    assert_column_contract(db)
    columns = {r[0]: r[1:] for r in rows(
        db, "SELECT attname::text, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
            "WHERE attrelid = 'public.companies'::regclass AND attnum > 0 AND NOT attisdropped")}
    for name, expected in {
            "id": ("uuid", True), "name": ("text", True), "address": ("text", False), "city": ("text", False),
            "postal_code": ("text", False), "phone": ("text", False), "email": ("text", False),
            "logo_url": ("text", False), "certifications": ("text[]", True), "settings": ("jsonb", True),
            "created_at": ("timestamp with time zone", True)}.items():
        assert columns.get(name) == expected, f"companies.{name}: {columns.get(name)}, expected {expected}"
    assert scalar(db, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'public.companies'::regclass "
                      "AND attname = 'name'") is True
    survivor = rows(db, "SELECT id::text, name, certifications, settings FROM public.companies")
    assert survivor == [("50000000-0000-4000-a000-000000000001", "Acme BTP", [], {})]
    # The converged schema is the one a fresh install builds.
    reference = make_db("reference")
    reference.install()
    assert db.dump() == reference.dump()
    # And a re-run leaves it be.
    dump = db.dump()
    db.install()
    assert db.dump() == dump


def test_fresh_install_meets_the_column_contract(db):
    load_v0(db)
    db.install()
    assert_column_contract(db)


# --------------------------------------------------------------------------- ways to run it

def run_as_one_batch(db, path):
    """Send the whole file in one query, as migration runners (Supabase's CLI) do."""
    said = []
    with db.connect(autocommit=True) as conn:
        conn.add_notice_handler(lambda d: said.append(d.message_primary))
        conn.execute(path.read_text(encoding="utf-8"))
    return said


def test_install_as_one_psycopg_batch(db, make_db, build_scripts):
    load_v0(db)
    before = v0_digests(db)

    said = run_as_one_batch(db, build_scripts.install)

    assert installed_version(db) == VERSION
    assert INSTALLED.match(said[-1]), said
    assert v0_digests(db) == before
    companies, legacy = legacy_company(db)
    assert companies == [(legacy, DEFAULT_LEGACY_NAME)]
    reference = make_db("psql_install")
    load_v0(reference)
    reference.install()
    assert db.dump() == reference.dump()
    # Run again as a batch: nothing changes.
    dump = db.dump()
    run_as_one_batch(db, build_scripts.install)
    assert db.dump() == dump


def test_failed_psycopg_batch_changes_nothing(db, build_scripts):
    load_v0(db)
    db.psql("CREATE TABLE public.companies (id integer PRIMARY KEY, nom text)")
    dump, data = db.dump(), data_digest(db)

    with pytest.raises(psycopg.Error) as err:
        run_as_one_batch(db, build_scripts.install)

    said = f"{err.value.diag.message_primary}\n{err.value.diag.message_detail}"
    for text in ["public.companies.id", "integer", "uuid"]:
        assert text in said, said
    assert db.dump() == dump
    assert data_digest(db) == data


def test_install_with_psql_f_without_single_transaction(db, build_scripts):
    """`psql -f build/install.sql` (no -1, no ON_ERROR_STOP): the file is its own transaction."""
    load_v0(db)
    proc = subprocess.run([client_tool(db.cluster, "psql"), "-X", "-f", str(build_scripts.install)],
                          capture_output=True, text=True, env=client_env(db.cluster, db.name))
    assert proc.returncode == 0, proc.stderr
    assert "ERROR" not in proc.stderr, proc.stderr
    assert installed_version(db) == VERSION
    assert INSTALLED.match(notices(proc.stderr)[-1])


def test_failed_psql_f_without_on_error_stop_changes_nothing(db, build_scripts):
    """Without ON_ERROR_STOP psql goes on after the error; the rest of the file must still
    change nothing (the transaction is aborted, COMMIT turns into ROLLBACK)."""
    load_v0(db)
    db.psql("CREATE VIEW public.users AS SELECT 1 AS id")
    dump, data = db.dump(), data_digest(db)
    proc = subprocess.run([client_tool(db.cluster, "psql"), "-X", "-f", str(build_scripts.install)],
                          capture_output=True, text=True, env=client_env(db.cluster, db.name))
    assert "public.users is a view" in proc.stderr
    assert db.dump() == dump
    assert data_digest(db) == data
