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
        outside = sorted(
            n
            for n in names
            if n.split(".")[0] in ("django", "rest_framework", "celery")
            or (n.startswith("rightsledger.") and not n.startswith("rightsledger.tlog"))
        )
        assert outside == [], module


APPS = ("rightsledger", "provenance", "generation", "tracker", "portal", "config", "demo")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Return, for each module of the apps, the app modules it imports, at the top or inside a
    function alike: a lazy import hides a cycle from Python, not from this graph."""
    paths = {
        _module_name(p): p for app in APPS for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts
    }
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in node.names:
                    targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base)
        graph[name] = {t for t in targets if t in paths and t != name}
    return graph


def test_no_module_imports_another_that_imports_it_back():
    """Cycles between modules, found as strongly connected components (Tarjan's algorithm). A
    package's `__init__` re-exporting its submodules is not a cycle with them."""
    graph = import_graph()
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not t.startswith(name + ".")}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []
