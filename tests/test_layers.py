"""The layers of tncc, read from the source with ``ast`` (nothing is imported).

tncc is built in layers: the front end (``tncc.frontend``) and the IR
(``tncc.ir``, ``tncc.plan``, ...); the passes (``tncc.passes``); the ISA
(``tncc.isa``) and the runtime (``tncc.runtime``); the pipeline and the
Python API at ``tncc``'s top level; evaluation (``tncc.evaluation``) and the
command line (``tncc.cli``) on top.  These tests hold

* no cycle among imports, whether written at the top of a module or inside
  a function (an import moved into a function still closes its cycle, only
  later), so that every import can sit at the top of its module;
* the layer rule (:data:`FORBIDDEN`), for every import wherever it is
  written (at the top, inside a function or under ``TYPE_CHECKING``): the
  ISA and the runtime never import the passes, the front end, evaluation or
  the command line; the passes never import the runtime; the front end never
  imports the compiler below it; nothing outside the command line imports
  it, and nothing outside evaluation and the command line imports
  evaluation (but ``tncc``'s own lazy names, such as ``tncc.comparison``,
  which load it on first use);
* an import of tncc's own modules kept inside a function says why, in a
  comment just above it: ``# start-up: ...`` (a command that must start fast
  does not need the module).  An import that would close a cycle is no
  reason: the code that closes it moves instead.

``python tests/test_layers.py`` prints the graph's size, its layers' edges
and every import kept inside a function.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent

# Layer -> the layers it must never import.
FORBIDDEN: dict[str, frozenset[str]] = {
    "frontend": frozenset({"passes", "isa", "runtime", "evaluation", "cli"}),
    "isa": frozenset({"passes", "frontend", "evaluation", "cli"}),
    "runtime": frozenset({"passes", "frontend", "evaluation", "cli"}),
    "passes": frozenset({"runtime", "evaluation", "cli"}),
    "core": frozenset({"evaluation", "cli"}),
    "evaluation": frozenset({"cli"}),
    "cli": frozenset(),
}

WHY = re.compile(r"#\s*start-up:")


@dataclass(frozen=True)
class Import:
    """One import of a tncc module: who imports what, where, and how."""

    source: str  # importing module, e.g. tncc.passes.tuner
    target: str  # imported module (the package when a name is not a module)
    path: Path
    line: int
    where: str  # "top" (runs on import), "function" or "typing" (under TYPE_CHECKING)


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the installed package, by dotted name; the folders are
    pyproject.toml's ``package-dir`` (isa/ installs as tncc.isa, ...)."""
    with open(root / "pyproject.toml", "rb") as f:
        package_dir: dict[str, str] = tomllib.load(f)["tool"]["setuptools"]["package-dir"]
    out: dict[str, Path] = {}
    for package, folder in package_dir.items():
        for path in sorted((root / folder).rglob("*.py")):
            parts = list(path.relative_to(root / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join([package, *parts])] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(node: ast.Import | ast.ImportFrom, name: str, is_package: bool, known: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        wanted = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:  # relative: resolve against the importing package
            package = name.split(".") if is_package else name.split(".")[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join(package + ([base] if base else []))
        # ``from tncc.passes import tile`` imports the module tncc.passes.tile
        wanted = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
    out = []
    for target in wanted:
        while target and target not in known:  # a name inside a module: the module
            target = target.rpartition(".")[0]
        if target:
            out.append(target)
    return out


@cache
def _scan() -> list[Import]:
    return imports(modules())


def imports(known: dict[str, Path] | None = None) -> list[Import]:
    """Every import of a tncc module written in tncc's source (the checkout's
    when ``known`` is None)."""
    if known is None:
        return _scan()
    found: list[Import] = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"

        def walk(node: ast.AST, where: str) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    for target in _targets(child, name, is_package, known):
                        found.append(Import(name, target, path, child.lineno, where))
                elif isinstance(child, ast.If) and _is_type_checking(child.test):
                    walk(child, "typing")
                elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    walk(child, "function" if where == "top" else where)
                else:
                    walk(child, where)

        walk(tree, "top")
    return found


def layer(module: str) -> str:
    """The layer of a module: its subpackage of tncc, or ``core`` for the
    modules at tncc's top level (IR, pipeline, API); ``tncc.__main__`` is the
    command line's."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in FORBIDDEN:
        return parts[1]
    return "cli" if module == "tncc.__main__" else "core"


def import_graph(found: list[Import], where: tuple[str, ...] = ("top",)) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from({i.source for i in found})
    g.add_edges_from((i.source, i.target) for i in found if i.where in where and i.source != i.target)
    return g


def violations(found: list[Import], root: Path = ROOT) -> list[str]:
    """Every import that breaks the layer rule, as ``path:line: a (layer) imports b (layer)``."""
    return [f"{i.path.relative_to(root)}:{i.line}: {i.source} ({layer(i.source)}) imports {i.target} ({layer(i.target)})"
            for i in found if layer(i.target) in FORBIDDEN[layer(i.source)] and not _reexport(i)]


def _reexport(i: Import) -> bool:
    """``tncc``'s own names for evaluation (``tncc.comparison``): named for
    type checkers and loaded on first use, never when ``tncc`` is imported."""
    return i.source == "tncc" and layer(i.target) == "evaluation" and i.where != "top"


def unexplained(found: list[Import], root: Path = ROOT) -> list[str]:
    """Every function-level import without a ``# start-up:`` comment above it (other imports of the same group may stand between)."""
    out = []
    lines_of: dict[Path, list[str]] = {}
    for i in found:
        if i.where != "function":
            continue
        lines = lines_of.setdefault(i.path, i.path.read_text(encoding="utf-8").splitlines())
        k = i.line - 2
        while k >= 0 and lines[k].lstrip().startswith(("from ", "import ", ")")) and not WHY.search(lines[k]):
            k -= 1
        if k < 0 or not WHY.search(lines[k]):
            out.append(f"{i.path.relative_to(root)}:{i.line}: {i.source} imports {i.target} inside a function")
    return out


# -- tests ---------------------------------------------------------------------


def test_the_graph_sees_every_layer() -> None:
    """The scan finds the source: every layer has modules and imports, so the
    rules below are about real code."""
    found = imports()
    layers = {layer(m) for m in modules()}
    assert layers == set(FORBIDDEN)
    assert len(import_graph(found)) > 100
    assert {layer(i.source) for i in found if i.where == "top"} == set(FORBIDDEN)


def test_every_package_is_installed() -> None:
    """pyproject.toml lists every package the source has (a package left out
    is missing from a wheel, though an editable checkout still finds it)."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        listed = set(tomllib.load(f)["tool"]["setuptools"]["packages"])
    packages = {m for m, path in modules().items() if path.name == "__init__.py"}
    assert packages == listed, f"not listed: {sorted(packages - listed)}; listed but absent: {sorted(listed - packages)}"


def cycles(found: list[Import], where: tuple[str, ...] = ("top", "function")) -> list[list[str]]:
    """Up to five import cycles among the imports written at ``where``, each
    as its modules in import order."""
    return [c for _, c in zip(range(5), nx.simple_cycles(import_graph(found, where=where)))]


def test_module_level_imports_have_no_cycle() -> None:
    found = cycles(imports(), where=("top",))
    assert not found, "import cycles among module-level imports: " + "; ".join(" -> ".join(c + c[:1]) for c in found)


def test_no_cycle_is_closed_inside_a_function() -> None:
    """An import inside a function (kept there for start-up) never closes a
    cycle: moved to the top of its module, it would still import cleanly."""
    found = cycles(imports())
    assert not found, ("import cycles closed by an import inside a function: "
                       + "; ".join(" -> ".join(c + c[:1]) for c in found))


def test_layers_import_only_downward() -> None:
    bad = violations(imports())
    assert not bad, "imports against the layers:\n" + "\n".join(bad)


def test_imports_kept_in_functions_say_why() -> None:
    bad = unexplained(imports())
    assert not bad, ("an import of a tncc module inside a function needs a '# start-up:' comment "
                     "above it (or belongs at the top of its module):\n" + "\n".join(bad))


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    """A tree with an upward import, a cycle and an unexplained function-level
    import: each check reports it."""
    for folder in ("tncc", "isa", "passes", "runtime"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "tncc" / "evaluation").mkdir()
    (tmp_path / "tncc" / "evaluation" / "__init__.py").write_text("")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.setuptools]\npackage-dir = { "tncc" = "tncc", "tncc.isa" = "isa", "tncc.passes" = "passes", '
        '"tncc.runtime" = "runtime" }\n')
    (tmp_path / "isa" / "a.py").write_text("from tncc.passes.b import x\n")  # upward
    (tmp_path / "passes" / "b.py").write_text("from tncc.isa.a import y\nx = 1\n")  # closes a cycle
    (tmp_path / "runtime" / "c.py").write_text(
        "def f():\n    from tncc.evaluation import z\n\n\ndef g():\n    # start-up: heavy\n    from tncc.isa import a\n")
    # a cycle closed only inside a function, explained or not
    (tmp_path / "runtime" / "d.py").write_text("from tncc.runtime import e\n")
    (tmp_path / "runtime" / "e.py").write_text("def h():\n    # start-up: heavy\n    from tncc.runtime import d\n")
    known = modules(tmp_path)
    found = imports(known)
    assert sorted(cycles(found, where=("top",))) in ([["tncc.isa.a", "tncc.passes.b"]], [["tncc.passes.b", "tncc.isa.a"]])
    assert sorted(map(sorted, cycles(found))) == [["tncc.isa.a", "tncc.passes.b"], ["tncc.runtime.d", "tncc.runtime.e"]]
    bad = violations(found, tmp_path)
    assert len(bad) == 2 and bad[0].startswith("isa/a.py:1: ") and bad[1].startswith("runtime/c.py:2: ")
    missing = unexplained(found, tmp_path)
    assert len(missing) == 1 and missing[0].startswith("runtime/c.py:2: ")


if __name__ == "__main__":
    found = imports()
    top = import_graph(found)
    print(f"{len(modules())} modules, {top.number_of_edges()} module-level import edges, "
          f"{sum(i.where == 'function' for i in found)} imports inside functions")
    edges = Counter((layer(i.source), layer(i.target)) for i in found if layer(i.source) != layer(i.target))
    for (a, b), n in sorted(edges.items()):
        print(f"  {a:>10} -> {b:<10} {n}")
    every = import_graph(found, where=("top", "function"))
    for scc in (s for s in nx.strongly_connected_components(every) if len(s) > 1):
        print("cycle through a function-level import:", ", ".join(sorted(scc)))
    for path, line, source, target in sorted({(i.path, i.line, i.source, i.target) for i in found if i.where == "function"}):
        print(f"{path.relative_to(ROOT)}:{line}: {source} -> {target}")
    bad = violations(found) + unexplained(found)
    print("\n".join(bad) or "layers: ok")
    sys.exit(1 if bad else 0)
