"""memtech on a database laid out like Supabase's, used the way PostgREST uses it.

The database (see supabase_layout.py) is owned by supa_admin, a non-superuser with BYPASSRLS
standing in for Supabase's `postgres`, who also loads the v0 schema and runs the install.
Supabase's default privileges give anon, authenticated and service_role ALL on every table of
public, TRUNCATE included. Requests come through a connection logged in as authenticator that
switches to the API role and sets the JWT claims in each transaction, as PostgREST does.
"""
import psycopg
import pytest
from psycopg import sql

from helpers import VERSION
from supabase_layout import (A_ADMIN, A_INACTIVE, A_USER, A_USERS, A_VIEWER, B_ADMIN, BLOCK_A1, BLOCK_A2,
                             BLOCK_B1, CHUNKS_A, CHUNKS_B, COMPANY_A, COMPANY_B, MEMOIRE_A, MEMOIRE_B, OWNER,
                             PACKAGE_TABLES, PLAIN_OWNER, PROJECT_A, PROJECT_B, SECTION_A, TABLE_PRIVILEGES,
                             V0_TABLES, PostgrestConnection, SupabaseDb, insert_tenant_data, install_as, lay_out,
                             privileges_of, psql_as, relacl, v0_ids, v0_rows_digest)

RLS_VIOLATION = "42501"        # insufficient_privilege: "new row violates row-level security policy"
PERMISSION_DENIED = "42501"    # insufficient_privilege: "permission denied for table ..."
FOREIGN_KEY_VIOLATION = "23503"
CHECK_VIOLATION = "23514"
INVALID_AUTHORIZATION = "28000"


def refused(sqlstate, call, *args, **kwargs):
    """Runs call(*args, **kwargs), which must fail with this SQLSTATE; returns the error."""
    with pytest.raises(psycopg.Error) as caught:
        call(*args, **kwargs)
    err = caught.value
    assert err.sqlstate == sqlstate, f"expected SQLSTATE {sqlstate}, got {err.sqlstate}: {err}"
    return err


# ---------------------------------------------------------------------------------- fixtures

def _laid_out_and_installed(db, build_scripts):
    lay_out(db)
    with db.connect() as conn:
        # The layout is Supabase's: supa_admin owns the v0 tables, and the default privileges
        # gave the API roles everything on them, TRUNCATE included.
        assert conn.execute("SELECT relowner::regrole::text FROM pg_class WHERE oid = 'public.projects'::regclass"
                            ).fetchone()[0] == OWNER
        for role in ("anon", "authenticated", "service_role"):
            assert privileges_of(conn, role, "projects")[:len(TABLE_PRIVILEGES)] == TABLE_PRIVILEGES, role
        acl_before = {t: relacl(conn, t) for t in V0_TABLES}
        v0_before = v0_rows_digest(conn)
        ids_before = v0_ids(conn)
    dump_before = db.dump()
    proc = install_as(db, OWNER, build_scripts.install)
    assert proc.returncode == 0, f"the install as {OWNER} failed:\n{proc.stderr}"
    return SupabaseDb(db=db, install_path=build_scripts.install, dump_before=dump_before, acl_before=acl_before,
                      v0_before=v0_before, v0_ids_before=ids_before, install_proc=proc)


@pytest.fixture
def supabase_installed(db, build_scripts):
    """Supabase-like database with the v0 fixtures, memtech installed by supa_admin; no tenant data
    beyond the legacy company the install made for the v0 rows."""
    s = _laid_out_and_installed(db, build_scripts)
    yield s
    s.close()


@pytest.fixture
def supabase_db(db, build_scripts):
    """The same, plus companies A and B with their users, blocks, memoires, chunks and projects."""
    s = _laid_out_and_installed(db, build_scripts)
    insert_tenant_data(db)
    yield s
    s.close()


# ---------------------------------------------------------------------------------- the install

def test_the_owner_with_bypassrls_installs_and_owns_everything(supabase_installed):
    s = supabase_installed
    assert "version " + VERSION + " installed" in s.install_proc.stderr
    assert "ERROR" not in s.install_proc.stderr
    assert s.scalar("SELECT memtech.installed_version()") == VERSION
    assert s.scalar("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'memtech'") == OWNER
    owners = s.column("SELECT DISTINCT relowner::regrole::text FROM pg_class WHERE oid = ANY (%s::regclass[])",
                      [[f"public.{t}" for t in PACKAGE_TABLES]])
    assert owners == [OWNER]
    # Supabase's own API role was found, not created: the uninstall must never drop it.
    assert s.scalar("SELECT created_roles FROM memtech.installation") == []


def test_an_owner_without_bypassrls_is_refused_and_nothing_changes(db, build_scripts):
    lay_out(db)
    dump_before = db.dump()
    with db.connect() as conn:
        v0_before = v0_rows_digest(conn)

    proc = install_as(db, PLAIN_OWNER, build_scripts.install)

    assert proc.returncode != 0, f"the install as {PLAIN_OWNER} succeeded:\n{proc.stderr}"
    assert "ERROR:" in proc.stderr
    assert f"memtech must be run by a superuser or a role with BYPASSRLS; {PLAIN_OWNER} is neither" in proc.stderr
    assert db.dump() == dump_before
    with db.connect() as conn:
        assert v0_rows_digest(conn) == v0_before
        assert conn.execute("SELECT to_regnamespace('memtech') IS NULL").fetchone()[0]
        assert privileges_of(conn, "anon", "projects")[:len(TABLE_PRIVILEGES)] == TABLE_PRIVILEGES


@pytest.mark.parametrize("with_v0", [True, False], ids=["v0_database", "empty_database"])
def test_install_sent_as_one_batch_through_psycopg_as_the_owner(db, build_scripts, with_v0):
    """As Supabase's CLI applies a migration: the whole file in one simple-query batch."""
    lay_out(db, v0=with_v0)
    text = build_scripts.install.read_text(encoding="utf-8")

    with psycopg.connect(db.dsn, user=OWNER, autocommit=True) as conn:
        assert conn.execute("SELECT current_user, usesuper FROM pg_user WHERE usename = current_user"
                            ).fetchone() == (OWNER, False)
        conn.execute(text)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        # A second run (a re-applied migration) is harmless.
        conn.execute(text)

    with db.connect() as conn:
        assert conn.execute("SELECT memtech.installed_version()").fetchone()[0] == VERSION
        for table in PACKAGE_TABLES:
            assert privileges_of(conn, "anon", table) == [], table
            assert "TRUNCATE" not in privileges_of(conn, "authenticated", table), table
            assert conn.execute("SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = %s::regclass",
                                [f"public.{table}"]).fetchone()[0], table
        expected_legacy = 1 if with_v0 else 0
        assert conn.execute("SELECT count(*) FROM public.companies").fetchone()[0] == expected_legacy


# ---------------------------------------------------------------------------------- reading

def test_a_user_of_a_sees_only_company_a(supabase_db):
    s, api = supabase_db, supabase_db.api
    a = dict(sub=A_USER)
    assert sorted(api.request("SELECT id::text FROM content_blocks", **a).column) == sorted([BLOCK_A1, BLOCK_A2])
    assert api.request("SELECT id::text FROM projects", **a).column == [PROJECT_A]
    assert api.request("SELECT id::text FROM memoires", **a).column == [MEMOIRE_A]
    assert api.request("SELECT id::text FROM sections", **a).column == [SECTION_A]
    assert api.request("SELECT id::text FROM companies", **a).column == [COMPANY_A]
    assert set(api.request("SELECT id::text FROM users", **a).column) == A_USERS
    assert set(api.request("SELECT DISTINCT company_id::text FROM users", **a).column) == {COMPANY_A}
    # The superuser sees both tenants and the legacy company's v0 rows: the filtering is RLS's.
    assert s.scalar("SELECT count(DISTINCT company_id) FROM public.projects") == 3


def test_a_user_cannot_read_password_hashes(supabase_db):
    api = supabase_db.api
    err = refused(PERMISSION_DENIED, api.request, "SELECT password_hash FROM users", sub=A_USER)
    assert "users" in str(err)
    refused(PERMISSION_DENIED, api.request, "SELECT * FROM users", sub=A_ADMIN)
    refused(PERMISSION_DENIED, api.request, "SELECT id FROM users WHERE password_hash IS NOT NULL", sub=A_ADMIN)
    # Named columns work (what PostgREST's select=... sends).
    assert api.request("SELECT email FROM users WHERE id = %s", [A_ADMIN], sub=A_ADMIN).column == [
        "admin@alpha-batiment.fr"]


def test_rag_retrieval_returns_exactly_company_a_chunks(supabase_db):
    s, api = supabase_db, supabase_db.api
    expected = s.column("SELECT c.id::text FROM public.document_chunks c JOIN public.memoires m ON m.id = c.memoire_id "
                        "WHERE m.company_id = %s ORDER BY c.chunk_index", [COMPANY_A])
    assert expected == CHUNKS_A

    got = api.request("SELECT id::text FROM document_chunks ORDER BY chunk_index", sub=A_USER).column
    assert got == expected
    # B's chunks stay out even when asked for by memoire or by id.
    assert api.request("SELECT id FROM document_chunks WHERE memoire_id = %s", [MEMOIRE_B], sub=A_USER).rows == []
    assert api.request("SELECT content FROM document_chunks WHERE id = ANY (%s::uuid[])", [CHUNKS_B],
                       sub=A_USER).rows == []
    # And B's own user gets B's, the same way.
    assert api.request("SELECT id::text FROM document_chunks ORDER BY chunk_index", sub=B_ADMIN).column == CHUNKS_B


def test_service_role_sees_both_companies(supabase_db):
    api = supabase_db.api
    r = api.request("SELECT DISTINCT company_id::text FROM content_blocks", role="service_role")
    assert set(r.column) == {COMPANY_A, COMPANY_B}
    companies = set(api.request("SELECT id::text FROM companies", role="service_role").column)
    assert {COMPANY_A, COMPANY_B} <= companies
    chunks = set(api.request("SELECT id::text FROM document_chunks", role="service_role").column)
    assert set(CHUNKS_A + CHUNKS_B) <= chunks


def test_service_role_manages_users_of_any_company(supabase_db):
    """service_role is Supabase's trusted server-side role (BYPASSRLS, full default privileges):
    a back office using it must be able to deactivate a user or change a role, in any company."""
    s, api = supabase_db, supabase_db.api
    r = api.request("UPDATE users SET is_active = false WHERE id = %s", [A_VIEWER], role="service_role")
    assert r.rowcount == 1
    r = api.request("UPDATE users SET role = 'user' WHERE id = %s", [A_VIEWER], role="service_role")
    assert r.rowcount == 1
    assert s.column("SELECT (role::text, is_active)::text FROM public.users WHERE id = %s", [A_VIEWER]) == [
        "(user,f)"]


def test_service_role_writes_working_data_of_any_company(supabase_db):
    s, api = supabase_db, supabase_db.api
    r = api.request("INSERT INTO content_blocks (company_id, type, title) VALUES (%s, 'equipment', 'Par le back-office') "
                    "RETURNING id::text", [COMPANY_B], role="service_role")
    assert s.scalar("SELECT company_id::text FROM public.content_blocks WHERE id = %s", [r.value]) == COMPANY_B
    assert api.request("UPDATE content_blocks SET title = 'Revu' WHERE id = %s", [BLOCK_A1],
                       role="service_role").rowcount == 1
    assert api.request("UPDATE projects SET name = 'Renommé' WHERE id = %s", [PROJECT_B],
                       role="service_role").rowcount == 1


def test_a_pooled_connection_keeps_nothing_of_the_previous_request(supabase_db):
    api = supabase_db.api
    assert api.request("SELECT count(*) FROM content_blocks", sub=A_USER).value == 2
    assert api.conn.execute("SELECT current_user::text, coalesce(current_setting('request.jwt.claims', true), '')"
                            ).fetchone() == ("authenticator", "")
    assert api.request("SELECT count(*) FROM content_blocks", sub=None).value == 0
    refused(PERMISSION_DENIED, api.request, "SELECT count(*) FROM content_blocks", role="anon")


# ---------------------------------------------------------------------------------- writing

def test_a_block_inserted_without_company_gets_the_users_company(supabase_db):
    s, api = supabase_db, supabase_db.api
    r = api.request("INSERT INTO content_blocks (type, title, content) VALUES ('equipment', 'Grue à tour', '50 m') "
                    "RETURNING company_id::text, id::text", sub=A_USER)
    assert r.rows[0][0] == COMPANY_A
    assert s.scalar("SELECT company_id::text FROM public.content_blocks WHERE id = %s", [r.rows[0][1]]) == COMPANY_A


def test_an_api_write_is_audited_with_the_request_origin(supabase_db):
    s, api = supabase_db, supabase_db.api
    r = api.request("INSERT INTO content_blocks (type, title) VALUES ('equipment', 'Nacelle') RETURNING id::text",
                    sub=A_USER)
    trail = s.column("SELECT (company_id::text, action, user_id::text, host(ip_address), user_agent)::text "
                     "FROM public.audit_log WHERE resource_type = 'content_blocks' AND resource_id = %s", [r.value])
    assert trail == [f"({COMPANY_A},insert,{A_USER},203.0.113.7,pytest)"]
    # The trail is the admins' to read, within their company only.
    assert r.value in [str(x) for x in api.request("SELECT resource_id FROM audit_log", sub=A_ADMIN).column]
    assert api.request("SELECT count(*) FROM audit_log WHERE company_id = %s", [COMPANY_B], sub=A_ADMIN).value == 0
    assert api.request("SELECT count(*) FROM audit_log", sub=A_USER).value == 0


def test_a_block_inserted_with_another_companys_id_is_refused(supabase_db):
    s, api = supabase_db, supabase_db.api
    err = refused(RLS_VIOLATION, api.request,
                  "INSERT INTO content_blocks (company_id, type, title) VALUES (%s, 'equipment', 'Intrus')",
                  [COMPANY_B], sub=A_USER)
    assert "row-level security" in str(err)
    assert s.scalar("SELECT count(*) FROM public.content_blocks WHERE title = 'Intrus'") == 0


def test_moving_a_block_to_another_company_is_refused(supabase_db):
    s, api = supabase_db, supabase_db.api
    err = refused(RLS_VIOLATION, api.request, "UPDATE content_blocks SET company_id = %s WHERE id = %s",
                  [COMPANY_B, BLOCK_A1], sub=A_USER)
    assert "row-level security" in str(err)
    # A block with an author of A: refused too (whichever check speaks first).
    with pytest.raises(psycopg.Error) as caught:
        api.request("UPDATE content_blocks SET company_id = %s WHERE id = %s", [COMPANY_B, BLOCK_A2], sub=A_USER)
    assert caught.value.sqlstate in (RLS_VIOLATION, FOREIGN_KEY_VIOLATION), caught.value
    assert s.column("SELECT DISTINCT company_id::text FROM public.content_blocks WHERE id IN (%s, %s)",
                    [BLOCK_A1, BLOCK_A2]) == [COMPANY_A]
    # B's blocks cannot even be aimed at.
    assert api.request("UPDATE content_blocks SET title = 'pris' WHERE id = %s", [BLOCK_B1], sub=A_USER).rowcount == 0
    assert api.request("DELETE FROM content_blocks WHERE id = %s", [BLOCK_B1], sub=A_ADMIN).rowcount == 0
    assert s.scalar("SELECT title FROM public.content_blocks WHERE id = %s", [BLOCK_B1]) == "Procédure qualité Bêta"


def test_a_viewer_reads_but_cannot_write(supabase_db):
    s, api = supabase_db, supabase_db.api
    assert len(api.request("SELECT id FROM content_blocks", sub=A_VIEWER).rows) == 2
    refused(RLS_VIOLATION, api.request,
            "INSERT INTO content_blocks (type, title) VALUES ('equipment', 'Par le lecteur')", sub=A_VIEWER)
    assert api.request("UPDATE content_blocks SET title = 'modifié' WHERE id = %s", [BLOCK_A1],
                       sub=A_VIEWER).rowcount == 0
    assert api.request("DELETE FROM content_blocks WHERE id = %s", [BLOCK_A1], sub=A_VIEWER).rowcount == 0
    assert s.scalar("SELECT title FROM public.content_blocks WHERE id = %s", [BLOCK_A1]) == "Procédure qualité Alpha"


@pytest.mark.parametrize("who", ["deactivated_user", "no_user", "unknown_user"])
def test_deactivated_unknown_or_missing_user_sees_nothing_and_cannot_insert(supabase_db, who):
    api = supabase_db.api
    request_as = {"deactivated_user": dict(sub=A_INACTIVE), "no_user": dict(sub=None),
                  "unknown_user": dict(sub="c0000000-0000-4000-8000-000000000000")}[who]
    for table in PACKAGE_TABLES:
        if table != "users":   # users is read by column (below)
            assert api.request(f"SELECT count(*) FROM {table}", **request_as).value == 0, table
    assert api.request("SELECT count(*) FROM (SELECT id FROM users) u", **request_as).value == 0
    refused(RLS_VIOLATION, api.request,
            "INSERT INTO content_blocks (type, title) VALUES ('equipment', 'Fantôme')", **request_as)
    refused(RLS_VIOLATION, api.request,
            "INSERT INTO content_blocks (company_id, type, title) VALUES (%s, 'equipment', 'Fantôme')",
            [COMPANY_A], **request_as)
    assert supabase_db.scalar("SELECT count(*) FROM public.content_blocks WHERE title = 'Fantôme'") == 0


def test_anon_is_refused_reading_and_writing(supabase_db):
    api = supabase_db.api
    for table in PACKAGE_TABLES:
        err = refused(PERMISSION_DENIED, api.request, f"SELECT 1 FROM {table}", role="anon")
        assert f"permission denied for table {table}" in str(err)
    refused(PERMISSION_DENIED, api.request,
            "INSERT INTO content_blocks (company_id, type, title) VALUES (%s, 'equipment', 'Anonyme')",
            [COMPANY_A], role="anon")
    # Even with a user's sub in its claims: anon has no privilege to begin with.
    refused(PERMISSION_DENIED, api.request, "SELECT id FROM content_blocks", role="anon", sub=A_USER)


# ---------------------------------------------------------------------------------- cross-tenant references

def test_a_section_reviewed_by_another_companys_user_is_refused(supabase_db):
    api = supabase_db.api
    err = refused(FOREIGN_KEY_VIOLATION, api.request,
                  "INSERT INTO sections (project_id, title, reviewer_id) VALUES (%s, 'Planning', %s)",
                  [PROJECT_A, B_ADMIN], sub=A_USER)
    assert "reviewer_id" in str(err)
    refused(FOREIGN_KEY_VIOLATION, api.request, "UPDATE sections SET reviewer_id = %s WHERE id = %s",
            [B_ADMIN, SECTION_A], sub=A_USER)
    # A reviewer of the same company is fine.
    assert api.request("UPDATE sections SET reviewer_id = %s WHERE id = %s", [A_ADMIN, SECTION_A],
                       sub=A_USER).rowcount == 1


def test_a_content_match_naming_another_companys_block_is_refused(supabase_db):
    s, api = supabase_db, supabase_db.api
    err = refused(FOREIGN_KEY_VIOLATION, api.request,
                  "INSERT INTO content_matches (project_id, requirement_id, matched_blocks) VALUES (%s, 'R1', %s::uuid[])",
                  [PROJECT_A, [BLOCK_A1, BLOCK_B1]], sub=A_USER)
    assert "matched_blocks" in str(err)
    r = api.request("INSERT INTO content_matches (project_id, requirement_id, matched_blocks) "
                    "VALUES (%s, 'R1', %s::uuid[]) RETURNING id", [PROJECT_A, [BLOCK_A1, BLOCK_A2]], sub=A_USER)
    refused(FOREIGN_KEY_VIOLATION, api.request, "UPDATE content_matches SET matched_blocks = %s::uuid[] WHERE id = %s",
            [[BLOCK_B1], r.value], sub=A_USER)
    assert s.scalar("SELECT matched_blocks::text[] FROM public.content_matches WHERE id = %s", [r.value]) == [
        BLOCK_A1, BLOCK_A2]


def test_a_section_built_from_another_companys_block_is_refused(supabase_db):
    api = supabase_db.api
    err = refused(FOREIGN_KEY_VIOLATION, api.request,
                  "INSERT INTO sections (project_id, title, source_blocks) VALUES (%s, 'Moyens', %s::uuid[])",
                  [PROJECT_A, [BLOCK_B1]], sub=A_USER)
    assert "source_blocks" in str(err)
    refused(FOREIGN_KEY_VIOLATION, api.request, "UPDATE sections SET source_blocks = %s::uuid[] WHERE id = %s",
            [[BLOCK_A1, BLOCK_B1], SECTION_A], sub=A_USER)


def test_a_section_in_another_companys_project_is_refused(supabase_db):
    s, api = supabase_db, supabase_db.api
    # Without company_id the trigger gives the user's company, which B's project is not.
    refused(FOREIGN_KEY_VIOLATION, api.request,
            "INSERT INTO sections (project_id, title) VALUES (%s, 'Infiltrée')", [PROJECT_B], sub=A_USER)
    # Naming B's company instead runs into row level security.
    refused(RLS_VIOLATION, api.request,
            "INSERT INTO sections (company_id, project_id, title) VALUES (%s, %s, 'Infiltrée')",
            [COMPANY_B, PROJECT_B], sub=A_USER)
    # Nor can a section of A be moved under B's project.
    with pytest.raises(psycopg.Error) as caught:
        api.request("UPDATE sections SET project_id = %s WHERE id = %s", [PROJECT_B, SECTION_A], sub=A_USER)
    assert caught.value.sqlstate in (FOREIGN_KEY_VIOLATION, RLS_VIOLATION), caught.value
    assert s.scalar("SELECT count(*) FROM public.sections WHERE title = 'Infiltrée'") == 0
    assert s.scalar("SELECT project_id::text FROM public.sections WHERE id = %s", [SECTION_A]) == PROJECT_A


# ---------------------------------------------------------------------------------- privileges

@pytest.mark.parametrize("role", ["authenticated", "anon"])
def test_truncate_is_refused_on_every_table(supabase_db, role):
    s, api = supabase_db, supabase_db.api
    with s.superuser() as conn:
        before = {t: conn.execute(f"SELECT count(*) FROM public.{t}").fetchone()[0] for t in PACKAGE_TABLES}
    who = dict(role=role, sub=A_ADMIN if role == "authenticated" else None)
    for table in PACKAGE_TABLES:
        err = refused(PERMISSION_DENIED, api.request, f"TRUNCATE {table} CASCADE", **who)
        assert f"permission denied for table {table}" in str(err)
    with s.superuser() as conn:
        after = {t: conn.execute(f"SELECT count(*) FROM public.{t}").fetchone()[0] for t in PACKAGE_TABLES}
    assert after == before
    assert before["content_blocks"] == 3


def test_anon_holds_no_privilege_on_any_package_table(supabase_db):
    with supabase_db.superuser() as conn:
        held = {t: privileges_of(conn, "anon", t) for t in PACKAGE_TABLES}
        # ... although the default privileges still grant it everything on a new table of public.
        assert conn.execute(
            "SELECT count(*) FROM pg_default_acl d, aclexplode(d.defaclacl) a "
            "WHERE d.defaclrole = %s::regrole AND d.defaclobjtype = 'r' AND a.grantee = 'anon'::regrole",
            [OWNER]).fetchone()[0] >= len(TABLE_PRIVILEGES)  # PostgreSQL 17 adds MAINTAIN
    assert held == {t: [] for t in PACKAGE_TABLES}


def test_authenticated_holds_no_truncate_references_or_trigger(supabase_db):
    with supabase_db.superuser() as conn:
        extra = {t: [p for p in privileges_of(conn, "authenticated", t)
                     if p in ("TRUNCATE", "REFERENCES", "TRIGGER", "column REFERENCES")] for t in PACKAGE_TABLES}
    assert extra == {t: [] for t in PACKAGE_TABLES}


# ---------------------------------------------------------------------------------- identity

def test_jwt_and_app_user_id_naming_different_users_fail_the_statement(supabase_db):
    api = supabase_db.api
    err = refused(INVALID_AUTHORIZATION, api.request, "SELECT id FROM content_blocks", sub=A_USER,
                  app_user_id=B_ADMIN)
    assert A_USER in str(err) and B_ADMIN in str(err)
    refused(INVALID_AUTHORIZATION, api.request,
            "INSERT INTO content_blocks (type, title) VALUES ('equipment', 'Usurpé')", sub=A_VIEWER, app_user_id=A_USER)
    # Naming the same user twice is fine.
    assert api.request("SELECT count(*) FROM content_blocks", sub=A_USER, app_user_id=A_USER).value == 2


def test_a_backend_without_jwt_acts_as_app_user_id(supabase_db):
    s, api = supabase_db, supabase_db.api
    as_b = dict(jwt=False, app_user_id=B_ADMIN)
    assert api.request("SELECT id::text FROM content_blocks", **as_b).column == [BLOCK_B1]
    assert api.request("SELECT id::text FROM projects", **as_b).column == [PROJECT_B]
    r = api.request("INSERT INTO content_blocks (type, title) VALUES ('equipment', 'Pelle 20 t') "
                    "RETURNING company_id::text", **as_b)
    assert r.value == COMPANY_B
    assert api.request("SELECT memtech.current_user_id()::text", **as_b).value == B_ADMIN
    assert s.scalar("SELECT company_id::text FROM public.content_blocks WHERE title = 'Pelle 20 t'") == COMPANY_B


def test_auth_uid_and_memtech_see_the_same_user(supabase_db):
    api = supabase_db.api
    r = api.request("SELECT auth.uid()::text, memtech.current_user_id()::text, memtech.current_company_id()::text",
                    sub=A_VIEWER)
    assert r.rows == [(A_VIEWER, A_VIEWER, COMPANY_A)]
    r = api.request("SELECT auth.uid(), memtech.current_user_id()", sub=None)
    assert r.rows == [(None, None)]


# ---------------------------------------------------------------------------------- managing users

def test_an_admin_deactivates_a_viewer_and_changes_its_role(supabase_db):
    s, api = supabase_db, supabase_db.api
    r = api.request("UPDATE users SET is_active = false, role = 'user' WHERE id = %s", [A_VIEWER], sub=A_ADMIN)
    assert r.rowcount == 1
    assert s.column("SELECT (role::text, is_active)::text FROM public.users WHERE id = %s", [A_VIEWER]) == [
        "(user,f)"]
    # The deactivated viewer reaches nothing any more.
    assert api.request("SELECT count(*) FROM content_blocks", sub=A_VIEWER).value == 0


def test_an_admin_cannot_change_their_own_role_or_activation(supabase_db):
    s, api = supabase_db, supabase_db.api
    refused(PERMISSION_DENIED, api.request, "UPDATE users SET role = 'user' WHERE id = %s", [A_ADMIN], sub=A_ADMIN)
    refused(PERMISSION_DENIED, api.request, "UPDATE users SET is_active = false WHERE id = %s", [A_ADMIN], sub=A_ADMIN)
    # Their own name they may change.
    assert api.request("UPDATE users SET full_name = 'Anne A.' WHERE id = %s", [A_ADMIN], sub=A_ADMIN).rowcount == 1
    assert s.column("SELECT (role::text, is_active)::text FROM public.users WHERE id = %s", [A_ADMIN]) == [
        "(admin,t)"]


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(supabase_db):
    """A_ADMIN is the only active admin of A. Through the API only they could demote
    themselves, which is refused; a backend that bypasses row level security while acting for
    a user (logged in as the owner, naming the user in app.user_id) runs into the last-admin rule."""
    s, api = supabase_db, supabase_db.api
    refused(PERMISSION_DENIED, api.request, "UPDATE users SET role = 'user' WHERE id = %s", [A_ADMIN], sub=A_ADMIN)
    with psycopg.connect(s.db.dsn, user=OWNER, autocommit=True) as backend:
        for change in ("role = 'user'", "is_active = false"):
            with pytest.raises(psycopg.Error) as caught:
                with backend.transaction():
                    backend.execute(sql.SQL("SET LOCAL app.user_id = {}").format(sql.Literal(A_USER)))
                    backend.execute(f"UPDATE public.users SET {change} WHERE id = %s", [A_ADMIN])
            assert caught.value.sqlstate == CHECK_VIOLATION, caught.value
            assert "last active admin" in str(caught.value)
    assert s.column("SELECT (role::text, is_active)::text FROM public.users WHERE id = %s", [A_ADMIN]) == [
        "(admin,t)"]

    # With a second active admin, one admin may demote the other.
    with s.superuser() as conn:
        conn.execute("UPDATE public.users SET role = 'admin' WHERE id = %s", [A_USER])
    assert api.request("UPDATE users SET role = 'user' WHERE id = %s", [A_USER], sub=A_ADMIN).rowcount == 1
    # ... after which A_USER, a user again, can touch A_ADMIN no more.
    assert api.request("UPDATE users SET role = 'user' WHERE id = %s", [A_ADMIN], sub=A_USER).rowcount == 0
    assert s.scalar("SELECT count(*) FROM public.users WHERE company_id = %s AND role = 'admin' AND is_active",
                    [COMPANY_A]) == 1


def test_two_admins_demoting_each_other_at_once_leave_an_admin(supabase_db):
    """The last-admin rule must hold under concurrency: two admins of A, each demoting the
    other in concurrent transactions, must not leave A without an active admin."""
    s = supabase_db
    with s.superuser() as conn:
        conn.execute("UPDATE public.users SET role = 'admin' WHERE id = %s", [A_USER])
    first, second = PostgrestConnection(s.db), PostgrestConnection(s.db)
    outcomes = []
    try:
        first.begin(sub=A_ADMIN)
        second.begin(sub=A_USER)
        for conn, target in ((first, A_USER), (second, A_ADMIN)):
            try:
                conn.execute("SET LOCAL lock_timeout = '3s'")
                conn.execute("UPDATE users SET role = 'user' WHERE id = %s", [target])
                outcomes.append("updated")
            except psycopg.Error as e:
                outcomes.append(e.sqlstate)
                conn.rollback()
        for conn in (first, second):
            try:
                if conn.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.commit()
                    outcomes.append("committed")
            except psycopg.Error as e:
                outcomes.append(e.sqlstate)
    finally:
        first.rollback()
        second.rollback()
        first.close()
        second.close()
    admins = s.scalar("SELECT count(*) FROM public.users WHERE company_id = %s AND role = 'admin' AND is_active",
                      [COMPANY_A])
    assert admins >= 1, f"company A has no active admin left (outcomes: {outcomes})"


def test_a_user_cannot_change_roles(supabase_db):
    s, api = supabase_db, supabase_db.api
    assert api.request("UPDATE users SET role = 'admin' WHERE id = %s", [A_VIEWER], sub=A_USER).rowcount == 0
    assert api.request("UPDATE users SET is_active = false WHERE id = %s", [A_ADMIN], sub=A_USER).rowcount == 0
    refused(PERMISSION_DENIED, api.request, "UPDATE users SET role = 'admin' WHERE id = %s", [A_USER], sub=A_USER)
    refused(RLS_VIOLATION, api.request,
            "INSERT INTO users (company_id, email, full_name, role) VALUES (%s, 'x@alpha-batiment.fr', 'X', 'admin')",
            [COMPANY_A], sub=A_USER)
    assert s.column("SELECT role::text FROM public.users WHERE id IN (%s, %s, %s) ORDER BY role",
                    [A_ADMIN, A_USER, A_VIEWER]) == ["admin", "user", "viewer"]


def test_nobody_reads_or_changes_another_companys_users(supabase_db):
    s, api = supabase_db, supabase_db.api
    assert api.request("SELECT id::text FROM users", sub=B_ADMIN).column == [B_ADMIN]
    assert api.request("SELECT id FROM users WHERE id = %s", [B_ADMIN], sub=A_ADMIN).rows == []
    assert api.request("SELECT count(*) FROM users WHERE company_id = %s", [COMPANY_B], sub=A_ADMIN).value == 0
    assert api.request("UPDATE users SET is_active = false WHERE id = %s", [B_ADMIN], sub=A_ADMIN).rowcount == 0
    refused(RLS_VIOLATION, api.request,
            "INSERT INTO users (company_id, email, full_name) VALUES (%s, 'espion@alpha-batiment.fr', 'Espion')",
            [COMPANY_B], sub=A_ADMIN)
    assert s.scalar("SELECT is_active FROM public.users WHERE id = %s", [B_ADMIN]) is True


# ---------------------------------------------------------------------------------- uninstall

def _assert_given_back(s):
    db = s.db
    assert db.dump() == s.dump_before
    with db.connect() as conn:
        # The same ACL as before: entries (grantee, privileges, grantor, grant options) and their order.
        assert {t: relacl(conn, t) for t in V0_TABLES} == s.acl_before
        for table in V0_TABLES:
            assert privileges_of(conn, "anon", table)[:len(TABLE_PRIVILEGES)] == TABLE_PRIVILEGES, table
            assert conn.execute("SELECT relrowsecurity OR relforcerowsecurity FROM pg_class WHERE oid = %s::regclass",
                                [f"public.{table}"]).fetchone()[0] is False, table
        assert v0_rows_digest(conn, s.v0_ids_before) == s.v0_before
        assert conn.execute("SELECT to_regnamespace('memtech') IS NULL").fetchone()[0]
    # Supabase's roles are still there.
    with psycopg.connect(db.cluster.dsn("postgres"), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname IN ('anon', 'authenticated')"
                            ).fetchone()[0] == 2


def test_uninstall_as_the_owner_gives_back_the_database(supabase_installed):
    s = supabase_installed
    proc = psql_as(s.db, OWNER, s.install_path.with_name("uninstall.sql"))
    assert proc.returncode == 0, proc.stderr
    _assert_given_back(s)


def test_uninstall_with_tenant_data_as_the_owner_gives_back_the_database(supabase_db):
    s = supabase_db
    uninstall = s.install_path.with_name("uninstall.sql")
    refusal = psql_as(s.db, OWNER, uninstall)
    assert refusal.returncode != 0 and "tenant data" in refusal.stderr, refusal.stderr

    proc = psql_as(s.db, OWNER, uninstall, {"memtech.confirm_data_loss": "on"})
    assert proc.returncode == 0, proc.stderr
    _assert_given_back(s)
