"""The kinds of section (enum memoire_section_type): the application's own codes, those it writes
in sections.section_type, are what section_templates and generation_requests accept.

The install takes the distinct values of sections.section_type (or, on a database that holds
none, a default list of French codes), a re-run adds the values written since, and labels the
enum has beyond them (an earlier version's, an operator's) stay. Rows are written as the
application writes them: as the owner with no acting user (a v0 backend) and through
`authenticated` for a user of the company.
"""
import psycopg
import pytest

from helpers import (VERSION, DEFAULT_SECTION_TYPES, ENGLISH_SECTION_TYPES, V0_SECTION_TYPES, installed_version, load_v0,
                     notices, rows, scalar)

LEGACY_PROJECT = "20000000-0000-4000-a000-000000000001"
ADMIN = "d0000000-0000-4000-8000-00000000005e"


def labels(db):
    return scalar(db, "SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum "
                      "WHERE enumtypid = 'public.memoire_section_type'::regtype")


def admin_of_the_legacy_company(db):
    """A user of the company the install made for the v0 rows; returns nothing."""
    db.psql(f"INSERT INTO public.users (id, company_id, email, full_name, role) "
            f"SELECT '{ADMIN}', legacy_company_id, 'admin@delorme-batiment.fr', 'Admin', 'admin' "
            f"FROM memtech.installation")


def as_user(conn, user):
    conn.execute("SET LOCAL ROLE authenticated")
    conn.execute("SELECT set_config('app.user_id', %s, true)", [user])


def test_the_codes_the_application_wrote_in_sections_are_accepted_in_templates_and_generation_requests(db):
    load_v0(db)
    db.install()
    admin_of_the_legacy_company(db)

    assert labels(db) == V0_SECTION_TYPES
    with db.connect() as conn:
        # A v0 backend: the owner, naming no user.
        conn.execute("INSERT INTO public.generation_requests (project_id, section_type) VALUES (%s, 'moyens_humains')",
                     [LEGACY_PROJECT])
        # A user of the company, through authenticated.
        with conn.transaction():
            as_user(conn, ADMIN)
            conn.execute("INSERT INTO public.section_templates (section_type, title, template_content) "
                         "VALUES ('methodologie', 'Méthodologie type', 'Pour {{projet}} : ...')")
            conn.execute("INSERT INTO public.generation_requests (project_id, section_type) VALUES (%s, 'planning')",
                         [LEGACY_PROJECT])
        # Every code of sections, in both tables.
        for code in V0_SECTION_TYPES:
            conn.execute("INSERT INTO public.generation_requests (project_id, section_type) VALUES (%s, %s)",
                         [LEGACY_PROJECT, code])
        with pytest.raises(psycopg.errors.InvalidTextRepresentation, match="memoire_section_type"):
            conn.execute("INSERT INTO public.generation_requests (project_id, section_type) VALUES (%s, 'methodology')",
                         [LEGACY_PROJECT])
    assert scalar(db, "SELECT count(*) FROM public.section_templates WHERE section_type = 'methodologie'") == 1


def test_an_empty_database_gets_the_default_french_codes_and_the_type_says_how_to_add_one(db):
    db.install()

    assert labels(db) == DEFAULT_SECTION_TYPES
    comment = scalar(db, "SELECT obj_description('public.memoire_section_type'::regtype, 'pg_type')")
    for code in DEFAULT_SECTION_TYPES:
        assert code in comment, f"the type's comment does not list {code}"
    assert "ALTER TYPE public.memoire_section_type ADD VALUE" in comment


def test_a_rerun_adds_the_codes_sections_took_since_and_leaves_out_what_cannot_be_a_label(db):
    load_v0(db)
    db.install()
    long_code = "x" * 64
    with db.connect() as conn:
        for code in ("note_technique", "", long_code):
            conn.execute("INSERT INTO public.sections (project_id, section_type, title) VALUES (%s, %s, 'Nouvelle')",
                         [LEGACY_PROJECT, code])
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            conn.execute("INSERT INTO public.generation_requests (project_id, section_type) "
                         "VALUES (%s, 'note_technique')", [LEGACY_PROJECT])

    proc = db.install()

    said = notices(proc.stderr)
    assert "memtech: adding label note_technique to enum public.memoire_section_type" in said, said
    assert any("leaving out of enum public.memoire_section_type" in n and "''" in n and long_code in n
               for n in said), said
    assert labels(db) == V0_SECTION_TYPES + ["note_technique"]
    with db.connect() as conn:
        conn.execute("INSERT INTO public.generation_requests (project_id, section_type) VALUES (%s, 'note_technique')",
                     [LEGACY_PROJECT])
    dump = db.dump()
    db.install()
    assert db.dump() == dump


def test_a_label_added_by_hand_stays_and_a_rerun_changes_nothing(db):
    load_v0(db)
    db.install()
    db.psql("ALTER TYPE public.memoire_section_type ADD VALUE 'dossier_amiante'")
    dump = db.dump()

    proc = db.install()

    assert proc.returncode == 0
    assert db.dump() == dump
    assert labels(db) == V0_SECTION_TYPES + ["dossier_amiante"]


def test_an_upgrade_from_0_3_0_keeps_its_labels_and_their_rows_and_adds_the_applications_codes(db):
    load_v0(db)
    db.load_fixture("memtech_0.3.0_install")
    db.psql(f"""
        INSERT INTO public.generation_requests (id, project_id, section_type)
        VALUES ('e0000000-0000-4000-8000-0000000000a1', '{LEGACY_PROJECT}', 'methodology');
    """)

    db.install()

    assert installed_version(db) == VERSION
    assert labels(db) == ENGLISH_SECTION_TYPES + V0_SECTION_TYPES
    assert rows(db, "SELECT section_type::text FROM public.generation_requests") == [("methodology",)]
    with db.connect() as conn:
        conn.execute("INSERT INTO public.generation_requests (project_id, section_type) VALUES (%s, 'methodologie')",
                     [LEGACY_PROJECT])


def test_reading_the_section_types_gives_back_its_read_lock_on_sections(db, build_scripts):
    """The install reads sections.section_type before it locks the v0 tables, and gives back the
    read lock the scan took: run up to the end of module 04 in an open transaction, the labels
    are the application's and the session holds no ACCESS SHARE lock on sections (module 03's
    comments on the v0 columns hold SHARE UPDATE EXCLUSIVE, which readers and writers pass)."""
    load_v0(db)
    script = build_scripts.install.read_text(encoding="utf-8")
    upto = script[:script.index("-- ==== sql/05_")]
    assert "\nBEGIN;\n" in upto
    with db.connect(autocommit=True) as conn:
        conn.execute(upto)      # BEGIN; prologue; modules 00 to 04: the transaction stays open
        try:
            assert conn.execute("SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum "
                                "WHERE enumtypid = 'public.memoire_section_type'::regtype").fetchone()[0] \
                == V0_SECTION_TYPES
            held = conn.execute("SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() "
                                "AND relation = 'public.sections'::regclass AND mode = 'AccessShareLock'").fetchall()
            assert held == [], "the install still holds the read lock of its scan of sections"
        finally:
            conn.execute("ROLLBACK")


def test_a_database_whose_sections_have_no_section_type_gets_the_default_codes(db):
    load_v0(db)
    db.psql("UPDATE public.sections SET section_type = NULL")

    db.install()

    assert labels(db) == DEFAULT_SECTION_TYPES
