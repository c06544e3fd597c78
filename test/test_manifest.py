"""The manifest (sql/manifest.sql) is the one list of the tenant tables: the install keeps what
it says, the Python side reads the same, and no other list of them is written in sql/ or test/."""
import re

import manifest
from conftest import ROOT
from helpers import rows

# Literals in quotes ('x' or "x"), and what may stand between two of a list: commas, brackets,
# parentheses, blanks and line breaks (comments of Python or SQL are blanked out first).
LITERAL = re.compile(r"""(['"])([a-z_]+)\1""")
COMMENT = re.compile(r"(?:#|--)[^\n'\"]*$", re.M)
BETWEEN = re.compile(r"[\s,()\[\]]*")


def lists_of_tenant_tables(text, names, at_least=3):
    """The runs of at_least or more tenant table names written one after the other."""
    text = COMMENT.sub("", text)
    found, run, last_end = [], [], None
    for m in LITERAL.finditer(text):
        word = m.group(2)
        adjacent = last_end is not None and BETWEEN.fullmatch(text, last_end, m.start())
        if word in names and (adjacent or not run):
            run.append(word)
        else:
            if len(set(run)) >= at_least:
                found.append(run)
            run = [word] if word in names else []
        last_end = m.end()
    if len(set(run)) >= at_least:
        found.append(run)
    return found


def test_the_install_keeps_the_manifest_the_python_side_reads(db):
    db.install()
    kept = rows(db, "SELECT * FROM memtech.tenant_table ORDER BY table_name")
    read = sorted(tuple(t) for t in manifest.tables())
    assert [tuple(r) for r in kept] == read


def test_no_other_list_of_tenant_tables_is_written_in_sql_or_test():
    names = set(manifest.names())
    files = [p for p in sorted((ROOT / "sql").rglob("*.sql")) if p.name != "manifest.sql"]
    files += [p for p in sorted((ROOT / "test").rglob("*")) if p.suffix in (".py", ".sql")
              and "fixtures" not in p.parts and p.name != "test_manifest.py"]
    offenders = {str(p.relative_to(ROOT)): lists_of_tenant_tables(p.read_text(encoding="utf-8"), names)
                 for p in files}
    assert {p: found for p, found in offenders.items() if found} == {}


def test_the_check_finds_a_list_written_any_of_the_usual_ways():
    names = {"projects", "sections", "memoires", "users"}
    for text in ("['projects', 'sections', 'memoires']", "ARRAY['projects',\n 'sections', -- x\n 'memoires']",
                 "IN ('projects', 'sections', 'memoires')", "('projects'), ('sections'), ('memoires')",
                 '["projects", "sections",  # y\n "memoires"]'):
        assert lists_of_tenant_tables(text, names) == [["projects", "sections", "memoires"]], text
    for text in ("{'projects': 1, 'sections': 2, 'memoires': 3}", "('projects', 'id'), ('sections', 'id')",
                 "['projects', 'sections']"):
        assert lists_of_tenant_tables(text, names) == [], text
