"""`python -m bench.session_open`: how long a query encoder's onnxruntime session takes to open in a fresh process, and
its peak resident memory, with the weights beside the graph (as ingestion writes them) and inside it (one file, as before).

Usage: python -m bench.session_open [--index index] [--model mpnet] [--runs 3]
Writes the one-file form in a temporary folder (the index is only read); alternates the two forms; prints the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from core import layout

_OPEN = """
import sys, time
import onnxruntime as ort
from core.onnx_model import session_options
t = time.perf_counter()
ort.InferenceSession(sys.argv[1], session_options(1), providers=["CPUExecutionProvider"])
took = time.perf_counter() - t
# VmHWM: this process's own peak (ru_maxrss would carry the parent's peak over the exec)
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(took, peak / 1024)
"""


def open_once(path: Path) -> tuple[float, float]:
    """(seconds to open, peak resident MB) of one session over ``path`` in a new process."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", _OPEN, str(path)], capture_output=True, text=True, check=True, cwd=root)
    seconds, mb = out.stdout.split()
    return float(seconds), float(mb)


def main(argv: list[str] | None = None) -> int:
    import onnx

    ap = argparse.ArgumentParser(prog="python -m bench.session_open", description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=layout.default_index())
    ap.add_argument("--model", default="mpnet")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    beside = layout.model_path(layout.resolve(args.index), args.model) / layout.QUERY_ONNX
    if not (beside.parent / layout.QUERY_DATA).exists():
        print(f"{beside} holds its weights inside: rebuild the index (`python -m ingest --full`) to compare", file=sys.stderr)
        return 2
    print(f"{beside}; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / layout.QUERY_ONNX
        for name in (layout.QUERY_ONNX, layout.QUERY_DATA):  # copies: onnx refuses to read a weights file with hard links
            shutil.copyfile(beside.parent / name, Path(tmp) / name)
        inside = Path(tmp) / "one-file.onnx"
        onnx.save_model(onnx.load(str(copy)), str(inside))  # the weights read back in: the form exported before
        got = {"weights beside the graph": [], "one file": []}
        for _ in range(args.runs):
            got["weights beside the graph"].append(open_once(beside))
            got["one file"].append(open_once(inside))
    for form, runs in got.items():
        secs = [s for s, _ in runs]
        print(f"{form}: open median {statistics.median(secs):.2f} s ({min(secs):.2f}–{max(secs):.2f}), "
              f"peak resident {statistics.median(m for _, m in runs):.0f} MB")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
