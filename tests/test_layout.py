"""The layout shows the design: dependencies point one way, and the pure verifier stays pure."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports_of(package: str) -> dict[str, set[str]]:
    """Return, for each module of a package, the top-level modules and the full names it imports."""
    out = {}
    for path in (ROOT / package).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
        out[str(path.relative_to(ROOT))] = names
    return out


@pytest.mark.parametrize(
    "package,forbidden",
    [
        ("rightsledger", ("provenance", "generation", "tracker", "portal", "config", "demo")),
        ("provenance", ("generation", "tracker", "portal", "config", "demo")),
        ("generation", ("tracker", "portal", "config", "demo")),
        ("tracker", ("portal", "config", "demo")),
    ],
)
def test_dependencies_point_one_way(package, forbidden):
    offending = {
        module: sorted(n for n in names if n.split(".")[0] in forbidden)
        for module, names in imports_of(package).items()
        if any(n.split(".")[0] in forbidden for n in names)
    }
    assert offending == {}


def test_the_verifier_imports_only_the_pure_tlog_code():
    for module, names in imports_of("rightsledger/tlog").items():
        outside = sorted(n for n in names if n.split(".")[0] in ("django", "rest_framework", "celery") or (n.startswith("rightsledger.") and not n.startswith("rightsledger.tlog")))
        assert outside == [], module
