"""What issues 18 and 19 found in 0.3.0, tried on 0.3.0 and on this version.

Each case does what the issue did, on the v0 database with either 0.3.0's install script
(test/fixtures/memtech_0.3.0_install.sql, frozen) or this version's, and observes one plain
value: who the tenant's code ran as, what the trail recorded, the error a statement got. On
0.3.0 it must still show the hole (so the case really exercises it), and now the fix.
The application writes as the specification says: a backend logged in as the owner naming no
user, or a request as authenticated naming its user with app.user_id.
"""
import json
import time

import psycopg
import pytest

from conftest import FIXTURES
from helpers import load_v0

COMPANY_A = "aaaaaaaa-0000-4000-8000-000000000001"
ADMIN_A = "aaaaaaaa-0000-4000-8000-0000000000a1"
USER_A = "aaaaaaaa-0000-4000-8000-0000000000a2"
VIEWER_A = "aaaaaaaa-0000-4000-8000-0000000000a3"
BLOCK_A = "aaaaaaaa-0000-4000-8000-00000000b001"
FILE_A = "aaaaaaaa-0000-4000-8000-00000000f001"
MISSING = "c9000000-0000-4000-8000-0000000000ff"     # names no project

SEED = f"""
INSERT INTO public.companies (id, name) VALUES ('{COMPANY_A}', 'Bâtiments A');
INSERT INTO public.users (id, company_id, email, full_name, role) VALUES
  ('{ADMIN_A}', '{COMPANY_A}', 'admin@a.test', 'Admin A', 'admin'),
  ('{USER_A}', '{COMPANY_A}', 'user@a.test', 'User A', 'user'),
  ('{VIEWER_A}', '{COMPANY_A}', 'viewer@a.test', 'Viewer A', 'viewer');
INSERT INTO public.content_blocks (id, company_id, type, title, created_by) VALUES
  ('{BLOCK_A}', '{COMPANY_A}', 'equipment', 'Grue à tour', '{USER_A}');
INSERT INTO public.files (id, company_id, filename, file_type, storage_url, size_bytes) VALUES
  ('{FILE_A}', '{COMPANY_A}', 'grue.pdf', 'application/pdf', 's3://a/grue.pdf', 1234);
"""

# Django's default password hash (made with hashlib as Django formats it).
DJANGO_HASH = "pbkdf2_sha256$870000$QkO8Lr2fXw9vYp3sTz6dN1$G1mGhTOYzcBMymRS4VuBwMgr2z2Yqk+SFNlajodb64g="


def install(db, release, check=True, **options):
    if release == "0.3.0":
        return db.psql(FIXTURES / "memtech_0.3.0_install.sql", options, check)
    return db.install(options, check)


def as_backend(db, statement, params=()):
    """A backend logged in as the owner, naming no user: the RETURNING value, or the error's
    SQLSTATE and class."""
    with db.connect() as conn:
        try:
            return conn.execute(statement, params).fetchone()[0]
        except psycopg.Error as e:
            return f"{e.sqlstate} {type(e).__name__}"


def as_tenant(db, user, headers=None):
    """A transaction as authenticated, acting as `user`, with PostgREST's request headers."""
    conn = db.connect(autocommit=False)
    conn.execute("SET LOCAL ROLE authenticated")
    conn.execute("SELECT set_config('app.user_id', %s, true)", [user])
    if headers:
        conn.execute("SELECT set_config('request.headers', %s, true)", [json.dumps(headers)])
    return conn


def audit_rows(db):
    with db.connect() as conn:
        return conn.execute("SELECT count(*) FROM public.audit_log").fetchone()[0]


# ------------------------------------------------------------------------------ the cases

def tenant_uuid_domain(db, release):
    """Issue 18 item 1: a viewer shadows uuid with a domain in its temporary schema whose check
    runs its own code, then updates its own row. The roles that code ran as."""
    ran_as = set()
    with as_tenant(db, VIEWER_A) as conn:
        conn.add_notice_handler(lambda d: ran_as.add((d.message_primary or "").partition("ran as ")[2]))
        conn.execute("""
            CREATE FUNCTION pg_temp.evil(v pg_catalog.uuid) RETURNS boolean LANGUAGE plpgsql AS $$
            BEGIN
              RAISE NOTICE 'tenant code ran as %', current_user;
              RETURN true;
            END $$""")
        conn.execute("CREATE DOMAIN pg_temp.uuid AS pg_catalog.uuid CHECK (pg_temp.evil(VALUE))")
        conn.execute(f"SELECT '{VIEWER_A}'::uuid")     # the tenant's own cast: the shadow is in place
        try:
            conn.execute("UPDATE public.users SET full_name = full_name WHERE id = %s", [VIEWER_A])
        finally:
            conn.rollback()
    return sorted(ran_as - {""})


def forwarded_for(db, release):
    """Issue 18 item 4: the client writes its own X-Forwarded-For entry, the proxy appends the
    address it saw. The address the trail records for the write."""
    headers = {"x-forwarded-for": "198.51.100.66, 203.0.113.7", "user-agent": "test"}
    with as_tenant(db, USER_A, headers) as conn:
        conn.execute("UPDATE public.content_blocks SET title = 'Grue' WHERE id = %s", [BLOCK_A])
        conn.commit()
    with db.connect() as conn:
        return conn.execute("SELECT host(ip_address) FROM public.audit_log WHERE resource_id = %s "
                            "AND action = 'update'", [BLOCK_A]).fetchone()[0]


def install_lock_squatted(db, release):
    """Issue 18 item 5: anon holds the advisory lock that lets one install run at a time; the
    install runs again with memtech.lock_timeout 1s (a statement_timeout stops a wait that
    ignores it). How the install ended."""
    with db.connect() as squatter:
        squatter.execute("SET ROLE anon")
        squatter.execute("SELECT pg_advisory_lock(hashtext('memtech install'))")
        start = time.monotonic()
        proc = install(db, release, check=False, **{"memtech.lock_timeout": "1s", "statement_timeout": "3s"})
        elapsed = time.monotonic() - start
        pid = squatter.info.backend_pid
    assert proc.returncode != 0, proc.stderr
    if "canceling statement due to statement timeout" in proc.stderr and elapsed >= 3:
        return "waited until the statement timeout"
    if "another session holds the lock" in proc.stderr and f"pid {pid} " in proc.stderr and elapsed < 3:
        return "gave up within lock_timeout naming the holder"
    return proc.stderr


def no_op_update(db, release):
    """Issue 19 item 8: an update that sets a column to its own value. The audit entries written."""
    before = audit_rows(db)
    with as_tenant(db, USER_A) as conn:
        assert conn.execute("UPDATE public.content_blocks SET title = title WHERE id = %s", [BLOCK_A]).rowcount == 1
        conn.commit()
    return audit_rows(db) - before


# case: (observe(db, release), what 0.3.0 shows, what this version shows)
HOLES = {
    "issue18.1_a_tenants_uuid_domain_runs_its_code_as_the_owner":
        (tenant_uuid_domain, ["authenticated", "postgres"], ["authenticated"]),
    "issue18.4_the_trail_records_the_forwarded_address_the_client_wrote":
        (forwarded_for, "198.51.100.66", "203.0.113.7"),
    "issue18.5_anon_holding_the_install_lock_makes_the_install_wait":
        (install_lock_squatted, "waited until the statement timeout", "gave up within lock_timeout naming the holder"),
    "issue19.3_a_backend_links_a_file_to_a_block_with_the_specifications_three_columns":
        (lambda db, _: as_backend(db, "INSERT INTO public.block_files (block_id, file_id, relationship) "
                                      "VALUES (%s, %s, 'photo') RETURNING company_id::text", [BLOCK_A, FILE_A]),
         "23502 NotNullViolation", COMPANY_A),
    "issue19.4_a_backend_upserts_a_user_on_conflict_email":
        (lambda db, _: as_backend(db, "INSERT INTO public.users (company_id, email, full_name) "
                                      "VALUES (%s, 'admin@a.test', 'Anne Admin') "
                                      "ON CONFLICT (email) DO UPDATE SET full_name = excluded.full_name "
                                      "RETURNING full_name", [COMPANY_A]),
         "42P10 InvalidColumnReference", "Anne Admin"),
    "issue19.5_a_backend_stores_a_django_password_hash":
        (lambda db, _: as_backend(db, "UPDATE public.users SET password_hash = %s WHERE id = %s "
                                      "RETURNING left(password_hash, 14)", [DJANGO_HASH, ADMIN_A]),
         "23514 CheckViolation", "pbkdf2_sha256$"),
    "issue19.8_an_update_that_changes_nothing_writes_an_audit_entry":
        (no_op_update, 1, 0),
    "issue19.11_a_section_under_a_missing_project_gets_a_foreign_key_error":
        (lambda db, _: as_backend(db, "INSERT INTO public.sections (project_id, title) VALUES (%s, 'Planning') "
                                      "RETURNING id", [MISSING]),
         "23502 NotNullViolation", "23503 ForeignKeyViolation"),
}


@pytest.mark.parametrize("release", ["0.3.0", "now"])
@pytest.mark.parametrize("hole", list(HOLES))
def test_a_hole_0_3_0_left_open_is_closed_now(db, hole, release):
    observe, on_0_3_0, now = HOLES[hole]
    load_v0(db)
    install(db, release)
    db.psql(SEED)
    expected = on_0_3_0 if release == "0.3.0" else now
    assert observe(db, release) == expected, f"{hole} on {release}"
