"""The application's queries keep their indexes under row level security.

The benchmark's data set (bench/generate.py) at a small scale, analysed so that the planner
sees the real distributions (Zipf-like company sizes, skewed tags, interleaved rows), and each
query of bench/run.py's part 1 explained as a tenant of the largest and of the smallest
company:

  * test_a_usable_index_exists: with `enable_seqscan = off`, the scan of each large table the
    query reads is an index or bitmap scan whose index condition uses the query's own key (a
    project's sections: project_id, one block: id, the audit log: company_id and timestamp, ...).
    Where no index can serve the query, PostgreSQL still seq-scans with enable_seqscan off, so
    dropping or changing an index the tenant path needs fails here, whatever the data's size.
  * test_the_default_plan_uses_it: the plan PostgreSQL picks by itself at this scale does the
    same on every table of 1,000 rows or more (smaller tables are legitimately seq-scanned).
  * test_a_query_looks_the_acting_user_up_once_per_tenant_table: the server's count of the
    lookup helpers' calls during one run of the query, as the benchmark's part 1 reports it.

One exception, by design: document_chunks (the application's v0 table, which the install leaves
exactly as it is) has no index on memoire_id, so the RAG query reads the whole table and its
row level security policy (memoire_id IN the company's memoires) is checked row by row. The
test asserts that the company's memoires, at least, are found through memoires_company_id_idx.
docs/benchmarks.md measures what this costs and what an index would change.
"""
import json
import re
import sys
import uuid

import psycopg
import pytest

from conftest import ROOT, Database
from helpers import auto_explained

sys.path.insert(0, str(ROOT))
from bench import generate  # noqa: E402
from bench.isolation import lookups  # noqa: E402
from bench.run import QUERIES, company_context, query_params, tenant_begin  # noqa: E402

SCALE = 0.02          # 20 companies, 20,000 content blocks, 2,000 projects, ~20,000 sections and chunks
LARGE = 1000          # rows from which the default plan must not seq-scan a table

# For each query: the table whose scan must be indexed, and the columns its index condition must use.
INDEXED = {
    "blocks": {"content_blocks": ["company_id"], "content_block_tags": ["company_id", "tag"]},
    "block": {"content_blocks": ["id"]},
    "projects": {"projects": ["company_id", "status"]},
    "sections": {"sections": ["project_id"]},
    "matches": {"content_matches": ["project_id"]},
    "audit_page": {"audit_log": ["company_id", "timestamp"]},
    "audit_all": {"audit_log": ["company_id", "timestamp"]},
    "rag": {"memoires": ["company_id"]},
    "profile": {"users": ["id"]},
}
# Tables a query may seq-scan (see the module's docstring).
SEQ_ALLOWED = {"rag": {"document_chunks"}}


@pytest.fixture(scope="module")
def bench_db(cluster, build_scripts):
    """A database with the benchmark's data at SCALE: v0 rows, the install, then tenant data."""
    name = f"t_plans_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = Database(cluster, name, lambda: build_scripts)
    layout = generate.Layout(SCALE)
    try:
        with db.connect() as conn:
            generate.generate_v0(conn, layout)
        db.install()
        with db.connect() as conn:
            generate.generate_tenant(conn, layout)
            contexts = {"largest": company_context(conn, layout, 1),
                        "smallest": company_context(conn, layout, layout.companies)}
            index_table = dict(conn.execute(
                "SELECT indexrelid::regclass::text, indrelid::regclass::text FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'public'::regnamespace").fetchall())
            sizes = dict(conn.execute(
                "SELECT relname::text, reltuples FROM pg_class "
                "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'").fetchall())
        yield db, contexts, index_table, sizes
    finally:
        with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def explain(db, ctx, query, seqscan):
    """The JSON plan of the query as a tenant (the company's admin), as the benchmark runs it."""
    params = query_params(query, ctx)[0]
    with db.connect() as conn:
        conn.prepare_threshold = None
        conn.execute(tenant_begin(ctx["me"], "" if seqscan else "SET LOCAL enable_seqscan = off; "))
        try:
            return conn.execute("EXPLAIN (FORMAT JSON) " + query.tenant, params).fetchone()[0][0]["Plan"]
        finally:
            conn.execute("ROLLBACK")


def scans(plan, index_table):
    """(node type, table, index or None, index condition) of every scan in the plan; a Bitmap
    Index Scan is reported against its index's table."""
    found = []

    def walk(node):
        kind = node.get("Node Type", "")
        index = node.get("Index Name")
        table = node.get("Relation Name") or (index_table.get(index) or index_table.get(f"public.{index}"))
        if kind.endswith("Scan") and table:
            found.append((kind, table, index, node.get("Index Cond", "")))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return found


def render(found):
    return "\n".join(f"  {kind} on {table}" + (f" using {index}: {cond}" if index else "")
                     for kind, table, index, cond in found)


def check(plan, key, index_table, tables_to_check):
    found = scans(plan, index_table)
    seq = {table for kind, table, _, _ in found if kind == "Seq Scan"} - SEQ_ALLOWED.get(key, set())
    bad = sorted(seq & tables_to_check)
    assert not bad, f"{key}: Seq Scan on {', '.join(bad)} as a tenant:\n{render(found)}"
    for table, columns in INDEXED[key].items():
        if table not in tables_to_check:
            continue
        conds = [cond for kind, t, index, cond in found if t == table and index and cond]
        assert any(all(re.search(rf"\b{re.escape(col)}\b", cond) for col in columns) for cond in conds), (
            f"{key}: no index condition on {table} uses {', '.join(columns)} as a tenant:\n{render(found)}")


QUERY_KEYS = [q.key for q in QUERIES]


def test_every_benchmark_query_is_covered():
    assert set(INDEXED) == set(QUERY_KEYS)


@pytest.mark.parametrize("company", ["largest", "smallest"])
@pytest.mark.parametrize("key", QUERY_KEYS)
def test_a_usable_index_exists(bench_db, key, company):
    db, contexts, index_table, _ = bench_db
    query = next(q for q in QUERIES if q.key == key)
    plan = explain(db, contexts[company], query, seqscan=False)
    check(plan, key, index_table, set(INDEXED[key]) | {t for t in index_table.values()})


@pytest.mark.parametrize("company", ["largest", "smallest"])
@pytest.mark.parametrize("key", QUERY_KEYS)
def test_the_default_plan_uses_it(bench_db, key, company):
    db, contexts, index_table, sizes = bench_db
    query = next(q for q in QUERIES if q.key == key)
    plan = explain(db, contexts[company], query, seqscan=True)
    large = {t for t, n in sizes.items() if n >= LARGE}
    check(plan, key, index_table, large)


# How many times one run of each query looks the acting user up: once per tenant table it reads
# (content_blocks and content_block_tags; the RAG query's memoires and the chunks' policy, which
# finds its company through memoires). The lookup is most of a short read's added time, so a
# policy that made one more (or one per row) fails here before the benchmark shows it.
LOOKUPS = {"blocks": 2, "block": 1, "projects": 1, "sections": 1, "matches": 1, "audit_page": 1, "audit_all": 1,
           "rag": 2, "profile": 1}


def test_every_benchmark_query_has_a_lookup_count():
    assert set(LOOKUPS) == set(QUERY_KEYS)


@pytest.mark.parametrize("company", ["largest", "smallest"])
@pytest.mark.parametrize("key", QUERY_KEYS)
def test_a_query_looks_the_acting_user_up_once_per_tenant_table(bench_db, key, company):
    db, contexts, _, _ = bench_db
    query = next(q for q in QUERIES if q.key == key)
    with db.connect() as conn:
        conn.prepare_threshold = None
        n = lookups(conn, contexts[company], query.tenant, query_params(query, contexts[company])[0])
    assert n == LOOKUPS[key], f"{key} ({company}): {n} lookups of the acting user, expected {LOOKUPS[key]}"


@pytest.mark.parametrize("named_by", ["app.user_id", "request.jwt.claims"])
def test_row_level_security_leaves_a_tenant_parallel_plans(bench_db, named_by):
    # The policies' helpers are PARALLEL RESTRICTED: the leader runs them once, in an init
    # plan. Were one of them PARALLEL UNSAFE (PostgreSQL's default), no tenant statement
    # could get parallel workers, which the same query without row level security may get on
    # a large company's rows; and were one to enter an exception block (a subtransaction, which
    # a parallel leader may not start), the statement would fail. Both ways of naming the user
    # (a backend's app.user_id, PostgREST's JWT claims) take their own path through the helper.
    # Parallel plans made cheap here so that the planner picks one.
    db, contexts, _, _ = bench_db
    cheap = ("SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0; "
             "SET LOCAL min_parallel_table_scan_size = 0; SET LOCAL max_parallel_workers_per_gather = 2; "
             "SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; ")
    me = contexts["largest"]["me"]
    if named_by == "app.user_id":
        begin = tenant_begin(me, cheap)
    else:
        claims = json.dumps({"sub": str(me), "role": "authenticated"})
        begin = f"BEGIN; {cheap}SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = '{claims}'"
    with db.connect() as conn:
        conn.execute(begin)
        try:
            plan = conn.execute("EXPLAIN (FORMAT JSON) SELECT count(*) FROM public.content_blocks").fetchone()[0][0]
            count = conn.execute("SELECT count(*) FROM public.content_blocks").fetchone()[0]
        finally:
            conn.execute("ROLLBACK")
        owner = conn.execute("SELECT count(*) FROM public.content_blocks WHERE company_id = %s",
                             [contexts["largest"]["company"]]).fetchone()[0]
    nodes = re.findall(r'"Node Type": "([^"]+)"', json.dumps(plan))
    assert "Gather" in nodes or "Gather Merge" in nodes, f"no parallel plan as a tenant: {nodes}"
    assert count == owner          # the workers see the policy's company, not more, not less


def test_retagging_blocks_plans_the_tag_copy_once_per_session(bench_db):
    # Each block whose tags change removes its lost tags from content_block_tags with a
    # delete filtered on the old tags (= ANY of an array). PostgreSQL prices each custom
    # plan of it below the generic one and would plan it again at every row; the trigger
    # function keeps one generic plan, the same scan of the key (its parameters show as $n).
    db, contexts, _, _ = bench_db
    with db.connect() as conn:
        blocks = [r[0] for r in conn.execute(
            "SELECT id FROM public.content_blocks WHERE company_id = %s AND cardinality(tags) > 0 LIMIT 8",
            [contexts["largest"]["company"]])]
        assert len(blocks) == 8
        with auto_explained(conn) as plans, conn.transaction(force_rollback=True):
            for block in blocks:
                conn.execute("UPDATE public.content_blocks SET tags = tags[2:] || 'BIM'::text WHERE id = %s",
                             [block])
    deletes = [p for p in plans if "DELETE FROM public.content_block_tags" in p and "Index Cond" in p]
    assert len(deletes) == len(blocks), plans
    for plan in deletes:
        cond = re.search(r"Index Cond: (.*)", plan).group(1)
        assert "content_block_tags_pkey" in plan and re.search(r"tag = ANY \(\$\d+\)", cond), plan


def test_a_sections_sources_are_checked_with_one_plan_per_session(bench_db):
    # memtech.check_same_company() makes sure the blocks a section cites (and a match's
    # blocks) are its company's. Planned at every row, that lookup cost several times its
    # run; the function keeps one generic plan, which looks each id up by its key.
    db, contexts, _, _ = bench_db
    company = contexts["largest"]["company"]
    with db.connect() as conn:
        sections = [r[0] for r in conn.execute(
            "SELECT id FROM public.sections WHERE company_id = %s LIMIT 8", [company])]
        blocks = [r[0] for r in conn.execute(
            "SELECT id FROM public.content_blocks WHERE company_id = %s LIMIT 16", [company])]
        assert len(sections) == 8 and len(blocks) == 16
        with auto_explained(conn) as plans, conn.transaction(force_rollback=True):
            for i, section in enumerate(sections):
                conn.execute("UPDATE public.sections SET source_blocks = %s WHERE id = %s",
                             [blocks[i:i + 1 + i % 3], section])
    lookups = [p for p in plans if "count(*)" in p and "public.content_blocks" in p]
    assert len(lookups) == len(sections), plans
    for plan in lookups:
        assert re.search(r"Index (Only )?Scan using \S+ on content_blocks", plan), plan
        cond = re.search(r"Index Cond: (.*)", plan).group(1)
        assert re.search(r"company_id = \$\d+", cond) and "ANY" not in cond, plan
