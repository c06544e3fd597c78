"""The manifest of the tenant tables (sql/manifest.sql), read by the Python side: the tests and
the benchmark take the tables from here instead of keeping lists of their own.

    import manifest
    manifest.tables()                       # every row, as Table(table_name=..., origin=..., ...)
    manifest.names(origin="v0")             # names whose fields match
    manifest.names(audited=True)

Standard library only: it reads the VALUES list of the SQL file (string literals, NULL, true,
false), the one place the facts are written.
"""
import collections
import pathlib
import re

PATH = pathlib.Path(__file__).resolve().parents[1] / "sql" / "manifest.sql"
TOKEN = re.compile(r"'((?:[^']|'')*)'|(NULL|true|false)|([(),])", re.I)


def _rows(text):
    """The tuples of the VALUES list, each a list of values (str, None, bool, or list of str)."""
    body = text[text.index("FROM (VALUES"):]
    body = body[len("FROM (VALUES"):body.index(") AS m (")]
    body = re.sub(r"--[^\n]*", "", body)
    rows, row, depth = [], None, 0
    for m in TOKEN.finditer(body):
        string, word, punct = m.groups()
        if punct == "(":
            depth += 1
            row = []
        elif punct == ")":
            depth -= 1
            rows.append(row)
        elif punct == ",":
            continue
        elif string is not None:
            value = string.replace("''", "'")
            row.append(value[1:-1].split(",") if value.startswith("{") and value != "{}" else
                       [] if value == "{}" else value)
        else:
            row.append(None if word.upper() == "NULL" else word.lower() == "true")
    return rows


def _columns(text):
    names = text[text.index(") AS m (") + len(") AS m ("):]
    return [n.strip() for n in names[:names.index(")")].split(",")]


Table = None


def tables():
    """Every row of the manifest, in its order."""
    global Table
    text = PATH.read_text(encoding="utf-8")
    columns = _columns(text)
    Table = collections.namedtuple("Table", columns)
    return [Table(*row) for row in _rows(text)]


def names(**where):
    """The names of the tables whose fields equal where's values (names(origin="v0"))."""
    return [t.table_name for t in tables() if all(getattr(t, k) == v for k, v in where.items())]
