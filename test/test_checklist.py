"""docs/upgrades.md's "Before you install" checklist and the install's own checks mirror each
other, both ways:

  * each item names the checks that enforce it, `sql/file`: *message*, and each named message
    is in that file, so that the checklist cannot outlive the checks it quotes;
  * each check by which the install stops is quoted by an item. A stop is a RAISE EXCEPTION
    of the install (build/install.sql as build.py makes it, and build/prepare.sql) whose HINT
    starts "Nothing was changed." (the convention for an error that refuses before the
    script has changed anything); and every RAISE EXCEPTION the install runs itself (in a
    DO block or a pg_temp function, rather than in a function it creates for later) must
    be one, so that a new check cannot leave the checklist behind by leaving out the HINT.
"""
import re

from conftest import ROOT
import build  # noqa: E402  (the repository's root, on sys.path by conftest)

UPGRADES = (ROOT / "docs" / "upgrades.md").read_text(encoding="utf-8")
STOP_HINT = "Nothing was changed."
# What the SQL scanner below stops at: a comment, a quoted string, a dollar-quote tag, the end
# of a statement, a RAISE EXCEPTION.
TOKEN = re.compile(r"--[^\n]*|[Ee]?'(?:[^']|'')*'|\$(?:[A-Za-z_]\w*)?\$|;|\bRAISE\s+EXCEPTION\b", re.I)


def checklist_items():
    section = re.search(r"^## Before you install\n(.*?)^## ", UPGRADES, re.S | re.M)
    assert section, "docs/upgrades.md has no section 'Before you install'"
    return [" ".join(item.split()) for item in re.split(r"^- ", section.group(1), flags=re.M)[1:]]


def quoted_checks(item):
    """[(file, message)] of an item: each *message* belongs to the `sql/...` file named before it."""
    found, path = [], None
    for token in re.findall(r"`(sql/[^`]+)`|\*([^*]+)\*", re.sub(r"\*\*.*?\*\*", "", item)):
        if token[0]:
            path = token[0]
        elif path:
            found.append((path, token[1]))
    return found


def message_pattern(message):
    """A quoted message as a pattern: "..." stands for what the script fills in (a % of RAISE, a
    %s of format())."""
    return r".{1,40}?".join(re.escape(piece.strip()) for piece in message.split("...") if piece.strip())


def install_sources():
    """[(file, text)] of what the install runs: build.py's install script, cut at the headers it
    writes before each file, and prepare.sql."""
    parts = re.split(r"^-- ==== (sql/\S+) ====$", build.script("install", build.modules()), flags=re.M)
    return list(zip(parts[1::2], parts[2::2])) + [("sql/prepare.sql", (ROOT / "sql" / "prepare.sql").read_text())]


def literal(text):
    """The first SQL string literal of text (after blanks), unquoted; None if text starts otherwise."""
    m = re.match(r"\s*'((?:[^']|'')*)'", text)
    return m.group(1).replace("''", "'") if m else None


def raised_errors(text):
    """(message, hint, run by the install itself) of each RAISE EXCEPTION in text. "Itself": in
    the body of a top-level DO block or pg_temp function; one in a function the install creates
    for later, or in a string inside a body (SQL the body executes), is not."""
    found, tags, statement_start, pos = [], [], 0, 0
    while m := TOKEN.search(text, pos):
        token, pos = m.group(0), m.end()
        if token.startswith("$"):
            if tags and token == tags[-1]:
                tags.pop()
            elif tags:                           # a string inside a body: skipped whole
                pos = text.index(token, pos) + len(token)
            else:
                tags.append(token)
        elif token == ";" and not tags:
            statement_start = pos
        elif re.match(r"RAISE", token, re.I):
            end = next(t.start() for t in TOKEN.finditer(text, pos) if t.group(0) == ";")
            raised = text[pos:end]
            hint = re.search(r"\bHINT\s*=\s*(?:format\()?", raised)
            head = re.sub(r"--[^\n]*", "", text[statement_start:m.start()]).lstrip()
            itself = len(tags) == 1 and bool(re.match(r"DO\b|CREATE (OR REPLACE )?FUNCTION pg_temp\.", head, re.I))
            found.append((literal(raised), hint and literal(raised[hint.end():]), itself))
    return found


def stops():
    """(file, message) of every check by which the install stops."""
    return [(path, message) for path, text in install_sources()
            for message, hint, _ in raised_errors(text) if hint and hint.startswith(STOP_HINT)]


def test_every_item_of_the_checklist_names_a_check_whose_message_the_scripts_hold():
    items = checklist_items()
    assert len(items) >= 6, items
    for item in items:
        checks = quoted_checks(item)
        assert checks, f"this item names no check (`sql/file`: *message*): {item}"
        for path, message in checks:
            text = (ROOT / path).read_text(encoding="utf-8")
            assert re.search(message_pattern(message), text, re.S), f"{path} has no message like {message!r} (item: {item})"


def test_every_check_that_stops_the_install_is_in_the_checklist():
    quoted = [check for item in checklist_items() for check in quoted_checks(item)]
    found = stops()
    assert len(found) >= 12, found
    missing = [f"{path}: {message}" for path, message in found
               if not any(path == q_path and re.search(message_pattern(q_message), message)
                          for q_path, q_message in quoted)]
    assert not missing, ("docs/upgrades.md, 'Before you install', has no item quoting these checks of the install "
                         "(add one, or add the check to the item it belongs to): " + "; ".join(missing))


def test_every_error_the_install_raises_itself_says_nothing_was_changed():
    errors = [(path, message, hint) for path, text in install_sources()
              for message, hint, itself in raised_errors(text) if itself]
    assert len(errors) >= 12, errors
    unmarked = [f"{path}: {message} (HINT {hint!r})" for path, message, hint in errors
                if not (hint or "").startswith(STOP_HINT)]
    assert not unmarked, (f"these errors of the install itself have no HINT starting {STOP_HINT!r}: give them one, "
                          "and an item in docs/upgrades.md's 'Before you install': " + "; ".join(unmarked))
