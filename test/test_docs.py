"""The documentation is true: docs/schema.md is what the catalog says, and the examples of
the integration guides run as written."""
import pathlib
import re
import subprocess
import sys

import pytest

from conftest import client_env, client_tool
from helpers import VERSION

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
import schema_doc  # noqa: E402

COMPANY_A, COMPANY_B = "c0000000-0000-4000-8000-0000000000da", "c0000000-0000-4000-8000-0000000000db"
USER_A, USER_B = "d0000000-0000-4000-8000-0000000000da", "d0000000-0000-4000-8000-0000000000db"


def code_blocks(doc, language):
    return re.findall(rf"```{language}\n(.*?)```", (ROOT / "docs" / doc).read_text(encoding="utf-8"), re.S)


def two_companies(db):
    db.psql(f"""
        INSERT INTO companies (id, name) VALUES ('{COMPANY_A}', 'Alpha BTP'), ('{COMPANY_B}', 'Beta Construction');
        INSERT INTO users (id, company_id, email, full_name, role) VALUES
          ('{USER_A}', '{COMPANY_A}', 'a@alpha.fr', 'Anne', 'user'),
          ('{USER_B}', '{COMPANY_B}', 'b@beta.fr', 'Bruno', 'user');
        INSERT INTO content_blocks (company_id, type, title) VALUES
          ('{COMPANY_A}', 'person-cv', 'CV Anne'), ('{COMPANY_A}', 'equipment', 'Grue'),
          ('{COMPANY_B}', 'person-cv', 'CV Bruno');
    """)


def test_schema_md_is_what_the_catalog_says(db):
    """A stale docs/schema.md fails here: run `make docs` and commit it."""
    db.install()
    with db.connect() as conn:
        generated = schema_doc.render(conn)
    assert (ROOT / "docs" / "schema.md").read_text(encoding="utf-8") == generated, \
        "docs/schema.md is stale: run `make docs` and commit it"


def test_the_python_guide_example_sees_only_the_users_company(db):
    db.install()
    two_companies(db)
    namespace = {}
    exec(code_blocks("python.md", "python")[0], namespace)  # noqa: S102 - our own documentation
    assert namespace["list_cvs"](db.dsn, USER_A) == ["CV Anne"]
    assert namespace["list_cvs"](db.dsn, USER_B) == ["CV Bruno"]
    with db.connect() as conn:
        agent, address = conn.execute(
            "SELECT user_agent, host(ip_address) FROM audit_log WHERE user_id = %s LIMIT 1", (USER_A,)).fetchone() or (None, None)
    # list_cvs only reads; the trail records writes. A write through the helper is recorded:
    from memtech import acting_as
    import psycopg
    with psycopg.connect(db.dsn) as conn:
        with acting_as(conn, USER_A, client_ip="203.0.113.7", user_agent="backend/1.4") as cur:
            cur.execute("INSERT INTO content_blocks (type, title) VALUES ('procedure', 'PPSPS') RETURNING company_id")
            assert str(cur.fetchone()[0]) == COMPANY_A
    with db.connect() as conn:
        assert conn.execute("SELECT host(ip_address), user_agent FROM audit_log "
                            "WHERE user_id = %s AND resource_type = 'content_blocks'", (USER_A,)).fetchone() \
            == ("203.0.113.7", "backend/1.4")


def test_acting_as_leaves_nothing_on_the_connection(db):
    db.install()
    two_companies(db)
    import psycopg
    from memtech import acting_as
    with psycopg.connect(db.dsn) as conn:
        with acting_as(conn, USER_A) as cur:
            cur.execute("SELECT count(*) FROM content_blocks")
            assert cur.fetchone()[0] == 2
        assert conn.execute("SELECT current_user, current_setting('app.user_id', true)").fetchone() == ("postgres", "")
        conn.execute("SELECT 1")  # opens a transaction (psycopg's default)
        with pytest.raises(RuntimeError, match="outside any transaction"):
            with acting_as(conn, USER_A):
                pass


def test_the_supabase_request_example_runs_as_written(db):
    db.install()
    two_companies(db)
    sql = code_blocks("supabase.md", "sql")[0].replace("<users.id>", USER_B)
    result = db.psql(sql, args=["-At"])
    assert "CV Bruno" in result.stdout and "CV Anne" not in result.stdout


def test_a_runner_that_wraps_the_file_in_its_own_transaction_still_installs(db, build_scripts):
    import psycopg
    script = build_scripts.install.read_text(encoding="utf-8")
    with psycopg.connect(db.dsn) as conn:  # not autocommit: psycopg opens a transaction first
        conn.execute(script)
        conn.commit()
    with db.connect() as conn:
        assert conn.execute("SELECT memtech.installed_version()").fetchone()[0] is not None


def test_the_upgrade_guide_commands_apply_verify_and_roll_back(db):
    db.load_fixture("v0_schema")
    db.load_fixture("v0_data")
    before = db.dump()
    apply_cmd, rollback_cmd = (block.strip() for block in code_blocks("upgrades.md", "sh"))
    env = client_env(db.cluster, db.name)
    env["DATABASE_URL"] = db.dsn
    psql = client_tool(db.cluster, "psql")
    for command in (apply_cmd,):
        subprocess.run(command.replace("psql ", f"{psql} ", 1), shell=True, check=True, cwd=ROOT, env=env,
                       capture_output=True)
    verify = code_blocks("upgrades.md", "sql")[0]
    result = db.psql(verify, args=["-At"])
    assert result.stdout.split() == [VERSION, "0"]
    subprocess.run(rollback_cmd.replace("psql ", f"{psql} ", 1), shell=True, check=True, cwd=ROOT, env=env,
                   capture_output=True)
    assert db.dump() == before
