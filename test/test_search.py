"""Retrieval under isolation (sql/28_search.sql): search_chunks, search_library, search_hybrid.

  * the library's French full-text search, on every major: accents and word endings do not
    matter, titles rank first, only the acting user's company's active blocks and referenceable
    past projects come back, through the GIN index; the documents follow every write; a library
    the install left to build/finish.sql is searched all the same; unaccent is used where the
    server has it, created and dropped by the package only when it was not there;
  * with real pgvector (the 16+vector and 18+vector servers of `make test-all`; skipped
    elsewhere): a small company's search next to a large company's nearer chunks comes back
    complete, exactly the exact search's rows, on both paths; never a row of another company;
    no plan that reads every company's chunks; pgvector's settings never leak into the caller's
    transaction; the hybrid search is Supabase's reciprocal rank fusion of two exact lists;
  * the operator's side: the install names the ANN index that misses rows, build/finish.sql
    builds the search's indexes on document_chunks, and the uninstall gives the schema back.
"""
import json
import re
import uuid

import psycopg
import pytest

from conftest import ROOT
from helpers import create_pgvector_or_skip, load_v0, notices, rows, scalar
from supabase_layout import OWNER, PostgrestConnection, check, install_as, lay_out

COMPANY_A = "a0000000-0000-4000-8000-00000000000a"
COMPANY_B = "b0000000-0000-4000-8000-00000000000b"
USER_A = "a1000000-0000-4000-8000-000000000001"
VIEWER_A = "a1000000-0000-4000-8000-000000000002"
INACTIVE_A = "a1000000-0000-4000-8000-000000000003"
USER_B = "b1000000-0000-4000-8000-000000000001"

LIBRARY = f"""
INSERT INTO public.companies (id, name) VALUES ('{COMPANY_A}', 'Alpha Bâtiment'), ('{COMPANY_B}', 'Bêta Travaux');
INSERT INTO public.users (id, company_id, email, full_name, role, is_active) VALUES
  ('{USER_A}', '{COMPANY_A}', 'u@alpha.fr', 'Ugo', 'user', true),
  ('{VIEWER_A}', '{COMPANY_A}', 'v@alpha.fr', 'Véra', 'viewer', true),
  ('{INACTIVE_A}', '{COMPANY_A}', 'p@alpha.fr', 'Paul', 'user', false),
  ('{USER_B}', '{COMPANY_B}', 'u@beta.fr', 'Bruno', 'user', true);
INSERT INTO public.content_blocks (id, company_id, type, title, content, tags, is_active) VALUES
  ('a2000000-0000-4000-8000-000000000001', '{COMPANY_A}', 'procedure', 'Béton armé des fondations',
   'Coulage du béton de propreté puis des semelles filantes.', '{{"gros œuvre"}}', true),
  ('a2000000-0000-4000-8000-000000000002', '{COMPANY_A}', 'equipment', 'Centrale à beton mobile',
   'Production sur site, 30 m3 par heure.', '{{}}', true),
  ('a2000000-0000-4000-8000-000000000003', '{COMPANY_A}', 'methodology-template', 'Méthodologie de chantier',
   'Nous réalisons la fondation de chaque pile après sondage.', '{{}}', true),
  ('a2000000-0000-4000-8000-000000000004', '{COMPANY_A}', 'procedure', 'Ancienne procédure béton',
   'Remplacée.', '{{}}', false),
  ('a2000000-0000-4000-8000-000000000005', '{COMPANY_A}', 'person-cv', 'CV chef de chantier',
   'Vingt ans de gros œuvre ; habilitation électrique.', '{{levage,grue}}', true),
  ('b2000000-0000-4000-8000-000000000001', '{COMPANY_B}', 'procedure', 'Béton armé des fondations (Bêta)',
   'Secret de Bêta : béton, fondations.', '{{"gros œuvre"}}', true);
INSERT INTO public.past_projects (id, company_id, name, client, project_type, description, techniques_used,
                                  success_factors, is_referenceable) VALUES
  ('a3000000-0000-4000-8000-000000000001', '{COMPANY_A}', 'Groupe scolaire Jean Moulin', 'Commune de Lyon',
   'établissement scolaire', 'Construction neuve sur fondations profondes.', '{{pieux,"béton armé"}}',
   '{{"respect des délais"}}', true),
  ('a3000000-0000-4000-8000-000000000002', '{COMPANY_A}', 'Gymnase (confidentiel)', 'Commune de Bron',
   'équipement sportif', 'Fondations superficielles, béton.', '{{}}', '{{}}', false),
  ('b3000000-0000-4000-8000-000000000001', '{COMPANY_B}', 'Collège Bêta', 'Département du Rhône',
   'établissement scolaire', 'Fondations et béton armé.', '{{}}', '{{}}', true);
"""


def library_db(db):
    load_v0(db)
    db.install()
    db.psql(LIBRARY)
    return db


def as_user(db, user, sql, params=None, role="authenticated", settings=None):
    """One request as `user` (through request.jwt.claims, as PostgREST sets it), rolled back."""
    with db.connect(autocommit=False) as conn:
        conn.execute(f"SET LOCAL ROLE {role}")
        if user is not None:
            conn.execute("SELECT set_config('request.jwt.claims', %s, true)",
                         [json.dumps({"sub": user, "role": role})])
        for name, value in (settings or {}).items():
            conn.execute("SELECT set_config(%s, %s, true)", [name, str(value)])
        found = conn.execute(sql, params).fetchall()
        conn.rollback()
    return found


def library(db, query, user=USER_A, count=20):
    return as_user(db, user, "SELECT kind, id::text, title, snippet, rank FROM public.search_library(%s, %s)",
                   [query, count])


def ids(found):
    return [r[1] for r in found]


# ----------------------------------------------------------------------------- the library

def test_accents_do_not_matter(db):
    library_db(db)
    # "Béton" finds the block that writes "beton", and "beton" the ones that write "Béton".
    found = ids(library(db, "Béton"))
    assert "a2000000-0000-4000-8000-000000000002" in found
    assert ids(library(db, "beton")) == found
    assert ids(library(db, "BETON")) == found
    assert "a2000000-0000-4000-8000-000000000001" in found


def test_word_endings_do_not_matter(db):
    library_db(db)
    # "fondations" finds the block that writes "fondation", and the reverse.
    found = ids(library(db, "fondations"))
    assert "a2000000-0000-4000-8000-000000000003" in found
    assert "a2000000-0000-4000-8000-000000000001" in ids(library(db, "fondation"))
    assert ids(library(db, "fondation")) == found


def test_a_word_of_the_title_ranks_before_the_same_word_in_the_text(db):
    library_db(db)
    found = library(db, "fondations")
    # Title (weight A) first, then the past project's description (C) and the block whose
    # text alone says it (C); each hit says what it is.
    assert found[0][:2] == ("block", "a2000000-0000-4000-8000-000000000001")
    assert [r[4] for r in found] == sorted((r[4] for r in found), reverse=True)
    assert ("reference", "a3000000-0000-4000-8000-000000000001") in {r[:2] for r in found}
    assert found[0][2] == "Béton armé des fondations"


def test_the_snippet_marks_the_words_found(db):
    library_db(db)
    found = {r[1]: r[3] for r in library(db, "semelles")}
    assert "<b>semelles</b>" in found["a2000000-0000-4000-8000-000000000001"]
    reference = {r[1]: r[3] for r in library(db, "délais")}
    assert "<b>délais</b>" in reference["a3000000-0000-4000-8000-000000000001"]


def test_only_active_blocks_and_referenceable_past_projects_count(db):
    library_db(db)
    found = ids(library(db, "béton fondations"))
    assert "a2000000-0000-4000-8000-000000000004" not in ids(library(db, "procédure béton"))
    assert "a3000000-0000-4000-8000-000000000002" not in ids(library(db, "fondations béton"))
    assert "a2000000-0000-4000-8000-000000000001" in found


@pytest.mark.parametrize("who", ["user_of_b", "viewer_of_a"])
def test_a_company_finds_only_its_own_library(db, who):
    library_db(db)
    user = {"user_of_b": USER_B, "viewer_of_a": VIEWER_A}[who]
    found = library(db, "béton fondations", user=user)
    assert found, "the company has matching rows: the search must find them"
    prefix = "b" if who == "user_of_b" else "a"
    assert all(i.startswith(prefix) for i in ids(found)), found
    # Its best hit, even where another company's would rank as high: complete, not filtered after.
    assert ids(library(db, "béton fondations", user=user, count=1)) == ids(found)[:1]


@pytest.mark.parametrize("who", ["deactivated_user", "unknown_user", "no_user"])
def test_nobody_but_an_active_member_gets_a_row(db, who):
    library_db(db)
    user = {"deactivated_user": INACTIVE_A, "unknown_user": str(uuid.uuid4()), "no_user": None}[who]
    assert library(db, "béton", user=user) == []


def test_anon_may_not_call_the_searches(db):
    library_db(db)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_user(db, USER_A, "SELECT * FROM public.search_library('béton')", role="anon")


def test_the_library_search_reads_the_gin_index_not_every_row(db):
    library_db(db)
    # Enough rows of another company for an index to pay, none with the word searched.
    db.psql(f"""
        INSERT INTO public.content_blocks (company_id, type, title, content)
        SELECT '{COMPANY_B}', 'equipment', 'Menuiserie ' || g, 'Fenêtres en bois, lot ' || g FROM generate_series(1, 3000) g;
        INSERT INTO public.past_projects (company_id, name, description)
        SELECT '{COMPANY_B}', 'Résidence ' || g, 'Menuiseries' FROM generate_series(1, 3000) g;
        ANALYZE;""")
    with db.connect(autocommit=False) as conn:
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SELECT set_config('app.user_id', %s, true)", [USER_A])
        assert conn.execute("SELECT count(*) FROM public.search_library('béton')").fetchone()[0] == 3
        conn.execute("RESET ROLE")
        stats = dict(conn.execute(
            "SELECT relname, row(seq_scan, idx_scan)::text FROM pg_stat_xact_all_tables "
            "WHERE relid IN ('memtech.library_document'::regclass, 'public.content_blocks'::regclass, "
            "'public.past_projects'::regclass)").fetchall())
        conn.rollback()
    # The documents through their index (a bitmap scan: one index scan, no sequential scan);
    # the blocks and past projects only to fetch the rows returned, by their key.
    assert stats["library_document"] == "(0,1)", stats
    assert stats["content_blocks"].startswith("(0,"), stats
    assert stats["past_projects"].startswith("(0,"), stats


def test_the_index_keeps_each_companys_words_apart(db):
    library_db(db)
    # The word searched is everywhere in another company's library: the index's entry for
    # the company's spelling of it lists the company's rows only, so a search never reads the
    # others' (it checks company_id on every row besides).
    db.psql(f"""
        INSERT INTO public.content_blocks (company_id, type, title, content)
        SELECT '{COMPANY_B}', 'procedure', 'Béton ' || g, 'Béton armé, lot ' || g FROM generate_series(1, 3000) g;""")
    own = "SELECT count(*) FROM memtech.library_document d WHERE d.document @@ memtech.company_query(%s, q)"
    q = ", LATERAL memtech.search_query('béton') q"
    assert scalar(db, own.replace(" WHERE", q + " WHERE"), [COMPANY_A]) == 3
    assert scalar(db, own.replace(" WHERE", q + " WHERE"), [COMPANY_B]) == 3002
    assert scalar(db, "SELECT count(*) FROM memtech.library_document d WHERE d.document @@ memtech.search_query('béton')") == 0
    assert [r[0] for r in library(db, "béton")] == ["block", "block", "reference"]


def test_a_companys_spelling_ranks_and_matches_as_the_plain_words(db):
    library_db(db)
    # Lexemes with a quote and a backslash, weights, positions, a phrase, a prefix and a
    # negation: the company's spelling matches and ranks as the plain one, for that company
    # only.
    found = rows(db, f"""
        SELECT ts_rank(memtech.company_document(c, v), memtech.company_query(c, q)) = ts_rank(v, q),
               memtech.company_document(c, v) @@ memtech.company_query(c, q),
               memtech.company_document(c, v) @@ memtech.company_query('{COMPANY_B}', q)
          FROM (VALUES ('{COMPANY_A}'::uuid)) AS x (c),
               (VALUES ($v$'it''s':1A 'a\\b':2B 'plain':3,7 'béton':5C$v$::tsvector)) AS y (v),
               (VALUES ($q$'it''s' & 'a\\b'$q$::tsquery), ($q$'plain' <-> 'zzz' | 'bét':*$q$::tsquery),
                       ($q$'plain':A | 'béton':C$q$::tsquery), ($q$'it''s' <-> 'a\\b' & !'gone'$q$::tsquery)) AS z (q)
        """)
    assert found == [(True, True, False)] * 4, found


def test_the_documents_follow_every_write(db):
    library_db(db)
    block = "a2000000-0000-4000-8000-000000000005"
    assert block in ids(library(db, "habilitation"))
    db.psql(f"UPDATE public.content_blocks SET content = 'Vingt ans de charpente.' WHERE id = '{block}'")
    assert block not in ids(library(db, "habilitation"))
    assert block in ids(library(db, "charpente"))
    db.psql(f"UPDATE public.content_blocks SET is_active = false WHERE id = '{block}'")
    assert block not in ids(library(db, "charpente"))
    db.psql(f"UPDATE public.content_blocks SET is_active = true, tags = '{{échafaudage}}' WHERE id = '{block}'")
    assert block in ids(library(db, "echafaudage"))
    db.psql(f"DELETE FROM public.content_blocks WHERE id = '{block}'")
    assert block not in ids(library(db, "charpente"))
    # A tenant's own writes (as a user of the company, through the policies) too.
    with db.connect(autocommit=False) as conn:
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SELECT set_config('app.user_id', %s, true)", [USER_A])
        conn.execute("INSERT INTO public.content_blocks (type, title, content) VALUES "
                     "('equipment', 'Nacelle articulée', 'Hauteur 16 m')")
        assert [r[0] for r in conn.execute("SELECT title FROM public.search_library('nacelle')")] == [
            "Nacelle articulée"]
        conn.rollback()
    db.psql("TRUNCATE public.content_blocks CASCADE")
    assert [r[0] for r in library(db, "béton")] == ["reference"]
    assert scalar(db, "SELECT count(*) FROM memtech.library_document WHERE kind = 'block'") == 0


def test_the_application_may_still_change_the_type_of_a_searched_column(db):
    # The triggers that keep the documents name no column in a WHEN clause, which would forbid
    # ALTER COLUMN ... TYPE on it; an update of other columns leaves the documents alone.
    library_db(db)
    db.psql("ALTER TABLE public.content_blocks ALTER COLUMN title TYPE varchar(200);\n"
            "ALTER TABLE public.past_projects ALTER COLUMN description TYPE varchar(2000);")
    db.psql("UPDATE public.content_blocks SET title = 'Grue à tour' WHERE id = 'a2000000-0000-4000-8000-000000000005'")
    assert [r[2] for r in library(db, "tour")] == ["Grue à tour"]
    documents = rows(db, "SELECT item_id, document::text FROM memtech.library_document ORDER BY 1")
    db.psql("UPDATE public.content_blocks SET metadata = '{\"revu\": true}'; UPDATE public.past_projects SET year = 2020")
    assert rows(db, "SELECT item_id, document::text FROM memtech.library_document ORDER BY 1") == documents


def test_documents_missed_by_a_load_without_triggers_come_back_with_sync(db):
    library_db(db)
    db.psql("SET session_replication_role = replica;\n"
            f"INSERT INTO public.content_blocks (company_id, type, title) VALUES ('{COMPANY_A}', 'equipment', 'Pelle');\n"
            f"UPDATE public.content_blocks SET title = 'Grue à tour' WHERE id = 'a2000000-0000-4000-8000-000000000005';")
    assert library(db, "pelle") == [] and library(db, "tour") == []
    with db.connect() as conn:
        assert conn.execute("SELECT memtech.sync_library_documents(recompute => true)").fetchone()[0] == 2
        assert conn.execute("SELECT memtech.sync_library_documents()").fetchone()[0] == 0
    assert [r[2] for r in library(db, "pelle")] == ["Pelle"]
    assert [r[2] for r in library(db, "tour")] == ["Grue à tour"]


def test_writes_meeting_finishs_filling_neither_fail_nor_leave_a_stale_document(db):
    # build/finish.sql fills a range in one statement, its documents not committed yet, while
    # one tenant session updates a row of that range and another deletes one: both wait for the
    # range, then succeed, and the documents are those of the rows as they are now.
    import threading
    library_db(db)
    db.psql("DELETE FROM memtech.library_document")
    updated, deleted = "a2000000-0000-4000-8000-000000000005", "a2000000-0000-4000-8000-000000000003"
    errors = []

    def tenant(statement):
        try:
            with db.connect(autocommit=False) as conn:
                conn.execute("SET LOCAL ROLE authenticated")
                conn.execute("SELECT set_config('app.user_id', %s, true)", [USER_A])
                conn.execute("SET LOCAL lock_timeout = '20s'")
                conn.execute(statement)
                conn.commit()
        except Exception as e:  # noqa: BLE001 - asserted below
            errors.append(e)

    with db.connect(autocommit=False) as filling:
        assert filling.execute("SELECT memtech.sync_library_documents()").fetchone()[0] == 7
        writers = [threading.Thread(target=tenant, args=(statement,)) for statement in (
            f"UPDATE public.content_blocks SET title = 'Grue mobile' WHERE id = '{updated}'",
            f"DELETE FROM public.content_blocks WHERE id = '{deleted}'")]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(timeout=2)
        assert all(w.is_alive() for w in writers), "a tenant's write did not wait for the range being filled"
        filling.commit()
        for writer in writers:
            writer.join()
    assert errors == []
    assert [r[2] for r in library(db, "grue mobile")] == ["Grue mobile"]
    assert library(db, "chantier") == [] and library(db, "sondage") == []
    assert scalar(db, "SELECT count(*) FROM memtech.library_document") == 6
    with db.connect() as conn:
        assert conn.execute("SELECT memtech.sync_library_documents(recompute => true)").fetchone()[0] == 0


def test_a_large_library_left_to_finish_is_searched_all_the_same(db, build_scripts):
    # An upgrade over a library larger than memtech.index_build_limit (0 here): the install
    # makes no document under its lock and says so; search_library reads the company's rows
    # until build/finish.sql has made the documents and their index, and finds the same.
    load_v0(db)
    db.load_fixture("memtech_0.3.0_install")
    db.psql(LIBRARY)
    proc = db.install(**{"memtech.index_build_limit": "0"})
    assert any(n.startswith("memtech: leaving the documents and index of the library search to build/finish.sql")
               for n in notices(proc.stderr)), proc.stderr
    assert scalar(db, "SELECT to_regclass('memtech.library_document_search_idx')") is None
    before = {q: library(db, q) for q in ("béton", "fondations", "délais", "habilitation")}
    assert all(before.values())

    finished = db.psql(build_scripts.finish)
    assert "memtech: indexing memtech.library_document concurrently" in finished.stderr
    assert scalar(db, "SELECT count(*) FROM memtech.library_document") == 7
    assert {q: library(db, q) for q in before} == before
    again = db.psql(build_scripts.finish)
    assert "library" not in again.stdout + again.stderr


def test_the_search_configuration_uses_unaccent_where_the_server_has_it(db):
    load_v0(db)
    with db.connect() as conn:
        available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'").fetchone()
    before = db.dump()
    proc = db.install()
    mapped = rows(db, "SELECT DISTINCT d.dictname::text FROM pg_ts_config_map m JOIN pg_ts_dict d ON d.oid = m.mapdict "
                      "WHERE m.mapcfg = 'memtech.french'::regconfig ORDER BY 1")
    if available:
        assert ("unaccent",) in mapped
        assert any("created extension unaccent" in n for n in notices(proc.stderr))
        assert scalar(db, "SELECT obj_description(oid, 'pg_extension') FROM pg_extension WHERE extname = 'unaccent'"
                      ).startswith("memtech:")
    else:
        assert ("unaccent",) not in mapped
        # The fallback folds accents itself.
        assert scalar(db, "SELECT memtech.search_query('Béton élévé ŒUVRE')::text") == "'beton' & 'elev' & 'oeuvr'"
    db.psql(LIBRARY)
    assert ids(library(db, "BÉTON")) == ids(library(db, "beton"))
    db.uninstall(**{"memtech.confirm_data_loss": "on"})
    assert db.dump() == before


def test_an_unaccent_the_application_had_stays_after_the_uninstall(db):
    with db.connect() as conn:
        if not conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'").fetchone():
            pytest.skip("no unaccent extension on this server")
        conn.execute("CREATE EXTENSION unaccent")
    load_v0(db)
    before = db.dump()
    proc = db.install()
    assert not any("created extension unaccent" in n for n in notices(proc.stderr))
    assert ("unaccent",) in rows(db, "SELECT d.dictname::text FROM pg_ts_config_map m JOIN pg_ts_dict d "
                                     "ON d.oid = m.mapdict WHERE m.mapcfg = 'memtech.french'::regconfig")
    db.uninstall()
    assert db.dump() == before


def test_the_install_run_again_warns_about_no_search_of_its_own(db):
    # The searches are SECURITY DEFINER functions in public that read tenant tables: what the
    # install warns about in the application's own (sql/27_application_views.sql), but for
    # the functions declared in memtech.api_definer_function.
    library_db(db)
    again = db.install()
    assert "WARNING" not in again.stderr, again.stderr


def test_the_names_the_package_takes_in_public_must_be_free(db):
    load_v0(db)
    db.psql("CREATE FUNCTION public.search_library(q text) RETURNS int LANGUAGE sql AS 'SELECT 1'")
    dump = db.dump()
    proc = db.install(check=False)
    assert proc.returncode != 0
    assert "but the database already has public.search_library(text)" in proc.stderr, proc.stderr
    assert "Rename those functions of the application" in proc.stderr
    assert db.dump() == dump


def test_through_postgrest_on_a_supabase_like_database(db, build_scripts):
    lay_out(db)
    check(install_as(db, OWNER, build_scripts.install), f"the install as {OWNER}")
    db.psql(LIBRARY)
    api = PostgrestConnection(db)
    try:
        found = api.request("SELECT kind, id::text FROM public.search_library('beton fondation')", sub=USER_A).rows
        assert found and all(i.startswith("a") for _, i in found)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            api.request("SELECT * FROM public.search_library('beton')", role="anon")
        assert api.request("SELECT * FROM public.search_library('beton')", sub=INACTIVE_A).rows == []
    finally:
        api.close()


# ----------------------------------------------------------------------------- with pgvector

# Company A (large) has 400 chunks near the topic of the queries; company B (small) 12 chunks
# farther from it; a third company a few far away. The application's search through its HNSW
# index hands B the 40 nearest chunks of everyone, all A's, and row level security takes them
# away: B gets nothing. What search_chunks must return to B is its own 10 nearest.
# Company D has 20,000 chunks without an embedding yet.
LARGE, SMALL, OTHER = COMPANY_A, COMPANY_B, "c0000000-0000-4000-8000-00000000000c"
USER_LARGE, USER_SMALL, USER_OTHER = USER_A, USER_B, "c1000000-0000-4000-8000-000000000001"
CHUNKS = f"""
SELECT setseed(0.42);
CREATE TABLE pg_temp.topic AS
  SELECT (SELECT array_agg(random_normal()) FROM generate_series(1, 1536))::public.vector AS v;
INSERT INTO public.companies (id, name) VALUES ('{OTHER}', 'Gamma');
INSERT INTO public.users (id, company_id, email, full_name, role) VALUES
  ('{USER_OTHER}', '{OTHER}', 'u@gamma.fr', 'Gaston', 'user');
INSERT INTO public.memoires (id, company_id, title)
SELECT ('a4000000-0000-4000-8000-' || lpad(m::text, 12, '0'))::uuid, '{LARGE}', 'Mémoire A ' || m
  FROM generate_series(1, 4) m;
INSERT INTO public.memoires (id, company_id, title) VALUES
  ('b4000000-0000-4000-8000-000000000001', '{SMALL}', 'Mémoire B'),
  ('c4000000-0000-4000-8000-000000000001', '{OTHER}', 'Mémoire C');
INSERT INTO public.document_chunks (id, memoire_id, chunk_index, content, embedding)
SELECT ('a5000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
       ('a4000000-0000-4000-8000-' || lpad((1 + g % 4)::text, 12, '0'))::uuid, g,
       CASE WHEN g % 10 = 0 THEN 'Coulage du béton des fondations, lot ' || g ELSE 'Menuiseries extérieures, lot ' || g END,
       t.v + (SELECT array_agg(random_normal(0, 0.6)) FROM generate_series(1, 1536) WHERE g > 0)::public.vector
  FROM generate_series(1, 400) g, pg_temp.topic t;
INSERT INTO public.document_chunks (id, memoire_id, chunk_index, content, embedding)
SELECT ('b5000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'b4000000-0000-4000-8000-000000000001', g,
       CASE WHEN g % 3 = 0 THEN 'Les fondations en béton armé du gymnase ' || g ELSE 'Planning des travaux ' || g END,
       t.v + (SELECT array_agg(random_normal(0, 1.2)) FROM generate_series(1, 1536) WHERE g > 0)::public.vector
  FROM generate_series(1, 12) g, pg_temp.topic t;
INSERT INTO public.document_chunks (id, memoire_id, chunk_index, content, embedding)
SELECT ('c5000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'c4000000-0000-4000-8000-000000000001', g,
       'Béton des fondations de Gamma ' || g,
       (SELECT array_agg(random_normal()) FROM generate_series(1, 1536) WHERE g > 0)::public.vector
  FROM generate_series(1, 5) g;
-- A fourth company's many chunks without embeddings (being indexed, say): the table is no
-- longer one a sequential scan reads in a blink.
INSERT INTO public.companies (id, name) VALUES ('d0000000-0000-4000-8000-00000000000d', 'Delta');
INSERT INTO public.memoires (id, company_id, title) VALUES
  ('d4000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-00000000000d', 'Mémoire D');
INSERT INTO public.document_chunks (memoire_id, chunk_index, content)
SELECT 'd4000000-0000-4000-8000-000000000001', g, 'Menuiseries intérieures, pièce ' || g
  FROM generate_series(1, 20000) g;
CREATE TABLE public.test_query AS
  SELECT n, t.v + (SELECT array_agg(random_normal(0, 0.4)) FROM generate_series(1, 1536) WHERE n > 0)::public.vector AS v
    FROM generate_series(1, 5) n, pg_temp.topic t;
GRANT SELECT ON public.test_query TO authenticated;
ANALYZE;
"""
EXACT = ("SELECT c.id::text FROM public.document_chunks c JOIN public.memoires m ON m.id = c.memoire_id "
         "WHERE m.company_id = %s AND c.embedding IS NOT NULL "
         "ORDER BY (c.embedding OPERATOR(public.<=>) (SELECT v FROM public.test_query WHERE n = %s)) + 0, c.id LIMIT %s")


@pytest.fixture
def rag(db, build_scripts):
    """A v0 database with pgvector, the application's HNSW index and match_document_chunks, the
    package installed and finished, and companies A (large), B (small) and C with their chunks."""
    create_pgvector_or_skip(db)
    db.load_fixture("v0_schema")
    db.load_fixture("v0_data")
    db.load_fixture("v0_rag")
    db.psql(build_scripts.prepare)
    db.install()
    db.psql(build_scripts.finish)
    db.psql(LIBRARY.split("INSERT INTO public.content_blocks")[0])   # companies and users
    db.psql(CHUNKS)
    return db


def exact(db, company, query=1, count=10):
    return [r[0] for r in rows(db, EXACT, [company, query, count])]


def chunks(db, user, query=1, count=10, settings=None, function="search_chunks"):
    return [r[0] for r in as_user(db, user, f"SELECT id::text FROM public.{function}("
                                            f"(SELECT v FROM public.test_query WHERE n = %s), %s)",
                                  [query, count], settings=settings)]


ANN_PATH = {"memtech.search_exact_limit": "0"}      # every company takes the index's path
THROUGH_HNSW = {"enable_seqscan": "off"}            # the application's search, as on a large table
EXACT_PATH = {"memtech.search_exact_limit": "1000000"}


@pytest.mark.parametrize("path", ["default", "index", "exact"])
def test_a_small_company_next_to_a_large_one_gets_its_complete_answer(rag, path):
    settings = {"default": None, "index": ANN_PATH, "exact": EXACT_PATH}[path]
    for query in range(1, 6):
        expected = exact(rag, SMALL, query)
        assert len(expected) == 10
        # The application's search through its HNSW index (which the planner takes on a table of
        # any size) comes back short: the setting the test needs.
        assert len(chunks(rag, USER_SMALL, query, function="match_document_chunks", settings=THROUGH_HNSW)) < 10
        assert chunks(rag, USER_SMALL, query, settings=settings) == expected


@pytest.mark.parametrize("path", ["default", "index", "exact"])
def test_a_large_company_gets_the_exact_answer_or_nearly(rag, path):
    settings = {"default": None, "index": ANN_PATH, "exact": EXACT_PATH}[path]
    found = 0
    for query in range(1, 6):
        got = chunks(rag, USER_LARGE, query, settings=settings)
        assert len(got) == 10
        found += len(set(got) & set(exact(rag, LARGE, query)))
    assert found / 50 >= (1.0 if path == "exact" else 0.9)


@pytest.mark.parametrize("path", ["default", "index", "exact"])
def test_no_search_returns_a_row_of_another_company(rag, path):
    settings = {"default": None, "index": ANN_PATH, "exact": EXACT_PATH}[path]
    owned = {company: set(r[0] for r in rows(
        rag, "SELECT c.id::text FROM public.document_chunks c JOIN public.memoires m ON m.id = c.memoire_id "
             "WHERE m.company_id = %s", [company])) for company in (LARGE, SMALL, OTHER)}
    for company, user in ((LARGE, USER_LARGE), (SMALL, USER_SMALL), (OTHER, USER_OTHER)):
        for count in (3, 10, 500):
            got = chunks(rag, user, count=count, settings=settings)
            assert got and set(got) <= owned[company], (company, count)
            hybrid = as_user(rag, user, "SELECT id::text FROM public.search_hybrid('béton fondations', "
                                        "(SELECT v FROM public.test_query WHERE n = 1), %s)", [count], settings=settings)
            assert hybrid and {r[0] for r in hybrid} <= owned[company], (company, count)
        assert len(chunks(rag, user, count=500, settings=settings)) == len(owned[company])


@pytest.mark.parametrize("who", ["deactivated_user", "unknown_user", "no_user"])
def test_nobody_but_an_active_member_gets_a_chunk(rag, who):
    user = {"deactivated_user": INACTIVE_A, "unknown_user": str(uuid.uuid4()), "no_user": None}[who]
    assert chunks(rag, user) == []
    assert as_user(rag, user, "SELECT * FROM public.search_hybrid('béton', "
                              "(SELECT v FROM public.test_query WHERE n = 1))") == []
    for function in ("search_chunks", "search_hybrid"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_user(rag, USER_A, f"SELECT * FROM public.{function}("
                                 + ("'béton', " if function == "search_hybrid" else "")
                                 + "(SELECT v FROM public.test_query WHERE n = 1))", role="anon")


def chunk_reads(db, user, settings=None, function="search_chunks"):
    """What one search as `user` read of document_chunks: (sequential scans, rows fetched through
    an index or read by a sequential scan)."""
    with db.connect(autocommit=False) as conn:
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SELECT set_config('app.user_id', %s, true)", [user])
        for name, value in (settings or {}).items():
            conn.execute("SELECT set_config(%s, %s, true)", [name, value])
        args = "'béton', " if function == "search_hybrid" else ""
        assert conn.execute(f"SELECT count(*) FROM public.{function}({args}"
                            f"(SELECT v FROM public.test_query WHERE n = 1), 10)").fetchone()[0] > 0
        conn.execute("RESET ROLE")
        found = conn.execute("SELECT seq_scan, coalesce(idx_tup_fetch, 0) + seq_tup_read FROM pg_stat_xact_user_tables "
                             "WHERE relid = 'public.document_chunks'::regclass").fetchone()
        conn.rollback()
    return found


@pytest.mark.parametrize("path", ["default", "index"])
def test_no_plan_reads_every_companys_chunks(rag, path):
    settings = ANN_PATH if path == "index" else None
    total = scalar(rag, "SELECT count(*) FROM public.document_chunks")
    for user, held in ((USER_SMALL, 12), (USER_OTHER, 5)):
        seq, read = chunk_reads(rag, user, settings)
        assert seq == 0, f"a sequential scan of document_chunks for a company of {held} chunks"
        if path == "default":
            assert read <= 4 * held, f"{read} chunks read for a company of {held}"
    seq, read = chunk_reads(rag, USER_LARGE, settings)
    assert seq == 0 and read < total / 2, (seq, read, total)
    # Two searches and the rows returned: a few reads of each of the company's chunks at most.
    seq, read = chunk_reads(rag, USER_SMALL, function="search_hybrid")
    assert seq == 0 and read <= 8 * 12, (seq, read)


def test_without_the_memoire_id_index_the_search_is_slower_but_right(rag):
    expected = {user: chunks(rag, user) for user in (USER_SMALL, USER_LARGE, USER_OTHER)}
    rag.psql("DROP INDEX public.document_chunks_memoire_id_idx; DROP INDEX public.document_chunks_search_idx")
    assert {user: chunks(rag, user) for user in expected} == expected
    hybrid = as_user(rag, USER_SMALL, "SELECT id::text FROM public.search_hybrid('béton fondations', "
                                      "(SELECT v FROM public.test_query WHERE n = 1))")
    assert hybrid and all(i.startswith("b") for (i,) in hybrid)


SETTINGS = ["hnsw.ef_search", "hnsw.iterative_scan", "hnsw.max_scan_tuples", "ivfflat.iterative_scan",
            "enable_seqscan", "enable_sort", "plan_cache_mode", "search_path"]


def test_pgvectors_settings_never_leak_into_the_callers_transaction(rag):
    with rag.connect(autocommit=False) as conn:
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SELECT set_config('app.user_id', %s, true)", [USER_SMALL])
        conn.execute("SELECT '[1]'::public.vector")     # loads pgvector, which defines its settings
        conn.execute("SET LOCAL hnsw.ef_search = 77")
        before = [conn.execute("SELECT current_setting(%s)", [s]).fetchone()[0] for s in SETTINGS]
        for limit in ("0", "1000000"):
            conn.execute("SELECT set_config('memtech.search_exact_limit', %s, true)", [limit])
            conn.execute("SELECT * FROM public.search_chunks((SELECT v FROM public.test_query WHERE n = 1), 10)")
            conn.execute("SELECT * FROM public.search_hybrid('béton', (SELECT v FROM public.test_query WHERE n = 1))")
            assert [conn.execute("SELECT current_setting(%s)", [s]).fetchone()[0] for s in SETTINGS] == before
        conn.rollback()


@pytest.mark.parametrize("width", ["0", "1001", "wide", "-5"])
def test_a_search_width_out_of_pgvectors_range_names_the_setting(rag, width):
    with pytest.raises(psycopg.errors.InvalidParameterValue,
                       match=f"memtech.search_ef_search = {width} is not a search width between 1 and 1000"):
        chunks(rag, USER_SMALL, settings={"memtech.search_ef_search": width})


def test_a_narrower_search_width_still_returns_the_companys_own_rows(rag):
    # memtech.search_ef_search trades recall for speed on the index's path: the rows stay the
    # company's own, as many as asked.
    wide = chunks(rag, USER_LARGE, settings=ANN_PATH)
    narrow = chunks(rag, USER_LARGE, settings={**ANN_PATH, "memtech.search_ef_search": "10"})
    assert len(narrow) == len(wide) == 10
    assert set(narrow) <= set(exact(rag, LARGE, count=1000))


def test_a_search_exact_limit_that_is_not_a_number_names_the_setting(rag):
    with pytest.raises(psycopg.errors.InvalidParameterValue,
                       match="memtech.search_exact_limit = lots is not a number of chunks"):
        chunks(rag, USER_SMALL, settings={"memtech.search_exact_limit": "lots"})


def test_the_hybrid_search_fuses_two_exact_lists_as_supabase_does(rag):
    query, count = "béton fondations", 4
    got = as_user(rag, USER_SMALL, "SELECT id::text, similarity, text_rank, score FROM public.search_hybrid(%s, "
                                   "(SELECT v FROM public.test_query WHERE n = 1), %s)", [query, count])
    semantic = exact(rag, SMALL, 1, 2 * count)
    full_text = [r[0] for r in rows(rag, """
        SELECT c.id::text FROM public.document_chunks c JOIN public.memoires m ON m.id = c.memoire_id
         WHERE m.company_id = %s AND memtech.chunk_document(c.content) @@ memtech.search_query(%s)
         ORDER BY ts_rank_cd(memtech.chunk_document(c.content), memtech.search_query(%s)) DESC, c.id
         LIMIT %s""", [SMALL, query, query, 2 * count])]
    assert full_text, "the small company has chunks with both words"
    score = {}
    for ranked in (semantic, full_text):
        for i, chunk in enumerate(ranked, start=1):
            score[chunk] = score.get(chunk, 0) + 1 / (50 + i)
    expected = sorted(score, key=lambda c: (-score[c], c))[:count]
    assert [r[0] for r in got] == expected
    assert [r[3] for r in got] == pytest.approx([score[c] for c in expected])
    # A chunk found by the words alone is among them, and one found by its vector alone too.
    assert set(expected) & (set(full_text) - set(semantic)) or set(expected) & (set(semantic) - set(full_text))
    assert all(r[2] is not None for r in got)


def test_the_rag_guide_points_match_document_chunks_at_search_chunks(rag):
    guide = (ROOT / "docs" / "rag.md").read_text(encoding="utf-8")
    change = re.search(r"```sql\n(CREATE OR REPLACE FUNCTION public\.match_document_chunks.*?)```", guide, re.S).group(1)
    assert len(chunks(rag, USER_SMALL, function="match_document_chunks", settings=THROUGH_HNSW)) < 10
    rag.psql(change)
    assert chunks(rag, USER_SMALL, function="match_document_chunks", settings=THROUGH_HNSW) == exact(rag, SMALL)
    similarity = as_user(rag, USER_SMALL, "SELECT similarity FROM public.match_document_chunks("
                                          "(SELECT v FROM public.test_query WHERE n = 1), 3)")
    assert [r[0] for r in similarity] == sorted((r[0] for r in similarity), reverse=True)


def test_the_install_names_the_ann_index_that_misses_rows(rag):
    proc = rag.install()
    warnings = re.findall(r"WARNING:\s+(memtech: .*)", proc.stderr)
    assert any("public.document_chunks_embedding_idx (hnsw) misses rows" in w for w in warnings), proc.stderr
    assert "public.search_chunks(query_embedding, match_count)" in proc.stderr


# ------------------------------------------------------------------ a company's own index

INDEXED = {"memtech.search_exact_limit": "100"}       # A (400 chunks) above it, B and C below


def give_own_index(db, company=LARGE):
    return scalar(db, "SELECT memtech.create_company_chunk_index(%s)", [company])


def partition_scans(db, user, settings=None):
    """(rows A's partition gave through an index, sequential scans of it and of document_chunks)
    in one search as `user`: the HNSW index hands over the rows asked for, a scan that reads and
    sorts the partition (exact, and slow for a large company) every row."""
    with db.connect(autocommit=False) as conn:
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SELECT set_config('app.user_id', %s, true)", [user])
        for name, value in (settings or {}).items():
            conn.execute("SELECT set_config(%s, %s, true)", [name, value])
        got = conn.execute("SELECT id::text FROM public.search_chunks("
                           "(SELECT v FROM public.test_query WHERE n = 1), 10)").fetchall()
        conn.execute("RESET ROLE")
        found = conn.execute(
            "SELECT coalesce(sum(idx_tup_fetch) FILTER (WHERE relid <> 'public.document_chunks'::regclass), 0), "
            "coalesce(sum(seq_scan), 0) "
            "FROM pg_stat_xact_user_tables WHERE relid = 'public.document_chunks'::regclass "
            "OR relname = %s", ["company_chunk_" + LARGE.replace("-", "")]).fetchone()
        conn.rollback()
    return [r[0] for r in got], found


def test_a_company_with_its_own_index_gets_its_exact_answer_through_it(rag):
    assert give_own_index(rag) == 400
    for query in range(1, 6):
        assert chunks(rag, USER_LARGE, query, settings=INDEXED) == exact(rag, LARGE, query)
    got, (through_index, seq) = partition_scans(rag, USER_LARGE, INDEXED)
    assert 10 <= through_index <= 20 and seq == 0, \
        f"the search did not go through the company's own HNSW index ({through_index} rows by index, {seq} scans)"
    assert got == exact(rag, LARGE)
    # The others are searched as before, and never reach A's partition.
    got, (through_index, _) = partition_scans(rag, USER_SMALL, {"memtech.search_exact_limit": "0"})
    assert got == exact(rag, SMALL) and through_index == 0
    # Skipped on request: the shared index's path, still the company's own rows.
    got, (through_index, _) = partition_scans(rag, USER_LARGE, {**INDEXED, "memtech.search_company_index": "off"})
    assert through_index == 0 and set(got) <= set(exact(rag, LARGE, count=400))
    assert give_own_index(rag) == 0, "a second call makes a second partition"
    assert scalar(rag, "SELECT memtech.drop_company_chunk_index(%s)", [LARGE]) is True
    assert scalar(rag, "SELECT to_regclass(%s)", ["memtech.company_chunk_" + LARGE.replace("-", "")]) is None
    assert chunks(rag, USER_LARGE, settings=INDEXED)[:5] == exact(rag, LARGE)[:5]


def test_the_copies_follow_every_write(rag):
    give_own_index(rag)
    in_sync = "SELECT memtech.sync_company_chunks()"

    def copies():
        return scalar(rag, "SELECT count(*) FROM memtech.company_chunk WHERE company_id = %s", [LARGE])

    def write(sql, user=USER_LARGE):
        with rag.connect(autocommit=False) as conn:
            conn.execute("SET LOCAL ROLE authenticated")
            conn.execute("SELECT set_config('app.user_id', %s, true)", [user])
            conn.execute(sql)
            conn.commit()

    first = "a5000000-0000-4000-8000-000000000001"
    write("INSERT INTO public.document_chunks (memoire_id, chunk_index, content, embedding) "
          "SELECT 'a4000000-0000-4000-8000-000000000001', 1000 + n, 'nouveau', v FROM public.test_query")
    assert copies() == 405 and scalar(rag, in_sync) == 0
    write(f"UPDATE public.document_chunks SET embedding = (SELECT v FROM public.test_query WHERE n = 2) "
          f"WHERE id = '{first}'")
    assert scalar(rag, "SELECT count(*) FROM memtech.company_chunk WHERE chunk_id = %s AND embedding = "
                       "(SELECT v FROM public.test_query WHERE n = 2)", [first]) == 1
    write(f"UPDATE public.document_chunks SET embedding = NULL WHERE id = '{first}'")
    assert copies() == 404 and scalar(rag, in_sync) == 0
    write("DELETE FROM public.document_chunks WHERE chunk_index > 1002 AND memoire_id = 'a4000000-0000-4000-8000-000000000001'")
    assert copies() == 401 and scalar(rag, in_sync) == 0
    # A memoire that moves to another company (the owner may): its chunks' copies leave.
    rag.psql(f"UPDATE public.memoires SET company_id = '{SMALL}' WHERE id = 'a4000000-0000-4000-8000-000000000002'")
    assert copies() == 302 and scalar(rag, in_sync) == 0
    rag.psql(f"UPDATE public.memoires SET company_id = '{LARGE}' WHERE id = 'a4000000-0000-4000-8000-000000000002'")
    assert copies() == 401 and scalar(rag, in_sync) == 0
    assert chunks(rag, USER_LARGE, settings=INDEXED) == exact(rag, LARGE)
    # Loads that bypass the triggers: sync_company_chunks mends the copies.
    rag.psql("SET session_replication_role = replica; "
             "DELETE FROM public.document_chunks WHERE memoire_id = 'a4000000-0000-4000-8000-000000000003'")
    assert scalar(rag, in_sync) == 100 and copies() == 301 and scalar(rag, in_sync) == 0
    rag.psql("TRUNCATE public.document_chunks")
    assert copies() == 0


def test_writes_made_while_a_company_index_is_built_are_copied(rag):
    # create_company_chunk_index fills the partition and builds its HNSW index without blocking
    # writers, then waits for them under a SHARE lock and catches up: a tenant's insert and
    # delete, still uncommitted when the build starts, are in the copies once it returns.
    import threading
    built, errors = [], []

    def build():
        try:
            built.append(give_own_index(rag))
        except Exception as e:  # noqa: BLE001 - asserted below
            errors.append(e)

    with rag.connect(autocommit=False) as writer:
        writer.execute("SET LOCAL ROLE authenticated")
        writer.execute("SELECT set_config('app.user_id', %s, true)", [USER_LARGE])
        writer.execute("INSERT INTO public.document_chunks (memoire_id, chunk_index, content, embedding) "
                       "SELECT 'a4000000-0000-4000-8000-000000000001', 1000 + n, 'nouveau', v FROM public.test_query")
        writer.execute("DELETE FROM public.document_chunks WHERE memoire_id = 'a4000000-0000-4000-8000-000000000003'")
        builder = threading.Thread(target=build)
        builder.start()
        builder.join(timeout=3)
        assert builder.is_alive(), "the build did not wait for the open write"
        writer.commit()
        builder.join()
    assert errors == []
    assert built == [400 + 5 - 100]
    assert scalar(rag, "SELECT memtech.sync_company_chunks(%s)", [LARGE]) == 0
    assert chunks(rag, USER_LARGE, settings=INDEXED) == exact(rag, LARGE)


def test_a_tenant_reaches_no_copy_but_its_own_nearest_chunks(rag):
    give_own_index(rag)
    for sql in ("SELECT count(*) FROM memtech.company_chunk", "SELECT count(*) FROM memtech.company_chunk_index",
                f"SELECT memtech.create_company_chunk_index('{SMALL}')",
                f"SELECT memtech.drop_company_chunk_index('{LARGE}')", "SELECT memtech.sync_company_chunks()",
                "DELETE FROM memtech.company_chunk"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_user(rag, USER_SMALL, sql)
    nearest = "SELECT chunk_id::text FROM memtech.company_nearest_chunks((SELECT v FROM public.test_query WHERE n = 1), 500)"
    assert {r[0] for r in as_user(rag, USER_LARGE, nearest)} == set(exact(rag, LARGE, count=500))
    for user in (USER_SMALL, USER_OTHER, INACTIVE_A, str(uuid.uuid4()), None):
        assert as_user(rag, user, nearest) == []
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_user(rag, USER_LARGE, nearest, role="anon")
    # A tenant's chunks written into a memoire of the indexed company are refused by the
    # policies, so no copy comes from them either.
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_user(rag, USER_SMALL, "INSERT INTO public.document_chunks (memoire_id, content, embedding) "
                                 "SELECT 'a4000000-0000-4000-8000-000000000001', 'x', v FROM public.test_query")


@pytest.mark.parametrize("width", ["0", "1001", "wide"])
def test_a_company_index_width_out_of_range_names_the_setting(rag, width):
    give_own_index(rag)
    with pytest.raises(psycopg.errors.InvalidParameterValue,
                       match=f"memtech.company_index_ef_search = {width} is not a search width between 1 and 1000"):
        chunks(rag, USER_LARGE, settings={**INDEXED, "memtech.company_index_ef_search": width})


def test_finish_gives_each_company_above_the_limit_its_own_index(rag, build_scripts):
    with pytest.raises(psycopg.errors.NoDataFound, match="no company"):
        scalar(rag, "SELECT memtech.create_company_chunk_index(%s)", [str(uuid.uuid4())])
    finished = rag.psql(build_scripts.finish, {"memtech.search_exact_limit": "100"})
    assert f"a nearest-neighbour index of its own for company {LARGE} (400 chunks)" in finished.stderr
    assert rows(rag, "SELECT company_id::text FROM memtech.company_chunk_index") == [(LARGE,)]
    assert "nearest-neighbour" not in rag.psql(build_scripts.finish, {"memtech.search_exact_limit": "100"}).stderr
    rag.uninstall(**{"memtech.confirm_data_loss": "on"})
    assert scalar(rag, "SELECT count(*) FROM pg_class WHERE relname LIKE 'company_chunk%%'") == 0
    assert scalar(rag, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%%company_chunk%%'") == 0


def test_finish_builds_the_search_indexes_on_document_chunks_and_the_uninstall_drops_them(db, build_scripts):
    with db.connect() as conn:
        vector = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone()
        if vector:
            conn.execute("CREATE EXTENSION vector")
    load_v0(db)
    if vector:
        db.load_fixture("v0_rag")
    before = db.dump()
    db.install()
    finished = db.psql(build_scripts.finish)
    # The full-text index serves search_hybrid only, which needs pgvector: without it, no index.
    wanted = {"document_chunks.memoire_id": "document_chunks_memoire_id_idx",
              "document_chunks for the full-text search": "document_chunks_search_idx"}
    if not vector:
        del wanted["document_chunks for the full-text search"]
    for what in wanted:
        assert f"memtech: indexing {what} concurrently" in finished.stderr
    built = {r[0] for r in rows(db, "SELECT indexrelid::regclass::text FROM pg_index "
                                    "WHERE indrelid = 'public.document_chunks'::regclass")}
    assert set(wanted.values()) <= built
    assert vector or "document_chunks_search_idx" not in built
    assert "indexing" not in db.psql(build_scripts.finish).stderr
    db.install()
    db.uninstall()
    assert db.dump() == before


def test_without_pgvector_there_is_no_chunk_search(db):
    load_v0(db)
    proc = db.install()
    assert scalar(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                      "WHERE attrelid = 'public.document_chunks'::regclass AND attname = 'embedding'") == "real[]"
    assert any("not creating search_chunks and search_hybrid: they need document_chunks.embedding of pgvector's vector "
               "(it is real[]) and document_chunks.content of text (it is text)" in n
               for n in notices(proc.stderr))
    assert scalar(db, "SELECT count(*) FROM pg_proc WHERE proname IN ('search_chunks', 'search_hybrid')") == 0
    assert rows(db, "SELECT function::text FROM memtech.api_definer_function") == [
        ("search_library(text,integer)",)]
