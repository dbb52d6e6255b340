"""Data flows one way: core/ imports none of the others, qa/ (read path, HTTP API included) never imports ingest/, ui/ or
learn/, ingest/ never imports ui/ or learn/, and learn/ (the learning side, above both) never imports ui/. Checked on the
source with ast, so a lazy import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "core": {"qa", "ingest", "ui", "learn"},
    "qa": {"ingest", "ui", "learn"},
    "ingest": {"ui", "learn"},
    "learn": {"ui"},
}


def imported_packages(path: Path) -> set[str]:
    """The top-level package of every absolute import in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_downstream(layer):
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[layer])
        for path in sorted((ROOT / layer).rglob("*.py"))
        if imported_packages(path) & FORBIDDEN[layer]
    }
    assert wrong == {}


def test_the_check_sees_a_lazy_import(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from ui.limits import Throttle\n    import ingest.build\n", encoding="utf-8")
    assert imported_packages(f) == {"ui", "ingest"}
