"""Import layering, read from the source (ast): `schemas` imports nothing else of Ocula, `adapters` imports
`schemas`, `pipelines` imports both, and only `ocula/` (the facade: api, cli, langchain, models, ...) imports
them all. Imports inside functions count too: a lazy import is still a dependency. And no import cycle within
the library (`schemas`, `adapters`, `pipelines`), where only imports under `if TYPE_CHECKING:` are left out (they
name types for annotations and never run)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Source folder -> the package it is installed as (pyproject's [tool.setuptools] package-dir).
PACKAGES = {"schemas": "ocula.schemas", "adapters": "ocula.adapters", "pipelines": "ocula.pipelines"}
# What each layer may import of Ocula; anything else under `ocula` (the facade, or `ocula` itself) is refused.
ALLOWED = {
    "schemas": ("ocula.schemas",),
    "adapters": ("ocula.schemas", "ocula.adapters"),
    "pipelines": ("ocula.schemas", "ocula.adapters", "ocula.pipelines"),
}


def module_name(root: Path, folder: str, path: Path) -> str:
    parts = path.relative_to(root / folder).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGES[folder], *parts))


def modules(root: Path, folder: str) -> dict[str, Path]:
    """Module name -> file for every `.py` file of a source folder."""
    found = {}
    for path in sorted((root / folder).rglob("*.py")):
        if "__pycache__" not in path.parts:
            found[module_name(root, folder, path)] = path
    return found


def type_checking_only(tree: ast.Module) -> set[ast.AST]:
    """The import statements under `if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`)."""
    out: set[ast.AST] = set()
    for node in ast.walk(tree):
        test = node.test if isinstance(node, ast.If) else None
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            out.update(n for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.Import | ast.ImportFrom))
    return out


def imported_names(name: str, path: Path, *, type_checking: bool = True) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of everything the module imports, relative imports resolved; `from m import x`
    gives `m.x` (x may be a module or a name in m). `type_checking=False` leaves out `if TYPE_CHECKING:` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skipped = set() if type_checking else type_checking_only(tree)
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def violations(root: Path, folder: str) -> list[str]:
    """`file:line imports name` for every import of Ocula that the folder's layer may not make."""
    found = []
    for name, path in modules(root, folder).items():
        for line, target in imported_names(name, path):
            if under(target, "ocula") and not any(under(target, ok) for ok in ALLOWED[folder]):
                found.append(f"{path.relative_to(root)}:{line} imports {target}")
    return found


def dependencies(root: Path, folders: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the modules of `folders` it imports (`from package import name` counts as importing the package
    unless `name` is one of its modules)."""
    known: dict[str, Path] = {}
    for folder in folders:
        known.update(modules(root, folder))
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        deps = set()
        for _, target in imported_names(name, path, type_checking=False):
            module = target if target in known else target.rpartition(".")[0]
            if module in known and module != name:
                deps.add(module)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@pytest.mark.parametrize("folder", ["schemas", "adapters", "pipelines"])
def test_layer_imports_only_the_layers_below(folder: str) -> None:
    assert len(modules(REPO, folder)) > 5  # the scan found the layer
    assert violations(REPO, folder) == []


def test_no_import_cycle_within_the_library() -> None:
    graph = dependencies(REPO, ("schemas", "adapters", "pipelines"))
    assert graph["ocula.schemas.results"]  # the scan sees imports
    found = cycles(graph)
    edges = [f"{a} -> {b}" for component in found for a in component for b in sorted(graph[a]) if b in component]
    assert found == [], f"modules that import each other: {edges}"


def test_the_checks_catch_an_upward_import_and_a_cycle(tmp_path: Path) -> None:
    """The checker itself: a lazy import of a pipeline, a relative import of an adapter, the facade, a cycle."""
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "__init__.py").write_text("from ocula.schemas.a import A\n")
    (tmp_path / "schemas" / "a.py").write_text(
        "from ocula.schemas import b\n\nA = 1\n\ndef f():\n    from ocula.pipelines.overlay import draw\n"
    )
    (tmp_path / "schemas" / "b.py").write_text("from ..adapters import io\nimport ocula.api\nfrom ocula import A\n")
    assert violations(tmp_path, "schemas") == [
        "schemas/a.py:6 imports ocula.pipelines.overlay.draw",
        "schemas/b.py:1 imports ocula.adapters.io",
        "schemas/b.py:2 imports ocula.api",
        "schemas/b.py:3 imports ocula.A",
    ]
    (tmp_path / "schemas" / "b.py").write_text("if TYPE_CHECKING:\n    from ocula.schemas.a import A\n")
    assert cycles(dependencies(tmp_path, ("schemas",))) == []  # a type-only import never runs
    (tmp_path / "schemas" / "b.py").write_text("def g():\n    from ocula.schemas.a import A\n")
    assert cycles(dependencies(tmp_path, ("schemas",))) == [["ocula.schemas.a", "ocula.schemas.b"]]
