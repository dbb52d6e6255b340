"""Data flows one way, room by room (docs/design.md, "Rooms"): each room imports only the rooms listed for it below, no
module uses a relative import, and no two modules import each other, even through others. Checked on the source with
ast (bench.layers), so a lazy import inside a function counts too. The old commands kept as aliases (qa.serve, qa.evaluate,
qa.tune, qa.feedback) run their new module by name with runpy, so the read path imports nothing above it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.layers import APP, PACKAGES, ROOT, find_cycle, imports, module_graph, package_graph, project_files, render

# The rooms each room may import. core/ is the floor; the read path (qa/) and ingestion stand on it alone; the stores keep
# the read path's answers; the evaluators' tools and the HTTP API sit above the stores; the learning side above
# ingestion and evaluation; the front doors (ui/ with app.py, api/) and bench/ on top, where nothing else imports.
ALLOWED = {
    "core": set(),
    "qa": {"core"},
    "ingest": {"core"},
    "store": {"core", "qa"},
    "evaluate": {"core", "qa", "store"},
    "api": {"core", "qa", "store"},
    "learn": {"core", "qa", "ingest", "evaluate"},
    "ui": {"core", "qa", "ingest", "store", "evaluate"},
    APP: {"core", "store", "ui"},
    "bench": {"core", "qa", "ingest", "store", "evaluate", "learn", "ui"},
}
ROOMS = set(PACKAGES) | {APP}


def wrong_imports(root: Path, allowed: dict[str, set[str]]) -> dict[str, list[str]]:
    """Module → the rooms it imports that its room may not."""
    wrong = {}
    for name, targets in module_graph(root).items():
        room = name.split(".")[0]
        bad = sorted({t.split(".")[0] for t in targets} - allowed.get(room, set()) - {room})
        if bad:
            wrong[name] = bad
    return wrong


def test_every_room_has_a_rule():
    assert set(ALLOWED) == ROOMS
    assert set(package_graph()) <= ROOMS


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_a_room_imports_only_the_rooms_below_it(room):
    assert {m: bad for m, bad in wrong_imports(ROOT, ALLOWED).items() if m.split(".")[0] == room} == {}


def test_the_rules_are_layers():
    """No upward arrow: the allowed graph itself has no cycle, and nothing imports a front door or bench."""
    assert find_cycle(ALLOWED) == []
    assert not any({"api", "bench", APP} & targets for targets in ALLOWED.values())
    assert [room for room, targets in ALLOWED.items() if "ui" in targets] == [APP, "bench"]


def test_no_relative_imports():
    assert {name: lines for name, path in project_files().items() if (lines := imports(path)[1])} == {}


def test_no_import_cycles_between_modules():
    assert find_cycle(module_graph()) == []


def test_the_check_sees_a_lazy_import(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from ui.limits import Throttle\n    import ingest.build\n", encoding="utf-8")
    assert imports(f)[0] >= {"ui.limits", "ingest.build"}


def _plant(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checks_see_planted_violations(tmp_path):
    _plant(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/a.py": "def f():\n    from core import b\n",  # core.a -> core.b -> core.a, lazily
            "core/b.py": "from core.a import f\n",
            "qa/__init__.py": "",
            "qa/engine.py": "def g():\n    import api.app\n",  # an upward arrow from the read path, lazily
            "qa/rel.py": "from . import engine\n",
            "api/__init__.py": "",
            "api/app.py": "from core.a import f\n",
        },
    )
    assert wrong_imports(tmp_path, ALLOWED) == {"qa.engine": ["api"]}
    assert find_cycle(module_graph(tmp_path)) == ["core.a", "core.b", "core.a"]
    assert {n: imports(p)[1] for n, p in project_files(tmp_path).items() if imports(p)[1]} == {"qa.rel": [1]}
    assert package_graph(tmp_path) == {"core": set(), "qa": {"api"}, "api": {"core"}}
    assert find_cycle({"qa": {"api"}, "api": {"qa"}}) == ["api", "qa", "api"]


def test_design_md_shows_the_layers_the_code_has():
    """docs/design.md's picture is `python -m bench.layers` pasted: rerun it and paste again when a room's imports change."""
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- python -m bench\.layers -->\n```text\n(.*?)```", text, re.S)
    assert found, "docs/design.md lost the block after <!-- python -m bench.layers -->"
    assert found.group(1) == render(package_graph())


ALIASES = {  # old command -> the prog its usage names now
    "qa.serve": "python -m api",
    "qa.serve.keys": "python -m api.keys",
    "qa.evaluate": "python -m evaluate",
    "qa.evaluate.once": "python -m evaluate.once",
    "qa.evaluate.claims": "python -m evaluate.claims",
    "qa.evaluate.calibrate": "python -m evaluate.calibrate",
    "qa.evaluate.fit": "python -m evaluate.fit",
    "qa.evaluate.answerability": "python -m evaluate.answerability",
    "qa.evaluate.history": "python -m evaluate.history",
    "qa.tune": "python -m learn.tune",
    "qa.feedback": "python -m store.feedback",
}


@pytest.mark.parametrize("old", sorted(ALIASES))
def test_an_old_command_runs_the_new_one(old):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    run = subprocess.run([sys.executable, "-m", old, "--help"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"usage: {ALIASES[old]} ")


def test_an_alias_module_imports_nothing_and_runs_nothing_when_imported():
    for old in ALIASES:
        path = ROOT / Path(*old.split("."))
        path = path / "__main__.py" if path.is_dir() else path.with_suffix(".py")
        assert imports(path)[0] == {"runpy"}, old
        assert path.read_text(encoding="utf-8").startswith('"""Alias kept for old scripts: '), old
    import qa.feedback
    import qa.serve.keys  # noqa: F401 - importing must not start the command

    assert not hasattr(qa.feedback, "FeedbackStore")
