"""docs/architecture.md's "How to add a tenant table", followed literally: its manifest row and
its module go into a copy of sql/, build.py builds the scripts, and the new table comes out
isolated, audited, held to the catalog's rules and uninstalled like the package's own."""
import re
import shutil
import subprocess
import sys
import textwrap

import psycopg
import pytest

from conftest import ROOT
from helpers import load_v0, rows, scalar
from test_pgtap import prove

DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
COMPANY_A, COMPANY_B = "c0000000-0000-4000-8000-0000000000a7", "c0000000-0000-4000-8000-0000000000b7"
USER_A, USER_B = "d0000000-0000-4000-8000-0000000000a7", "d0000000-0000-4000-8000-0000000000b7"


def walkthrough_blocks():
    """The manifest row, the module and its undo, as the walkthrough writes them."""
    section = DOC[DOC.index("## How to add a tenant table"):]
    blocks = [textwrap.dedent(b) for b in re.findall(r"```sql\n(.*?)```", section, re.S)]
    assert len(blocks) == 3, "the walkthrough should show the manifest row, the module and its undo"
    return blocks


@pytest.fixture
def built(tmp_path):
    """A copy of the package with the walkthrough's table added, built: the install and
    uninstall scripts."""
    row, module, undo = walkthrough_blocks()
    for name in ("build.py", "VERSION"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "sql", tmp_path / "sql")
    manifest = (tmp_path / "sql" / "manifest.sql").read_text(encoding="utf-8").splitlines()
    end = next(i for i, line in enumerate(manifest) if line.startswith(") AS m ("))   # step 1: the last row
    manifest[end - 1] += ","
    manifest.insert(end, row.rstrip("\n"))
    (tmp_path / "sql" / "manifest.sql").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    (tmp_path / "sql" / "10_site_visits.sql").write_text(module, encoding="utf-8")           # step 2
    (tmp_path / "sql" / "10_site_visits.undo.sql").write_text(undo, encoding="utf-8")        # step 3
    proc = subprocess.run([sys.executable, "build.py"], cwd=tmp_path, capture_output=True, text=True)  # step 4
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "build" / "install.sql", tmp_path / "build" / "uninstall.sql"


def as_tenant(db, user, sql, params=None):
    with db.connect() as conn, conn.transaction():
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SELECT set_config('app.user_id', %s, true)", [user])
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else cur.rowcount


def test_a_table_added_as_the_architecture_guide_says_is_isolated_audited_and_uninstalled(db, built):
    install, uninstall = built
    load_v0(db, app_objects=False)   # the catalog's rules hold the package's and v0's objects only
    before = db.dump()
    db.psql(install)
    db.psql(f"""
        INSERT INTO public.companies (id, name) VALUES ('{COMPANY_A}', 'Alpha'), ('{COMPANY_B}', 'Bêta');
        INSERT INTO public.users (id, company_id, email, full_name, role) VALUES
          ('{USER_A}', '{COMPANY_A}', 'a@alpha.fr', 'A', 'user'), ('{USER_B}', '{COMPANY_B}', 'b@beta.fr', 'B', 'user');""")

    # company_id filled in, the visit kept to its company, the visitor checked, the trail written.
    as_tenant(db, USER_A, "INSERT INTO public.site_visits (site, visited_by) VALUES ('Lyon 7e', %s)", [USER_A])
    assert scalar(db, "SELECT company_id::text FROM public.site_visits") == COMPANY_A
    assert as_tenant(db, USER_A, "SELECT site FROM public.site_visits") == [("Lyon 7e",)]
    assert as_tenant(db, USER_B, "SELECT site FROM public.site_visits") == []
    assert as_tenant(db, USER_B, "UPDATE public.site_visits SET notes = 'x'") == 0
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="site_visits.visited_by must refer to users"):
        as_tenant(db, USER_A, "INSERT INTO public.site_visits (site, visited_by) VALUES ('Lyon 8e', %s)", [USER_B])
    assert rows(db, "SELECT action, user_id::text FROM public.audit_log WHERE resource_type = 'site_visits'") == [
        ("insert", USER_A)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with db.connect() as conn, conn.transaction():
            conn.execute("SET LOCAL ROLE anon")
            conn.execute("SELECT 1 FROM public.site_visits")
    # The catalog's rules and the privileges' hold for it as for every table.
    for check in ("99_catalog.sql", "22_api_privileges.sql"):
        prove(db, ROOT / "test" / "pgtap" / check)
    db.psql("DROP EXTENSION pgtap")

    db.psql(uninstall, {"memtech.confirm_data_loss": "on"})
    assert db.dump() == before
