"""The README's commands do what it says: each is run here as written (with the
connection given by the PG* variables, as the README tells), except the Docker ones, whose
steps test_container_steps.py runs."""
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile

from conftest import client_env, client_tool
from helpers import VERSION

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def make(target, env, *args):
    return subprocess.run(["make", "-s", "-C", str(ROOT), target, *args], env=env, capture_output=True, text=True,
                          timeout=600)


def test_make_install_psql_seed_and_uninstall_on_the_database_the_environment_names(db):
    env = client_env(db.cluster, db.name)
    proc = make("install", env)
    assert proc.returncode == 0, proc.stderr
    assert "memtech: version " + VERSION + " installed" in proc.stderr
    proc = make("psql", env, "PSQL_ARGS=-At -c 'SELECT memtech.installed_version()'")
    assert proc.returncode == 0 and proc.stdout.strip() == VERSION, proc.stdout + proc.stderr
    assert make("seed", env).returncode == 0
    refused = make("uninstall", env)
    assert refused.returncode != 0 and "memtech.confirm_data_loss" in refused.stderr
    proc = make("uninstall", {**env, "PGOPTIONS": "-c memtech.confirm_data_loss=on"})
    assert proc.returncode == 0, proc.stderr
    with db.connect() as conn:
        assert conn.execute("SELECT to_regnamespace('memtech')").fetchone()[0] is None


def test_the_readme_options_example_installs_with_those_options(db):
    db.load_fixture("v0_schema")
    db.load_fixture("v0_data")
    command = re.search(r"^PGOPTIONS=.*psql -f build/install.sql$", README, re.M).group(0)
    psql = client_tool(db.cluster, "psql")
    proc = subprocess.run(command.replace("psql -f", f"{psql} -X -v ON_ERROR_STOP=1 -f"), shell=True, cwd=ROOT,
                          env=client_env(db.cluster, db.name), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "lock_timeout 2s" in proc.stderr
    with db.connect() as conn:
        assert conn.execute("SELECT name FROM companies").fetchall() == [("Durand BTP",)]
        assert conn.execute("SELECT memtech.installed_version()").fetchone()[0] == VERSION


def test_the_readme_backend_transaction_runs_as_written(db):
    db.install()
    user = "d0000000-0000-4000-8000-0000000000ee"
    db.psql(f"""INSERT INTO companies (id, name) VALUES ('c0000000-0000-4000-8000-0000000000ee', 'Echo BTP');
        INSERT INTO users (id, company_id, email, full_name) VALUES
          ('{user}', 'c0000000-0000-4000-8000-0000000000ee', 'e@echo.fr', 'Eve');
        INSERT INTO content_blocks (company_id, type, title) VALUES
          ('c0000000-0000-4000-8000-0000000000ee', 'person-cv', 'CV Eve');""")
    block = re.search(r"```sql\n(.*?)```", README, re.S).group(1)
    sql = "\n".join(line.strip() for line in block.splitlines()).replace("0b6c...", user)
    out = db.psql(sql, args=["-At"]).stdout
    assert "CV Eve" in out.splitlines(), out


def test_make_demo_then_make_stop_on_the_embedded_cluster():
    base = tempfile.mkdtemp(prefix="memtech-demo-")
    os.chmod(base, 0o755)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not re.match(r"PG[A-Z]", k) and k != "DATABASE_URL"}
    args = [f"EMBEDDED_DIR={base}/pgdata", f"EMBEDDED_PORT={port}"]
    try:
        proc = make("demo", env, *args)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert "== 1. The same query, two companies, different rows" in proc.stdout
        assert "violates row-level security policy" in proc.stderr
    finally:
        stopped = make("stop", env, *args)
        shutil.rmtree(base, ignore_errors=True)
    assert stopped.returncode == 0, stopped.stderr


def test_make_install_in_a_checkout_the_postgres_user_cannot_reach(tmp_path):
    """As root in a folder only root may enter (a checkout under /root): the embedded cluster is
    put where the server's OS user can reach it, said in one line, and found again by psql and stop."""
    if os.geteuid() != 0:
        import pytest
        pytest.skip("only root runs the server as another OS user")
    checkout = tmp_path / "home-of-root"
    checkout.mkdir(mode=0o700)
    os.chmod(checkout, 0o700)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not re.match(r"PG[A-Z]", k) and k != "DATABASE_URL"}
    datadir = checkout / ".pgdata"
    args = [f"EMBEDDED_DIR={datadir}", f"EMBEDDED_PORT={port}"]
    try:
        proc = make("install", env, *args)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        said = [line for line in proc.stderr.splitlines() if "cannot reach" in line]
        assert len(said) == 1 and f"({datadir} links to it)" in said[0], proc.stderr
        assert datadir.is_symlink()
        proc = make("psql", env, *args, "PSQL_ARGS=-At -c 'SELECT memtech.installed_version()'")
        assert proc.returncode == 0 and proc.stdout.strip() == VERSION, proc.stdout + proc.stderr
        assert make("stop", env, *args).returncode == 0
        proc = make("psql", env, *args, "PSQL_ARGS=-At -c 'SELECT 1'")   # starts it again, same data
        assert proc.returncode == 0 and proc.stdout.strip() == "1", proc.stderr
        assert not [line for line in proc.stderr.splitlines() if "cannot reach" in line]
    finally:
        target = datadir.resolve()
        subprocess.run([sys.executable, str(ROOT / "tools" / "pgcluster.py"), "remove", str(datadir)], env=env)
    assert not target.exists() and not datadir.exists()
