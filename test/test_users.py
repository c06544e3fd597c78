"""users as an application writes it: upserts by e-mail address.

users.email is stored in lower case (a trigger lowers what is written) and the specification's
idx_users_email is the unique index on it, so `INSERT ... ON CONFLICT (email)` works, whatever
the case the address is written in.
"""
import psycopg
import pytest

from helpers import VERSION, installed_version, load_v0, notices, rows, scalar

COMPANY = "c0000000-0000-4000-8000-0000000000e1"
OTHER_COMPANY = "c0000000-0000-4000-8000-0000000000e2"
ADMIN = "d0000000-0000-4000-8000-0000000000e1"


def company_with_admin(db):
    db.psql(f"""
        INSERT INTO public.companies (id, name) VALUES ('{COMPANY}', 'Delorme Bâtiment'), ('{OTHER_COMPANY}', 'Autre BTP');
        INSERT INTO public.users (id, company_id, email, full_name, role)
        VALUES ('{ADMIN}', '{COMPANY}', 'admin@delorme-batiment.fr', 'Admin', 'admin');
    """)


def as_user(conn, user):
    conn.execute("SET LOCAL ROLE authenticated")
    conn.execute("SELECT set_config('app.user_id', %s, true)", [user])


UPSERT = ("INSERT INTO public.users (company_id, email, full_name) VALUES (%s, %s, %s) "
          "ON CONFLICT (email) DO UPDATE SET full_name = excluded.full_name RETURNING id, email, full_name")


# ------------------------------------------------------------------------------------- e-mail

def test_upserting_a_user_by_email_finds_the_row_whatever_the_case_it_was_written_in(db):
    db.install()
    company_with_admin(db)

    with db.connect() as conn:   # a backend connected as the owner, naming no user
        first = conn.execute(UPSERT, [COMPANY, "Marie.Durand@Delorme-Batiment.fr", "Marie"]).fetchone()
        again = conn.execute(UPSERT, [COMPANY, "MARIE.DURAND@delorme-batiment.FR", "Marie Durand"]).fetchone()
        nothing = conn.execute("INSERT INTO public.users (company_id, email, full_name) "
                               "VALUES (%s, 'marie.durand@DELORME-batiment.fr', 'Marie D.') "
                               "ON CONFLICT (email) DO NOTHING RETURNING id", [COMPANY]).fetchall()

    assert first[1] == "marie.durand@delorme-batiment.fr"
    assert again == (first[0], "marie.durand@delorme-batiment.fr", "Marie Durand")
    assert nothing == []
    assert rows(db, "SELECT email, full_name FROM public.users WHERE id <> %s", [ADMIN]) == [
        ("marie.durand@delorme-batiment.fr", "Marie Durand")]


def test_an_admin_upserts_a_colleague_by_email_through_authenticated(db):
    db.install()
    company_with_admin(db)

    with db.connect() as conn:
        for name in ("Paul", "Paul Rivière"):
            with conn.transaction():
                as_user(conn, ADMIN)
                conn.execute("INSERT INTO public.users (email, full_name, role) VALUES (%s, %s, 'viewer') "
                             "ON CONFLICT (email) DO UPDATE SET full_name = excluded.full_name",
                             ["Paul@Delorme-Batiment.fr" if name == "Paul" else "paul@delorme-batiment.FR", name])

    assert rows(db, "SELECT company_id::text, email, full_name, role::text FROM public.users WHERE id <> %s", [ADMIN]) \
        == [(COMPANY, "paul@delorme-batiment.fr", "Paul Rivière", "viewer")]


def test_an_address_differing_only_by_case_is_the_same_user_and_updates_are_lowered_too(db):
    db.install()
    company_with_admin(db)

    with db.connect() as conn:
        with pytest.raises(psycopg.errors.UniqueViolation, match="idx_users_email"):
            conn.execute("INSERT INTO public.users (company_id, email, full_name) "
                         "VALUES (%s, 'ADMIN@Delorme-Batiment.fr', 'Doublon')", [OTHER_COMPANY])
        conn.execute("UPDATE public.users SET email = 'Direction@Delorme-Batiment.fr' WHERE id = %s", [ADMIN])
    assert scalar(db, "SELECT email FROM public.users WHERE id = %s", [ADMIN]) == "direction@delorme-batiment.fr"
    # One index on (email), unique: the advisor's duplicate_index has nothing to say.
    assert rows(db, "SELECT indexrelid::regclass::text, indisunique, pg_get_indexdef(indexrelid) LIKE '%%(email)' "
                    "FROM pg_index WHERE indrelid = 'public.users'::regclass AND pg_get_indexdef(indexrelid) ~ 'email' "
                    "ORDER BY 1") == [("idx_users_email", True, True)]


def test_an_upgrade_from_0_3_0_lowers_the_stored_addresses_and_keeps_one_unique_index(db):
    load_v0(db)
    db.load_fixture("memtech_0.3.0_install")
    db.psql(f"""
        INSERT INTO public.companies (id, name) VALUES ('{COMPANY}', 'Delorme Bâtiment');
        INSERT INTO public.users (id, company_id, email, full_name, role) VALUES
          ('{ADMIN}', '{COMPANY}', 'Anne.Durand@Delorme-Batiment.FR', 'Anne Durand', 'admin'),
          ('d0000000-0000-4000-8000-0000000000e2', '{COMPANY}', 'paul@delorme-batiment.fr', 'Paul', 'user');
    """)

    proc = db.install()

    assert installed_version(db) == VERSION
    said = notices(proc.stderr)
    assert "memtech: stored the e-mail address of 1 user(s) in lower case" in said, said
    assert rows(db, "SELECT email FROM public.users ORDER BY email") == [
        ("anne.durand@delorme-batiment.fr",), ("paul@delorme-batiment.fr",)]
    assert rows(db, "SELECT indexrelid::regclass::text, indisunique FROM pg_index "
                    "WHERE indrelid = 'public.users'::regclass ORDER BY 1") == [
        ("idx_users_company", False), ("idx_users_email", True), ("users_pkey", True)]
    with db.connect() as conn:
        again = conn.execute(UPSERT, [COMPANY, "ANNE.DURAND@delorme-batiment.fr", "Anne D."]).fetchone()
    assert str(again[0]) == ADMIN and again[2] == "Anne D."


def test_addresses_that_differ_only_by_case_stop_the_install_named_and_nothing_changes(db):
    # A users table of the application's own, compatible with the package's, that never made
    # its addresses unique whatever their case.
    db.psql(f"""
        CREATE TABLE public.companies (id uuid PRIMARY KEY, name text NOT NULL);
        CREATE TABLE public.users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), company_id uuid NOT NULL,
                                   email text NOT NULL, full_name text NOT NULL);
        INSERT INTO public.companies VALUES ('{COMPANY}', 'Delorme Bâtiment');
        INSERT INTO public.users (company_id, email, full_name) VALUES
          ('{COMPANY}', 'anne@delorme-batiment.fr', 'Anne'), ('{COMPANY}', 'Anne@Delorme-Batiment.fr', 'Anne bis');
    """)
    dump = db.dump()

    proc = db.install(check=False)

    assert proc.returncode != 0
    assert "several users share an address written in different cases" in proc.stderr, proc.stderr
    assert "anne@delorme-batiment.fr (Anne@Delorme-Batiment.fr, anne@delorme-batiment.fr)" in proc.stderr
    assert "HINT:  Merge or delete the users named above" in proc.stderr
    assert db.dump() == dump
    assert installed_version(db) is None
