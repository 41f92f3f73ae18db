"""The ledger's entry types are one enum: the recorder refuses any other, the code names them through
it, and docs/ledger.md lists exactly them."""

import ast
import re
from pathlib import Path

import pytest

from rightsledger.ledger.append import recording
from rightsledger.ledger.entry_types import EntryType
from rightsledger.models import LedgerEntry, Party

ROOT = Path(__file__).resolve().parents[2]
APPS = ("rightsledger", "generation", "provenance", "tracker", "portal", "demo")


def _app_modules():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text())


def test_the_docs_list_every_entry_type_with_its_meaning():
    rows = re.findall(r"^\| `([a-z_.]+)` \| (.+) \|$", (ROOT / "docs/ledger.md").read_text(), re.M)
    assert rows == [(e.value, e.meaning) for e in EntryType]


@pytest.mark.django_db
def test_the_recorder_refuses_a_type_that_is_not_listed_and_writes_nothing(world):
    before = (Party.objects.count(), LedgerEntry.objects.count())
    with pytest.raises(ValueError, match="'party.invented' is not a ledger entry type"):
        with recording(actor=None) as rec:
            party = Party.objects.create(studio=world.studio, name="Unlisted", kind="vendor")
            rec.append("party.invented", {"party": party.pk}, record=party)
    assert (Party.objects.count(), LedgerEntry.objects.count()) == before


def test_the_code_names_entry_types_through_the_enum():
    """No module but the enum's writes a type as a string, and a Recorder (`rec`, by convention) is
    given a member of the enum, never a literal or an f-string: a typo would otherwise reach the
    ledger, or a filter would silently match nothing."""
    values = {e.value for e in EntryType}
    found = []
    for path, tree in _app_modules():
        if path.name == "entry_types.py":
            continue
        for node in ast.walk(tree):
            literal = isinstance(node, ast.Constant) and node.value in values
            built = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "rec"  # a Recorder
                and node.func.attr == "append"
                and node.args
                and isinstance(node.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp))
            )
            if literal or built:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_every_entry_type_is_written_somewhere():
    """A listed type that nothing writes is a stale line in the docs and the enum."""
    named = {
        node.attr
        for _, tree in _app_modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "EntryType"
    }
    versioned = {
        e.name
        for e in EntryType
        if e.value.split(".")[0] in ("grant", "consent", "reservation", "role", "tracker_link")
    }
    assert {e.name for e in EntryType} - named - versioned == set()
