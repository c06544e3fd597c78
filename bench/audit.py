"""Part 2: writes to content_blocks with the package's audit trail, without it, and with the peer
design instead (one generic row trigger writing both versions of the row whole as jsonb)."""
import re

import psycopg

from bench.harness import Side, log, measure
from bench.isolation import tenant_begin

GOAL = {"insert_one": 1.3, "update_one": 1.4, "insert_bulk": 1.3, "update_bulk": 1.3}
AUDIT_TRIGGERS = ("content_blocks_audit_insert", "content_blocks_audit_update", "content_blocks_audit_delete")
PEER_TRIGGER = "peer_audit_row"

# Written from the published descriptions of supa_audit and the classic audit trigger.
PEER_SETUP = [
    "DROP SCHEMA IF EXISTS peer_audit CASCADE",
    "CREATE SCHEMA peer_audit",
    """CREATE TABLE peer_audit.record_version (
  id bigserial PRIMARY KEY, op text NOT NULL, ts timestamptz NOT NULL DEFAULT now(),
  table_oid oid NOT NULL, table_schema name NOT NULL, table_name name NOT NULL,
  record jsonb, old_record jsonb)""",
    "CREATE INDEX record_version_ts ON peer_audit.record_version USING brin (ts)",
    "CREATE INDEX record_version_table_oid ON peer_audit.record_version (table_oid)",
    """CREATE FUNCTION peer_audit.log_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
  INSERT INTO peer_audit.record_version (op, table_oid, table_schema, table_name, record, old_record)
  VALUES (TG_OP, TG_RELID, TG_TABLE_SCHEMA, TG_TABLE_NAME,
          CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END,
          CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END);
  RETURN NULL;
END
$$""",
    # Fires in every session (ALWAYS) but acts only where bench.peer_audit is on: every side
    # evaluates the same WHEN per row.
    f"""CREATE TRIGGER {PEER_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON public.content_blocks
FOR EACH ROW WHEN (pg_catalog.current_setting('bench.peer_audit', true) = 'on')
EXECUTE FUNCTION peer_audit.log_row()""",
    f"ALTER TABLE public.content_blocks ENABLE ALWAYS TRIGGER {PEER_TRIGGER}",
]
PEER_TEARDOWN = [f"DROP TRIGGER {PEER_TRIGGER} ON public.content_blocks", "DROP SCHEMA peer_audit CASCADE"]

# The package's trail without what the peer does not record: the installed function with its
# entries naming no actor (so no lookup of the user, no foreign key check) and no origin (no
# parse of the request's headers). Statement triggers like the installed ones, acting only
# where bench.bare_audit is on, in a session where the installed ones do not fire.
BARE_TRIGGERS = {"bench_bare_audit_insert": ("INSERT", "NEW TABLE AS new_rows"),
                 "bench_bare_audit_update": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows")}
CTX = re.compile(r"WITH ctx AS MATERIALIZED \(SELECT \(SELECT u\.id FROM public\.users u WHERE "
                 r"u\.id = memtech\.current_user_id\(\)\) AS actor, o\.client_ip, o\.user_agent "
                 r"FROM memtech\.request_origin\(\) o\)")
BARE_CTX = "WITH ctx AS MATERIALIZED (SELECT NULL::uuid AS actor, NULL::inet AS client_ip, NULL::text AS user_agent)"


def _bare_setup(conn):
    definition = conn.execute(
        "SELECT pg_get_functiondef('memtech.audit_content_blocks()'::regprocedure)").fetchone()[0]
    bare, n = CTX.subn(BARE_CTX, definition)
    assert n >= 2, "memtech.audit_content_blocks() no longer reads its context as bench/audit.py expects"
    conn.execute("DROP SCHEMA IF EXISTS bench_bare CASCADE")
    conn.execute("CREATE SCHEMA bench_bare")
    conn.execute(bare.replace("memtech.audit_content_blocks()", "bench_bare.audit_content_blocks()", 1))
    for name, (event, tables) in BARE_TRIGGERS.items():
        conn.execute(f"CREATE TRIGGER {name} AFTER {event} ON public.content_blocks REFERENCING {tables} "
                     "FOR EACH STATEMENT WHEN (pg_catalog.current_setting('bench.bare_audit', true) = 'on') "
                     "EXECUTE FUNCTION bench_bare.audit_content_blocks()")
        conn.execute(f"ALTER TABLE public.content_blocks ENABLE ALWAYS TRIGGER {name}")


def _bare_teardown(conn):
    for name in BARE_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name} ON public.content_blocks")
    conn.execute("DROP SCHEMA IF EXISTS bench_bare CASCADE")


INSERT_ONE = ("INSERT INTO public.content_blocks (type, title, content, tags, metadata) VALUES "
              "('procedure', 'Mode opératoire – coffrage', 'Phasage et contrôles du coffrage.', "
              "ARRAY['coffrage', 'sécurité'], '{\"source\": \"bench\"}') RETURNING id")
UPDATE_ONE = ("UPDATE public.content_blocks SET content = content || ' (révisé)', tags = tags || 'BIM'::text "
              "WHERE id = %(block)s")
# An import names no author (created_by NULL); AUTHORED below names them.
INSERT_BULK = ("INSERT INTO public.content_blocks (company_id, type, title, content, metadata, tags, is_active) "
               "SELECT c.company_id, c.type, c.title || ' (copie)', c.content, c.metadata, c.tags, "
               "c.is_active FROM public.content_blocks c JOIN public.bench_bulk USING (id)")
UPDATE_BULK = ("UPDATE public.content_blocks c SET title = c.title || ' (révisé)' FROM public.bench_bulk b "
               "WHERE c.id = b.id")
AUTHORED = ("INSERT INTO public.content_blocks (company_id, type, title, content, metadata, tags, is_active, "
            "created_by) SELECT c.company_id, c.type, c.title || ' (copie)', c.content, c.metadata, c.tags, "
            "c.is_active, c.created_by FROM public.content_blocks c JOIN (SELECT id FROM public.bench_bulk "
            "LIMIT {n}) b USING (id)")

# Where a single row's cost goes: the log's row alone, written directly (no trigger, as the
# owner), the package's with the acting user (its foreign key to users checked) and without,
# beside the peer's.
ROW_ALONE = {
    "peer": ("INSERT INTO peer_audit.record_version (op, table_oid, table_schema, table_name, record) "
             "VALUES ('INSERT', 'public.content_blocks'::regclass, 'public', 'content_blocks', %(details)s::jsonb)"),
    "package": ("INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, details) "
                "VALUES (%(company)s, 'insert', %(user)s, 'content_blocks', gen_random_uuid(), %(details)s::jsonb)"),
    "package_no_user": ("INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, "
                        "details) VALUES (%(company)s, 'insert', NULL, 'content_blocks', gen_random_uuid(), "
                        "%(details)s::jsonb)"),
}

# The same for a bulk insert's entries (an import names no user), from the rows part 2's bulk
# insert copies.
ROW_ALONE_BULK = {
    "peer": ("INSERT INTO peer_audit.record_version (op, table_oid, table_schema, table_name, record) "
             "SELECT 'INSERT', 'public.content_blocks'::regclass, 'public', 'content_blocks', to_jsonb(c) "
             "FROM public.content_blocks c JOIN public.bench_bulk USING (id)"),
    "package_no_user": ("INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, "
                        "details) SELECT c.company_id, 'insert', NULL, 'content_blocks', gen_random_uuid(), "
                        "to_jsonb(c) FROM public.content_blocks c JOIN public.bench_bulk USING (id)"),
}


def _switchable(conn, on):
    """With on=True every trigger of content_blocks but the audit ones (foreign key checks
    included) fires ALWAYS, so that a session with session_replication_role = replica runs
    everything but the audit trail; on=False puts them back as the install made them."""
    others = list(AUDIT_TRIGGERS) + [PEER_TRIGGER] + list(BARE_TRIGGERS)
    for (name,) in conn.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.content_blocks'::regclass "
                                "AND tgname <> ALL (%s)", [others]).fetchall():
        conn.execute(f'ALTER TABLE public.content_blocks {"ENABLE ALWAYS" if on else "ENABLE"} TRIGGER "{name}"')


def _session(conn, *settings):
    other = psycopg.connect(conn.info.dsn, autocommit=True)
    other.prepare_threshold = None
    for s in settings:
        other.execute(s)
    return other


def audit_cost(conn, ctx, bulk_rows, min_runs, budget, bulk_min, bulk_max):
    """Three sessions of one database: audit on (conn), off, and the peer's trigger instead. The
    last two keep session_replication_role = replica for their whole life, so that the package's
    audit triggers do not fire there; no session switches it, because every switch empties the
    session's plan cache. Every write is rolled back. Returns {key: {"package", "peer"}}."""
    for sql in PEER_SETUP:
        conn.execute(sql)
    _switchable(conn, True)
    _bare_setup(conn)
    off = _session(conn, "SET session_replication_role = replica")
    peer = _session(conn, "SET session_replication_role = replica", "SET bench.peer_audit = on")
    bare = _session(conn, "SET session_replication_role = replica", "SET bench.bare_audit = on")
    try:
        return _measure(conn, off, peer, bare, ctx, bulk_rows, min_runs, budget, bulk_min, bulk_max)
    finally:
        for session in (off, peer, bare):
            session.close()
        _bare_teardown(conn)
        _switchable(conn, False)
        for sql in PEER_TEARDOWN:
            conn.execute(sql)


def _sides(begin, sql, off, peer):
    return [Side(begin, sql, "ROLLBACK", off), Side(begin, sql, "ROLLBACK"), Side(begin, sql, "ROLLBACK", peer)]


def _result(m):
    out = {"package": m.compare(1, 0), "peer": m.compare(2, 0)}
    if len(m.times) > 3:
        out["bare"] = m.compare(3, 0)
    return out


def _measure(conn, off, peer, bare, ctx, bulk_rows, min_runs, budget, bulk_min, bulk_max):
    out = {}
    begin = tenant_begin(ctx["writer"])
    for key, sql, params in (("insert_one", INSERT_ONE, [{}]),
                             ("update_one", UPDATE_ONE, [{"block": b} for b in ctx["blocks"]])):
        sides = _sides(begin, sql, off, peer) + [Side(begin, sql, "ROLLBACK", bare)]
        m = measure(conn, sides, params, min_runs, 2000, budget * 3)
        out[key] = _result(m)
        log(f"  {key:11s}: off {out[key]['package'].b_ms:.3f} ms, ratio {out[key]['package'].ratio:.2f}, "
            f"without actor and origin {out[key]['bare'].ratio:.2f}, peer {out[key]['peer'].ratio:.2f} "
            f"({m.runs} runs)")
    details = conn.execute("SELECT to_jsonb(b)::text FROM public.content_blocks b WHERE company_id = %s LIMIT 1",
                           [ctx["company"]]).fetchone()[0]
    m = measure(conn, [Side("BEGIN", sql, "ROLLBACK") for sql in ROW_ALONE.values()],
                [{"company": ctx["company"], "user": ctx["writer"], "details": details}], min_runs, 2000, budget * 3)
    out["row_alone"] = {key: m.compare(i, 0) for i, key in enumerate(ROW_ALONE)}
    log(f"  row alone: peer {m.compare(0, 0).a_ms:.3f} ms, package {m.compare(1, 0).a_ms:.3f} ms, "
        f"without a user {m.compare(2, 0).a_ms:.3f} ms ({m.runs} runs)")
    # Bulk statements of a job with BYPASSRLS (the superuser here) on the company's rows.
    conn.execute("DROP TABLE IF EXISTS public.bench_bulk")
    conn.execute("CREATE UNLOGGED TABLE public.bench_bulk AS SELECT id FROM public.content_blocks "
                 "WHERE company_id = %s ORDER BY md5(id::text) LIMIT %s", [ctx["company"], bulk_rows])
    conn.execute("ALTER TABLE public.bench_bulk ADD PRIMARY KEY (id)")
    conn.execute("ANALYZE public.bench_bulk")
    n = conn.execute("SELECT count(*) FROM public.bench_bulk").fetchone()[0]

    # Before each run: the dead rows of the rolled-back runs vacuumed, their writes checkpointed,
    # so that no run pays for another's.
    def settle():
        conn.execute("VACUUM public.content_blocks, public.content_block_tags, public.audit_log, "
                     "peer_audit.record_version")
        conn.execute("CHECKPOINT")

    for key, sql in (("insert_bulk", INSERT_BULK), ("update_bulk", UPDATE_BULK)):
        m = measure(conn, _sides("BEGIN", sql, off, peer), [{}], bulk_min, bulk_max, float("inf"), warmup=0,
                    settle=settle)
        out[key] = _result(m)
        log(f"  {key:11s}: off {out[key]['package'].b_ms:.1f} ms, ratio {out[key]['package'].ratio:.2f}, "
            f"peer {out[key]['peer'].ratio:.2f} ({m.runs} runs of {n} rows)")
    out["bulk_rows"] = n
    m = measure(conn, [Side("BEGIN", sql, "ROLLBACK") for sql in ROW_ALONE_BULK.values()], [{}], bulk_min, bulk_max,
                float("inf"), warmup=0, settle=settle)
    out["row_alone_bulk"] = {key: m.compare(i, 0) for i, key in enumerate(ROW_ALONE_BULK)}
    log(f"  {n} rows alone: peer {m.compare(0, 0).a_ms:.1f} ms, package without a user "
        f"{m.compare(1, 0).a_ms:.1f} ms ({m.runs} runs)")
    authored = max(10, n // 10)
    m = measure(conn, _sides("BEGIN", AUTHORED.format(n=authored), off, peer)[:2], [{}], 3, 3, float("inf"),
                warmup=0, settle=settle)
    out["insert_bulk_authored"] = {"package": m.compare(1, 0)}
    out["authored_rows"] = authored
    settle()
    conn.execute("DROP TABLE public.bench_bulk")
    return out
