"""Part 3: the install and the uninstall on the v0 database at three sizes, while readers read
every v0 table; how long each script took, held its locks, and kept a reader waiting."""
import dataclasses
import pathlib
import random
import re
import statistics
import subprocess
import threading
import time

import psycopg

from bench import generate
from bench.harness import connect, libpq_env, log, psql_binary

ROOT = pathlib.Path(__file__).resolve().parents[1]
INSTALL = ROOT / "build" / "install.sql"
UNINSTALL = ROOT / "build" / "uninstall.sql"
PREPARE = ROOT / "build" / "prepare.sql"
FINISH = ROOT / "build" / "finish.sql"
V0_TABLES = ["projects", "sections", "memoires", "document_chunks"]
GOAL_READER_WAIT_S = 1.0
GOAL_INSTALL_GROWTH = 2.0  # install time at scale over scale/4 (4x the chunks): at most this


class Readers:
    """One thread per v0 table, each on its own connection, reading one row by id in a loop
    (a short pause between reads); every read's start and end are kept."""

    def __init__(self, cluster, dbname, ids, pause=0.002):
        self.cluster, self.dbname, self.ids, self.pause = cluster, dbname, ids, pause
        self.samples = {t: [] for t in ids}
        self.errors = {t: 0 for t in ids}
        self._stop = threading.Event()
        self._threads = []

    def _loop(self, table):
        rnd = random.Random(table)
        ids = self.ids[table]
        with connect(self.cluster, self.dbname) as conn:
            sql = f"SELECT count(*) FROM public.{table} WHERE id = %s"
            while not self._stop.is_set():
                t0 = time.perf_counter()
                try:
                    conn.execute(sql, [rnd.choice(ids)]).fetchone()
                except psycopg.Error:
                    self.errors[table] += 1
                t1 = time.perf_counter()
                self.samples[table].append((t0, t1))
                time.sleep(self.pause)

    def __enter__(self):
        for table in self.ids:
            th = threading.Thread(target=self._loop, args=(table,), daemon=True)
            th.start()
            self._threads.append(th)
        time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        time.sleep(0.3)
        self._stop.set()
        for th in self._threads:
            th.join(timeout=60)

    def longest(self, start, end):
        """Per table: (longest read overlapping [start, end] in seconds, reads in the window)."""
        out = {}
        for table, samples in self.samples.items():
            window = [t1 - t0 for t0, t1 in samples if t1 >= start and t0 <= end]
            out[table] = (max(window) if window else float("nan"), len(window))
        return out


@dataclasses.dataclass
class ScriptRun:
    seconds: float
    start: float
    end: float
    lock_at: float      # when the script announced it was locking the v0 tables
    steps: list         # (seconds since start, notice)


def run_script(cluster, dbname, script, options=None):
    """Run an install or uninstall script with psql; NOTICEs are time-stamped as they come."""
    cmd = [psql_binary(cluster), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(script)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=libpq_env(cluster, dbname, options), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    events = []
    for line in proc.stderr:
        events.append((time.perf_counter(), line.rstrip("\n")))
    rc = proc.wait()
    end = time.perf_counter()
    if rc != 0:
        raise RuntimeError(f"{script.name} failed (exit {rc}):\n" + "\n".join(l for _, l in events[-30:]))
    lock_at = next((t for t, l in events if "memtech: locking" in l), end)
    steps = [(t - start, re.sub(r"^.*NOTICE:\s+memtech: ", "", l)) for t, l in events if "memtech:" in l]
    return ScriptRun(end - start, start, end, lock_at, steps)


def slowest_steps(run, n=4):
    """The n notices followed by the longest gaps (the step each notice opens)."""
    gaps = []
    marks = run.steps + [(run.seconds, "(commit)")]
    for (t, msg), (t_next, _) in zip(marks, marks[1:]):
        gaps.append((t_next - t, msg))
    return sorted(gaps, reverse=True)[:n]


def reader_ids(conn, table, n=300):
    return [r[0] for r in conn.execute(
        f"SELECT id FROM public.{table} TABLESAMPLE SYSTEM (5) REPEATABLE (7) LIMIT {n}").fetchall()] or \
        [r[0] for r in conn.execute(f"SELECT id FROM public.{table} LIMIT {n}").fetchall()]


def _v0_state(conn):
    return ({tb: conn.execute(f"SELECT count(*) FROM public.{tb}").fetchone()[0] for tb in V0_TABLES},
            {tb: conn.execute(f"SELECT pg_total_relation_size('public.{tb}')").fetchone()[0] for tb in V0_TABLES})


def _scripts(cluster, dbname, ids, result, repeats, keep_installed):
    """install then uninstall, repeats times (and the install once more when keep_installed),
    each while the readers run; result["install"] and result["uninstall"] get the medians."""
    runs = {"install": [], "uninstall": []}
    steps = ["install", "uninstall"] * repeats + (["install"] if keep_installed else [])
    for step in steps:
        with Readers(cluster, dbname, ids) as readers:
            if step == "install":
                # As `make install` does: build/prepare.sql and build/finish.sql (concurrent
                # index builds) around the install; the readers are watched over the three,
                # the time is the three.
                prepared = run_script(cluster, dbname, PREPARE)
                install = run_script(cluster, dbname, INSTALL)
                finished = run_script(cluster, dbname, FINISH)
                slowest = slowest_steps(install)
                seconds, start, end = prepared.seconds + install.seconds + finished.seconds, prepared.start, finished.end
                locked = install.end - install.lock_at
                prepare_s, finish_s = prepared.seconds, finished.seconds
                deferred = [re.sub(r"^leaving the index on (\S+) \((\w+)\).*$", r"\1.\2", msg)
                            for _, msg in install.steps if msg.startswith("leaving the index on")]
            else:
                run = run_script(cluster, dbname, UNINSTALL)
                slowest = slowest_steps(run)
                seconds, start, end, locked = run.seconds, run.start, run.end, run.end - run.lock_at
                prepare_s = finish_s = 0.0
                deferred = []
        waits = readers.longest(start, end)
        runs[step].append({"seconds": seconds, "locked_s": locked, "readers": waits,
                           "errors": sum(readers.errors.values()), "slowest": slowest,
                           "prepare_s": prepare_s, "finish_s": finish_s, "deferred": deferred})
        log(f"  {step}: {seconds:.2f} s (prepare {prepare_s:.2f} s, finish {finish_s:.2f} s), v0 tables locked "
            f"{locked:.2f} s, longest reader wait {max(v[0] for v in waits.values()) * 1000:.0f} ms")
    for step, rs in runs.items():
        median_run = sorted(rs, key=lambda x: x["seconds"])[len(rs) // 2]
        result[step] = {
            "runs": len(rs),
            "seconds": statistics.median(x["seconds"] for x in rs),
            "min_s": min(x["seconds"] for x in rs),
            "max_s": max(x["seconds"] for x in rs),
            "locked_s": statistics.median(x["locked_s"] for x in rs),
            # the worst wait of any run: the goal is that no reader ever waits longer
            "readers": {t: (max(x["readers"][t][0] for x in rs), sum(x["readers"][t][1] for x in rs)) for t in ids},
            "reader_errors": sum(x["errors"] for x in rs),
            "slowest": median_run["slowest"],
            "prepare_s": statistics.median(x["prepare_s"] for x in rs),
            "finish_s": statistics.median(x["finish_s"] for x in rs),
            # the script alone, without the concurrent index builds before and after it
            "script_s": statistics.median(x["seconds"] - x["prepare_s"] - x["finish_s"] for x in rs),
            "deferred": rs[-1]["deferred"],
        }


def install_only(cluster, dbname, layout):
    """The state part 3 ends in, not measured (a run that skips part 3): a new database dbname
    with the v0 data at this layout and the package applied as `make install` applies it."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    with connect(cluster, dbname) as conn:
        generate.generate_v0(conn, layout)
    for script in (PREPARE, INSTALL, FINISH):
        run_script(cluster, dbname, script)


def migration(cluster, dbname, layout, chunk_steps=False, repeats=3):
    """Part 3 on a new database dbname: the v0 data at this layout, then the install and the
    uninstall while readers read every v0 table.  With chunk_steps, first with a quarter of the
    memoires (and chunks) only, then with all of them, ending installed.  Each state has the
    install and the uninstall run `repeats` times.  Returns a list of results, one per state."""
    results = []
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    with connect(cluster, dbname) as conn:
        t = time.perf_counter()
        timings = generate.generate_v0(conn, layout, memoire_share=0.25 if chunk_steps else 1.0)
        seconds = time.perf_counter() - t
        ids = {tb: reader_ids(conn, tb) for tb in V0_TABLES}
        counts, sizes = _v0_state(conn)
    result = {"scale": layout.scale, "v0_timings": timings, "v0_seconds": seconds, "v0_counts": counts,
              "v0_sizes": sizes, "label": f"scale {layout.scale:g}" + (", a quarter of the memoires" if chunk_steps else "")}
    log(f"  v0 data ({result['label']}): {counts} in {seconds:.1f} s")
    _scripts(cluster, dbname, ids, result, repeats, keep_installed=False)
    results.append(result)
    if chunk_steps:
        with connect(cluster, dbname) as conn:
            t = time.perf_counter()
            timings = generate.add_v0_memoires(conn, layout, round(layout.memoires.n * 0.25))
            seconds = time.perf_counter() - t
            ids["document_chunks"] = reader_ids(conn, "document_chunks")
            ids["memoires"] = reader_ids(conn, "memoires")
            counts, sizes = _v0_state(conn)
        result = {"scale": layout.scale, "v0_timings": {**results[0]["v0_timings"], **{
                  f"{k} (the other memoires)": v for k, v in timings.items()}},
                  "v0_seconds": results[0]["v0_seconds"] + seconds, "v0_counts": counts, "v0_sizes": sizes,
                  "label": f"scale {layout.scale:g}"}
        log(f"  v0 data ({result['label']}): {counts} (+{seconds:.1f} s)")
        _scripts(cluster, dbname, ids, result, repeats, keep_installed=True)
        results.append(result)
    return results
