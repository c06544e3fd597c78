"""Attacks on the package by a tenant that sends raw SQL as an API role, as a real attacker did.

Threat: a client that can send any SQL as `authenticated` (or `anon`), whatever user it names or
fails to name, on a plain database (installed by a superuser) and on a Supabase-like one
(installed by supa_admin, BYPASSRLS but not superuser). What must hold: no code of the tenant's
ever runs as the package's owner, through any trigger, policy helper or function of the package,
and the operator's own scripts never run a function a tenant planted.

The planted code announces itself with a NOTICE naming current_user, so a test sees where it ran.
And the attack shows it was not vacuous: it shadowed every type the package's functions work with,
and its statements reached every trigger and policy helper of the package (pg_stat_xact_user_functions).
"""
import dataclasses
import json
import re
import uuid

import psycopg
import pytest
from psycopg import sql

from conftest import FIXTURES
import build  # noqa: E402  (the repository's root, on sys.path by conftest)
from helpers import data_digest, installed_version, load_v0, notices, rows
from supabase_layout import (A_ADMIN, A_INACTIVE, A_USER, A_VIEWER, BLOCK_A2, BLOCK_B1, COMPANY_A, COMPANY_B, MEMOIRE_A, OWNER,
                             PROJECT_A, PROJECT_B, SECTION_A, V0_FIXTURES, check, ensure_cluster_roles,
                             insert_tenant_data, install_as, lay_out, psql_as)

RAN_AS = "attack: code of the tenant ran as "

# The tenant's code, and a shadow in its temporary schema of every type and relation a function
# of the package could name without a schema: PostgreSQL searches pg_temp first for types and
# relations unless a function's search_path lists it (last).
PLANT = r"""
CREATE FUNCTION pg_temp.evil() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'attack: code of the tenant ran as %', current_user;
  RETURN true;
END $$;
DO $plant$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT ty.typname, pg_catalog.format('%I.%I', n.nspname, ty.typname) AS target
             FROM pg_catalog.pg_type ty JOIN pg_catalog.pg_namespace n ON n.oid = ty.typnamespace
            WHERE n.nspname IN ('pg_catalog', 'public', 'memtech', 'extensions') AND ty.typtype IN ('b', 'd', 'e', 'r', 'm')
              AND ty.typcategory <> 'A' AND ty.typrelid = 0 LOOP
    BEGIN
      EXECUTE pg_catalog.format('CREATE DOMAIN pg_temp.%I AS %s CHECK (pg_temp.evil())', t.typname, t.target);
    EXCEPTION WHEN OTHERS THEN
      NULL;   -- a type no domain can be made of (or that this role may not see)
    END;
  END LOOP;
  FOR t IN SELECT c.relname, pg_catalog.format('%I.%I', n.nspname, c.relname) AS target
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('pg_catalog', 'public', 'memtech', 'extensions') AND c.relkind IN ('r', 'v', 'm', 'p') LOOP
    BEGIN
      EXECUTE pg_catalog.format('CREATE VIEW pg_temp.%I AS SELECT * FROM %s WHERE pg_temp.evil()', t.relname, t.target);
    EXCEPTION WHEN OTHERS THEN
      EXECUTE pg_catalog.format('CREATE VIEW pg_temp.%I AS SELECT pg_temp.evil() AS evil', t.relname);
    END;
  END LOOP;
END
$plant$;
"""

# Shows the planting works in this session: the tenant's own cast runs its code, as itself.
CANARY = "SELECT 'a0000000-0000-4000-8000-00000000000a'::uuid"

FILE_A = "a7000000-0000-4000-8000-000000000001"    # a file of company A's, which the target fixture adds

# Rows a tenant could try to write, with the references the triggers check (untyped literals:
# typed by the column, so the tenant's own statement does not go through its domains).
INSERTS = {
    "companies": "INSERT INTO public.companies (name) VALUES ('Gamma')",
    "users": "INSERT INTO public.users (email, full_name, role) VALUES ('x@gamma.fr', 'X', 'admin')",
    "content_blocks": f"INSERT INTO public.content_blocks (type, title, tags, created_by) "
                      f"VALUES ('equipment', 'Grue', '{{grue}}', '{A_USER}')",
    "files": f"INSERT INTO public.files (filename, file_type, storage_url, size_bytes, uploaded_by) "
             f"VALUES ('a.pdf', 'pdf', 's3://a', 1, '{A_USER}')",
    "past_projects": "INSERT INTO public.past_projects (name) VALUES ('Pont')",
    "section_templates": "INSERT INTO public.section_templates (section_type, title, template_content) "
                         "VALUES ('methodologie', 'T', 'x')",
    "projects": f"INSERT INTO public.projects (name, created_by) VALUES ('AO', '{A_USER}')",
    "memoires": f"INSERT INTO public.memoires (title, uploaded_by) VALUES ('M', '{A_USER}')",
    "sections": f"INSERT INTO public.sections (project_id, title, reviewer_id, source_blocks) "
                f"VALUES ('{PROJECT_A}', 'S', '{A_USER}', '{{{BLOCK_A2}}}')",
    "document_chunks": f"INSERT INTO public.document_chunks (memoire_id, content) VALUES ('{MEMOIRE_A}', 'c')",
    "rc_analysis": f"INSERT INTO public.rc_analysis (project_id, rc_file_url) VALUES ('{PROJECT_A}', 's3://rc')",
    "content_matches": f"INSERT INTO public.content_matches (project_id, requirement_id, matched_blocks) "
                       f"VALUES ('{PROJECT_A}', 'R1', '{{{BLOCK_A2}}}')",
    "generation_requests": f"INSERT INTO public.generation_requests (project_id, section_type) "
                           f"VALUES ('{PROJECT_A}', 'methodologie')",
    "audit_log": "INSERT INTO public.audit_log (action, resource_type) VALUES ('login', 'users')",
    "block_files": f"INSERT INTO public.block_files (block_id, file_id, relationship) "
                   f"VALUES ('{BLOCK_A2}', '{FILE_A}', 'photo')",
}
# Rows under a parent of company B: the fill trigger's refusal (fill_company_id, each kind of parent)
# must run, and refuse them, without running the tenant's code as the owner.
REFUSED = {
    "project": f"INSERT INTO public.sections (project_id, title) VALUES ('{PROJECT_B}', 'S')",
    "block": f"INSERT INTO public.block_files (block_id, file_id, relationship) "
             f"VALUES ('{BLOCK_B1}', '{FILE_A}', 'photo')",
}
# Columns whose update fires a trigger of the package (UPDATE OF ...), set to themselves.
TRIGGERING = ["id", "company_id", "created_by", "uploaded_by", "reviewer_id", "source_blocks", "matched_blocks",
              "tags", "title", "content", "role", "is_active", "full_name", "email", "name", "project_id",
              "memoire_id"]
# The package's functions a tenant may try to call directly.
CALLS = ["SELECT memtech.current_user_id(), memtech.current_company_id(), memtech.current_user_role()",
         "SELECT * FROM memtech.active_member",
         "SELECT memtech.sync_active_members()", "SELECT memtech.sync_block_tags()",
         "SELECT memtech.generate_audit_function('users')", "SELECT memtech.request_origin()",
         "SELECT memtech.installed_version()",
         "SELECT memtech.sync_library_documents()", "SELECT memtech.search_query('béton')",
         "SELECT * FROM public.search_library('béton fondations qualité', 5)",
         "SELECT * FROM public.search_library('\"procédure qualité\" -secret', 50)"]
# The searches over chunks, where pgvector is there: an untyped vector literal (its type is the
# function's own, wherever pgvector lives), on the exact path and on the index's.
QUERY_VECTOR = "'[" + ",".join("0.01" for _ in range(1536)) + "]'"
VECTOR_CALLS = [f"SELECT * FROM public.search_chunks({QUERY_VECTOR}, 5)",
                f"SELECT * FROM public.search_hybrid('alpha chunk', {QUERY_VECTOR}, 5)",
                f"DO $$ BEGIN PERFORM set_config('memtech.search_exact_limit', '0', true); "
                f"PERFORM * FROM public.search_chunks({QUERY_VECTOR}, 5); "
                f"PERFORM * FROM public.search_hybrid('alpha', {QUERY_VECTOR}, 5); END $$",
                # company A's own index (the fixture makes one), and the functions around it
                f"SELECT * FROM memtech.company_nearest_chunks({QUERY_VECTOR}, 5)",
                "SELECT memtech.sync_company_chunks()",
                f"SELECT memtech.create_company_chunk_index('{COMPANY_B}')",
                f"SELECT memtech.drop_company_chunk_index('{COMPANY_A}')"]

# Who attacks: the API role, and what the request says about the user.
WHO = {
    "viewer": ("authenticated", {"sub": A_VIEWER, "role": "authenticated"}, None),
    "admin": ("authenticated", {"sub": A_ADMIN, "role": "authenticated"}, None),
    "user_by_app_user_id": ("authenticated", None, A_USER),
    "deactivated_user": ("authenticated", {"sub": A_INACTIVE, "role": "authenticated"}, None),
    "no_user": ("authenticated", {"role": "authenticated"}, None),
    "malformed_claims": ("authenticated", "{not json", None),
    "anon": ("anon", {"role": "anon"}, None),
    # Supabase's role for jobs across companies (BYPASSRLS): only the Supabase-like layout grants it anything.
    "service_role": ("service_role", {"role": "service_role"}, None),
}
# Those that act as an active user of company A: they reach the package's triggers and helpers.
MEMBERS = ["viewer", "admin", "user_by_app_user_id"]
HEADERS = json.dumps({"x-forwarded-for": "192.0.2.1, 203.0.113.7", "user-agent": "attack"})


@pytest.fixture(params=["plain", "supabase"])
def target(request, db, build_scripts):
    """(db, owner): the v0 database with the package installed by its owner and companies A and B.
    Where the server has pgvector, document_chunks.embedding is a vector (pgvector in public, or in
    extensions as on Supabase), with the application's HNSW index, and the chunks have embeddings."""
    ensure_cluster_roles(db.cluster)    # authenticator, the login PostgREST switches roles from
    with db.connect() as conn:
        vector = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone()
        if vector:
            if request.param == "supabase":
                conn.execute("CREATE SCHEMA extensions")
                conn.execute("GRANT USAGE ON SCHEMA extensions TO PUBLIC")
            conn.execute("CREATE EXTENSION vector SCHEMA " + ("extensions" if request.param == "supabase" else "public"))
    if request.param == "supabase":
        lay_out(db, v0=False)
        for name in V0_FIXTURES + (["v0_rag"] if vector else []):
            # Supabase's search_path has extensions, where its pgvector lives.
            check(psql_as(db, OWNER, FIXTURES / f"{name}.sql", {"search_path": "public,extensions"}),
                  f"loading {name}.sql as {OWNER}")
        proc = install_as(db, OWNER, build_scripts.install)
        assert proc.returncode == 0, proc.stderr
        owner = OWNER
    else:
        load_v0(db)
        if vector:
            db.load_fixture("v0_rag")
        db.install()
        owner = "postgres"
    insert_tenant_data(db)
    db.psql(f"INSERT INTO public.files (id, company_id, filename, file_type, storage_url, size_bytes) "
            f"VALUES ('{FILE_A}', '{COMPANY_A}', 'a.pdf', 'pdf', 's3://a', 1)")
    # Counts every call of a PL/pgSQL or SQL function, in pg_stat_xact_user_functions: the attack
    # reads which of the package's functions its statements reached.
    db.psql(f"ALTER DATABASE \"{db.name}\" SET track_functions = 'all'")
    if vector:
        db.psql("UPDATE public.document_chunks SET embedding = "
                "(SELECT array_agg((0.01 + (n % 7) / 100.0)::real) FROM generate_series(1, 1536) n WHERE id IS NOT NULL)")
        # Company A's search goes through an index of its own on the index's path.
        own = f"SELECT memtech.create_company_chunk_index('{COMPANY_A}')"
        if request.param == "supabase":
            check(psql_as(db, OWNER, own), f"making company A's own index as {OWNER}")
        else:
            db.psql(own)
    return db, owner


def tenant_tables(db):
    with db.connect() as conn:
        return [r[0] for r in conn.execute(
            "SELECT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
            "WHERE p.polname = 'memtech_tenant_isolation' ORDER BY 1")]


# The functions the package creates in public (the others are in memtech), as build.py reads them.
PUBLIC_FUNCTIONS = [name for kind, name in build.public_object_rows(build.modules()) if kind == "function"]
PACKAGE_FUNCTION = ("(p.pronamespace = 'memtech'::regnamespace "
                    "OR (p.pronamespace = 'public'::regnamespace AND p.proname = ANY (%(public)s)))")


def package_types(db):
    """The names of the types the package's functions work with, which the attack must shadow: those
    of their arguments and results, those their bodies cast to, and those of the columns of the
    tables they read and write (the tenant tables, memtech's), element types for arrays."""
    return {r[0] for r in rows(db, f"""
        WITH used (type_oid) AS (
          SELECT unnest(p.proargtypes::oid[] || p.prorettype || coalesce(p.proallargtypes, '{{}}'))
            FROM pg_proc p WHERE {PACKAGE_FUNCTION}
          UNION
          SELECT to_regtype(m[1]) FROM pg_proc p, regexp_matches(p.prosrc, '::\\s*([a-z_][a-z0-9_.]*)', 'gi') m
           WHERE {PACKAGE_FUNCTION}
          UNION
          SELECT a.atttypid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind = 'r'
             AND (c.relnamespace = 'memtech'::regnamespace
                  OR c.oid IN (SELECT p.polrelid FROM pg_policy p WHERE p.polname = 'memtech_tenant_isolation'))
        )
        SELECT coalesce(e.typname, t.typname) FROM used
          JOIN pg_type t ON t.oid = used.type_oid
          LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
         WHERE coalesce(e.typtype, t.typtype) NOT IN ('p', 'c')""", {"public": PUBLIC_FUNCTIONS})}


def entry_functions(db, role):
    """{oid: name} of the functions the package runs for the statements `role` may send: those of its
    triggers on the tenant tables that fire on a command the role may run there (INSERT, UPDATE,
    DELETE: TRUNCATE is never granted), and those the tables' policies call."""
    return dict(rows(db, """
        SELECT t.tgfoid::oid, t.tgfoid::regprocedure::text FROM pg_trigger t
         WHERE NOT t.tgisinternal
           AND t.tgrelid IN (SELECT p.polrelid FROM pg_policy p WHERE p.polname = 'memtech_tenant_isolation')
           AND ((t.tgtype & 4 <> 0 AND has_any_column_privilege(%(role)s, t.tgrelid, 'INSERT'))
                OR (t.tgtype & 16 <> 0 AND has_any_column_privilege(%(role)s, t.tgrelid, 'UPDATE'))
                OR (t.tgtype & 8 <> 0 AND has_table_privilege(%(role)s, t.tgrelid, 'DELETE')))
        UNION
        SELECT d.refobjid, d.refobjid::regprocedure::text FROM pg_depend d JOIN pg_policy p ON p.oid = d.objid
         WHERE d.classid = 'pg_policy'::regclass AND d.refclassid = 'pg_proc'::regclass
           AND p.polrelid IN (SELECT p.polrelid FROM pg_policy p WHERE p.polname = 'memtech_tenant_isolation')""",
        {"role": role}))


@dataclasses.dataclass
class Attack:
    ran_as: set          # the roles the tenant's code ran as
    shadows: set         # the names of the types it shadowed in its temporary schema
    called: set          # the oids of the functions its statements called, once it had planted
    refused: dict        # {kind of parent: the error} of the rows under company B's parents (None: accepted)


def attack(db, who, warm=False):
    """Plants the tenant's code in a new session as `who` and runs every entry point of the package."""
    role, claims, app_user_id = WHO[who]
    tables = tenant_tables(db)
    with db.connect() as conn:
        vector = conn.execute("SELECT to_regproc('public.search_chunks') IS NOT NULL").fetchone()[0]
    said = []
    with psycopg.connect(db.dsn, user="authenticator", autocommit=True) as conn:
        conn.add_notice_handler(lambda d: said.append(d.message_primary or ""))
        conn.execute("BEGIN")
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        if claims is not None:
            conn.execute("SELECT set_config('request.jwt.claims', %s, true)",
                         [claims if isinstance(claims, str) else json.dumps(claims)])
        if app_user_id is not None:
            conn.execute("SELECT set_config('app.user_id', %s, true)", [app_user_id])
        conn.execute("SELECT set_config('request.headers', %s, true)", [HEADERS])

        def attempt(statement):
            conn.execute("SAVEPOINT attempt")
            try:
                conn.execute(statement)
                error = None
            except psycopg.Error as e:
                error = str(e)
            conn.execute("ROLLBACK TO SAVEPOINT attempt")
            return error

        def every_entry_point():
            for call in CALLS + (VECTOR_CALLS if vector else []):
                attempt(call)
            for table in tables:
                attempt(f"SELECT count(*) FROM public.{table}")
                if table in INSERTS:
                    attempt(INSERTS[table])
                for column in TRIGGERING:
                    attempt(f"UPDATE public.{table} SET {column} = {column}")
                attempt(f"DELETE FROM public.{table}")
            attempt(f"UPDATE public.users SET full_name = full_name WHERE id = '{A_VIEWER}'")
            attempt(f"UPDATE public.sections SET content = 'x' WHERE id = '{SECTION_A}'")
            return {kind: attempt(statement) for kind, statement in REFUSED.items()}

        # Everything this session reads once it has planted names the catalog's objects with their
        # schema: its own shadows would answer otherwise.
        def calls():
            return dict(conn.execute(
                "SELECT funcid::pg_catalog.oid, calls FROM pg_catalog.pg_stat_xact_user_functions").fetchall())

        if warm:     # the package's functions compiled and their plans kept before the planting
            every_entry_point()
        conn.execute(PLANT)
        shadows = {r[0] for r in conn.execute(
            "SELECT typname::pg_catalog.text FROM pg_catalog.pg_type "
            "WHERE typnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema() "
            "AND typtype OPERATOR(pg_catalog.=) 'd'")}
        conn.execute(CANARY)
        before = calls()
        refused = every_entry_point()
        after = calls()
        conn.execute("ROLLBACK")
    return Attack(ran_as={m[len(RAN_AS):] for m in said if m.startswith(RAN_AS)}, shadows=shadows,
                  called={f for f, n in after.items() if n > before.get(f, 0)}, refused=refused)


# The entry functions that only an admin's statements reach, and when they run.
ADMIN_ONLY = {"memtech.keep_active_members()": "a user is added, or changes company, role or activation"}


def assert_the_attack_reached_the_package(db, who, result):
    """The attack cannot pass for want of trying: every type the package works with was shadowed,
    the rows under another company's parents were refused, and for an active member the package's
    triggers and policy helpers, and the fill trigger's refusal, all ran under the shadows."""
    missing = package_types(db) - result.shadows
    assert not missing, f"the tenant could not shadow {sorted(missing)}: the attack proves nothing for them"
    if who != "service_role":     # BYPASSRLS: writes under any company's parents, by design
        assert all(result.refused.values()), f"a row under company B's parent was accepted: {result.refused}"
    if who in MEMBERS:
        for kind, error in result.refused.items():
            assert "which does not exist or belongs to another company" in error, (kind, error)
        expected = {oid: name for oid, name in entry_functions(db, WHO[who][0]).items()
                    if who == "admin" or name not in ADMIN_ONLY}
        assert sorted(name for oid, name in expected.items() if oid not in result.called) == [], \
            "the attack never reached these functions: it proves nothing for them"


LAYOUT_WHO = [(layout, who) for layout in ("plain", "supabase") for who in WHO
              if who != "service_role" or layout == "supabase"]


@pytest.mark.parametrize("target, who", LAYOUT_WHO, indirect=["target"])
def test_a_tenants_shadow_types_and_relations_never_run_as_the_owner(target, who):
    db, owner = target
    result = attack(db, who)
    role = WHO[who][0]
    assert role in result.ran_as, "the planted code did not even run for the tenant's own cast: the test proves nothing"
    assert result.ran_as == {role}, f"the tenant's code ran as {result.ran_as - {role}} (the owner is {owner})"
    assert_the_attack_reached_the_package(db, who, result)


@pytest.mark.parametrize("target, who", [(layout, who) for layout in ("plain", "supabase")
                                         for who in ("viewer", "admin")], indirect=["target"])
def test_shadows_planted_after_the_functions_were_compiled_never_run_as_the_owner(target, who):
    db, _ = target
    result = attack(db, who, warm=True)
    assert result.ran_as == {WHO[who][0]}
    assert_the_attack_reached_the_package(db, who, result)


# ------------------------------------------------------------------------ the operator's scripts

PLANTED = "planted public."
# Signatures that match the calls of a script better than pg_catalog's own ("any", anyarray,
# anyelement), so that PostgreSQL would pick them wherever public is on the search path.
PLANTED_FUNCTIONS = [
    ("format", "text, VARIADIC text[]"), ("format", "text, text"), ("format", "text, text, text"),
    ("format", "text, name"), ("format", "text, regclass"), ("format", "text, text, regclass"),
    ("concat_ws", "text, VARIADIC text[]"), ("concat", "VARIADIC text[]"),
    ("array_to_string", "text[], text"), ("array_to_string", "regclass[], text"),
    ("jsonb_build_object", "text, text"), ("to_jsonb", "text"), ("unnest", "text[]"),
]


def plant_in_public(db):
    """What PostgreSQL 14 lets any role do (and 15+ where CREATE on public was granted to PUBLIC):
    authenticated puts functions in public that announce themselves."""
    with db.connect() as conn:
        conn.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
        conn.execute("SET ROLE authenticated")
        for name, args in PLANTED_FUNCTIONS:
            conn.execute(f"""
                CREATE FUNCTION public.{name}({args}) RETURNS text LANGUAGE plpgsql AS $$
                BEGIN
                  RAISE NOTICE 'planted public.% ran as %', '{name}({args})', current_user;
                  RETURN '';
                END $$""")


@pytest.mark.parametrize("layout", ["plain", "supabase"])
def test_functions_a_tenant_plants_in_public_never_run_in_the_scripts(db, build_scripts, layout):
    if layout == "supabase":
        lay_out(db)
        run = lambda path, **opts: install_as(db, OWNER, path, opts or None)  # noqa: E731
    else:
        ensure_cluster_roles(db.cluster)
        load_v0(db)
        run = lambda path, **opts: db.psql(path, opts or None, check=False)  # noqa: E731
    plant_in_public(db)

    runs = {"prepare": run(build_scripts.prepare), "install": run(build_scripts.install),
            "finish": run(build_scripts.finish), "install again": run(build_scripts.install),
            "uninstall": run(build_scripts.uninstall, **{"memtech.confirm_data_loss": "on"}),
            "uninstall again": run(build_scripts.uninstall)}

    for step, proc in runs.items():
        assert proc.returncode == 0, f"{step} failed:\n{proc.stderr}"
        assert PLANTED not in proc.stderr, f"{step} ran a function the tenant planted:\n{proc.stderr}"
    # The install says how to close the hole, and leaves the privilege as the operator set it.
    assert any("REVOKE CREATE ON SCHEMA public FROM PUBLIC" in n for n in notices(runs["install"].stderr))
    with db.connect() as conn:
        assert conn.execute("SELECT has_schema_privilege('public', 'public', 'CREATE')").fetchone()[0]


# What a tenant connected as authenticated may plant in public before an install, where it may
# create there (PostgreSQL 14's default): objects under names the install would create, so that
# the install takes them over while the tenant stays their owner, free to turn row level
# security off or to add code that runs as whoever writes the table. Its code records who ran it,
# in a table of its own and in a WARNING, which a script that fails later cannot take back.
TENANT_RAN_AS = "tenant code ran as "
RECORDER = f"""
CREATE TABLE public.tenant_ran_as (role_name text);
GRANT INSERT ON public.tenant_ran_as TO PUBLIC;
CREATE FUNCTION public.tenant_records_who_runs_it() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE WARNING '{TENANT_RAN_AS}%', current_user;
  INSERT INTO public.tenant_ran_as VALUES (current_user);
  RETURN coalesce(NEW, OLD);
END $$;
"""


def a_tenant_takes_names(db, table, enum=None, function=None):
    """authenticated creates public.<table> with a trigger recording who writes it, and optionally
    the enum public.<enum> (user_role's labels) and a look-alike of public.<function> (search_library's
    signature) that records who runs it."""
    with db.connect() as conn:
        conn.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
        conn.execute("SET ROLE authenticated")
        conn.execute(RECORDER)
        conn.execute(f"CREATE TABLE public.{table} ()")
        conn.execute(f"CREATE TRIGGER tenant_records_who_writes BEFORE INSERT OR UPDATE OR DELETE ON public.{table} "
                     f"FOR EACH ROW EXECUTE FUNCTION public.tenant_records_who_runs_it()")
        if enum:     # user_role, with the package's labels: the install would take it for its own
            conn.execute(f"CREATE TYPE public.{enum} AS ENUM ('admin', 'user', 'viewer')")
        if function:
            conn.execute(f"""
                CREATE FUNCTION public.{function}(query text, match_count integer DEFAULT 20)
                RETURNS TABLE (kind text, id uuid, title text, snippet text, rank real)
                LANGUAGE plpgsql SECURITY DEFINER AS $$
                BEGIN
                  RAISE WARNING '{TENANT_RAN_AS}%', current_user;
                  INSERT INTO public.tenant_ran_as VALUES (current_user);
                END $$""")


def assert_stopped_naming(proc, *objects, owner="authenticated"):
    assert TENANT_RAN_AS not in proc.stderr, f"the install ran the tenant's code:\n{proc.stderr}"
    assert proc.returncode != 0, f"the install went on:\n{proc.stderr}"
    error = proc.stderr[proc.stderr.index("ERROR:"):]
    assert "memtech cannot take over" in error, error
    for name in objects:
        assert f"{name} (owned by {owner})" in error, f"{name} not named:\n{error}"
    assert "Nothing was changed" in error, error


@pytest.mark.parametrize("layout", ["plain", "supabase"])
def test_a_table_an_enum_and_a_function_a_tenant_created_in_public_stop_the_first_install(db, build_scripts, layout):
    """Without the check, the plain install (a superuser) took all three over, and fired the
    tenant's trigger as itself when it wrote the legacy company."""
    if layout == "supabase":
        lay_out(db)
        run = lambda: install_as(db, OWNER, build_scripts.install)  # noqa: E731
    else:
        ensure_cluster_roles(db.cluster)
        load_v0(db)
        run = lambda: db.psql(build_scripts.install, check=False)  # noqa: E731
    a_tenant_takes_names(db, "companies", enum="user_role", function="search_library")
    dump, data = db.dump(), data_digest(db)

    proc = run()

    assert_stopped_naming(proc, "table public.companies", "type public.user_role",
                          "function public.search_library(text,integer)")
    assert db.dump() == dump
    assert data_digest(db) == data
    assert installed_version(db) is None
    assert rows(db, "SELECT role_name FROM public.tenant_ran_as") == []


def test_a_table_a_tenant_created_in_public_stops_an_upgrade_that_adds_it(db, build_scripts):
    """0.1.0 had no content_block_tags: an upgrade from it creates the table, and fills it."""
    ensure_cluster_roles(db.cluster)
    load_v0(db)
    db.load_fixture("memtech_0.1.0_install")
    db.psql("""
        INSERT INTO public.companies (id, name) VALUES ('c0000000-0000-4000-8000-0000000000a1', 'Ancienne BTP');
        INSERT INTO public.content_blocks (company_id, type, title, tags)
        VALUES ('c0000000-0000-4000-8000-0000000000a1', 'equipment', 'Grue', '{levage,grue}');""")
    a_tenant_takes_names(db, "content_block_tags")
    dump, data = db.dump(), data_digest(db)

    proc = db.psql(build_scripts.install, check=False)

    assert_stopped_naming(proc, "table public.content_block_tags")
    assert db.dump() == dump
    assert data_digest(db) == data
    assert installed_version(db) == "0.1.0"
    assert rows(db, "SELECT role_name FROM public.tenant_ran_as") == []


def test_a_table_owned_by_a_role_granted_to_authenticated_stops_the_install_too(db, build_scripts):
    """A tenant connected as authenticated holds the rights of a role granted to it, and may SET ROLE to it."""
    ensure_cluster_roles(db.cluster)
    load_v0(db)
    group = f"tenant_group_{uuid.uuid4().hex[:8]}"    # roles are the cluster's: one of this test's own
    with db.connect() as conn:
        conn.execute(f"CREATE ROLE {group} NOLOGIN")
        conn.execute(f"GRANT {group} TO authenticated")
        conn.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
    try:
        with db.connect() as conn:
            conn.execute("SET ROLE authenticated")
            conn.execute(f"SET ROLE {group}")
            conn.execute("CREATE TABLE public.files ()")

        # Even where the operator accepts every role that row level security binds.
        proc = db.psql(build_scripts.install, {"memtech.accept_bound_roles": "*"}, check=False)

        assert_stopped_naming(proc, "table public.files", owner=group)
        assert installed_version(db) is None
    finally:
        with db.connect() as conn:
            conn.execute(f"DROP OWNED BY {group}")
            conn.execute(f"DROP ROLE {group}")


def test_the_install_says_nothing_of_public_when_public_may_not_create_there(db, build_scripts):
    load_v0(db)
    with db.connect() as conn:
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    proc = db.install()
    assert not any("ON SCHEMA public" in n for n in notices(proc.stderr))


def test_the_scripts_search_only_pg_catalog_and_their_own_temporary_schema(build_scripts):
    # Every search_path the scripts set, and every one their functions pin, is pg_catalog then
    # pg_temp: nothing a non-superuser can create in is ever searched.
    for path in build_scripts:
        text = path.read_text(encoding="utf-8")
        paths = re.findall(r"search_path\s*(?:=|TO)\s*([^;\n]*?)(?:\s+SET\s|;|\n|$)", text, re.I)
        assert paths, path
        wrong = sorted({p.strip() for p in paths} - {"pg_catalog, pg_temp"})
        assert wrong == [], f"{path.name} sets search_path to {wrong}"

