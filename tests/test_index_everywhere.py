"""Every command reads the index folder MYTHQA_INDEX names when --index is not given, as the app and the API do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import layout

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [
    ["qa", "Who wrote this?"],
    ["evaluate"],
    ["evaluate.claims"],
    ["evaluate.fit"],
    ["evaluate.answerability"],
    ["evaluate.calibrate"],
    ["learn.tune", "--publish"],
    ["ingest", "--verify"],
    ["api.keys", "list"],
]


def test_the_defaults_come_from_the_environment():
    assert layout.default_index({}) == Path("index") and layout.default_index({"MYTHQA_INDEX": "/srv/idx"}) == Path("/srv/idx")
    assert layout.default_corpus({"MYTHQA_CORPUS": ""}) == Path("corpus") and layout.default_corpus({"MYTHQA_CORPUS": "c"}) == Path("c")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_every_command_reads_mythqa_index(command, tmp_path):
    where = tmp_path / "deploy" / "elsewhere"
    where.parent.mkdir()
    env = {**os.environ, "MYTHQA_INDEX": str(where), "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    said = r.stdout + r.stderr
    assert "Traceback" not in said
    if command[0] == "api.keys":  # the key store lives beside the index folder it serves
        assert r.returncode == 0 and (where.parent / "api_keys.sqlite3").exists() and not (tmp_path / "api_keys.sqlite3").exists()
        return
    assert r.returncode in (2, 3) and f"No index is published in {where}/" in said
