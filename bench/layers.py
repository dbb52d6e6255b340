"""python -m bench.layers: which room imports which, read from the code (ast; a lazy import inside a function counts).

Prints the package import graph as docs/design.md shows it (tests/test_layers.py checks that the two agree), and
holds the checks the layer test runs: the import graph of every module, relative imports, and cycles.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Every room, and app.py (the Streamlit app's entry, a module of its own). tests/ is no room: it may import anything.
PACKAGES = ("core", "qa", "ingest", "store", "evaluate", "learn", "api", "ui", "bench")
APP = "app"


def module_name(path: Path, root: Path) -> str:
    """``qa/engine.py`` → ``qa.engine``; ``api/__init__.py`` → ``api``."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the rooms and app.py, by dotted name."""
    files = [p for pkg in PACKAGES for p in sorted((root / pkg).rglob("*.py"))]
    if (root / f"{APP}.py").is_file():
        files.append(root / f"{APP}.py")
    return {module_name(p, root): p for p in files}


def imports(path: Path) -> tuple[set[str], list[int]]:
    """The dotted names one file imports (``from a.b import c`` gives ``a.b`` and ``a.b.c``), and the lines of its relative
    imports (``from . import x``), which the project never uses."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names, relative = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                relative.append(node.lineno)
            elif node.module:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
    return names, relative


def module_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module → the project modules it imports by name. A package's ``__init__`` is counted only when named itself:
    importing ``a.b`` runs ``a/__init__.py`` too, but every submodule does that, so it is no arrow worth checking."""
    files = project_files(root)
    return {name: {m for m in imports(path)[0] if m in files and m != name} for name, path in files.items()}


def package_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Room → the other rooms its modules import."""
    graph: dict[str, set[str]] = {}
    for name, targets in module_graph(root).items():
        room = name.split(".")[0]
        graph.setdefault(room, set()).update(t.split(".")[0] for t in targets if t.split(".")[0] != room)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as [a, b, …, a], or [] when there is none (depth-first search, no recursion)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if state.get(start):
            continue
        path, todo = [start], [iter(sorted(graph.get(start, ())))]
        state[start] = 1
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                todo.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                todo.append(iter(sorted(graph.get(nxt, ()))))
    return []


def levels(graph: dict[str, set[str]]) -> dict[str, int]:
    """Each room's level: 0 imports no other room, else one above the highest room it imports (the graph has no cycle)."""
    out: dict[str, int] = {}

    def level(room: str) -> int:
        if room not in out:
            out[room] = 1 + max((level(r) for r in graph.get(room, ())), default=-1)
        return out[room]

    for room in graph:
        level(room)
    return out


def render(graph: dict[str, set[str]]) -> str:
    """The picture in docs/design.md: the rooms level by level, each with the rooms it imports."""
    depth = levels(graph)
    width = max(len(r) for r in graph)
    lines = []
    for n in range(max(depth.values()) + 1):
        for room in sorted(r for r in graph if depth[r] == n):
            below = ", ".join(sorted(graph[room], key=lambda r: (depth[r], r))) or "-"
            lines.append(f"{n}  {room:<{width}}  -> {below}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.layers", description=__doc__.splitlines()[0])
    p.parse_args(argv)
    sys.stdout.write(render(package_graph()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
