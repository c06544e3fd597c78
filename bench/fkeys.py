"""Part 5: for each foreign key the advisor flags as unindexed, the lookup its referential action
makes, with the existing indexes and with the index the advisor asks for."""
import dataclasses
import pathlib
import sys

import psycopg
import psycopg.sql

from bench.harness import Side, explain, log, measure, plan_text, scans, table_rows_read

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tools"))
import advisor  # noqa: E402
def _quoted(name):
    return '"' + name.replace('"', '""') + '"'


def referencing_rows_sql(fk, placeholder):
    """What PostgreSQL's referential integrity trigger runs on the referencing table when a
    referenced row is deleted or its key updated, to find that row's referencing rows: the
    statement of NO ACTION and RESTRICT (which stop at the first row), and the scan of the
    DELETE (CASCADE) or UPDATE (SET NULL, SET DEFAULT) the other actions run. placeholder(i)
    writes the i-th parameter."""
    where = " AND ".join(f"{placeholder(i)} OPERATOR(pg_catalog.=) {_quoted(c)}" for i, c in enumerate(fk.columns))
    return f"SELECT 1 FROM ONLY {fk.table} x WHERE {where} FOR KEY SHARE OF x"


def generic_plan(conn, begin, fk, values):
    """The plan the trigger keeps once it settles on a generic one (EXPLAIN of a prepared
    statement with plan_cache_mode = force_generic_plan), in a rolled-back transaction."""
    types = [conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass "
                          "AND attname = %s", [fk.table, c]).fetchone()[0] for c in fk.columns]
    conn.execute(begin)
    try:
        conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        conn.execute(f"PREPARE bench_fk_lookup ({', '.join(types)}) AS "
                     + referencing_rows_sql(fk, lambda i: f"${i + 1}"))
        try:
            args = psycopg.sql.SQL(", ").join(psycopg.sql.Literal(v) for v in values)
            return conn.execute(psycopg.sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE bench_fk_lookup ({})").format(args)
                                ).fetchone()[0][0]["Plan"]
        finally:
            conn.execute("DEALLOCATE bench_fk_lookup")
    finally:
        conn.execute("ROLLBACK")


def key_kind(conn, fk):
    """Why an index led by one of the key's columns finds exactly the key's rows, from the
    catalog: "company" (the key is company_id alone, and the index is led by it), "single"
    (the key is one column, and the index is led by it), "tenant" (company_id and one column
    that is a unique key of the referenced table by itself: the rows holding one value of it
    all hold the same company_id, which narrows nothing), or "other"."""
    if fk.columns == ("company_id",):
        return "company"
    if len(fk.columns) == 1:
        return "single"
    rest = [r for c, r in zip(fk.columns, fk.referenced_columns) if c != "company_id"]
    if len(rest) != 1 or len(fk.columns) != 2:
        return "other"
    unique = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = %s::regclass AND x.indisunique "
        "AND x.indpred IS NULL AND x.indnkeyatts = 1 AND x.indkey[0] = "
        "(SELECT attnum FROM pg_attribute WHERE attrelid = x.indrelid AND attname = %s))",
        [fk.referenced_table, rest[0]]).fetchone()[0]
    return "tenant" if unique else "other"


def fk_lookups(conn, min_runs, budget):
    """For each foreign key the advisor's unindexed_foreign_keys lint flags: the referencing
    rows lookup of real referenced rows (a sample of the keys the referencing table holds),
    with the existing indexes (side A) and with the index the advisor asks for added (side B).
    Both indexes exist for the whole measurement; each side's transaction drops, and rolls
    back, one index of the table: side A the advisor's, side B a dummy index (WHERE false),
    so that both pay the same catalog invalidation before the statement."""
    out = []
    for n, fk in enumerate(advisor.unindexed_foreign_keys(conn)):
        r = {"fk": dataclasses.asdict(fk), "object": fk.object, "kind": key_kind(conn, fk), "empty": False}
        out.append(r)
        schema = conn.execute("SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = %s::regclass",
                              [fk.table]).fetchone()[0]
        exact, dummy = f"bench_fk_exact_{n}", f"bench_fk_dummy_{n}"
        cols = ", ".join(_quoted(c) for c in fk.columns)
        keys = [list(k) for k in conn.execute(
            f"SELECT {cols} FROM (SELECT DISTINCT {cols} FROM ONLY {fk.table} WHERE ({cols}) IS NOT NULL) k "
            f"ORDER BY md5(k::text) LIMIT 100")]
        if not keys:
            log(f"  {fk.object}: {fk.table} holds no row here, not measured")
            r["empty"] = True
            continue
        params = [{f"k{i}": v for i, v in enumerate(k)} for k in keys]
        sql = referencing_rows_sql(fk, lambda i: f"%(k{i})s")
        conn.execute(fk.exact_index_sql(exact))
        size = conn.execute("SELECT pg_relation_size(%s::regclass)", [f"{schema}.{exact}"]).fetchone()[0]
        conn.execute(f"CREATE INDEX {dummy} ON {fk.table} ({_quoted(fk.columns[-1])}) WHERE false")
        try:
            existing = (f"BEGIN; DROP INDEX {schema}.{exact}", sql, "ROLLBACK")
            advised = (f"BEGIN; DROP INDEX {schema}.{dummy}", sql, "ROLLBACK")
            pair = measure(conn, [Side(*advised), Side(*existing)], params, min_runs, 400, budget).compare(1, 0)
            a, b = ({"custom": explain(conn, side[0], sql, params[0]), "generic": generic_plan(conn, side[0], fk, keys[0])}
                    for side in (existing, advised))
        finally:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")  # a measurement failed half way
            conn.execute(f"DROP INDEX {schema}.{exact}, {schema}.{dummy}")
        r.update({"exact_index": fk.exact_index_sql(exact), "exact_bytes": size, "keys": len(keys), "pair": pair,
                  "plan_a": plan_text(a["custom"]), "plan_b": plan_text(b["custom"]),
                  "generic_a": plan_text(a["generic"]), "generic_b": plan_text(b["generic"]),
                  "read_a": table_rows_read(a["custom"]), "read_b": table_rows_read(b["custom"]),
                  "seq_a": any(s["node"] == "Seq Scan" for s in scans(a["custom"]) + scans(a["generic"]))})
        log(f"  {fk.object}: existing {pair.a_ms:8.3f} ms, advised {pair.b_ms:8.3f} ms, ratio {pair.ratio:5.2f} "
            f"({pair.runs} runs, {pair.rows_a} rows); {r['plan_a']} / {r['plan_b']}")
    return out
