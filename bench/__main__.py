"""python -m bench [--quick] [--work DIR] [--rebuild]: the scaling benchmark (MiniLM, 100 to 100,000 chunks): measure,
print the tables, write them with the plot to --out (default WORK/scaling.md and WORK/bench_plot.png).

docs/BENCHMARKS.md is not overwritten by default: it also holds the figures of the shipped two-model index
(`python -m bench.shipped`) and where every stated figure comes from. Pass --out to write a report elsewhere.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description="Speed, memory and quality of Myth Q&A as the corpus grows.")
    p.add_argument(
        "--quick", action="store_true", help="a ~3-minute smoke run (100 and 1,000 chunks); does not touch docs/ unless --out is given"
    )
    p.add_argument(
        "--work", type=Path, default=Path("/tmp/myth-bench"), help="where generated corpora and indexes go (default /tmp/myth-bench)"
    )
    p.add_argument("--rebuild", action="store_true", help="rebuild the 100,000-chunk stand-in index instead of reusing a cached one")
    p.add_argument("--seed", type=int, default=0, help="corpus generator seed (default 0)")
    p.add_argument("--from-json", type=Path, default=None, help="re-render the report from a results.json of an earlier run")
    p.add_argument("--out", type=Path, default=None, help="markdown file to write (default WORK/scaling.md; none for --quick)")
    args = p.parse_args(argv)

    import json

    from bench.markdown import render
    from bench.run import results_from_json, results_to_json, run

    if args.from_json:
        results = results_from_json(json.loads(args.from_json.read_text()))
    else:
        results = run(args.work, quick=args.quick, rebuild=args.rebuild, seed=args.seed)
        saved = args.work / ("results-quick.json" if args.quick else "results.json")
        saved.write_text(json.dumps(results_to_json(results), indent=1, default=float))
        print(f"Results saved to {saved} (re-render with --from-json)", file=sys.stderr)
    out = args.out or (None if args.quick else args.work / "scaling.md")
    text = render(
        results,
        results.get("argv", []) if args.from_json else (argv if argv is not None else sys.argv[1:]),
        plot_path=out.parent / "bench_plot.png" if out else None,
    )
    print(text)
    if out:
        out.write_text(text, encoding="utf-8")
        print(f"\nWrote {out} and {out.parent / 'bench_plot.png'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
