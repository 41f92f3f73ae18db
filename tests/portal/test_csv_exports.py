"""Every CSV export opens in a spreadsheet as text: a cell that begins with =, +, -, @, a tab or a
carriage return (OWASP's list) is neutralised, whatever a performer, a party or a caller named
themselves. Every CSV writer of the code base goes through rightsledger.csvexport."""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest

from generation import services as gen
from rightsledger import csvexport

from .. import factories as f
from ..generation.conftest import Gate

ROOT = Path(__file__).resolve().parents[2]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
NAMES = [
    '=HYPERLINK("http://evil.example","Mara Vega")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _unsafe(cells) -> list[str]:
    """Return the cells a spreadsheet would read as a formula (a number such as -12.5 is a number)."""
    return [c for c in cells if c[:1] in DANGEROUS and not re.fullmatch(r"-?[0-9,.]+", c)]


@pytest.mark.parametrize("writer", ["writer", "dict_writer"])
def test_every_cell_that_could_be_a_formula_is_neutralised(writer):
    values = [f"{lead}cmd|' /C calc'!A0" for lead in DANGEROUS]
    values += ['=HYPERLINK("http://evil.example","x")', "-12.5", 7, "plain"]
    buf = io.StringIO()
    if writer == "writer":
        out = csvexport.writer(buf)
        out.writerow(values)
        out.writerows([values[::-1]])
    else:
        names = [f"c{n}" for n in range(len(values))]
        out = csvexport.dict_writer(buf, fieldnames=names)
        out.writeheader()
        out.writerow(dict(zip(names, values)))
    cells = _cells(buf.getvalue())
    assert not _unsafe(cells), _unsafe(cells)
    assert '\'=HYPERLINK("http://evil.example","x")' in cells and "'\tcmd|' /C calc'!A0" in cells
    assert {"-12.5", "7", "plain"} <= set(cells)  # numbers and text stay as they are


def test_the_shot_audit_csv_neutralises_performers_names_in_every_cell(world, client):
    """Performers named like formulas, each quoted at the start of a decision's message."""
    gate = Gate(world)
    inputs = [{"asset": gate.plate, "role": "plate"}]
    for n, name in enumerate(NAMES):
        talent = f.make_talent(name, professional_name=name)
        likeness = f.make_asset(world.prod_a, seed=900 + n, kind="likeness_reference", talent=talent)
        inputs.append({"asset": likeness, "role": "likeness", "modality": "face"})
    gen.request_submit(
        actor=world.producer_a,
        production=world.prod_a,
        shot=gate.shot,
        engine="atmosphere",
        seed=1,
        intended_use="atmosphere",
        media=["theatrical"],
        territories=["US"],
        release_start=datetime.date(2026, 6, 1),
        release_end=datetime.date(2026, 12, 31),
        inputs=inputs,
    )
    client.force_login(world.auditor)
    response = client.get(f"/shots/{gate.shot.pk}/audit.csv")
    assert response.status_code == 200
    cells = _cells(response.content.decode())
    assert not _unsafe(cells), _unsafe(cells)
    for name in NAMES:  # each name is there, as text (defusedcsv also escapes a pipe, which DDE uses)
        assert any(c.startswith("'" + name.replace("|", "\\|")) for c in cells), name


def test_every_csv_writer_goes_through_csvexport():
    """A new export that writes CSV with the standard library's writer fails here."""
    offenders = []
    packages = ("config", "rightsledger", "provenance", "generation", "tracker", "portal", "demo")
    for path in sorted(p for package in packages for p in (ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "rightsledger/csvexport.py":
            continue
        text = path.read_text()
        imports = re.search(r"^\s*(import csv\b|from csv import)", text, re.M)
        if imports or re.search(r"\bcsv\.(writer|DictWriter)\(", text):
            offenders.append(rel)
    assert not offenders, f"write CSV through rightsledger.csvexport: {offenders}"
    assert "csvexport.writer(" in (ROOT / "portal/exports.py").read_text()
    assert "dict_writer(" in (ROOT / "provenance/check_cli.py").read_text()
