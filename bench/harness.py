"""What every part of the benchmark measures with: the cluster, alternated timed runs until
their comparison is stable, and plans. No figure is written here; bench/report.py writes what a
run measured."""
import dataclasses
import os
import pathlib
import platform
import re
import shutil
import statistics
import time

import psycopg

# Server settings of the benchmark cluster (ALTER SYSTEM, then a restart). The throwaway cluster
# also runs with fsync, synchronous_commit and full_page_writes off (tools/pgcluster.py).
SERVER_SETTINGS = {
    "shared_buffers": "1GB",
    "work_mem": "16MB",
    "maintenance_work_mem": "256MB",
    "effective_cache_size": "4GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    # No autovacuum in the middle of a measurement (the generator vacuums itself), and no JIT,
    # which the planner switches on from estimates that differ between the sides.
    "autovacuum": "off",
    "jit": "off",
}

# When a comparison counts as stable: its two halves of runs agree within these.
RATIO_TOLERANCE = 0.05
ADDED_TOLERANCE_MS = 0.01
SHORT_MS = 1.0   # a reference side faster than this is judged by added time, not ratio
# Rounds at least when the reference is short: its added time is judged to a hundredth of a
# millisecond, finer than the jitter of one round, and its rounds cost little.
SHORT_MIN_RUNS = 100

MISSED = []


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def missed(msg):
    MISSED.append(msg)
    print(f"MISSED: {msg}", flush=True)


# ------------------------------------------------------------------------------ cluster

def psql_binary(cluster):
    path = cluster.bindir / "psql"
    return str(path) if path.exists() else (shutil.which("psql") or "psql")


def libpq_env(cluster, dbname, options=None):
    env = {k: v for k, v in os.environ.items() if not re.match(r"PG[A-Z]", k) and k != "DATABASE_URL"}
    env.update(cluster.env(), PGDATABASE=dbname)
    if options:
        env["PGOPTIONS"] = " ".join(f"-c {k}={v}" for k, v in options.items())
    return env


def configure(cluster, settings=None):
    """The benchmark's server settings (ALTER SYSTEM), then a restart without fsync."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        for name, value in (settings or SERVER_SETTINGS).items():
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    cluster.stop()
    cluster.start(fsync=False)


def connect(cluster_or_dsn, dbname=None):
    dsn = cluster_or_dsn if isinstance(cluster_or_dsn, str) else cluster_or_dsn.dsn(dbname)
    conn = psycopg.connect(dsn, autocommit=True)
    conn.prepare_threshold = None  # plain statements on every side, never server-side prepared
    return conn


def machine_info(conn):
    def first(path, prefix, convert):
        try:
            for line in pathlib.Path(path).read_text().splitlines():
                if line.startswith(prefix):
                    return convert(line)
        except OSError:
            pass
        return "unknown"
    return {
        "cpus": os.cpu_count(),
        "cpu": first("/proc/cpuinfo", "model name", lambda l: l.split(":", 1)[1].strip()),
        "memory": first("/proc/meminfo", "MemTotal", lambda l: f"{int(l.split()[1]) / 1024 / 1024:.1f} GiB"),
        "os": f"{platform.system()} {platform.release()}",
        "postgres": conn.execute("SELECT version()").fetchone()[0],
        "python": platform.python_version(),
        "psycopg": psycopg.__version__,
    }


# ------------------------------------------------------------------------------ timing

@dataclasses.dataclass
class Side:
    begin: str             # the transaction's start (untimed), e.g. BEGIN and SET LOCAL
    sql: str               # the statement, timed
    end: str = "COMMIT"
    conn: object = None    # a session of its own, else the measurement's connection


def timed(conn, side, params):
    """One transaction; returns (statement seconds, transaction seconds, rows)."""
    t0 = time.perf_counter()
    conn.execute(side.begin)
    with conn.cursor() as cur:
        t1 = time.perf_counter()
        cur.execute(side.sql, params)
        n = len(cur.fetchall()) if cur.description else cur.rowcount
        t2 = time.perf_counter()
    conn.execute(side.end)
    return t2 - t1, time.perf_counter() - t0, n


def _median_ms(xs):
    return statistics.median(xs) * 1000 if xs else float("nan")


@dataclasses.dataclass
class Comparison:
    """Side a against its reference b, over the same rounds."""
    a_ms: float            # median statement time
    b_ms: float
    added_ms: float        # median over rounds of (a - b)
    ratio: float           # a_ms / b_ms
    txn_ratio: float
    halves_ratio: tuple    # the ratio over the first and over the second half of the rounds
    halves_added: tuple
    runs: int
    rows_a: int
    rows_b: int
    same_rows: bool
    stable: bool = True

    @property
    def short(self):
        return self.b_ms < SHORT_MS


@dataclasses.dataclass
class Measurement:
    times: list            # per side: statement seconds of each round
    txn: list              # per side: transaction seconds of each round
    rows: list             # per side: rows of each round
    stable: bool
    seconds: float         # wall time of the measurement

    @property
    def runs(self):
        return len(self.times[0])

    def compare(self, a, b=0):
        ta, tb = self.times[a], self.times[b]
        half = len(ta) // 2

        def ratio(xs, ys):
            return _median_ms(xs) / _median_ms(ys) if ys and _median_ms(ys) else float("nan")

        def added(xs, ys):
            return statistics.median(x - y for x, y in zip(xs, ys)) * 1000 if xs else float("nan")
        ra, rb = self.rows[a], self.rows[b]
        return Comparison(
            _median_ms(ta), _median_ms(tb), added(ta, tb), ratio(ta, tb), ratio(self.txn[a], self.txn[b]),
            (ratio(ta[:half], tb[:half]), ratio(ta[half:], tb[half:])),
            (added(ta[:half], tb[:half]), added(ta[half:], tb[half:])),
            len(ta), int(statistics.median(ra)), int(statistics.median(rb)), ra == rb, self.stable)


def stable(m, against=0):
    """Every side agrees with the reference over both halves of the rounds: within
    ADDED_TOLERANCE_MS of added time when the reference is short, within RATIO_TOLERANCE of the
    ratio otherwise."""
    for i in range(len(m.times)):
        if i == against:
            continue
        c = m.compare(i, against)
        h1, h2 = c.halves_added if c.short else c.halves_ratio
        if not abs(h1 - h2) <= (ADDED_TOLERANCE_MS if c.short else RATIO_TOLERANCE):
            return False
    return True


def measure(conn, sides, params_seq, min_runs, max_runs, cap_s, warmup=3, settle=None, against=0, floor_runs=3):
    """Runs the sides in turn, in a rotating order (A B C, B C A, C A B, ...), each round with the
    same parameters, after a warm-up; stops once at least min_runs rounds are stable, or at
    max_runs rounds, or after cap_s seconds with floor_runs rounds done (statements that take
    seconds). settle(), when given, runs before each run, untimed."""
    def run(side, params):
        if settle:
            settle()
        return timed(side.conn or conn, side, params)

    t = time.perf_counter()
    for i in range(warmup):
        for side in sides:
            run(side, params_seq[i % len(params_seq)])
        if time.perf_counter() - t > cap_s / 10:
            break
    n = len(sides)
    times, txn, rows = ([[] for _ in sides] for _ in range(3))
    start = time.perf_counter()
    i = 0
    while True:
        params = params_seq[i % len(params_seq)]
        for k in range(n):
            j = (i + k) % n
            s, t, r = run(sides[j], params)
            times[j].append(s); txn[j].append(t); rows[j].append(r)
        i += 1
        m = Measurement(times, txn, rows, False, time.perf_counter() - start)
        m.stable = stable(m, against)
        least = max(min_runs, SHORT_MIN_RUNS) if _median_ms(times[against]) < SHORT_MS else min_runs
        if (i >= least and m.stable) or i >= max_runs or (i >= floor_runs and m.seconds >= cap_s):
            return m


# ------------------------------------------------------------------------------ plans

def explain(conn, begin, sql, params):
    conn.execute(begin)
    try:
        with conn.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            return cur.fetchone()[0][0]["Plan"]
    finally:
        conn.execute("ROLLBACK")


def scans(plan):
    """Every scan node of a plan, with its rows (per loop x loops) and the rows its filter removed."""
    found = []

    def walk(node):
        t = node.get("Node Type", "")
        if "Scan" in t and ("Relation Name" in node or "Index Name" in node):
            loops = node.get("Actual Loops", 1) or 1
            found.append({
                "node": t, "relation": node.get("Relation Name"), "index": node.get("Index Name"),
                "rows": int(node.get("Actual Rows", 0) * loops),
                "removed": int(node.get("Rows Removed by Filter", 0) * loops),
                "recheck_removed": int(node.get("Rows Removed by Index Recheck", 0) * loops),
                "parallel": bool(node.get("Parallel Aware")),
            })
        for child in node.get("Plans", []):
            walk(child)
    walk(plan)
    return found


def plan_text(plan):
    parts = []
    for s in scans(plan):
        node = ("Parallel " if s["parallel"] else "") + s["node"]
        if s["relation"] is None and s["index"]:  # Bitmap Index Scan: index only
            parts.append(f"{node} {s['index']}")
        elif s["index"]:
            parts.append(f"{node} {s['index']} on {s['relation']}")
        else:
            parts.append(f"{node} on {s['relation']}")
    return "; ".join(parts)


def rows_read(plan):
    """Rows and index entries the scans went through: returned, plus removed by their filters."""
    return sum(s["rows"] + s["removed"] for s in scans(plan))


def table_rows_read(plan):
    """Rows the scans fetched from their tables (a Bitmap Index Scan's index entries left out)."""
    return sum(s["rows"] + s["removed"] + s["recheck_removed"] for s in scans(plan) if s["relation"])


def buffers(plan):
    return plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
