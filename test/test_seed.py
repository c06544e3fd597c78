"""The development seed, seed/dev_seed.sql: applied twice after the install, on an empty
database and on top of the v0 fixture, it loads the same rows once, and every company's
rows reference only that company's rows.

    .venv/bin/python -m pytest test/test_seed.py -q
"""
import warnings

import pytest

import manifest
from conftest import ROOT

SEED = ROOT / "seed" / "dev_seed.sql"

# The seed's three companies (fixed ids, see the header of seed/dev_seed.sql).
COMPANIES = {
    "5eed0001-0001-4000-8000-000000000001": "Bâtiments Rhône-Alpes Construction",
    "5eed0001-0002-4000-8000-000000000001": "Menuiseries Durand & Fils",
    "5eed0001-0003-4000-8000-000000000001": "Énergie Bâtiment Sud",
}
DEV_PASSWORD = "demo-memtech"

# Every table the seed writes to (the manifest's, but the tags the triggers copy), and those with
# a company_id, each of which must hold rows of every seed company.
TABLES = [t.table_name for t in manifest.tables() if t.table_name != "content_block_tags"]
COMPANY_TABLES = [t.table_name for t in manifest.tables() if t.company_via == "company_id" and t.table_name in TABLES]


def rows(conn, sql, *params):
    return conn.execute(sql, params).fetchall()


def snapshot(db):
    """{table: (number of rows, digest of their contents)} of every table the seed writes."""
    with db.connect() as conn:
        return {t: tuple(rows(conn, f"""SELECT count(*), md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), ''))
                                          FROM public.{t} x""")[0]) for t in TABLES}


@pytest.fixture
def seeded(db, request):
    """db with the package installed and the seed applied twice: on an empty database, or
    (parametrized indirectly with "v0") over the v0 fixtures. .snapshots holds the
    snapshot() before the seed, after its first run and after its second."""
    db.base = getattr(request, "param", "empty")
    if db.base == "v0":
        for name in ("v0_schema", "v0_data", "v0_app_objects"):
            db.load_fixture(name)
    db.install()
    before = snapshot(db)
    db.psql(SEED)
    first = snapshot(db)
    db.psql(SEED)
    second = snapshot(db)
    db.snapshots = (before, first, second)
    return db


# The tests that hold on any database run on both; the rest on an empty one only.
on_both = pytest.mark.parametrize("seeded", ["empty", "v0"], indirect=True)


@on_both
def test_second_run_adds_nothing(seeded):
    before, first, second = seeded.snapshots
    assert {t: n for t, (n, _) in second.items()} == {t: n for t, (n, _) in first.items()}
    changed = [t for t in TABLES if second[t] != first[t]]
    assert not changed, f"the second run changed rows of {changed}"
    for table in TABLES:
        assert first[table][0] > before[table][0], f"the seed added no row to {table}"


def test_refuses_a_database_without_the_package(db):
    proc = db.psql(SEED, check=False)
    assert proc.returncode != 0
    assert "memtech is not installed" in proc.stderr and "make install" in proc.stderr


@pytest.mark.parametrize("seeded", ["v0"], indirect=True)
def test_leaves_v0_rows_alone(seeded):
    """The rows that were there before the seed keep their company: the seed only adds."""
    with seeded.connect() as conn:
        legacy = rows(conn, "SELECT legacy_company_id FROM memtech.installation")[0][0]
        assert legacy is not None
        for table, expected in [("projects", 5), ("memoires", 6), ("sections", 25)]:
            n = rows(conn, f"SELECT count(*) FROM public.{table} WHERE company_id = %s", legacy)[0][0]
            assert n == expected, f"{table}: {n} rows of the legacy company, v0_data has {expected}"
        n = rows(conn, """SELECT count(*) FROM public.document_chunks d JOIN public.memoires m ON m.id = d.memoire_id
                           WHERE m.company_id = %s""", legacy)[0][0]
        assert n == 30, f"document_chunks: {n} rows under the legacy company's memoires, v0_data has 30"


@on_both
def test_every_company_has_rows_everywhere(seeded):
    with seeded.connect() as conn:
        found = {(str(c), n) for c, n in rows(conn, "SELECT id, name FROM public.companies")}
        assert set(COMPANIES.items()) <= found
        for table in COMPANY_TABLES:
            present = {str(c) for (c,) in rows(conn, f"SELECT DISTINCT company_id FROM public.{table}")}
            missing = set(COMPANIES) - present
            assert not missing, f"{table} has no row of {sorted(COMPANIES[c] for c in missing)}"
        chunked = {str(c) for (c,) in rows(conn, """
            SELECT DISTINCT m.company_id FROM public.document_chunks d JOIN public.memoires m ON m.id = d.memoire_id""")}
        assert set(COMPANIES) <= chunked


def test_each_role_in_each_company(seeded):
    with seeded.connect() as conn:
        roles = [r for (r,) in rows(conn, "SELECT unnest(enum_range(NULL::public.user_role))::text")]
        assert roles == ["admin", "user", "viewer"]
        for company, name in COMPANIES.items():
            active = {r for (r,) in rows(conn, "SELECT role::text FROM public.users WHERE company_id = %s AND is_active",
                                         company)}
            assert active == set(roles), f"{name}: active roles {sorted(active)}"
            inactive = rows(conn, "SELECT count(*) FROM public.users WHERE company_id = %s AND NOT is_active", company)
            assert inactive[0][0] >= 1, f"{name} has no deactivated user"


def test_users_sign_in_with_the_dev_password(seeded):
    with seeded.connect() as conn:
        users = rows(conn, "SELECT email, password_hash FROM public.users WHERE company_id = ANY (%s::uuid[])",
                     list(COMPANIES))
        assert len({e.lower() for e, _ in users}) == len(users), "emails repeat whatever their case"
        assert all(h and h.startswith("$2b$12$") and len(h) == 60 for _, h in users)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt  # the C library's crypt(3); gone from Python 3.13
    except ImportError:
        pytest.skip("no crypt module to check the bcrypt hashes with")
    for email, hashed in users:
        if crypt.crypt(DEV_PASSWORD, hashed) is None:
            pytest.skip("this C library's crypt(3) does not do bcrypt")
        assert crypt.crypt(DEV_PASSWORD, hashed) == hashed, f"{email}: hash is not of {DEV_PASSWORD!r}"


def test_every_block_type_in_each_company(seeded):
    with seeded.connect() as conn:
        types = {t for (t,) in rows(conn, "SELECT unnest(enum_range(NULL::public.content_block_type))::text")}
        assert len(types) == 7
        for company, name in COMPANIES.items():
            present = {t for (t,) in rows(conn, """
                SELECT DISTINCT type::text FROM public.content_blocks WHERE company_id = %s AND is_active""", company)}
            assert present == types, f"{name} lacks active blocks of type {sorted(types - present)}"


def test_every_file_relationship_in_each_company(seeded):
    with seeded.connect() as conn:
        kinds = {k for (k,) in rows(conn, "SELECT unnest(enum_range(NULL::public.block_file_relationship))::text")}
        for company, name in COMPANIES.items():
            present = {k for (k,) in rows(conn, """
                SELECT DISTINCT relationship::text FROM public.block_files WHERE company_id = %s""", company)}
            assert present == kinds, f"{name} lacks links of kind {sorted(kinds - present)}"


def test_each_project_went_through_the_workflow(seeded):
    with seeded.connect() as conn:
        statuses = set()
        for company, name in COMPANIES.items():
            projects = rows(conn, "SELECT id, status::text FROM public.projects WHERE company_id = %s", company)
            assert projects, f"{name} has no project"
            for project, status in projects:
                assert status in ("reviewing", "submitted"), f"{name}: project in status {status}"
                analysis = rows(conn, """
                    SELECT jsonb_array_length(required_sections), scoring_criteria ? 'valeur_technique'
                      FROM public.rc_analysis WHERE project_id = %s""", project)
                assert analysis and analysis[0][0] > 0 and analysis[0][1], f"{name}: no usable rc_analysis"
                matches = rows(conn, """
                    SELECT count(*), count(*) FILTER (WHERE cardinality(matched_blocks) > 0),
                           count(*) FILTER (WHERE needs_generation), count(*) FILTER (WHERE needs_upload)
                      FROM public.content_matches WHERE project_id = %s""", project)[0]
                assert matches[0] > 0 and matches[1] > 0 and matches[2] > 0, f"{name}: matches {matches}"
                requests = {s for (s,) in rows(conn, """
                    SELECT DISTINCT status::text FROM public.generation_requests WHERE project_id = %s""", project)}
                assert {"completed", "failed"} <= requests, f"{name}: generation statuses {sorted(requests)}"
                statuses |= requests
                sections = rows(conn, """
                    SELECT count(*), count(*) FILTER (WHERE generated_by_ai), count(*) FILTER (WHERE reviewed)
                      FROM public.sections WHERE project_id = %s""", project)[0]
                assert sections[0] > 0 and sections[1] > 0 and sections[2] > 0, f"{name}: sections {sections}"
        assert {"pending", "in_progress", "completed", "failed"} <= statuses


@on_both
def test_no_row_references_another_company(seeded):
    """Checked over every row of the database, not only the seed's."""
    queries = {
        "content_matches.matched_blocks": """
            SELECT cm.id, b FROM public.content_matches cm, unnest(cm.matched_blocks) b
             WHERE NOT EXISTS (SELECT 1 FROM public.content_blocks x WHERE x.id = b AND x.company_id = cm.company_id)""",
        "sections.source_blocks": """
            SELECT s.id, b FROM public.sections s, unnest(s.source_blocks) b
             WHERE NOT EXISTS (SELECT 1 FROM public.content_blocks x WHERE x.id = b AND x.company_id = s.company_id)""",
        "generation_requests.request_context source_blocks": """
            SELECT g.id, b FROM public.generation_requests g,
                   jsonb_array_elements_text(coalesce(g.request_context -> 'source_blocks', '[]')) b
             WHERE NOT EXISTS (SELECT 1 FROM public.content_blocks x WHERE x.id::text = b AND x.company_id = g.company_id)""",
        "block_files": """
            SELECT bf.block_id, bf.file_id FROM public.block_files bf
              JOIN public.content_blocks b ON b.id = bf.block_id
              JOIN public.files f ON f.id = bf.file_id
             WHERE b.company_id <> bf.company_id OR f.company_id <> bf.company_id""",
        "sections, rc_analysis, content_matches, generation_requests vs their project": """
            SELECT t.id, t.kind FROM (
              SELECT id, project_id, company_id, 'sections' kind FROM public.sections
              UNION ALL SELECT id, project_id, company_id, 'rc_analysis' FROM public.rc_analysis
              UNION ALL SELECT id, project_id, company_id, 'content_matches' FROM public.content_matches
              UNION ALL SELECT id, project_id, company_id, 'generation_requests' FROM public.generation_requests) t
              JOIN public.projects p ON p.id = t.project_id
             WHERE p.company_id <> t.company_id""",
    }
    for table, column in [("content_blocks", "created_by"), ("files", "uploaded_by"), ("projects", "created_by"),
                          ("memoires", "uploaded_by"), ("sections", "reviewer_id"), ("audit_log", "user_id")]:
        queries[f"{table}.{column}"] = f"""
            SELECT t.id, t.{column} FROM public.{table} t JOIN public.users u ON u.id = t.{column}
             WHERE u.company_id IS DISTINCT FROM t.company_id"""
    with seeded.connect() as conn:
        problems = {what: found for what, sql in queries.items() if (found := rows(conn, sql))}
        assert not problems, f"cross-company references: {problems}"
        # The checks above do look at seed rows: each kind of reference is used.
        used = rows(conn, """
            SELECT (SELECT count(*) FROM public.content_matches, unnest(matched_blocks)),
                   (SELECT count(*) FROM public.sections, unnest(source_blocks)),
                   (SELECT count(*) FROM public.sections WHERE reviewer_id IS NOT NULL),
                   (SELECT count(*) FROM public.audit_log WHERE user_id IS NOT NULL)""")[0]
        assert all(n > 0 for n in used), used
