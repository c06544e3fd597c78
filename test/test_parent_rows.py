"""Rows under a parent (sql/20_tenant_context.sql, memtech.fill_company_id): sections,
rc_analysis, content_matches and generation_requests under a project, block_files under a
content block. Written as the application writes them, with the specification's columns and no
company_id, on a Supabase-like database:

* by a backend as before tenancy: logged in as the owner (supa_admin: BYPASSRLS, not a superuser)
  or as the cluster's superuser, naming no user; or through PostgREST as service_role;
* by a tenant, through PostgREST as authenticated with the user's JWT.

A row takes its parent's company; a parent that does not exist is a foreign key error (23503)
that names the column and the id, exactly for a backend, and for a tenant in words that are the
same whether the parent is missing or another company's.
"""
import contextlib

import psycopg
import pytest

from supabase_layout import (A_INACTIVE, A_USER, BLOCK_A1, BLOCK_B1, COMPANY_A, COMPANY_B, OWNER,
                             PROJECT_A, PROJECT_B, PostgrestConnection, insert_tenant_data, install_as, lay_out)

FOREIGN_KEY_VIOLATION = "23503"
RLS_VIOLATION = "42501"

FILE_A = "a7000000-0000-4000-8000-000000000001"
FILE_A2 = "a7000000-0000-4000-8000-000000000002"
FILE_B = "b7000000-0000-4000-8000-000000000001"
MISSING = "c9000000-0000-4000-8000-0000000000ff"   # names no project and no block

FILES = f"""
INSERT INTO public.files (id, company_id, filename, file_type, storage_url, size_bytes) VALUES
  ('{FILE_A}', '{COMPANY_A}', 'grue.pdf', 'application/pdf', 's3://a/grue.pdf', 1234),
  ('{FILE_A2}', '{COMPANY_A}', 'grue.jpg', 'image/jpeg', 's3://a/grue.jpg', 4321),
  ('{FILE_B}', '{COMPANY_B}', 'beton.pdf', 'application/pdf', 's3://b/beton.pdf', 999);
"""

# table: (insert with the specification's columns, the parent's id as %s; the parent column;
#         the foreign key that keeps the row under its parent; A's parent, B's parent)
UNDER_A_PARENT = {
    "sections": ("INSERT INTO public.sections (project_id, title) VALUES (%s, 'Planning')",
                 "project_id", "sections_project_company_fkey", PROJECT_A, PROJECT_B),
    "rc_analysis": ("INSERT INTO public.rc_analysis (project_id, rc_file_url) VALUES (%s, 's3://rc/rc.pdf')",
                    "project_id", "rc_analysis_project_fkey", PROJECT_A, PROJECT_B),
    "content_matches": ("INSERT INTO public.content_matches (project_id, requirement_id) VALUES (%s, 'REQ-1')",
                        "project_id", "content_matches_project_fkey", PROJECT_A, PROJECT_B),
    "generation_requests": ("INSERT INTO public.generation_requests (project_id, section_type) "
                            "VALUES (%s, 'methodologie')",
                            "project_id", "generation_requests_project_fkey", PROJECT_A, PROJECT_B),
    "block_files": (f"INSERT INTO public.block_files (block_id, file_id, relationship) VALUES (%s, '{FILE_A}', 'photo')",
                    "block_id", "block_files_block_fkey", BLOCK_A1, BLOCK_B1),
}


@pytest.fixture
def supabase(db, build_scripts):
    """A Supabase-like database, memtech installed by supa_admin, companies A and B with their
    users, blocks, projects, and files A, A2 (A's) and B (B's)."""
    lay_out(db)
    proc = install_as(db, OWNER, build_scripts.install)
    assert proc.returncode == 0, proc.stderr
    insert_tenant_data(db)
    with db.connect() as conn:
        conn.execute(FILES)
    api = PostgrestConnection(db)
    yield db, api
    api.close()


@contextlib.contextmanager
def v0_backend(db, login):
    """A backend written before tenancy: logged in as `login` (the owner, or the cluster's
    superuser for "postgres"), no role switch, no user named. Its writes are committed."""
    with psycopg.connect(db.dsn, autocommit=True, **({} if login == "postgres" else {"user": login})) as conn:
        yield conn


def error_of(call, *args, **kwargs):
    with pytest.raises(psycopg.Error) as caught:
        call(*args, **kwargs)
    return caught.value


def row_count(db, table, parent_column, parent_id):
    with db.connect() as conn:
        return conn.execute(f"SELECT count(*) FROM public.{table} WHERE {parent_column} = %s",
                            [parent_id]).fetchone()[0]


# ---------------------------------------------------------------------------------- block_files

@pytest.mark.parametrize("login", [OWNER, "postgres"])
def test_a_v0_backend_links_a_file_to_a_block_with_the_specifications_three_columns(supabase, login):
    db, _ = supabase
    with v0_backend(db, login) as conn:
        row = conn.execute("INSERT INTO public.block_files (block_id, file_id, relationship) "
                           "VALUES (%s, %s, 'main-file') RETURNING company_id::text",
                           [BLOCK_A1, FILE_A]).fetchone()
    assert row == (COMPANY_A,)
    with db.connect() as conn:
        # The link is in the block's company, and so is its audit entry.
        assert conn.execute("SELECT company_id::text FROM public.block_files WHERE block_id = %s AND file_id = %s",
                            [BLOCK_A1, FILE_A]).fetchone() == (COMPANY_A,)
        assert conn.execute("SELECT company_id::text, user_id FROM public.audit_log WHERE resource_type = "
                            "'block_files' AND action = 'insert' AND details ->> 'file_id' = %s",
                            [FILE_A]).fetchall() == [(COMPANY_A, None)]


def test_service_role_and_a_tenant_link_a_file_to_a_block_with_the_three_columns(supabase):
    db, api = supabase
    r = api.request("INSERT INTO block_files (block_id, file_id, relationship) VALUES (%s, %s, 'photo') "
                    "RETURNING company_id::text", [BLOCK_A1, FILE_A], role="service_role")
    assert r.value == COMPANY_A
    r = api.request("INSERT INTO block_files (block_id, file_id, relationship) VALUES (%s, %s, 'photo') "
                    "RETURNING company_id::text", [BLOCK_A1, FILE_A2], sub=A_USER)
    assert r.value == COMPANY_A
    with db.connect() as conn:
        assert conn.execute("SELECT count(*) FROM public.block_files WHERE company_id = %s",
                            [COMPANY_A]).fetchone()[0] == 2


@pytest.mark.parametrize("login", [OWNER, "postgres"])
def test_a_v0_backend_cannot_link_a_block_to_another_companys_file(supabase, login):
    db, _ = supabase
    with v0_backend(db, login) as conn:
        err = error_of(conn.execute, "INSERT INTO public.block_files (block_id, file_id, relationship) "
                                     "VALUES (%s, %s, 'photo')", [BLOCK_A1, FILE_B])
    assert err.sqlstate == FOREIGN_KEY_VIOLATION, err
    assert err.diag.constraint_name == "block_files_file_fkey", err
    assert row_count(db, "block_files", "file_id", FILE_B) == 0


def test_a_tenant_cannot_link_its_block_to_another_companys_file(supabase):
    db, api = supabase
    err = error_of(api.request, "INSERT INTO block_files (block_id, file_id, relationship) VALUES (%s, %s, 'photo')",
                   [BLOCK_A1, FILE_B], sub=A_USER)
    assert err.sqlstate == FOREIGN_KEY_VIOLATION, err
    assert err.diag.constraint_name == "block_files_file_fkey", err
    assert row_count(db, "block_files", "file_id", FILE_B) == 0


# ---------------------------------------------------------------------------------- a missing parent

@pytest.mark.parametrize("login", [OWNER, "postgres"])
def test_a_v0_backend_naming_a_missing_parent_gets_the_foreign_key_error_naming_it(supabase, login):
    db, _ = supabase
    for table, (insert, column, fkey, _, _) in UNDER_A_PARENT.items():
        with v0_backend(db, login) as conn:
            err = error_of(conn.execute, insert, [MISSING])
        assert err.sqlstate == FOREIGN_KEY_VIOLATION, f"{table}: {err.sqlstate} {err}"
        message = err.diag.message_primary
        assert f"{table}.{column}" in message and MISSING in message, message
        assert "does not exist" in message and "another company" not in message, message
        assert err.diag.constraint_name == fkey, (table, err.diag.constraint_name)
        assert (err.diag.table_name, err.diag.column_name) == (table, column)
        assert err.diag.message_hint, f"{table}: no hint in {err}"
        assert row_count(db, table, column, MISSING) == 0


def test_rows_a_v0_backend_writes_under_a_parent_take_its_company(supabase):
    db, _ = supabase
    with v0_backend(db, OWNER) as conn:
        for table, (insert, _, _, _, parent_b) in UNDER_A_PARENT.items():
            params = [parent_b]
            if table == "block_files":      # a link of B's block needs a file of B's
                insert = insert.replace(FILE_A, FILE_B)
            assert conn.execute(insert + " RETURNING company_id::text", params).fetchone() == (COMPANY_B,), table


def test_a_tenant_cannot_tell_a_missing_parent_from_another_companys(supabase):
    db, api = supabase
    for table, (insert, column, fkey, _, parent_b) in UNDER_A_PARENT.items():
        missing = error_of(api.request, insert, [MISSING], sub=A_USER)
        theirs = error_of(api.request, insert, [parent_b], sub=A_USER)
        for err in (missing, theirs):
            assert err.sqlstate == FOREIGN_KEY_VIOLATION, f"{table}: {err.sqlstate} {err}"
            assert err.diag.constraint_name == fkey
            assert (err.diag.table_name, err.diag.column_name) == (table, column)
            assert err.diag.message_hint
        assert MISSING in missing.diag.message_primary and f"{table}.{column}" in missing.diag.message_primary
        assert "does not exist or belongs to another company" in missing.diag.message_primary
        # The same words, hint and detail, but for the id the tenant sent itself.
        said = lambda e, parent: [  # noqa: E731
            (x or "").replace(parent, "<id>") for x in (e.diag.message_primary, e.diag.message_detail,
                                                       e.diag.message_hint)]
        assert said(missing, MISSING) == said(theirs, parent_b), table
        assert row_count(db, table, column, MISSING) == 0


# Callers that have no company to write in, or name another company's: row level security
# refuses their row; whether the parent exists must make no difference to what they are told.
NO_COMPANY = {
    "authenticated_without_a_user": dict(sub=None),
    "a_deactivated_user": dict(sub=A_INACTIVE),
    "a_user_naming_another_company": dict(sub=A_USER),
}


@pytest.mark.parametrize("who", list(NO_COMPANY))
def test_a_caller_refused_by_row_level_security_cannot_tell_whether_a_parent_exists(supabase, who):
    db, api = supabase
    for table, (insert, column, _, _, parent_b) in UNDER_A_PARENT.items():
        if who == "a_user_naming_another_company":
            insert = insert.replace(f"({column}", f"(company_id, {column}").replace("VALUES (%s", "VALUES (%s, %s")
            params = lambda parent: [COMPANY_B, parent]  # noqa: E731
        else:
            params = lambda parent: [parent]  # noqa: E731
        missing = error_of(api.request, insert, params(MISSING), **NO_COMPANY[who])
        existing = error_of(api.request, insert, params(parent_b), **NO_COMPANY[who])
        assert (missing.sqlstate, existing.sqlstate) == (RLS_VIOLATION, RLS_VIOLATION), (table, missing, existing)
        assert str(missing) == str(existing), table
