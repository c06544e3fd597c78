"""The tables of docs/benchmarks.md, from what this run measured, and nothing else.

docs/benchmarks.md is written by hand; each table sits between `<!-- generated: NAME -->` and
`<!-- end generated -->`, and fill() replaces only what lies between them."""
import re
import statistics

from bench import audit, isolation, migration, search
from bench.harness import SERVER_SETTINGS, buffers, plan_text, rows_read, scans
from bench.isolation import GOAL_ADDED_MS, GOAL_FLOOR_MS, GOAL_LIST_RATIO, PEERS, QUERIES, QUERY

MARKER = re.compile(r"(<!-- generated: ([\w-]+) -->\n)(.*?)(<!-- end generated -->)", re.S)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TIMES = {1: "once", 2: "twice"}
PEER_LABEL = {"definer": "definer function per row", "subselect": "definer function in a sub-select",
              "jwt": "JWT claim (floor)"}


def fill(template, blocks, keep_others=False):
    """The template with each marked block replaced; a block this run did not produce says so
    (or keeps what it had, with keep_others), and a block without its markers is an error (its
    table would be lost silently)."""
    unplaced = set(blocks) - {m.group(2) for m in MARKER.finditer(template)}
    if unplaced:
        raise RuntimeError(f"docs/benchmarks.md has no markers for: {', '.join(sorted(unplaced))}")

    def sub(m):
        text = blocks.get(m.group(2))
        if text is None and keep_others:
            return m.group(0)
        body = (text.rstrip("\n") + "\n") if text is not None else "*Not measured in this run.*\n"
        return m.group(1) + body + m.group(4)
    return MARKER.sub(sub, template)


def summary(missed):
    """The Summary block: the goals missed, one line each."""
    return ("Every goal is met.\n" if not missed else
            f"{len(missed)} goal(s) missed:\n\n" + "".join(f"- MISSED: {x}\n" for x in missed))


def listed_missed(template):
    """The goals the page's Summary lists as missed (a run of part 6 alone replaces its own)."""
    m = next((m for m in MARKER.finditer(template) if m.group(2) == "summary"), None)
    return [line[len("- MISSED: "):] for line in (m.group(3) if m else "").splitlines() if line.startswith("- MISSED: ")]


def show_sql(sql):
    """psycopg's %(name)s placeholders shown as $name."""
    return PLACEHOLDER.sub(lambda m: "$" + m.group(1), sql)


def ms(x):
    return f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}"


def added(x):
    return f"{x:+.3f}" if abs(x) < 10 else f"{x:+.1f}"


def yes(ok):
    return "yes" if ok else "**no**"


def script_s(step):
    """The install script's own time: without build/prepare.sql and build/finish.sql, whose
    concurrent index builds grow with the tables and block nobody."""
    return step.get("script_s", step["seconds"] - step["prepare_s"] - step["finish_s"])


def table(header, rows, right=()):
    out = ["| " + " | ".join(header) + " |",
           "| " + " | ".join("---:" if i in right else "---" for i in range(len(header))) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def human_bytes(n):
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024:
            return f"{n:.0f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


# ------------------------------------------------------------------------------ verdicts

def judge_isolation(c, peers):
    """(goal text, met, beats the sub-floor peers, within reach of the floor or None) for one row."""
    if c.short:
        goal, met = f"added ≤ {GOAL_ADDED_MS}", c.added_ms <= GOAL_ADDED_MS
        beats = all(c.added_ms < p.added_ms for n, p in peers.items() if n != "jwt")
        floor = c.added_ms - peers["jwt"].added_ms <= GOAL_FLOOR_MS if "jwt" in peers else None
    else:
        goal, met = f"ratio ≤ {GOAL_LIST_RATIO}", c.ratio <= GOAL_LIST_RATIO
        beats = all(c.ratio < p.ratio for n, p in peers.items() if n != "jwt")
        floor = None
    return goal, met, beats, floor


def verdicts(ctx):
    """Every MISSED line of this run's figures."""
    out = []
    for key, rank, label, row in _iso_rows(ctx):
        c = row["package"]
        peers = {n: p for n, p in row.items() if n != "package"}
        goal, met, beats, floor = judge_isolation(c, peers)
        q = QUERY[key].label
        if not met:
            floor_too = "" if "jwt" not in peers else (
                f"; the JWT floor, with no lookup, adds {added(peers['jwt'].added_ms)} ms" if c.short
                else f"; the JWT floor's ratio, with no lookup, is {peers['jwt'].ratio:.2f}")
            out.append(f"isolation: '{q}' for the {label} company: added {added(c.added_ms)} ms, ratio "
                       f"{c.ratio:.2f} (owner {ms(c.b_ms)} ms; goal {goal}){floor_too}")
        if peers and not beats:
            fig = (lambda x: f"{added(x.added_ms)} ms") if c.short else (lambda x: f"ratio {x.ratio:.2f}")
            out.append(f"isolation: '{q}' for the {label} company: the package ({fig(c)}) does not beat "
                       + ", ".join(f"{PEER_LABEL[n]} ({fig(p)})" for n, p in peers.items() if n != "jwt"))
        if floor is False:
            n = _lookups(ctx, key, rank)
            helper = ctx.get("baseline_admin") if key.startswith("audit") else ctx.get("baseline")
            why = (f"; it looks the acting user up {TIMES.get(n, f'{n} times')}, {added(helper.added_ms)} ms "
                   "a lookup alone" if n is not None and helper else "")
            out.append(f"isolation: '{q}' for the {label} company: {added(c.added_ms - peers['jwt'].added_ms)} ms "
                       f"above the JWT floor (goal {GOAL_FLOOR_MS} ms){why}")
        if not c.same_rows or any(not p.same_rows for p in peers.values()):
            out.append(f"isolation: '{q}' for the {label} company: the sides return different rows")
    for key, goal in audit.GOAL.items():
        r = ctx.get("audit", {}).get(key)
        if r:
            if r["package"].ratio > goal:
                out.append(f"audit trail: {key} ratio {r['package'].ratio:.2f} (goal {goal})")
            if r["package"].ratio >= r["peer"].ratio:
                a = ctx["audit"]
                why = []
                if "bare" in r:
                    why.append(f"without the actor and the origin, which the peer does not record, the package's "
                               f"ratio is {r['bare'].ratio:.2f}")
                one = key.endswith("_one")
                alone = a.get("row_alone" if one else "row_alone_bulk", {}).get("package" if one else "package_no_user")
                if alone:
                    what = "its entry" if one else f"its {a['bulk_rows']:,} entries"
                    why.append(f"{what}, written alone, cost {added(alone.added_ms)} ms more than the peer's")
                out.append(f"audit trail: {key}: the peer trigger ({r['peer'].ratio:.2f}) is not slower than the "
                           f"package ({r['package'].ratio:.2f})" + "".join(f"; {w}" for w in why))
    for (key, rank), p in ctx.get("plans", {}).items():
        if p["seq_large"]:
            out.append(f"plan of '{QUERY[key].label}' as a tenant of the company of rank {rank}: Seq Scan on "
                       f"{', '.join(p['seq_large'])}")
    for r in ctx.get("migration", []):
        for step in ("install", "uninstall"):
            late = sorted(t for t, (secs, _) in r[step]["readers"].items() if secs > migration.GOAL_READER_WAIT_S)
            if late:
                out.append(f"migration ({r['label']}): readers of {', '.join(late)} waited more than "
                           f"{migration.GOAL_READER_WAIT_S:g} s during the {step}")
    if ctx.get("migration"):
        _, quarter, full = ctx["migration"]
        growth = script_s(full["install"]) / script_s(quarter["install"])
        if growth > migration.GOAL_INSTALL_GROWTH:
            out.append(f"the install script's time grew {growth:.2f}x for 4x the chunks "
                       f"(goal {migration.GOAL_INSTALL_GROWTH:g}x)")
    for r in ctx.get("fk_lookups", []):
        if not r["empty"] and (r["seq_a"] or r["read_a"] > r["read_b"]):
            out.append(f"foreign key {r['object']}: the existing indexes read {r['read_a']:,} rows, the advisor's "
                       f"{r['read_b']:,}")
    return out


def _lookups(ctx, key, rank):
    """Lookups of the acting user in one run of the tenant's statement (part 4), if counted."""
    return ctx.get("plans", {}).get((key, rank), {}).get("lookups")


def _iso_rows(ctx):
    if "isolation" not in ctx:
        return []
    big, small = ctx["contexts"]
    return [(q.key, c["rank"], label, ctx["isolation"][(q.key, c["rank"])])
            for q in QUERIES for label, c in (("largest", big), ("small", small))]


# ------------------------------------------------------------------------------ blocks

def blocks(ctx):
    b = {}
    m, args = ctx["machine"], ctx["args"]
    (l1, _, _), (e1, e5, e15) = ctx["load"]
    b["machine"] = (
        f"`bench/run.py --scale {args.scale:g}`, {ctx['date']}.\n\n"
        f"- {m['cpus']} CPUs ({m['cpu']}), {m['memory']} of memory, {m['os']}\n"
        f"- {m['postgres']}\n"
        "- settings: " + ", ".join(f"`{k}={v}`" for k, v in SERVER_SETTINGS.items())
        + "; `fsync`, `synchronous_commit` and `full_page_writes` off\n"
        f"- client: Python {m['python']}, psycopg {m['psycopg']}, unix socket, same machine\n"
        f"- load average before the run {l1:.2f} (1 min), after it {e1:.2f} / {e5:.2f} / {e15:.2f} (1, 5, 15 min)\n")
    b["summary"] = summary(ctx["missed"])
    if "counts" in ctx:
        big, small = ctx["contexts"]
        b["dataset"] = (f"Scale {args.scale:g}: " + ", ".join(f"{v:,} {k}" for k, v in ctx["counts"].items())
                        + ".\n\n" + table(["company", "rank"] + list(big["sizes"]),
                                          [[label, c["rank"]] + [f"{v:,}" for v in c["sizes"].values()]
                                           for label, c in (("largest", big), ("small", small))]))
    if "isolation" in ctx:
        b["isolation"] = isolation_block(ctx)
        backend, jwt = "`app.user_id` (a backend)", "`request.jwt.claims` (PostgREST)"
        named = [(isolation.BASELINE, backend, ctx["baseline"])]
        if "baseline_claims" in ctx:
            named.append((isolation.BASELINE, jwt, ctx["baseline_claims"]))
        if "baseline_admin" in ctx:
            named.append((isolation.BASELINE_ADMIN, backend, ctx["baseline_admin"]))
        b["helper"] = table(["statement", "user named by", "tenant ms", "owner ms", "added ms", "runs"],
                            [[f"`{q.tenant}`", by, ms(h.a_ms), ms(h.b_ms), added(h.added_ms), h.runs]
                             for q, by, h in named], right=(2, 3, 4, 5))
        if "search_path_cost" in ctx:
            h = ctx["search_path_cost"]
            b["helper-path"] = table(["helper", "ms", "runs"],
                                     [["as installed, `SET search_path = pg_catalog, pg_temp`", ms(h.a_ms), h.runs],
                                      ["the same function without its `SET` clause", ms(h.b_ms), ""],
                                      ["what the pinned path adds", added(h.added_ms), ""]], right=(1, 2))
    b["queries"] = "".join(f"- {q.label}: `{show_sql(q.tenant)}`\n" for q in QUERIES)
    b["peers"] = "".join(f"- {PEER_LABEL[n]} (`peer_{n}`): `USING ({c})`\n"
                         for n, c in isolation.peer_policies().items()) + "".join(
        f"\n```sql\n{sql};\n```\n" for sql in isolation.PEER_FUNCTIONS)
    if "audit" in ctx:
        b["audit"], b["audit-authored"] = audit_block(ctx["audit"])
        if "row_alone" in ctx["audit"]:
            b["audit-row"] = audit_row_block(ctx["audit"])
        if "bare" in ctx["audit"]["insert_one"]:
            b["audit-parts"] = audit_parts_block(ctx["audit"])
        b["audit-peer"] = "```sql\n" + ";\n\n".join(audit.PEER_SETUP[2:]) + ";\n```\n"
    if "migration" in ctx:
        b["migration"], b["migration-steps"] = migration_block(ctx)
    if "plans" in ctx:
        b["plans"] = plans_block(ctx)
    if "fk_lookups" in ctx:
        b["fkeys"] = fk_block(ctx["fk_lookups"])
    b["phases"] = table(["phase", "seconds"], [[label, f"{s:.1f}"] for label, s in ctx["phases"]], right=(1,))
    if ctx.get("search"):
        b.update(search.blocks(ctx["search"]))
    return b


def isolation_block(ctx):
    rows = []
    for key, rank, label, row in _iso_rows(ctx):
        c = row["package"]
        peers = {n: p for n, p in row.items() if n != "package"}
        goal, met, beats, floor = judge_isolation(c, peers)
        halves = c.halves_added if c.short else c.halves_ratio
        spread = " / ".join(added(h) if c.short else f"{h:.2f}" for h in halves)
        rowcount = f"{c.rows_a:,}" + ("" if c.same_rows else f" (owner {c.rows_b:,}: DIFFERENT)")
        rows.append([QUERY[key].label, label, rowcount, ms(c.b_ms), added(c.added_ms), f"{c.ratio:.2f}", goal,
                     yes(met), spread, f"{c.runs}" + ("" if c.stable else " (cap)")]
                    + [f"{added(peers[n].added_ms)} / {peers[n].ratio:.2f}" if n in peers else "—" for n in PEERS]
                    + [yes(beats) if peers else "—", "—" if floor is None else yes(floor),
                       "—" if "jwt" not in peers else added(c.added_ms - peers["jwt"].added_ms),
                       "—" if _lookups(ctx, key, rank) is None else _lookups(ctx, key, rank)])
    header = (["query", "company", "rows", "owner ms", "added ms", "ratio", "goal", "met", "halves", "runs"]
              + [f"{PEER_LABEL[n]}: added ms / ratio" for n in PEERS]
              + ["beats the peers", f"within {GOAL_FLOOR_MS} ms of the floor", "above the floor ms",
                 "lookups of the user"])
    return table(header, rows, right=(2, 3, 4, 5, 9, 16, 17))


def audit_block(a):
    labels = {"insert_one": "INSERT one block", "update_one": "UPDATE one block",
              "insert_bulk": f"INSERT ... SELECT {a['bulk_rows']:,} blocks",
              "update_bulk": f"UPDATE {a['bulk_rows']:,} blocks"}
    rows = []
    for key, goal in audit.GOAL.items():
        p, q = a[key]["package"], a[key]["peer"]
        rows.append([labels[key], ms(p.b_ms), ms(p.a_ms), added(p.added_ms), f"{p.ratio:.2f}", goal,
                     yes(p.ratio <= goal), " / ".join(f"{h:.2f}" for h in p.halves_ratio),
                     f"{q.ratio:.2f}", yes(p.ratio < q.ratio), p.runs, "stable" if p.stable else "cap"])
    main = table(["statement", "off ms", "package ms", "added ms", "ratio", "goal", "met", "halves",
                  "peer ratio", "beats the peer", "runs", "stopped by"], rows, right=(1, 2, 3, 4, 5, 8, 10))
    p = a["insert_bulk_authored"]["package"]
    n = a["authored_rows"]
    authored = table(["rows", "with authors, audit on ms", "audit off ms", "µs a row (off)",
                      "µs a row without authors (off)", "runs"],
                     [[f"{n:,}", ms(p.a_ms), ms(p.b_ms), f"{p.b_ms / n * 1000:.0f}",
                       f"{a['insert_bulk']['package'].b_ms / a['bulk_rows'] * 1000:.0f}", p.runs]],
                     right=(0, 1, 2, 3, 4, 5))
    return main, authored


def audit_row_block(a):
    labels = {"peer": "the peer's `record_version` row",
              "package": "an `audit_log` row naming the acting user (foreign key to `users` checked)",
              "package_no_user": "an `audit_log` row naming no user"}
    one, bulk = a["row_alone"], a.get("row_alone_bulk", {})
    rows = []
    for k, c in one.items():
        b = bulk.get(k)
        rows.append([labels[k], ms(c.a_ms), "—" if k == "peer" else added(c.added_ms), c.runs,
                     ms(b.a_ms) if b else "—", "—" if not b or k == "peer" else added(b.added_ms),
                     b.runs if b else "—"])
    n = f"{a['bulk_rows']:,}"
    return table(["row written alone", "one: ms", "one: added to the peer's ms", "runs",
                  f"{n} in one statement: ms", f"{n}: added to the peer's ms", "runs"],
                 rows, right=(1, 2, 3, 4, 5, 6))


def audit_parts_block(a):
    """A single row's trail with and without what the peer does not record, against the peer."""
    rows = []
    for key, label in (("insert_one", "INSERT one block"), ("update_one", "UPDATE one block")):
        p, bare, peer = a[key]["package"], a[key]["bare"], a[key]["peer"]
        rows.append([label, ms(p.b_ms), added(p.added_ms), added(bare.added_ms), added(p.added_ms - bare.added_ms),
                     added(peer.added_ms), yes(bare.added_ms < peer.added_ms), p.runs])
    return table(["statement", "off ms", "package: added ms", "without actor and origin: added ms",
                  "the actor and the origin ms", "peer: added ms", "without them, beats the peer", "runs"],
                 rows, right=(1, 2, 3, 4, 5, 7))


def migration_block(ctx):
    V0 = migration.V0_TABLES
    rows = []
    for r in ctx["migration"]:
        c = r["v0_counts"]
        desc = (f"{r['label']}: {c['projects']:,} projects, {c['sections']:,} sections, {c['memoires']:,} memoires, "
                f"{c['document_chunks']:,} chunks ({human_bytes(sum(r['v0_sizes'].values()))})")
        for step in ("install", "uninstall"):
            s = r[step]
            inst = step == "install"
            rows.append([desc, step, s["runs"], f"{s['seconds']:.2f}", f"{s['min_s']:.2f}–{s['max_s']:.2f}",
                         f"{s['prepare_s']:.2f}" if inst else "—", f"{s['finish_s']:.2f}" if inst else "—",
                         f"{s['locked_s']:.2f}"] + [f"{s['readers'][t][0] * 1000:.0f} ms" for t in V0])
            desc = ""
    main = table(["v0 data", "script", "runs", "time s (median)", "min–max s", "prepare s", "finish s",
                  "v0 tables locked s"] + [f"longest read: {t}" for t in V0], rows, right=(2, 3, 4, 5, 6, 7, 8, 9, 10, 11))
    small, quarter, full = ctx["migration"]
    g = script_s(full["install"]) / script_s(quarter["install"])
    chunks = full["v0_counts"]["document_chunks"] / max(1, quarter["v0_counts"]["document_chunks"])
    g_all = script_s(full["install"]) / script_s(small["install"])
    rows_x = full["v0_counts"]["sections"] / max(1, small["v0_counts"]["sections"])
    main += (f"\n- {chunks:.1f}x the chunks, everything else equal (second and third states): the install script took "
             f"{g:.2f}x as long (goal at most {migration.GOAL_INSTALL_GROWTH:g}x): {yes(g <= migration.GOAL_INSTALL_GROWTH)}.\n"
             f"- Every v0 table {rows_x:.1f}x as big (first and third states): the install script took {g_all:.2f}x as "
             f"long, the v0 tables were locked {full['install']['locked_s'] / small['install']['locked_s']:.2f}x as long.\n")
    steps = "".join(f"- {secs:.2f} s: {msg}\n" for secs, msg in full["install"]["slowest"])
    deferred = full["install"].get("deferred", [])
    steps += ("\nLeft to `build/finish.sql` at this scale: " + (", ".join(f"`{d}`" for d in deferred) or "nothing")
              + ". Indexes of the v0 tables after the install: "
              + "; ".join(f"{t}: {', '.join(f'`{i}`' for i in ix)}" for t, ix in ctx.get("v0_indexes", {}).items())
              + ".\n")
    return main, steps


def plans_block(ctx):
    big, small = ctx["contexts"]
    rows = []
    for q in QUERIES:
        for label, c in (("largest", big), ("small", small)):
            p = ctx["plans"][(q.key, c["rank"])]
            rows.append([q.label, label, plan_text(p["tenant"]), f"{rows_read(p['tenant']):,}",
                         f"{buffers(p['tenant']):,}", plan_text(p["owner"]), f"{rows_read(p['owner']):,}",
                         f"{buffers(p['owner']):,}", ", ".join(p["seq_large"]) or "none"])
    parallel = sorted({f"{QUERY[k].label} ({'largest' if rk == big['rank'] else 'small'}, {side})"
                       for (k, rk), pl in ctx["plans"].items() for side in ("tenant", "owner")
                       if any(s["parallel"] for s in scans(pl[side]))})
    return (f"A Seq Scan on a table of {ctx['large_threshold']:,} rows or more is flagged.\n\n"
            + table(["query", "company", "tenant plan", "read", "buffers", "owner plan", "read", "buffers",
                     "seq scan on a large table"], rows, right=(3, 4, 6, 7))
            + "\nParallel scans: " + ("; ".join(parallel) or "none") + ".\n")


def fk_block(fks):
    rows = []
    for r in fks:
        fk = r["fk"]
        head = [f"`{r['object']}` ({', '.join(fk['columns'])}) → `{fk['referenced_table']}`",
                f"{fk['on_delete']} / {fk['on_update']}", f"`{fk['serving_index'] or 'none'}`", r["kind"]]
        if r["empty"]:
            rows.append(head + [f"not measured: `{fk['table']}` holds no row"] + [""] * 7)
            continue
        p = r["pair"]
        generic = r["generic_a"] if r["generic_a"] == r["generic_b"] else f"{r['generic_a']} / {r['generic_b']}"
        rows.append(head + [f"{p.rows_a:,}", ms(p.a_ms), ms(p.b_ms), f"{p.ratio:.2f}",
                            f"{r['plan_a']} ({r['read_a']:,})", f"{r['plan_b']} ({r['read_b']:,})", generic, p.runs])
    out = table(["foreign key", "on delete / update", "index serving it", "key kind", "rows a lookup finds",
                 "existing ms", "advisor's ms", "ratio", "existing plan (read)", "with the advisor's index (read)",
                 "generic plans", "runs"], rows, right=(4, 5, 6, 7, 11))
    measured = [r for r in fks if not r["empty"]]
    if measured:
        ratios = [r["pair"].ratio for r in measured]
        serving = [r for r in measured if r["read_a"] <= r["read_b"] and not r["seq_a"]]
        out += (f"\n{len(serving)} of the {len(measured)} lookups measured read no more rows with the existing "
                f"indexes than with the advisor's, with no Seq Scan; ratios {min(ratios):.2f} to {max(ratios):.2f} "
                f"(median {statistics.median(ratios):.2f}); the advisor's indexes would take "
                f"{human_bytes(sum(r['exact_bytes'] for r in measured))}.\n")
    return out

