"""What the generators write, compared with files a reviewer reads: a change to a generator shows
up as a readable diff of its output. After a deliberate change, write the files again with

    MEMTECH_UPDATE_GOLDEN=1 .venv/bin/python -m pytest test/test_golden.py

and commit them with the change."""
import difflib
import os

from conftest import ROOT
from helpers import scalar

GOLDEN = ROOT / "test" / "golden"


def compare(name, text):
    path = GOLDEN / name
    if os.environ.get("MEMTECH_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                        f"{path.relative_to(ROOT)} (committed)", "generated now"))
    assert text == expected, f"the generator writes something else than the committed golden file:\n{diff}"


def test_the_audit_function_generated_for_content_blocks_is_the_committed_one(db):
    # The body memtech.generate_audit_function() writes for content_blocks, parts filled in.
    db.install()
    body = scalar(db, "SELECT prosrc FROM pg_proc WHERE oid = 'memtech.audit_content_blocks()'::regprocedure")
    compare("audit_content_blocks.sql",
            "-- memtech.audit_content_blocks(), as memtech.generate_audit_function('content_blocks') writes it.\n"
            "-- Generated: test/test_golden.py compares it with what the install writes.\n" + body.lstrip("\n"))
