"""Fixtures for the memtech tests: one scratch PostgreSQL cluster per run, one fresh database per test.

    def test_something(db):
        db.install(**{"memtech.lock_timeout": "1s"})     # build/install.sql via psql
        with db.connect() as conn:                          # psycopg, autocommit
            conn.execute("select 1")
        assert db.psql("select 1", check=False).returncode == 0
"""
import collections
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
import pgcluster  # noqa: E402

BuildScripts = collections.namedtuple("BuildScripts", "install uninstall")

# Lines of `pg_dump -s` that differ between two dumps of the same schema.
DUMP_NOISE = re.compile(r"^(\\restrict |\\unrestrict |-- Dumped (by|from) )")


@pytest.fixture(scope="session")
def cluster():
    """A started throwaway cluster (pgcluster.Cluster) shared by the whole run."""
    with pgcluster.throwaway() as c:
        yield c


@pytest.fixture(scope="session")
def build_scripts():
    """Runs build.py once; BuildScripts(install=Path, uninstall=Path) of build/*.sql."""
    proc = subprocess.run([sys.executable, str(ROOT / "build.py")], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"build.py failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}", pytrace=False)
    return BuildScripts(ROOT / "build" / "install.sql", ROOT / "build" / "uninstall.sql")


def client_tool(cluster, name):
    """The cluster's own client program (e.g. PG 15's pg_dump) if there, else the one on PATH."""
    path = cluster.bindir / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found in {cluster.bindir} nor on PATH: run tools/bootstrap.sh", pytrace=False)
    return found


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
