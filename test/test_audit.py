"""updated_at, content block versions and the audit trail (sql/23_updated_at.sql,
sql/24_block_versions.sql, sql/25_audit_trail.sql).

Requests are made the way PostgREST makes them: a connection as the superuser that, inside
one transaction, switches to the API role and sets request.jwt.claims and request.headers
(see `api`). A backend without PostgREST names its user and origin with SET LOCAL app.*
(see `backend`). The superuser with nothing set is "system work".
"""
import contextlib
import ipaddress
import json
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

import manifest
from helpers import UPDATED_AT_TABLES, auto_explained

INSUFFICIENT_PRIVILEGE = "42501"

COMPANY_A = uuid.UUID("aaaaaaaa-0000-4000-8000-000000000001")
COMPANY_B = uuid.UUID("bbbbbbbb-0000-4000-8000-000000000001")
ADMIN_A = uuid.UUID("aaaaaaaa-0000-4000-8000-0000000000a1")
USER_A = uuid.UUID("aaaaaaaa-0000-4000-8000-0000000000a2")
VIEWER_A = uuid.UUID("aaaaaaaa-0000-4000-8000-0000000000a3")
ADMIN_B = uuid.UUID("bbbbbbbb-0000-4000-8000-0000000000b1")
BLOCK_A = uuid.UUID("aaaaaaaa-0000-4000-8000-00000000b001")
FILE_A = uuid.UUID("aaaaaaaa-0000-4000-8000-00000000f001")
FILE_A2 = uuid.UUID("aaaaaaaa-0000-4000-8000-00000000f002")
PROJECT_A = uuid.UUID("aaaaaaaa-0000-4000-8000-00000000c001")
MEMOIRE_A = uuid.UUID("aaaaaaaa-0000-4000-8000-00000000d001")
BLOCK_B = uuid.UUID("bbbbbbbb-0000-4000-8000-00000000b001")

# What PostgREST passes on from the client, and what a backend sets instead.
# The client wrote an X-Forwarded-For of its own (198.51.100.66); the proxy in front of the API
# appended the address it got the request from (203.0.113.7).
HEADERS = {"x-forwarded-for": "198.51.100.66, 203.0.113.7", "user-agent": "Mozilla/5.0 (test)"}
BACKEND = {"app.client_ip": "198.51.100.4", "app.user_agent": "backend-job/1.0"}
CLIENT_IP = ipaddress.ip_address("203.0.113.7")     # the last address of x-forwarded-for
BACKEND_IP = ipaddress.ip_address("198.51.100.4")

# bcrypt in its usual text form: $2b$12$ then 53 characters of [./A-Za-z0-9].
HASH_1 = "$2b$12$" + "R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
HASH_2 = "$2b$12$" + "Zy8.Qm4kLp0aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789./abcd"
assert len(HASH_1) == len(HASH_2) == 60

# The audited tables and those with updated_at: from the manifest and the contract.
TENANT_TABLES = manifest.names(audited=True)

# ip_address is read as psycopg loads inet: an ipaddress.IPv4Address for a host address.
AUDIT_COLUMNS = "id, action, resource_type, resource_id, company_id, user_id, details, ip_address, user_agent"

SEED = f"""
INSERT INTO public.companies (id, name, phone) VALUES
  ('{COMPANY_A}', 'Bâtiments A', '+33 1 00 00 00 01'), ('{COMPANY_B}', 'Travaux B', '+33 1 00 00 00 02');
INSERT INTO public.users (id, company_id, email, full_name, role) VALUES
  ('{ADMIN_A}', '{COMPANY_A}', 'admin@a.test', 'Admin A', 'admin'),
  ('{USER_A}', '{COMPANY_A}', 'user@a.test', 'User A', 'user'),
  ('{VIEWER_A}', '{COMPANY_A}', 'viewer@a.test', 'Viewer A', 'viewer'),
  ('{ADMIN_B}', '{COMPANY_B}', 'admin@b.test', 'Admin B', 'admin');
INSERT INTO public.content_blocks (id, company_id, type, title, content, created_by) VALUES
  ('{BLOCK_A}', '{COMPANY_A}', 'equipment', 'Grue à tour', 'Potain MDT 219', '{USER_A}'),
  ('{BLOCK_B}', '{COMPANY_B}', 'procedure', 'Coulage béton', 'Mode opératoire', '{ADMIN_B}');
INSERT INTO public.files (id, company_id, filename, file_type, storage_url, size_bytes, uploaded_by) VALUES
  ('{FILE_A}', '{COMPANY_A}', 'grue.pdf', 'application/pdf', 's3://a/grue.pdf', 1234, '{USER_A}'),
  ('{FILE_A2}', '{COMPANY_A}', 'grue.jpg', 'image/jpeg', 's3://a/grue.jpg', 4321, '{USER_A}');
INSERT INTO public.projects (id, company_id, name, created_by) VALUES
  ('{PROJECT_A}', '{COMPANY_A}', 'Groupe scolaire', '{USER_A}');
INSERT INTO public.memoires (id, company_id, title, uploaded_by) VALUES
  ('{MEMOIRE_A}', '{COMPANY_A}', 'Mémoire collège 2023', '{USER_A}');
"""


# ---------------------------------------------------------------------------------- helpers

@pytest.fixture
def mt(db):
    """memtech installed, with companies A and B, their users, and a few rows of A's."""
    db.install()
    db.psql(SEED)
    return db


@contextlib.contextmanager
def api(db, user_id, headers=HEADERS, role="authenticated", conn=None):
    """A PostgREST request: one transaction as `role` with the JWT's sub and the request headers
    (a dict is sent as JSON, a str as is, None sets none), on a new connection or on `conn`, a
    session kept across requests. Yields the connection (dict rows)."""
    with contextlib.nullcontext(conn) if conn is not None else db.connect(row_factory=dict_row) as conn:
        with conn.transaction():
            conn.execute(f"SET LOCAL ROLE {role}")
            conn.execute("SELECT set_config('request.jwt.claims', %s, true)", [json.dumps({"sub": str(user_id)})])
            if headers is not None:
                conn.execute("SELECT set_config('request.headers', %s, true)",
                             [headers if isinstance(headers, str) else json.dumps(headers)])
            yield conn


@contextlib.contextmanager
def backend(db, user_id=None, **settings):
    """A backend's transaction as the superuser, with SET LOCAL app.user_id and other settings
    (e.g. **BACKEND, or {"app.client_ip": ...}). Yields the connection (dict rows)."""
    with db.connect(row_factory=dict_row) as conn:
        with conn.transaction():
            if user_id is not None:
                conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user_id)])
            for name, value in settings.items():
                conn.execute("SELECT set_config(%s, %s, true)", [name, value])
            yield conn


def superuser(db):
    return db.connect(row_factory=dict_row)


def audit_ids(db):
    with superuser(db) as conn:
        return {r["id"] for r in conn.execute("SELECT id FROM public.audit_log")}


def audit_since(db, before):
    """The audit rows written since the snapshot `before` (a set of ids from audit_ids)."""
    with superuser(db) as conn:
        rows = conn.execute(f"SELECT {AUDIT_COLUMNS} FROM public.audit_log").fetchall()
    return [r for r in rows if r["id"] not in before]


def row_json(conn, table, where, params):
    got = conn.execute(f"SELECT to_jsonb(t) AS j FROM public.{table} t WHERE {where}", params).fetchall()
    assert len(got) == 1, f"{table} WHERE {where}: {len(got)} rows"
    return got[0]["j"]


def whole_audit_text(db):
    with superuser(db) as conn:
        return conn.execute("SELECT coalesce(string_agg(a::text, E'\\n'), '') AS t FROM public.audit_log a"
                            ).fetchone()["t"]


def refused(sqlstate, call, *args):
    with pytest.raises(psycopg.Error) as caught:
        call(*args)
    assert caught.value.sqlstate == sqlstate, f"expected {sqlstate}, got {caught.value.sqlstate}: {caught.value}"
    return caught.value


def changes(before, after):
    """{col: {"old": .., "new": ..}} of the columns that differ between two to_jsonb rows."""
    return {k: {"old": before.get(k), "new": after.get(k)}
            for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def assert_update_details(details, before, after, must_include):
    """details lists exactly the changed columns, old and new (updated_at may be left out: the
    trigger changes it on every update), and includes the column(s) the test changed."""
    expected = changes(before, after)
    got = dict(details)
    if "updated_at" not in got:
        expected.pop("updated_at", None)
    assert got == expected
    for col in must_include:
        assert col in got, f"{col} changed but is not in the details {got}"


# ---------------------------------------------------------------------------------- updated_at

UPDATED_AT_ROWS = {
    # table: (insert returning id, with updated_at sent as an old time)
    "companies": "INSERT INTO public.companies (name, updated_at) VALUES ('Cie T', '2000-01-01') RETURNING id",
    "users": f"INSERT INTO public.users (company_id, email, full_name, updated_at) "
             f"VALUES ('{COMPANY_A}', 't@a.test', 'T', '2000-01-01') RETURNING id",
    "content_blocks": f"INSERT INTO public.content_blocks (company_id, type, title, updated_at) "
                      f"VALUES ('{COMPANY_A}', 'equipment', 'T', '2000-01-01') RETURNING id",
    "past_projects": f"INSERT INTO public.past_projects (company_id, name, updated_at) "
                     f"VALUES ('{COMPANY_A}', 'T', '2000-01-01') RETURNING id",
    "section_templates": f"INSERT INTO public.section_templates (company_id, section_type, title, template_content, "
                         f"updated_at) VALUES ('{COMPANY_A}', 'qualite', 'T', 'x', '2000-01-01') RETURNING id",
    "projects": f"INSERT INTO public.projects (company_id, name, updated_at) "
                f"VALUES ('{COMPANY_A}', 'T', '2000-01-01') RETURNING id",
    "sections": f"INSERT INTO public.sections (project_id, title, updated_at) "
                f"VALUES ('{PROJECT_A}', 'T', '2000-01-01') RETURNING id",
}


@pytest.mark.parametrize("table", UPDATED_AT_TABLES)
def test_update_sets_updated_at_to_the_transaction_time(mt, table):
    with superuser(mt) as conn:
        row_id = conn.execute(UPDATED_AT_ROWS[table]).fetchone()["id"]
        assert conn.execute(f"SELECT updated_at::text AS u FROM public.{table} WHERE id = %s",
                            [row_id]).fetchone()["u"].startswith("2000-01-01")

        # The client sends another time: the trigger puts the transaction's time.
        with conn.transaction():
            conn.execute("SELECT pg_sleep(0.05)")  # so that now() and the clock differ
            got = conn.execute(f"UPDATE public.{table} SET updated_at = '2001-02-03' WHERE id = %s "
                               "RETURNING updated_at", [row_id]).fetchone()["updated_at"]
            now = conn.execute("SELECT now() AS n").fetchone()["n"]
        assert got == now
        assert conn.execute(f"SELECT updated_at FROM public.{table} WHERE id = %s",
                            [row_id]).fetchone()["updated_at"] == now

        # An update that changes nothing still moves it, to the new transaction's time.
        with conn.transaction():
            got2 = conn.execute(f"UPDATE public.{table} SET id = id WHERE id = %s RETURNING updated_at",
                                [row_id]).fetchone()["updated_at"]
            now2 = conn.execute("SELECT now() AS n").fetchone()["n"]
        assert got2 == now2
        assert got2 > got


def test_updated_at_is_kept_for_api_updates_too(mt):
    with api(mt, USER_A) as conn:
        conn.execute("SELECT pg_sleep(0.05)")
        got = conn.execute("UPDATE public.content_blocks SET title = 'Grue mobile', updated_at = '2099-01-01' "
                           "WHERE id = %s RETURNING updated_at", [BLOCK_A]).fetchone()["updated_at"]
        assert got == conn.execute("SELECT now() AS n").fetchone()["n"]


# ---------------------------------------------------------------------------------- block versions

def version_of(conn, block_id):
    return conn.execute("SELECT version FROM public.content_blocks WHERE id = %s", [block_id]).fetchone()["version"]


def test_block_version_starts_at_1_whatever_the_client_sends(mt):
    with superuser(mt) as conn:
        row = conn.execute(f"INSERT INTO public.content_blocks (company_id, type, title, version) "
                           f"VALUES ('{COMPANY_A}', 'equipment', 'Pelle', 7) RETURNING id, version").fetchone()
        assert row["version"] == 1
        assert version_of(conn, row["id"]) == 1
    with api(mt, USER_A) as conn:
        got = conn.execute("INSERT INTO public.content_blocks (type, title, version) "
                           "VALUES ('equipment', 'Nacelle', 7) RETURNING version").fetchone()["version"]
        assert got == 1


@pytest.mark.parametrize("assignment", [
    "title = 'Grue à tour 2'",
    "content = 'Potain MDT 389'",
    """metadata = '{"capacity_t": 12}'""",
    "tags = '{levage}'",
    "is_active = false",
    "title = 'Grue à tour 3', content = 'autre', tags = '{a,b}'",  # several at once: still one version
])
def test_block_version_grows_by_one_per_quoted_change(mt, assignment):
    with superuser(mt) as conn:
        assert version_of(conn, BLOCK_A) == 1
        got = conn.execute(f"UPDATE public.content_blocks SET {assignment} WHERE id = %s RETURNING version",
                           [BLOCK_A]).fetchone()["version"]
        assert got == 2
        conn.execute(f"UPDATE public.content_blocks SET {assignment} WHERE id = %s", [BLOCK_A])  # same values again
        assert version_of(conn, BLOCK_A) == 2


def test_block_version_counts_each_saved_change(mt):
    with superuser(mt) as conn:
        for expected, assignment in enumerate(["title = 'v2'", "content = 'v3'", """metadata = '{"v": 4}'""",
                                               "tags = '{v5}'", "is_active = false", "is_active = true"], start=2):
            conn.execute(f"UPDATE public.content_blocks SET {assignment} WHERE id = %s", [BLOCK_A])
            assert version_of(conn, BLOCK_A) == expected, assignment
        # Each row of a multi-row update counts its own change once.
        conn.execute("UPDATE public.content_blocks SET title = title || ' (maj)' WHERE id IN (%s, %s)",
                     [BLOCK_A, BLOCK_B])
        assert version_of(conn, BLOCK_A) == 8
        assert version_of(conn, BLOCK_B) == 2


@pytest.mark.parametrize("assignment", [
    "created_by = created_by",
    "updated_at = now()",
    "updated_at = '2001-01-01'",
    "title = title, content = content, metadata = metadata, tags = tags, is_active = is_active",
    "type = 'procedure'",
    f"created_by = '{ADMIN_A}'",
])
def test_block_version_unchanged_by_other_updates(mt, assignment):
    with superuser(mt) as conn:
        conn.execute("UPDATE public.content_blocks SET title = 'v2' WHERE id = %s", [BLOCK_A])
        assert version_of(conn, BLOCK_A) == 2
        got = conn.execute(f"UPDATE public.content_blocks SET {assignment} WHERE id = %s RETURNING version",
                           [BLOCK_A]).fetchone()["version"]
        assert got == 2


def test_block_version_sent_on_update_is_ignored(mt):
    with superuser(mt) as conn:
        assert conn.execute("UPDATE public.content_blocks SET version = 99 WHERE id = %s RETURNING version",
                            [BLOCK_A]).fetchone()["version"] == 1
        assert conn.execute("UPDATE public.content_blocks SET version = 99, title = 'v2' WHERE id = %s "
                            "RETURNING version", [BLOCK_A]).fetchone()["version"] == 2
        assert conn.execute("UPDATE public.content_blocks SET version = 1, content = 'v3' WHERE id = %s "
                            "RETURNING version", [BLOCK_A]).fetchone()["version"] == 3
    with api(mt, USER_A) as conn:
        assert conn.execute("UPDATE public.content_blocks SET version = version + 10 WHERE id = %s "
                            "RETURNING version", [BLOCK_A]).fetchone()["version"] == 3


# ---------------------------------------------------------------------------------- one row per row touched

# table: (insert returning the row's key, WHERE on the key, update, column(s) the update changes)
CASES = {
    "companies": (
        "INSERT INTO public.companies (name, email) VALUES ('Cie C', 'c@c.test') RETURNING id",
        "id = %(id)s", "UPDATE public.companies SET city = 'Lyon' WHERE id = %(id)s", ["city"]),
    "users": (
        f"INSERT INTO public.users (company_id, email, full_name, role) "
        f"VALUES ('{COMPANY_A}', 'new@a.test', 'Nouveau', 'viewer') RETURNING id",
        "id = %(id)s", "UPDATE public.users SET full_name = 'Nouvelle', role = 'user' WHERE id = %(id)s",
        ["full_name", "role"]),
    "content_blocks": (
        f"INSERT INTO public.content_blocks (company_id, type, title, content, tags, created_by) "
        f"VALUES ('{COMPANY_A}', 'person-cv', 'CV chef de chantier', 'J. Martin', '{{cv}}', '{USER_A}') RETURNING id",
        "id = %(id)s", "UPDATE public.content_blocks SET title = 'CV conducteur de travaux' WHERE id = %(id)s",
        ["title", "version"]),
    "files": (
        f"INSERT INTO public.files (company_id, filename, file_type, storage_url, size_bytes) "
        f"VALUES ('{COMPANY_A}', 'cv.pdf', 'application/pdf', 's3://a/cv.pdf', 99) RETURNING id",
        "id = %(id)s", "UPDATE public.files SET filename = 'cv-2024.pdf' WHERE id = %(id)s", ["filename"]),
    "block_files": (
        f"INSERT INTO public.block_files (block_id, file_id, company_id, relationship) "
        f"VALUES ('{BLOCK_A}', '{FILE_A}', '{COMPANY_A}', 'main-file') RETURNING block_id, file_id",
        "block_id = %(block_id)s AND file_id = %(file_id)s",
        "UPDATE public.block_files SET relationship = 'datasheet' WHERE block_id = %(block_id)s AND file_id = %(file_id)s",
        ["relationship"]),
    "past_projects": (
        f"INSERT INTO public.past_projects (company_id, name, year, techniques_used) "
        f"VALUES ('{COMPANY_A}', 'Médiathèque', 2021, '{{béton banché}}') RETURNING id",
        "id = %(id)s", "UPDATE public.past_projects SET client = 'Ville de Nantes' WHERE id = %(id)s", ["client"]),
    "section_templates": (
        f"INSERT INTO public.section_templates (company_id, section_type, title, template_content) "
        f"VALUES ('{COMPANY_A}', 'qualite', 'Démarche qualité', 'PAQ ...') RETURNING id",
        "id = %(id)s", "UPDATE public.section_templates SET usage_count = 3 WHERE id = %(id)s", ["usage_count"]),
    "projects": (
        f"INSERT INTO public.projects (company_id, name, status) VALUES ('{COMPANY_A}', 'Gymnase', 'draft') RETURNING id",
        "id = %(id)s", "UPDATE public.projects SET status = 'matching', description = 'AO 2024' WHERE id = %(id)s",
        ["status", "description"]),
    "memoires": (
        f"INSERT INTO public.memoires (company_id, title, content) VALUES ('{COMPANY_A}', 'Mémoire lycée', 'texte') "
        f"RETURNING id",
        "id = %(id)s", "UPDATE public.memoires SET filename = 'lycee.pdf' WHERE id = %(id)s", ["filename"]),
    "sections": (
        f"INSERT INTO public.sections (project_id, title, position) VALUES ('{PROJECT_A}', 'Méthodologie', 3) RETURNING id",
        "id = %(id)s", "UPDATE public.sections SET content = 'Phasage', reviewed = true WHERE id = %(id)s",
        ["content", "reviewed"]),
    "rc_analysis": (
        f"INSERT INTO public.rc_analysis (project_id, rc_file_url, required_sections) "
        f"VALUES ('{PROJECT_A}', 's3://a/rc.pdf', '[\"methodology\"]') RETURNING id",
        "id = %(id)s", "UPDATE public.rc_analysis SET confidence_score = 0.75 WHERE id = %(id)s", ["confidence_score"]),
    "content_matches": (
        f"INSERT INTO public.content_matches (project_id, requirement_id, matched_blocks) "
        f"VALUES ('{PROJECT_A}', 'REQ-1', '{{{BLOCK_A}}}') RETURNING id",
        "id = %(id)s", "UPDATE public.content_matches SET approved = true WHERE id = %(id)s", ["approved"]),
    "generation_requests": (
        f"INSERT INTO public.generation_requests (project_id, section_type) VALUES ('{PROJECT_A}', 'methodologie') "
        f"RETURNING id",
        "id = %(id)s", "UPDATE public.generation_requests SET status = 'in_progress', model_used = 'm1' "
                       "WHERE id = %(id)s", ["status", "model_used"]),
}
assert sorted(CASES) == sorted(TENANT_TABLES)


def one_new_row(db, before, what):
    new = audit_since(db, before)
    assert len(new) == 1, f"{what}: expected one audit row, got {len(new)}: {new}"
    return new[0]


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_each_write_of_a_tenant_table_writes_one_audit_row(mt, table):
    insert, where, update, changed = CASES[table]
    has_id = table != "block_files"

    # Insert: the whole row.
    before = audit_ids(mt)
    with backend(mt, ADMIN_A, **BACKEND) as conn:
        key = conn.execute(insert).fetchone()
    with superuser(mt) as conn:
        inserted = row_json(conn, table, where, key)
    entry = one_new_row(mt, before, f"insert into {table}")
    row_company = inserted["id"] if table == "companies" else inserted["company_id"]
    assert entry["action"] == "insert"
    assert entry["resource_type"] == table
    assert entry["resource_id"] == (uuid.UUID(inserted["id"]) if has_id else None)
    assert str(entry["company_id"]) == row_company
    assert entry["user_id"] == ADMIN_A
    assert (entry["ip_address"], entry["user_agent"]) == (BACKEND_IP, "backend-job/1.0")
    details = dict(entry["details"])
    if table == "users":  # the secret column: see the redaction tests
        assert "password_hash" in details
        details.pop("password_hash")
        inserted_cmp = {k: v for k, v in inserted.items() if k != "password_hash"}
    else:
        inserted_cmp = inserted
    assert details == inserted_cmp

    # Update: only the changed columns, old and new.
    before = audit_ids(mt)
    with backend(mt, ADMIN_A, **BACKEND) as conn:
        assert conn.execute(update, key).rowcount == 1
    with superuser(mt) as conn:
        updated = row_json(conn, table, where, key)
    entry = one_new_row(mt, before, f"update of {table}")
    assert entry["action"] == "update"
    assert entry["resource_type"] == table
    assert entry["resource_id"] == (uuid.UUID(inserted["id"]) if has_id else None)
    assert str(entry["company_id"]) == row_company
    assert entry["user_id"] == ADMIN_A
    assert_update_details(entry["details"], inserted, updated, changed)

    # An update that changes nothing (updated_at aside) records nothing.
    before = audit_ids(mt)
    with backend(mt, ADMIN_A, **BACKEND) as conn:
        assert conn.execute(f"UPDATE public.{table} SET company_id = company_id WHERE {where}" if table != "companies"
                            else f"UPDATE public.companies SET id = id WHERE {where}", key).rowcount == 1
    with superuser(mt) as conn:
        touched = row_json(conn, table, where, key)
    assert changes(updated, touched).keys() <= {"updated_at"}
    assert audit_since(mt, before) == [], f"no-change update of {table}"

    # Delete: the whole row as it was.
    before = audit_ids(mt)
    with backend(mt, ADMIN_A, **BACKEND) as conn:
        assert conn.execute(f"DELETE FROM public.{table} WHERE {where}", key).rowcount == 1
    entry = one_new_row(mt, before, f"delete from {table}")
    assert entry["action"] == "delete"
    assert entry["resource_type"] == table
    assert entry["resource_id"] == (uuid.UUID(inserted["id"]) if has_id else None)
    # Even the entry of a deleted company keeps its id (see the deletion tests).
    assert entry["company_id"] == uuid.UUID(row_company)
    assert entry["user_id"] == ADMIN_A
    details = dict(entry["details"])
    if table == "users":
        details.pop("password_hash")
        touched = {k: v for k, v in touched.items() if k != "password_hash"}
    assert details == touched


def test_multi_row_statements_write_one_audit_row_per_row(mt):
    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        conn.execute(f"INSERT INTO public.block_files (block_id, file_id, relationship) VALUES "
                     f"('{BLOCK_A}', '{FILE_A}', 'main-file'), ('{BLOCK_A}', '{FILE_A2}', 'photo')")
    new = audit_since(mt, before)
    assert sorted((r["action"], r["resource_type"], r["details"]["file_id"], r["details"]["relationship"])
                  for r in new) == sorted([("insert", "block_files", str(FILE_A), "main-file"),
                                           ("insert", "block_files", str(FILE_A2), "photo")])
    assert all(r["resource_id"] is None and r["company_id"] == COMPANY_A and r["user_id"] == USER_A for r in new)

    # Rows of a composite key are paired old with new: each gets its own change.
    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        assert conn.execute("UPDATE public.block_files SET relationship = CASE relationship WHEN 'main-file' "
                            "THEN 'certificate'::block_file_relationship ELSE 'datasheet' END "
                            "WHERE block_id = %s", [BLOCK_A]).rowcount == 2
    new = audit_since(mt, before)
    assert len(new) == 2
    assert all(r["action"] == "update" and r["resource_type"] == "block_files" for r in new)
    assert sorted(json.dumps(r["details"], sort_keys=True) for r in new) == sorted(json.dumps(d, sort_keys=True) for d in [
        {"relationship": {"old": "main-file", "new": "certificate"}},
        {"relationship": {"old": "photo", "new": "datasheet"}}])

    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        assert conn.execute("DELETE FROM public.block_files WHERE block_id = %s", [BLOCK_A]).rowcount == 2
    new = audit_since(mt, before)
    assert sorted((r["action"], r["details"]["file_id"]) for r in new) == sorted(
        [("delete", str(FILE_A)), ("delete", str(FILE_A2))])


# ---------------------------------------------------------------------------------- updates that change nothing

def save_block_unchanged(conn, block_id):
    """What an edit form saved without a change sends: the specification's columns of the block,
    as they are."""
    row = conn.execute("SELECT type, title, content, metadata, tags, is_active FROM public.content_blocks "
                       "WHERE id = %s", [block_id]).fetchone()
    return conn.execute("UPDATE public.content_blocks SET type = %s, title = %s, content = %s, metadata = %s, "
                        "tags = %s, is_active = %s WHERE id = %s RETURNING version, updated_at",
                        [row["type"], row["title"], row["content"], Jsonb(row["metadata"]), row["tags"],
                         row["is_active"], block_id]).fetchone()


@pytest.mark.parametrize("writer", ["v0_backend", "api"])
def test_an_update_that_changes_nothing_records_nothing_and_keeps_the_version(mt, writer):
    with superuser(mt) as conn:
        before_row = conn.execute("SELECT version, updated_at FROM public.content_blocks WHERE id = %s",
                                  [BLOCK_A]).fetchone()
    before = audit_ids(mt)
    with (superuser(mt) if writer == "v0_backend" else api(mt, USER_A)) as conn:
        saved = save_block_unchanged(conn, BLOCK_A)
    assert audit_since(mt, before) == []
    assert saved["version"] == before_row["version"] == 1
    # updated_at still moves: the trigger of module 23 sets it at every update, asked or not.
    assert saved["updated_at"] > before_row["updated_at"]

    # The next real change is recorded, and counted, as usual.
    with (superuser(mt) if writer == "v0_backend" else api(mt, USER_A)) as conn:
        assert conn.execute("UPDATE public.content_blocks SET title = 'Grue à tour 2' WHERE id = %s RETURNING version",
                            [BLOCK_A]).fetchone()["version"] == 2
    (r,) = audit_since(mt, before)
    assert r["details"] == {"title": {"old": "Grue à tour", "new": "Grue à tour 2"}, "version": {"old": 1, "new": 2}}


@pytest.mark.parametrize("columns", ["as_generated", "changed_since"])
def test_a_multi_row_update_records_only_the_rows_it_changed(mt, columns):
    # changed_since: the application added a column after the audit function was generated,
    # so updates are compared as jsonb (memtech.audit_diff) until it is generated again.
    with superuser(mt) as conn:
        ids = [r["id"] for r in conn.execute(
            "INSERT INTO public.content_blocks (company_id, type, title, is_active) "
            "SELECT %s, 'equipment', 'Engin ' || i, i %% 3 <> 0 FROM generate_series(1, 9) i RETURNING id",
            [COMPANY_A]).fetchall()]
        if columns == "changed_since":
            conn.execute("ALTER TABLE public.content_blocks ADD COLUMN fleet_number integer")
        inactive = {r["id"] for r in conn.execute("SELECT id FROM public.content_blocks WHERE id = ANY (%s) "
                                                  "AND NOT is_active", [ids])}
    assert len(inactive) == 3

    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        assert conn.execute("UPDATE public.content_blocks SET is_active = false WHERE id = ANY (%s)",
                            [ids]).rowcount == 9
    new = audit_since(mt, before)
    assert sorted(r["resource_id"] for r in new) == sorted(set(ids) - inactive)
    for r in new:
        assert r["details"] == {"is_active": {"old": True, "new": False}, "version": {"old": 1, "new": 2}}

    # Nothing changes the second time: nothing recorded, no version counted.
    before = audit_ids(mt)
    with superuser(mt) as conn:
        assert conn.execute("UPDATE public.content_blocks SET is_active = false WHERE id = ANY (%s)",
                            [ids]).rowcount == 9
        assert {r["version"] for r in conn.execute("SELECT version FROM public.content_blocks WHERE id = ANY (%s)",
                                                   [ids])} == {1, 2}
    assert audit_since(mt, before) == []

    # Generated again for the table's current columns, the function records the same.
    with superuser(mt) as conn:
        conn.execute("SELECT memtech.generate_audit_function('content_blocks')")
        first = conn.execute("SELECT id FROM public.content_blocks WHERE id = ANY (%s) AND title = 'Engin 1'",
                             [ids]).fetchone()["id"]
        assert conn.execute("UPDATE public.content_blocks SET title = 'Engin 1' WHERE id = ANY (%s)",
                            [ids]).rowcount == 9
    new = audit_since(mt, before)
    assert sorted(r["resource_id"] for r in new) == sorted(set(ids) - {first})
    assert all(set(r["details"]) == {"title", "version"} for r in new)


def test_a_link_saved_unchanged_beside_one_relinked_records_only_the_relinked_one(mt):
    """block_files' key is (block_id, file_id): a statement that moves one link to another file
    and leaves the other as it was records the move only."""
    with superuser(mt) as conn:
        conn.execute(f"INSERT INTO public.block_files (block_id, file_id, relationship) "
                     f"VALUES ('{BLOCK_A}', '{FILE_A}', 'main-file'), ('{BLOCK_A}', '{FILE_A2}', 'photo')")
        third = conn.execute("INSERT INTO public.files (company_id, filename, file_type, storage_url, size_bytes) "
                             "VALUES (%s, 'grue.png', 'image/png', 's3://a/grue.png', 1) RETURNING id",
                             [COMPANY_A]).fetchone()["id"]
    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        assert conn.execute("UPDATE public.block_files SET file_id = CASE file_id WHEN %s THEN %s ELSE file_id END "
                            "WHERE block_id = %s", [FILE_A2, third, BLOCK_A]).rowcount == 2
    (r,) = audit_since(mt, before)
    assert (r["action"], r["resource_type"]) == ("update", "block_files")
    assert r["details"] == {"file_id": {"old": str(FILE_A2), "new": str(third)}}


def test_an_update_of_a_key_column_still_writes_its_audit_row(mt):
    """Re-linking a block to another file changes block_files' primary key (block_id, file_id):
    it is still one row touched, so one audit row."""
    with superuser(mt) as conn:
        conn.execute(f"INSERT INTO public.block_files (block_id, file_id, company_id, relationship) "
                     f"VALUES ('{BLOCK_A}', '{FILE_A}', '{COMPANY_A}', 'main-file')")
    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        assert conn.execute("UPDATE public.block_files SET file_id = %s WHERE block_id = %s AND file_id = %s",
                            [FILE_A2, BLOCK_A, FILE_A]).rowcount == 1
    new = audit_since(mt, before)
    assert len(new) == 1, f"expected one audit row for the update, got {new}"
    assert new[0]["action"] == "update"
    assert new[0]["resource_type"] == "block_files"
    assert new[0]["company_id"] == COMPANY_A
    assert new[0]["details"].get("file_id") == {"old": str(FILE_A), "new": str(FILE_A2)}


def test_document_chunks_write_no_audit_rows(mt):
    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        chunk = conn.execute("INSERT INTO public.document_chunks (memoire_id, chunk_index, content) "
                             "VALUES (%s, 0, 'a'), (%s, 1, 'b') RETURNING id", [MEMOIRE_A, MEMOIRE_A]).fetchall()
        assert len(chunk) == 2
        conn.execute("UPDATE public.document_chunks SET content = content || '!' WHERE memoire_id = %s", [MEMOIRE_A])
        assert conn.execute("DELETE FROM public.document_chunks WHERE memoire_id = %s", [MEMOIRE_A]).rowcount == 2
    with superuser(mt) as conn:
        conn.execute("INSERT INTO public.document_chunks (memoire_id, chunk_index, content) VALUES (%s, 0, 'c')",
                     [MEMOIRE_A])
    assert audit_since(mt, before) == []
    with superuser(mt) as conn:
        assert conn.execute("SELECT count(*) AS n FROM public.audit_log WHERE resource_type = 'document_chunks'"
                            ).fetchone()["n"] == 0


# ---------------------------------------------------------------------------------- who and where from

def test_a_postgrest_request_records_the_user_address_and_agent(mt):
    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        new_id = conn.execute("INSERT INTO public.content_blocks (type, title) VALUES ('equipment', 'Pelle') "
                              "RETURNING id").fetchone()["id"]
        conn.execute("UPDATE public.content_blocks SET content = 'CAT 320' WHERE id = %s", [new_id])
        conn.execute("DELETE FROM public.content_blocks WHERE id = %s", [new_id])
    new = audit_since(mt, before)
    assert sorted(r["action"] for r in new) == ["delete", "insert", "update"]
    for r in new:
        assert r["resource_id"] == new_id and r["company_id"] == COMPANY_A
        assert r["user_id"] == USER_A
        assert r["ip_address"] == CLIENT_IP
        assert r["user_agent"] == "Mozilla/5.0 (test)"


def test_an_admin_request_is_recorded_as_that_admin(mt):
    before = audit_ids(mt)
    with api(mt, ADMIN_A) as conn:
        assert conn.execute("UPDATE public.companies SET city = 'Rennes' WHERE id = %s", [COMPANY_A]).rowcount == 1
        assert conn.execute("UPDATE public.users SET full_name = 'Utilisateur A' WHERE id = %s", [USER_A]).rowcount == 1
    new = audit_since(mt, before)
    assert sorted(r["resource_type"] for r in new) == ["companies", "users"]
    for r in new:
        assert (r["user_id"], r["company_id"], r["ip_address"], r["user_agent"]) == (
            ADMIN_A, COMPANY_A, CLIENT_IP, "Mozilla/5.0 (test)")


def test_a_backend_records_the_user_address_and_agent_from_app_settings(mt):
    before = audit_ids(mt)
    with backend(mt, ADMIN_A, **BACKEND) as conn:
        conn.execute("UPDATE public.content_blocks SET title = 'Grue' WHERE id = %s", [BLOCK_A])
    (r,) = audit_since(mt, before)
    assert (r["action"], r["resource_id"], r["user_id"], r["ip_address"], r["user_agent"]) == (
        "update", BLOCK_A, ADMIN_A, BACKEND_IP, "backend-job/1.0")


def test_a_backend_as_the_api_role_with_app_user_id(mt):
    before = audit_ids(mt)
    with mt.connect(row_factory=dict_row) as conn:
        with conn.transaction():
            conn.execute("SET LOCAL ROLE authenticated")
            conn.execute(f"SET LOCAL app.user_id = '{USER_A}'")
            conn.execute("SET LOCAL app.client_ip = '198.51.100.4'")
            conn.execute("SET LOCAL app.user_agent = 'backend-job/1.0'")
            conn.execute("INSERT INTO public.content_blocks (type, title) VALUES ('equipment', 'Pelle')")
    (r,) = audit_since(mt, before)
    assert (r["action"], r["company_id"], r["user_id"], r["ip_address"], r["user_agent"]) == (
        "insert", COMPANY_A, USER_A, BACKEND_IP, "backend-job/1.0")


def test_request_headers_win_over_app_settings(mt):
    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        conn.execute("SET LOCAL app.client_ip = '198.51.100.4'")
        conn.execute("SET LOCAL app.user_agent = 'backend-job/1.0'")
        conn.execute("UPDATE public.content_blocks SET title = 'Grue' WHERE id = %s", [BLOCK_A])
    (r,) = audit_since(mt, before)
    assert (r["user_id"], r["ip_address"], r["user_agent"]) == (USER_A, CLIENT_IP, "Mozilla/5.0 (test)")


def test_system_work_has_no_user(mt):
    with superuser(mt) as conn:
        # The seed itself was system work.
        assert conn.execute("SELECT count(*) AS n FROM public.audit_log").fetchone()["n"] > 0
        assert conn.execute("SELECT count(*) AS n FROM public.audit_log WHERE user_id IS NOT NULL"
                            ).fetchone()["n"] == 0
    before = audit_ids(mt)
    with superuser(mt) as conn:
        conn.execute("UPDATE public.content_blocks SET title = 'Grue' WHERE id = %s", [BLOCK_A])
    (r,) = audit_since(mt, before)
    assert r["action"] == "update" and r["resource_id"] == BLOCK_A
    assert r["user_id"] is None


# ---------------------------------------------------------------------------------- malformed origin

def test_a_malformed_forwarded_address_is_recorded_as_unknown(mt):
    before = audit_ids(mt)
    with api(mt, USER_A, headers={"x-forwarded-for": "not-an-ip", "user-agent": "Mozilla/5.0 (test)"}) as conn:
        assert conn.execute("UPDATE public.content_blocks SET title = 'Grue' WHERE id = %s", [BLOCK_A]).rowcount == 1
    with superuser(mt) as conn:
        assert conn.execute("SELECT title FROM public.content_blocks WHERE id = %s", [BLOCK_A]).fetchone()["title"] == "Grue"
    (r,) = audit_since(mt, before)
    assert (r["action"], r["user_id"], r["ip_address"], r["user_agent"]) == (
        "update", USER_A, None, "Mozilla/5.0 (test)")


def origin_recorded(mt, forwarded, **settings):
    """The address the trail records for a PostgREST write whose X-Forwarded-For is `forwarded`,
    with `settings` (e.g. memtech.trusted_proxies) set in the request's transaction."""
    before = audit_ids(mt)
    with api(mt, USER_A, headers={"x-forwarded-for": forwarded, "user-agent": "t"}) as conn:
        for name, value in settings.items():
            conn.execute("SELECT set_config(%s, %s, true)", [name, value])
        conn.execute("UPDATE public.content_blocks SET title = title || '.' WHERE id = %s", [BLOCK_A])
    (r,) = audit_since(mt, before)
    return r["ip_address"]


def test_the_trail_records_the_address_the_proxy_appended_not_one_the_client_wrote(mt):
    # A client sends X-Forwarded-For: 192.0.2.1 to pose as that address; the proxy appends its own view.
    assert origin_recorded(mt, "192.0.2.1, 203.0.113.7") == ipaddress.ip_address("203.0.113.7")
    assert origin_recorded(mt, "203.0.113.7") == ipaddress.ip_address("203.0.113.7")


def test_trusted_proxies_picks_the_address_that_many_entries_from_the_right(mt):
    chain = "192.0.2.1, 203.0.113.7, 10.0.0.2"   # forged, the client's, the first proxy's
    assert origin_recorded(mt, chain, **{"memtech.trusted_proxies": "2"}) == ipaddress.ip_address("203.0.113.7")
    assert origin_recorded(mt, chain, **{"memtech.trusted_proxies": "3"}) == ipaddress.ip_address("192.0.2.1")
    # Fewer entries than proxies: the outermost proxy's entry, the leftmost.
    assert origin_recorded(mt, "203.0.113.7", **{"memtech.trusted_proxies": "2"}) == ipaddress.ip_address("203.0.113.7")
    # No proxy trusted: the header is the client's own words, and nothing is recorded.
    assert origin_recorded(mt, chain, **{"memtech.trusted_proxies": "0"}) is None


@pytest.mark.parametrize("entry, recorded", [
    ("203.0.113.7:52314", "203.0.113.7"),        # a port after the address is dropped
    ("[2001:db8::7]:443", "2001:db8::7"),
    ("2001:db8::7", "2001:db8::7"),
    ("10.0.0.0/8", None),                        # a network is not a client's address
    ("unknown", None), ("_hidden", None), ("203.0.113.7; DROP TABLE x", None), ("", None),
])
def test_an_entry_that_is_not_an_address_is_recorded_as_unknown_never_as_text(mt, entry, recorded):
    got = origin_recorded(mt, f"192.0.2.1, {entry}")
    assert got == (ipaddress.ip_address(recorded) if recorded else None)


def test_a_bad_trusted_proxies_setting_stops_the_write_naming_it(mt):
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="memtech.trusted_proxies = two"):
        origin_recorded(mt, "203.0.113.7", **{"memtech.trusted_proxies": "two"})


@pytest.mark.parametrize("headers", ["not json at all", "{\"x-forwarded-for\": ", "[1, 2]", "42",
                                     '{"x-forwarded-for": ""}'])
def test_malformed_request_headers_never_fail_the_write(mt, headers):
    before = audit_ids(mt)
    with api(mt, USER_A, headers=headers) as conn:
        new_id = conn.execute("INSERT INTO public.content_blocks (type, title) VALUES ('equipment', 'Pelle') "
                              "RETURNING id").fetchone()["id"]
    (r,) = audit_since(mt, before)
    assert (r["action"], r["resource_id"], r["user_id"], r["ip_address"]) == ("insert", new_id, USER_A, None)


def test_a_malformed_app_client_ip_is_recorded_as_unknown(mt):
    before = audit_ids(mt)
    with backend(mt, ADMIN_A, **{"app.client_ip": "999.1.1.1", "app.user_agent": "backend-job/1.0"}) as conn:
        new_id = conn.execute(f"INSERT INTO public.past_projects (company_id, name) VALUES ('{COMPANY_A}', 'Pont') "
                              "RETURNING id").fetchone()["id"]
    (r,) = audit_since(mt, before)
    assert (r["action"], r["resource_id"], r["user_id"], r["ip_address"], r["user_agent"]) == (
        "insert", new_id, ADMIN_A, None, "backend-job/1.0")


# ---------------------------------------------------------------------------------- secrets

def test_password_hashes_never_reach_the_audit_trail(mt):
    before = audit_ids(mt)
    with superuser(mt) as conn:
        new_user = conn.execute("INSERT INTO public.users (company_id, email, full_name, password_hash) "
                                "VALUES (%s, 'pw@a.test', 'Mot de passe', %s) RETURNING id",
                                [COMPANY_A, HASH_1]).fetchone()["id"]
    (r,) = audit_since(mt, before)
    assert r["action"] == "insert" and r["resource_id"] == new_user
    assert r["details"]["password_hash"] == "[redacted]"
    assert r["details"]["email"] == "pw@a.test"  # the rest of the row is there

    before = audit_ids(mt)
    with superuser(mt) as conn:
        conn.execute("UPDATE public.users SET password_hash = %s WHERE id = %s", [HASH_2, new_user])
        conn.execute("UPDATE public.users SET password_hash = %s WHERE id = %s", [HASH_1, USER_A])  # NULL -> hash
    new = audit_since(mt, before)
    assert len(new) == 2
    for r in new:
        assert r["action"] == "update"
        assert set(r["details"]) <= {"password_hash", "updated_at"}
        assert r["details"]["password_hash"] == {"old": "[redacted]", "new": "[redacted]"}

    before = audit_ids(mt)
    with superuser(mt) as conn:
        conn.execute("DELETE FROM public.users WHERE id = %s", [new_user])
    (r,) = audit_since(mt, before)
    assert r["action"] == "delete" and r["details"]["password_hash"] == "[redacted]"

    text = whole_audit_text(mt)
    for secret in (HASH_1, HASH_2, HASH_1[7:], HASH_2[7:]):
        assert secret not in text


def test_a_column_marked_secret_is_redacted_too(mt):
    with superuser(mt) as conn:
        conn.execute("INSERT INTO memtech.secret_column (table_name, column_name) VALUES ('companies', 'phone')")
    before = audit_ids(mt)
    with superuser(mt) as conn:
        new_company = conn.execute("INSERT INTO public.companies (name, phone) VALUES ('Cie S', '+33 6 12 34 56 78') "
                                   "RETURNING id").fetchone()["id"]
    (r,) = audit_since(mt, before)
    assert r["details"]["phone"] == "[redacted]"
    assert r["details"]["name"] == "Cie S"

    before = audit_ids(mt)
    with api(mt, ADMIN_A) as conn:
        assert conn.execute("UPDATE public.companies SET phone = '+33 7 98 76 54 32', city = 'Brest' WHERE id = %s",
                            [COMPANY_A]).rowcount == 1
    (r,) = audit_since(mt, before)
    assert r["details"]["phone"] == {"old": "[redacted]", "new": "[redacted]"}
    assert r["details"]["city"] == {"old": None, "new": "Brest"}

    before = audit_ids(mt)
    with superuser(mt) as conn:
        conn.execute("DELETE FROM public.companies WHERE id = %s", [new_company])
    (r,) = audit_since(mt, before)
    assert r["action"] == "delete" and r["details"]["phone"] == "[redacted]"

    text = whole_audit_text(mt)
    for secret in ("+33 6 12 34 56 78", "+33 7 98 76 54 32"):
        assert secret not in text


def test_columns_the_application_adds_or_drops_later_are_audited(mt):
    # The audit functions are generated from the table's columns; until they are generated
    # again, an update of a table whose columns changed is compared as jsonb.
    with superuser(mt) as conn:
        conn.execute("ALTER TABLE public.past_projects ADD COLUMN budget numeric, ADD COLUMN notes json")
    with api(mt, USER_A) as conn:
        project = conn.execute("INSERT INTO public.past_projects (name, budget) VALUES ('Collège de Lens', 1200000) "
                               "RETURNING id").fetchone()["id"]
    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        conn.execute("""UPDATE public.past_projects SET budget = 1350000, notes = '{"lot": 2}' WHERE id = %s""",
                     [project])
    (r,) = audit_since(mt, before)
    assert r["details"] == {"budget": {"old": 1200000, "new": 1350000}, "notes": {"old": None, "new": {"lot": 2}}}

    with superuser(mt) as conn:
        conn.execute("SELECT memtech.generate_audit_function('past_projects')")
    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        conn.execute("""UPDATE public.past_projects SET notes = '{"lot": 3}', budget = budget WHERE id = %s""",
                     [project])
    (r,) = audit_since(mt, before)
    assert r["details"] == {"notes": {"old": {"lot": 2}, "new": {"lot": 3}}}

    with superuser(mt) as conn:
        conn.execute("ALTER TABLE public.past_projects DROP COLUMN notes")
    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        conn.execute("UPDATE public.past_projects SET budget = 1400000 WHERE id = %s", [project])
    (r,) = audit_since(mt, before)
    assert r["details"] == {"budget": {"old": 1350000, "new": 1400000}}


def test_after_a_column_type_change_discard_plans_lets_an_older_session_write_again(mt):
    # PL/pgSQL keeps the plans of the trigger functions for the session, typed as the columns
    # were. The README tells the operator what to do after ALTER COLUMN ... TYPE: DISCARD
    # PLANS (or DISCARD ALL, or a new connection) in the sessions that wrote before.
    def edit(older, title):
        with api(mt, USER_A, conn=older) as conn:
            return conn.execute("UPDATE public.content_blocks SET title = %s WHERE id = %s RETURNING version",
                                [title, BLOCK_A]).fetchone()["version"]

    with mt.connect(row_factory=dict_row) as older:
        assert edit(older, "Grue à tour (1)") == 2
        with superuser(mt) as conn:
            conn.execute("ALTER TABLE public.content_blocks ALTER COLUMN title TYPE varchar(200)")
        before = audit_ids(mt)
        try:
            version = edit(older, "Grue à tour (2)")
        except psycopg.errors.DatatypeMismatch as e:
            # Refused, not recorded wrong: the whole statement is rolled back.
            assert "does not match that when preparing the plan" in str(e)
            older.execute("DISCARD PLANS")
            version = edit(older, "Grue à tour (2)")
        assert version == 3
    with superuser(mt) as conn:
        assert version_of(conn, BLOCK_A) == 3
    (r,) = audit_since(mt, before)
    assert r["details"]["title"] == {"old": "Grue à tour (1)", "new": "Grue à tour (2)"}


def test_a_column_no_longer_secret_is_recorded_again(mt):
    with superuser(mt) as conn:
        conn.execute("INSERT INTO memtech.secret_column (table_name, column_name) VALUES ('companies', 'phone')")
        conn.execute("DELETE FROM memtech.secret_column WHERE table_name = 'companies' AND column_name = 'phone'")
    before = audit_ids(mt)
    with api(mt, ADMIN_A) as conn:
        conn.execute("UPDATE public.companies SET phone = '+33 7 98 76 54 32' WHERE id = %s", [COMPANY_A])
    (r,) = audit_since(mt, before)
    assert r["details"]["phone"] == {"old": "+33 1 00 00 00 01", "new": "+33 7 98 76 54 32"}


# ---------------------------------------------------------------------------------- bulk

def test_bulk_statements_write_one_audit_row_per_row(mt):
    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        ids = [r["id"] for r in conn.execute(
            "INSERT INTO public.content_blocks (type, title, content) "
            "SELECT 'equipment', 'Engin ' || i, 'n° ' || i FROM generate_series(1, 1000) i RETURNING id").fetchall()]
    assert len(ids) == 1000
    new = audit_since(mt, before)
    assert len(new) == 1000
    assert all(r["action"] == "insert" and r["resource_type"] == "content_blocks" and r["company_id"] == COMPANY_A
               and r["user_id"] == USER_A and r["ip_address"] == CLIENT_IP for r in new)
    assert sorted(r["resource_id"] for r in new) == sorted(ids)
    assert all(r["details"]["title"] == "Engin " + r["details"]["content"][3:] for r in new)

    before = audit_ids(mt)
    with api(mt, USER_A) as conn:
        assert conn.execute("UPDATE public.content_blocks SET title = title || ' (révisé)' WHERE id = ANY (%s)",
                            [ids]).rowcount == 1000
    new = audit_since(mt, before)
    assert len(new) == 1000
    assert sorted(r["resource_id"] for r in new) == sorted(ids)
    for r in new:
        assert r["action"] == "update" and r["user_id"] == USER_A
        title = r["details"]["title"]
        assert title["new"] == title["old"] + " (révisé)"
        assert r["details"]["version"] == {"old": 1, "new": 2}
        assert set(r["details"]) <= {"title", "version", "updated_at"}
    # Each audit row belongs to its own block: the pairing of old and new did not mix rows.
    with superuser(mt) as conn:
        mismatched = conn.execute(
            "SELECT count(*) AS n FROM public.audit_log a JOIN public.content_blocks b ON b.id = a.resource_id "
            "WHERE a.action = 'update' AND a.id <> ALL (%s) AND a.details -> 'title' ->> 'new' <> b.title",
            [list(before)]).fetchone()["n"]
    assert mismatched == 0


# ---------------------------------------------------------------------------------- append-only

def _seeded_entry(db):
    with superuser(db) as conn:
        return conn.execute("SELECT id FROM public.audit_log WHERE company_id = %s LIMIT 1",
                            [COMPANY_A]).fetchone()["id"]


def _trail(db):
    with superuser(db) as conn:
        return conn.execute("SELECT a::text AS t FROM public.audit_log a ORDER BY id").fetchall()


def test_a_bulk_update_after_single_row_ones_pairs_its_rows_by_hash_or_merge(mt):
    # PL/pgSQL keeps the audit function's plans for the session. A plan made for the
    # transition tables of single-row updates must not pair a bulk update's old and new rows
    # with a nested loop (each row against each: minutes for 100,000 rows).
    with superuser(mt) as conn:
        conn.execute("INSERT INTO public.content_blocks (company_id, type, title) "
                     "SELECT %s, 'equipment', 'Engin ' || i FROM generate_series(1, 300) i", [COMPANY_A])
        one = conn.execute("SELECT id FROM public.content_blocks WHERE company_id = %s LIMIT 1",
                           [COMPANY_A]).fetchone()["id"]
        for i in range(8):
            conn.execute("UPDATE public.content_blocks SET title = %s WHERE id = %s", [f"Engin n° {i}", one])
        with auto_explained(conn) as plans:
            assert conn.execute("UPDATE public.content_blocks SET title = title || ' (révisé)' "
                                "WHERE company_id = %s", [COMPANY_A]).rowcount >= 300
    (plan,) = [p for p in plans if "INSERT INTO public.audit_log" in p and "'update'" in p
               and "new_rows n JOIN old_rows o" in p]
    assert "Hash Join" in plan or "Merge Join" in plan, plan
    assert "Join Filter: (n.id = o.id)" not in plan, plan


def test_the_audit_trail_is_never_priced_high_enough_for_jit(mt):
    # PostgreSQL's default jit = on compiles every statement estimated above jit_above_cost
    # (100,000): for a one-row write that takes 0.4 to 0.8 s. A plan the planner can only
    # make with a disabled method (the audit functions set enable_nestloop off) is priced
    # above 10 billion: each statement of the trail of a one-row insert, update and delete
    # must be priced as what it is.
    with backend(mt, USER_A, **BACKEND) as conn, auto_explained(conn, "json") as plans:
        block = conn.execute("INSERT INTO public.content_blocks (company_id, type, title) "
                             "VALUES (%s, 'equipment', 'Nacelle') RETURNING id", [COMPANY_A]).fetchone()["id"]
        conn.execute("UPDATE public.content_blocks SET title = 'Nacelle 12 m' WHERE id = %s", [block])
        conn.execute("DELETE FROM public.content_blocks WHERE id = %s", [block])
    trail = {}
    for message in plans:
        explained = json.loads(message.split("plan:", 1)[1])
        text = explained["Query Text"]
        if "INSERT INTO public.audit_log" in text:
            action = next(a for a in ("'insert'", "'update'", "'delete'") if a in text)
            trail[action] = max(trail.get(action, 0), explained["Plan"]["Total Cost"])
    assert set(trail) == {"'insert'", "'update'", "'delete'"}, plans
    assert all(cost < 100_000 for cost in trail.values()), trail


@pytest.mark.parametrize("statement", [
    "INSERT INTO public.audit_log (company_id, action, resource_type) VALUES ('{a}', 'insert', 'fake')",
    "UPDATE public.audit_log SET details = '{{}}' WHERE id = '{e}'",
    "UPDATE public.audit_log SET user_id = NULL",
    "DELETE FROM public.audit_log WHERE id = '{e}'",
    "DELETE FROM public.audit_log",
    "TRUNCATE public.audit_log",
])
def test_the_api_cannot_change_the_audit_trail(mt, statement):
    entry = _seeded_entry(mt)
    trail = _trail(mt)
    sql_text = statement.format(a=COMPANY_A, e=entry)

    def attempt():
        with api(mt, ADMIN_A) as conn:
            conn.execute(sql_text)
    refused(INSUFFICIENT_PRIVILEGE, attempt)
    assert _trail(mt) == trail


def test_the_superuser_cannot_change_the_audit_trail(mt):
    entry = _seeded_entry(mt)
    trail = _trail(mt)

    def run(sql_text, *params):
        with superuser(mt) as conn:
            conn.execute(sql_text, params or None)

    refused(INSUFFICIENT_PRIVILEGE, run, "UPDATE public.audit_log SET details = '{}' WHERE id = %s", entry)
    refused(INSUFFICIENT_PRIVILEGE, run, """UPDATE public.audit_log SET details = details || '{"x": 1}'""")
    refused(INSUFFICIENT_PRIVILEGE, run, "UPDATE public.audit_log SET action = 'login' WHERE id = %s", entry)
    refused(INSUFFICIENT_PRIVILEGE, run, "UPDATE public.audit_log SET user_id = %s WHERE id = %s", ADMIN_B, entry)
    refused(INSUFFICIENT_PRIVILEGE, run, "DELETE FROM public.audit_log WHERE id = %s", entry)
    refused(INSUFFICIENT_PRIVILEGE, run, "DELETE FROM public.audit_log")
    with pytest.raises(psycopg.Error):
        run("TRUNCATE public.audit_log")
    assert _trail(mt) == trail


# ---------------------------------------------------------------------------------- deletions keep the trail

def test_deleting_a_user_keeps_their_audit_rows(mt):
    with api(mt, USER_A) as conn:
        conn.execute("UPDATE public.content_blocks SET title = 'Grue' WHERE id = %s", [BLOCK_A])
        conn.execute("INSERT INTO public.past_projects (name) VALUES ('Pont')")
    with superuser(mt) as conn:
        theirs = conn.execute("SELECT id, action, resource_type, resource_id, company_id, details "
                              "FROM public.audit_log WHERE user_id = %s ORDER BY id", [USER_A]).fetchall()
        assert len(theirs) == 2
        total = conn.execute("SELECT count(*) AS n FROM public.audit_log").fetchone()["n"]
        conn.execute("DELETE FROM public.users WHERE id = %s", [USER_A])
        kept = conn.execute("SELECT id, action, resource_type, resource_id, company_id, details, user_id "
                            "FROM public.audit_log WHERE id = ANY (%s) ORDER BY id",
                            [[r["id"] for r in theirs]]).fetchall()
        assert conn.execute("SELECT count(*) AS n FROM public.audit_log").fetchone()["n"] > total
        assert conn.execute("SELECT count(*) AS n FROM public.audit_log WHERE resource_type = 'users' "
                            "AND action = 'delete' AND resource_id = %s", [USER_A]).fetchone()["n"] == 1
    assert [r["user_id"] for r in kept] == [None, None]
    assert [{k: v for k, v in r.items() if k != "user_id"} for r in kept] == theirs


def test_deleting_a_company_keeps_its_audit_rows(mt):
    with api(mt, USER_A) as conn:
        conn.execute("UPDATE public.content_blocks SET title = 'Grue' WHERE id = %s", [BLOCK_A])
    with superuser(mt) as conn:
        theirs = conn.execute("SELECT id, action, resource_type, resource_id, details "
                              "FROM public.audit_log WHERE company_id = %s ORDER BY id", [COMPANY_A]).fetchall()
        assert len(theirs) >= 5
        b_rows = conn.execute("SELECT id, company_id FROM public.audit_log WHERE company_id = %s ORDER BY id",
                              [COMPANY_B]).fetchall()
        assert b_rows
        conn.execute("DELETE FROM public.companies WHERE id = %s", [COMPANY_A])
        kept = conn.execute("SELECT id, action, resource_type, resource_id, details, company_id "
                            "FROM public.audit_log WHERE id = ANY (%s) ORDER BY id",
                            [[r["id"] for r in theirs]]).fetchall()
        assert conn.execute("SELECT count(*) AS n FROM public.audit_log WHERE resource_type = 'companies' "
                            "AND action = 'delete' AND resource_id = %s", [COMPANY_A]).fetchone()["n"] == 1
        assert conn.execute("SELECT id, company_id FROM public.audit_log WHERE company_id = %s ORDER BY id",
                            [COMPANY_B]).fetchall() == b_rows
    # Kept as written: no foreign key rewrites the trail of a deleted company.
    assert [{k: v for k, v in r.items() if k != "company_id"} for r in kept] == theirs
    assert all(r["company_id"] == COMPANY_A for r in kept)


# ---------------------------------------------------------------------------------- who reads the trail

def test_admins_read_their_own_company_trail_only(mt):
    with api(mt, USER_A) as conn:
        conn.execute("UPDATE public.content_blocks SET title = 'Grue' WHERE id = %s", [BLOCK_A])
    with api(mt, ADMIN_B) as conn:
        conn.execute("UPDATE public.content_blocks SET title = 'Béton' WHERE id = %s", [BLOCK_B])
    with superuser(mt) as conn:
        a_ids = {r["id"] for r in conn.execute("SELECT id FROM public.audit_log WHERE company_id = %s", [COMPANY_A])}
        b_ids = {r["id"] for r in conn.execute("SELECT id FROM public.audit_log WHERE company_id = %s", [COMPANY_B])}
    assert a_ids and b_ids

    with api(mt, ADMIN_A) as conn:
        seen = {r["id"] for r in conn.execute("SELECT id FROM public.audit_log")}
        assert conn.execute("SELECT count(*) AS n FROM public.audit_log WHERE company_id = %s",
                            [COMPANY_B]).fetchone()["n"] == 0
    assert seen == a_ids

    with api(mt, ADMIN_B) as conn:
        assert {r["id"] for r in conn.execute("SELECT id FROM public.audit_log")} == b_ids


@pytest.mark.parametrize("who", [USER_A, VIEWER_A])
def test_users_and_viewers_read_no_audit_rows(mt, who):
    with api(mt, who) as conn:  # their own change is in the trail, and still not theirs to read
        assert conn.execute("UPDATE public.users SET full_name = 'Renommé' WHERE id = %s", [who]).rowcount == 1
    with superuser(mt) as conn:
        assert conn.execute("SELECT count(*) AS n FROM public.audit_log WHERE user_id = %s",
                            [who]).fetchone()["n"] == 1
    with api(mt, who) as conn:
        assert conn.execute("SELECT count(*) AS n FROM public.audit_log").fetchone()["n"] == 0
        assert conn.execute("SELECT count(*) AS n FROM public.audit_log WHERE user_id = %s",
                            [who]).fetchone()["n"] == 0
    with superuser(mt) as conn:
        assert conn.execute("SELECT count(*) AS n FROM public.audit_log WHERE company_id = %s",
                            [COMPANY_A]).fetchone()["n"] > 0
