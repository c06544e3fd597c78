#!/usr/bin/env python3
"""`make bench`: measure what tenant isolation, the audit trail and the migration cost on a
throwaway cluster filled by bench/generate.py, beside the designs people commonly use instead,
and write the tables into docs/benchmarks.md (between its `<!-- generated -->` markers).

    .venv/bin/python bench/run.py --scale 1.0
    .venv/bin/python bench/run.py --scale 0.01 --output build/benchmarks-ci.md   # CI's tiny run

Parts: 3 migration (bench/migration.py), 1 isolation and 4 plans (bench/isolation.py), 2 audit
(bench/audit.py), 5 foreign keys the advisor flags (bench/fkeys.py), 6 retrieval under isolation
on a cluster of its own (bench/search.py); bench/harness.py measures, bench/report.py writes. Exit status 0 even when a goal is missed; each prints a MISSED line.
"""
import argparse
import datetime
import os
import pathlib
import pickle
import subprocess
import sys
import time

import psycopg

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
import pgcluster  # noqa: E402
from bench import audit, fkeys, generate, harness, isolation, migration, report, search  # noqa: E402
from bench.harness import connect, log  # noqa: E402
# test/test_plans.py reads the queries as the benchmark runs them.
from bench.isolation import QUERIES, company_context, query_params, tenant_begin  # noqa: E402,F401

DOC = ROOT / "docs" / "benchmarks.md"
LAST_RUN = ROOT / "build" / "bench-last.pickle"   # the figures of the last run, for --report-only


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the issue's sizes (default); 0.01 for CI")
    parser.add_argument("--output", default=str(DOC), help="where to write the report (default docs/benchmarks.md, "
                        "whose prose is copied to any other path); '-' for none")
    parser.add_argument("--min-runs", type=int, default=15, help="rounds per measurement at least (default 15)")
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds after which a measurement stops even if not stable (default 3 at scale >= 0.5, "
                        "less below); ten times this stops one whose runs take seconds, after 3 rounds")
    parser.add_argument("--bulk-runs", type=int, default=None,
                        help="cap on the rounds of each bulk write (default 8 at scale >= 0.5, 15 below); at least 4")
    parser.add_argument("--no-peers", action="store_true", help="skip the peer designs")
    parser.add_argument("--no-migration", action="store_true",
                        help="skip part 3 (the data and the install are made all the same, not timed); its tables "
                        "stay as they are on the page")
    parser.add_argument("--no-search", action="store_true", help="skip part 6 (the searches, on pgvector's server)")
    parser.add_argument("--search-only", action="store_true",
                        help="run part 6 alone and print its tables (written to --output only if one is given)")
    parser.add_argument("--report-only", action="store_true",
                        help=f"measure nothing: write the report again from the last run's figures ({LAST_RUN.name})")
    args = parser.parse_args(argv)
    if args.search_only:
        subprocess.run([sys.executable, str(ROOT / "build.py")], cwd=ROOT, check=True)
        blocks = search.blocks(search.run(args.scale, log, harness.missed))
        template = DOC.read_text(encoding="utf-8")
        blocks["summary"] = report.summary(
            [x for x in report.listed_missed(template) if not x.startswith("search:")] + list(harness.MISSED))
        text = report.fill(template, blocks, keep_others=True)
        print("".join(f"{t}\n" for t in blocks.values()))
        if "--output" in (argv if argv is not None else sys.argv):
            pathlib.Path(args.output).write_text(text, encoding="utf-8")
        for line in harness.MISSED:
            print(f"MISSED: {line}")
        return 0
    if args.report_only:
        return write_report(pickle.loads(LAST_RUN.read_bytes()), args.output)
    if args.budget is None:
        args.budget = 3.0 if args.scale >= 0.5 else max(0.5, 6 * args.scale)
    if args.bulk_runs is None:
        args.bulk_runs = 8 if args.scale >= 0.5 else 15
    ctx = measure_all(args)
    LAST_RUN.parent.mkdir(parents=True, exist_ok=True)
    LAST_RUN.write_bytes(pickle.dumps(ctx))
    return write_report(ctx, args.output)


def measure_all(args):
    started = time.perf_counter()
    phases = []

    def phase(label, t0):
        phases.append((label, time.perf_counter() - t0))
        log(f"  ({label}: {phases[-1][1]:.1f} s)")

    t = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "build.py")], cwd=ROOT, check=True)
    layout = generate.Layout(args.scale)
    quarter = generate.Layout(args.scale / 4)
    ctx = {"args": args, "layout": layout, "date": datetime.date.today().isoformat(), "load": [os.getloadavg()]}
    log(f"scale {args.scale:g}: {layout.counts()}")
    with pgcluster.throwaway() as cluster:
        harness.configure(cluster)
        phase("start and configure the cluster, build", t)
        with connect(cluster, "postgres") as conn:
            ctx["machine"] = harness.machine_info(conn)

        if args.no_migration:
            log("the v0 data and the install (part 3 skipped)")
            t = time.perf_counter()
            migration.install_only(cluster, "bench", layout)
            phase("v0 data and install, not timed (part 3 skipped)", t)
        else:
            log("part 3: migration")
            t = time.perf_counter()
            (small_run,) = migration.migration(cluster, "bench_quarter", quarter)
            with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
                conn.execute('DROP DATABASE "bench_quarter"')
            phase(f"part 3 at scale {quarter.scale:g}", t)
            t = time.perf_counter()
            ctx["migration"] = [small_run] + migration.migration(cluster, "bench", layout, chunk_steps=True)
            phase(f"part 3 at scale {layout.scale:g}", t)

        with connect(cluster, "bench") as conn:
            log("tenant data")
            t = time.perf_counter()
            ctx["tenant_timings"] = generate.generate_tenant(conn, layout)
            phase("tenant data (generate, index, vacuum, analyze)", t)
            ctx["counts"] = generate.table_counts(conn)
            contexts = [company_context(conn, layout, 1), company_context(conn, layout, layout.companies)]
            ctx["contexts"] = contexts
            ctx["large_threshold"] = threshold = max(1000, round(10_000 * min(1.0, args.scale * 10)))
            large = {r[0] for r in conn.execute(
                "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' "
                "AND reltuples >= %s", [threshold])}
            ctx["v0_indexes"] = {tb: [r[0] for r in conn.execute(
                "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass AND NOT indisprimary "
                "ORDER BY 1", [f"public.{tb}"])] for tb in ("projects", "sections", "memoires")}

            log("part 4: plans")
            t = time.perf_counter()
            ctx["plans"] = isolation.plans(conn, contexts, large)
            phase("part 4: plans", t)

            if not args.no_peers:
                log("peers: a copy of part 1's tables")
                t = time.perf_counter()
                isolation.create_peers(conn)
                phase("peers: copy of part 1's tables (schema peer)", t)

            log("part 1: cost of isolation")
            t = time.perf_counter()
            ctx["isolation"] = {}
            for c in contexts:
                for key, row in isolation.isolation(conn, c, QUERIES, args.min_runs, args.budget, 10 * args.budget,
                                                    peers=not args.no_peers).items():
                    ctx["isolation"][(key, c["rank"])] = row
            ctx["baseline"] = isolation.isolation(conn, contexts[1], [isolation.BASELINE], args.min_runs,
                                                  args.budget, 10 * args.budget, peers=False)["helper"]["package"]
            ctx["baseline_claims"] = isolation.isolation(
                conn, contexts[1], [isolation.BASELINE], args.min_runs, args.budget, 10 * args.budget, peers=False,
                begin=isolation.tenant_begin_claims)["helper"]["package"]
            ctx["baseline_admin"] = isolation.isolation(
                conn, contexts[1], [isolation.BASELINE_ADMIN], args.min_runs, args.budget, 10 * args.budget,
                peers=False)["helper_admin"]["package"]
            ctx["search_path_cost"] = isolation.search_path_cost(conn, contexts[1], args.min_runs, 10 * args.budget)
            conn.execute("DROP SCHEMA IF EXISTS peer CASCADE")
            phase("part 1: cost of isolation", t)

            log("part 2: cost of the audit trail")
            t = time.perf_counter()
            ctx["audit"] = audit.audit_cost(conn, contexts[0], max(100, round(100_000 * args.scale)), args.min_runs,
                                            args.budget, 4, max(4, args.bulk_runs))
            phase("part 2: cost of the audit trail", t)

            log("part 5: foreign keys the advisor flags")
            t = time.perf_counter()
            ctx["fk_lookups"] = fkeys.fk_lookups(conn, args.min_runs, args.budget)
            phase("part 5: foreign keys the advisor flags", t)

    if not args.no_search:
        log("part 6: retrieval under isolation")
        t = time.perf_counter()
        ctx["search"] = search.run(args.scale, log, harness.missed)
        phase("part 6: retrieval under isolation (its own cluster, data and indexes)", t)

    phases.append(("total", time.perf_counter() - started))
    ctx["load"].append(os.getloadavg())
    ctx["phases"] = phases
    ctx["run_missed"] = list(harness.MISSED)
    return ctx


def write_report(ctx, output):
    ctx["missed"] = report.verdicts(ctx) + ctx.get("run_missed", [])
    # A run without part 6 or part 3 leaves the page's tables of that part as they were.
    text = report.fill(DOC.read_text(encoding="utf-8"), report.blocks(ctx),
                       keep_others="search" not in ctx or "migration" not in ctx)
    if output != "-":
        out = pathlib.Path(output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        log(f"wrote {out}")
    for line in ctx["missed"]:
        print(f"MISSED: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
