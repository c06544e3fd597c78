"""Parts 1 and 4: the application's queries as a tenant through the package's row level security,
as the owner naming the company, and as a tenant under the designs people commonly pick instead
(the peers, on a copy of the same tables in schema `peer`); and their plans."""
import dataclasses
import json
import re
import time

from bench import generate
from bench.harness import timed, Side, explain, log, measure, scans

# The package's goals (issue 22): added time for short reads, ratio for the rest.
GOAL_ADDED_MS = 0.06
GOAL_LIST_RATIO = 1.05
GOAL_FLOOR_MS = 0.02     # at most this much above the JWT floor


@dataclasses.dataclass
class Query:
    key: str
    label: str
    tenant: str        # as a tenant: row level security adds the company
    owner: str         # as the owner: the same with an explicit company_id filter
    vary: str = ""     # the parameter that changes from run to run (same sequence on every side)


QUERIES = [
    Query("blocks", "active blocks of a type with tags",
          "SELECT id, title, tags, updated_at FROM public.content_blocks "
          "WHERE is_active AND type = %(type)s AND id IN (SELECT block_id FROM public.content_block_tags "
          "WHERE tag = ANY (%(tags)s::text[]) GROUP BY block_id HAVING count(*) = cardinality(%(tags)s::text[])) "
          "ORDER BY updated_at DESC",
          "SELECT id, title, tags, updated_at FROM public.content_blocks "
          "WHERE is_active AND type = %(type)s AND id IN (SELECT block_id FROM public.content_block_tags "
          "WHERE tag = ANY (%(tags)s::text[]) AND company_id = %(company)s "
          "GROUP BY block_id HAVING count(*) = cardinality(%(tags)s::text[])) "
          "AND company_id = %(company)s ORDER BY updated_at DESC"),
    Query("block", "one block by id",
          "SELECT id, type, title, content, metadata, tags, version, is_active, updated_at "
          "FROM public.content_blocks WHERE id = %(block)s",
          "SELECT id, type, title, content, metadata, tags, version, is_active, updated_at "
          "FROM public.content_blocks WHERE id = %(block)s AND company_id = %(company)s", vary="block"),
    Query("projects", "projects by status",
          "SELECT id, name, client, deadline, updated_at FROM public.projects "
          "WHERE status = %(status)s ORDER BY deadline",
          "SELECT id, name, client, deadline, updated_at FROM public.projects "
          "WHERE status = %(status)s AND company_id = %(company)s ORDER BY deadline"),
    Query("sections", "a project's sections",
          "SELECT id, position, section_type, title, content, reviewed FROM public.sections "
          "WHERE project_id = %(project)s ORDER BY position",
          "SELECT id, position, section_type, title, content, reviewed FROM public.sections "
          "WHERE project_id = %(project)s AND company_id = %(company)s ORDER BY position", vary="project"),
    Query("matches", "a project's matches",
          "SELECT id, requirement_id, matched_blocks, confidence, needs_generation, approved "
          "FROM public.content_matches WHERE project_id = %(project)s ORDER BY requirement_id",
          "SELECT id, requirement_id, matched_blocks, confidence, needs_generation, approved "
          "FROM public.content_matches WHERE project_id = %(project)s AND company_id = %(company)s "
          "ORDER BY requirement_id", vary="project"),
    Query("audit_page", "audit log, last 30 days: newest 100",
          "SELECT id, \"timestamp\", action, user_id, resource_type, resource_id FROM public.audit_log "
          "WHERE \"timestamp\" >= %(since)s ORDER BY \"timestamp\" DESC LIMIT 100",
          "SELECT id, \"timestamp\", action, user_id, resource_type, resource_id FROM public.audit_log "
          "WHERE \"timestamp\" >= %(since)s AND company_id = %(company)s "
          "ORDER BY \"timestamp\" DESC LIMIT 100"),
    Query("audit_all", "audit log, last 30 days: all",
          "SELECT id, \"timestamp\", action, user_id, resource_type, resource_id FROM public.audit_log "
          "WHERE \"timestamp\" >= %(since)s ORDER BY \"timestamp\" DESC",
          "SELECT id, \"timestamp\", action, user_id, resource_type, resource_id FROM public.audit_log "
          "WHERE \"timestamp\" >= %(since)s AND company_id = %(company)s "
          "ORDER BY \"timestamp\" DESC"),
    Query("rag", "RAG chunks of the company's memoires of a kind",
          "SELECT c.id, c.memoire_id, c.chunk_index, c.content FROM public.document_chunks c "
          "WHERE c.memoire_id IN (SELECT m.id FROM public.memoires m WHERE m.project_type = %(ptype)s)",
          "SELECT c.id, c.memoire_id, c.chunk_index, c.content FROM public.document_chunks c "
          "WHERE c.memoire_id IN (SELECT m.id FROM public.memoires m "
          "WHERE m.project_type = %(ptype)s AND m.company_id = %(company)s)"),
    Query("profile", "a user's own profile",
          "SELECT id, email, full_name, role, last_login FROM public.users WHERE id = %(me)s",
          "SELECT id, email, full_name, role, last_login FROM public.users "
          "WHERE id = %(me)s AND company_id = %(company)s"),
]
QUERY = {q.key: q for q in QUERIES}

# Not a query of the application: what the policies' helper costs on its own, per statement.
BASELINE = Query("helper", "the policy's helper alone",
                 "SELECT (SELECT memtech.current_company_id())", "SELECT %(company)s::uuid")
# The same for the audit log's policy, which also checks the admin role in its lookup.
BASELINE_ADMIN = Query("helper_admin", "the audit log's helper alone",
                       "SELECT (SELECT memtech.current_company_id('admin'))", "SELECT %(company)s::uuid")


def tenant_begin(user_id, extra=""):
    """A tenant's transaction as a backend opens it (app.user_id names the user)."""
    return f"BEGIN; {extra}SET LOCAL ROLE authenticated; SET LOCAL app.user_id = '{user_id}'"


def tenant_begin_claims(user_id):
    """The same as PostgREST opens it: the user named by request.jwt.claims."""
    claims = json.dumps({"sub": str(user_id), "role": "authenticated"})
    return f"BEGIN; SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = '{claims}'"


def peer_begin(name, ctx):
    """The same for a peer's role; the JWT floor reads the company from request.jwt.claims."""
    claims = json.dumps({"sub": str(ctx["me"]), "company_id": str(ctx["company"])})
    return (f"BEGIN; SET LOCAL ROLE peer_{name}; SET LOCAL app.user_id = '{ctx['me']}'; "
            f"SET LOCAL request.jwt.claims = '{claims}'")


def company_context(conn, layout, rank):
    """Parameters of the isolation queries for the company of this rank."""
    cid = layout.company_id(rank)
    ctx = {"rank": rank, "company": cid, "me": layout.user_id(rank, 0), "writer": layout.user_id(rank, 1)}
    ctx["sizes"] = {t: conn.execute(f"SELECT count(*) FROM public.{t} WHERE company_id = %s", [cid]).fetchone()[0]
                    for t in ("users", "content_blocks", "projects", "sections", "memoires", "content_matches",
                              "audit_log")}
    ctx["sizes"]["document_chunks"] = conn.execute(
        "SELECT count(*) FROM public.document_chunks WHERE memoire_id IN "
        "(SELECT id FROM public.memoires WHERE company_id = %s)", [cid]).fetchone()[0]
    ctx["blocks"] = [r[0] for r in conn.execute(
        "SELECT id FROM public.content_blocks WHERE company_id = %s ORDER BY md5(id::text) LIMIT 200", [cid])]
    ctx["projects"] = [r[0] for r in conn.execute(
        "SELECT id FROM public.projects WHERE company_id = %s ORDER BY md5(id::text) LIMIT 200", [cid])]
    ptype = conn.execute(
        "SELECT project_type FROM public.memoires WHERE company_id = %s GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
        [cid]).fetchone()
    ctx["ptype"] = ptype[0] if ptype else generate.PROJECT_TYPES[0]
    ctx["type"] = "person-cv"
    ctx["tags"] = [generate.TAG_VOCABULARY[0], generate.TAG_VOCABULARY[2]]
    ctx["status"] = "completed"
    # A fixed instant: with now() in the query, a row could leave the window between two sides.
    ctx["since"] = conn.execute("SELECT now() - interval '30 days'").fetchone()[0]
    return ctx


def query_params(q, ctx):
    base = {k: ctx[k] for k in ("company", "me", "type", "tags", "status", "ptype", "since")}
    if q.vary == "block":
        return [dict(base, block=b) for b in ctx["blocks"]]
    if q.vary == "project":
        return [dict(base, project=p) for p in ctx["projects"]]
    return [dict(base, block=ctx["blocks"][0], project=ctx["projects"][0])]


# ------------------------------------------------------------------------------ peers

PEER_TABLES = ["users", "content_blocks", "content_block_tags", "projects", "sections", "content_matches",
               "audit_log", "memoires", "document_chunks"]
UID = "nullif(current_setting('app.user_id', true), '')::uuid"
JWT_COMPANY = "(SELECT (current_setting('request.jwt.claims', true)::jsonb ->> 'company_id')::uuid)"
# name: (the policy's condition on a row's company_id, with {c} for the column)
PEERS = {
    "definer": "peer.has_role_on({c})",
    "subselect": "{c} IN (SELECT peer.my_company_ids())",
    "jwt": "{c} = " + JWT_COMPANY,
}
PEER_FUNCTIONS = [
    f"""CREATE FUNCTION peer.has_role_on(company uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$ SELECT EXISTS (SELECT 1 FROM public.users u WHERE u.id = {UID} AND u.company_id = company AND u.is_active) $$""",
    f"""CREATE FUNCTION peer.my_company_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$ SELECT u.company_id FROM public.users u WHERE u.id = {UID} AND u.is_active $$""",
]


def peer_sql(sql):
    return sql.replace("public.", "peer.")


def create_peers(conn):
    """Schema peer: a copy of every table part 1 reads (rows, indexes, statistics), with row level
    security and one policy per peer design, each for a role of its own. Returns seconds spent."""
    t = time.perf_counter()
    conn.execute("DROP SCHEMA IF EXISTS peer CASCADE")
    conn.execute("CREATE SCHEMA peer")
    for sql in PEER_FUNCTIONS:
        conn.execute(sql)
    for name in PEERS:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [f"peer_{name}"]).fetchone():
            conn.execute(f"CREATE ROLE peer_{name} NOLOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA peer TO peer_{name}")
    for table in PEER_TABLES:
        conn.execute(f"CREATE TABLE peer.{table} AS SELECT * FROM public.{table}")
        for (indexdef,) in conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s",
                                        [table]).fetchall():
            conn.execute(indexdef.replace(f" ON public.{table} ", f" ON peer.{table} "))
        conn.execute(f"ALTER TABLE peer.{table} ENABLE ROW LEVEL SECURITY")
        for name, cond in PEERS.items():
            if table == "document_chunks":
                using = ("memoire_id IN (SELECT m.id FROM peer.memoires m WHERE "
                         + cond.format(c="m.company_id") + ")")
            else:
                using = cond.format(c="company_id")
            conn.execute(f"CREATE POLICY peer_{name} ON peer.{table} FOR SELECT TO peer_{name} USING ({using})")
            conn.execute(f"GRANT SELECT ON peer.{table} TO peer_{name}")
        conn.execute(f"VACUUM (ANALYZE) peer.{table}")
    return time.perf_counter() - t


def peer_policies():
    """The peers' policies as written, for the report."""
    return {name: cond.format(c="company_id") for name, cond in PEERS.items()}


# ------------------------------------------------------------------------------ part 1

def isolation(conn, ctx, queries, min_runs, budget, cap, peers=True, begin=tenant_begin):
    """For each query: the package's tenant against the owner, and each peer's tenant against the
    owner on the copy. Returns {query key: {"package": Comparison, peer name: Comparison}}."""
    out = {}
    owner_begin = "BEGIN"
    for q in queries:
        params = query_params(q, ctx)
        row = {}
        sides = {"package": (Side(owner_begin, q.owner), Side(begin(ctx["me"]), q.tenant))}
        if peers:
            for name in PEERS:
                sides[name] = (Side(owner_begin, peer_sql(q.owner)),
                               Side(peer_begin(name, ctx), peer_sql(q.tenant)))
        for name, pair in sides.items():
            # Each round reads another block or project: one pass over them first (the owner's
            # side, which reads the same rows), so that no side of a round pays alone for
            # reading its rows into the cache.
            if len(params) > 1:
                for p in params:
                    timed(conn, pair[0], p)
            # A peer's runs may take seconds on a large company: three rounds tell it apart.
            m = measure(conn, list(pair), params, min_runs, 400, cap if name == "package" else budget)
            row[name] = m.compare(1, 0)
        out[q.key] = row
        p = row["package"]
        log(f"  {q.key:11s} rank {ctx['rank']:4d}: owner {p.b_ms:8.3f} ms, added "
            + ", ".join(f"{n} {c.added_ms:+.3f} ms ({c.ratio:.2f}, {c.runs})" for n, c in row.items()))
    return out


def search_path_cost(conn, ctx, min_runs, cap):
    """What the helper's pinned search_path costs a statement (issue 18 pinned it to close a
    hole): the helper against a copy of it without its SET clause, both called by the tenant,
    side by side. The copy lives in a schema of the benchmark's and is dropped after."""
    definition = conn.execute("SELECT pg_get_functiondef('memtech.current_company_id()'::regprocedure)").fetchone()[0]
    copy, n = re.subn(r"^ SET search_path TO [^\n]*\n", "", definition, flags=re.M)
    assert n == 1, "memtech.current_company_id() pins no search_path"
    copy = copy.replace("memtech.current_company_id()", "bench_unpinned.current_company_id()", 1)
    conn.execute("CREATE SCHEMA bench_unpinned")
    try:
        conn.execute(copy)
        conn.execute("GRANT USAGE ON SCHEMA bench_unpinned TO authenticated")
        params = query_params(BASELINE, ctx)
        begin = tenant_begin(ctx["me"])
        m = measure(conn, [Side(begin, "SELECT (SELECT bench_unpinned.current_company_id())"),
                           Side(begin, BASELINE.tenant)], params, min_runs, 400, cap)
        return m.compare(1, 0)
    finally:
        conn.execute("DROP SCHEMA bench_unpinned CASCADE")


# ------------------------------------------------------------------------------ part 4

def plans(conn, contexts, large_tables):
    out = {}
    for q in QUERIES:
        for ctx in contexts:
            p = query_params(q, ctx)[0]
            tenant = explain(conn, tenant_begin(ctx["me"]), q.tenant, p)
            owner = explain(conn, "BEGIN", q.owner, p)
            seq_large = sorted({s["relation"] for s in scans(tenant)
                                if s["node"] == "Seq Scan" and s["relation"] in large_tables})
            out[(q.key, ctx["rank"])] = {"tenant": tenant, "owner": owner, "seq_large": seq_large,
                                         "lookups": lookups(conn, ctx, q.tenant, p)}
    return out


# The helpers that look the acting user up in memtech.active_member.
LOOKUP_HELPERS = ("current_company_id", "current_user_role")


def lookups(conn, ctx, sql, params):
    """How many times one run of the tenant's statement looked the acting user up: the calls of
    the lookup helpers that the server counted (track_functions) during the statement."""
    count = ("SELECT coalesce(sum(calls), 0)::int FROM pg_stat_xact_user_functions "
             "WHERE schemaname = 'memtech' AND funcname = ANY (%s)")
    conn.execute(tenant_begin(ctx["me"], "SET LOCAL track_functions = 'pl'; "))
    try:
        before = conn.execute(count, [list(LOOKUP_HELPERS)]).fetchone()[0]
        with conn.cursor() as cur:
            cur.execute(sql, params)
            cur.fetchall()
        return conn.execute(count, [list(LOOKUP_HELPERS)]).fetchone()[0] - before
    finally:
        conn.execute("ROLLBACK")
