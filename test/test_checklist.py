"""docs/upgrades.md's "Before you install" checklist names, for each item, the check of the
install that enforces it: the file, and the message it stops (or warns) with. Each named
message is there, so that the checklist cannot outlive the checks it quotes."""
import re

from conftest import ROOT

UPGRADES = (ROOT / "docs" / "upgrades.md").read_text(encoding="utf-8")


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


def test_every_item_of_the_checklist_names_a_check_whose_message_the_scripts_hold():
    items = checklist_items()
    assert len(items) >= 6, items
    for item in items:
        checks = quoted_checks(item)
        assert checks, f"this item names no check (`sql/file`: *message*): {item}"
        for path, message in checks:
            text = (ROOT / path).read_text(encoding="utf-8")
            # "..." stands for what the script fills in (a % of RAISE, a %s of format()).
            pattern = r".{1,40}?".join(re.escape(piece.strip()) for piece in message.split("...") if piece.strip())
            assert re.search(pattern, text, re.S), f"{path} has no message like {message!r} (item: {item})"
