"""Every answer to the given question files, one JSON line each, so two checkouts can be compared byte for byte.

Usage: python -m bench.answers [--index index] FILE... > after.jsonl; the same in the other checkout; cmp the two.
Follow-ups are asked after the question they follow, as in a chat (and as python -m evaluate asks them).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core import jsonl
from core.layout import default_index
from qa.engine import Engine
from qa.followup import Turn


def dump(index: Path, files: list[Path]) -> int:
    engine = Engine.load(index)
    for path in files:
        turns = {}
        for _, q in jsonl.read(path).rows:
            previous = [turns[q["follows"]]] if q.get("follows") in turns else []
            a = engine.ask(q["question"], k=10, previous=previous)
            turns[q["id"]] = Turn.of(a)
            row = {"file": path.name, "id": q["id"], "answer": a.to_json()}
            print(json.dumps(row, ensure_ascii=False, sort_keys=True))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.answers", description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, default=None, help="index folder (default: MYTHQA_INDEX or index/)")
    p.add_argument("files", nargs="+", type=Path, help="question files, JSON lines")
    args = p.parse_args(argv)
    return dump(args.index or default_index(), args.files)


if __name__ == "__main__":
    raise SystemExit(main())
