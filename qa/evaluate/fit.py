"""Alias kept for old scripts: `python -m qa.evaluate.fit` runs `python -m evaluate.fit`."""

import runpy

if __name__ == "__main__":
    runpy.run_module("evaluate.fit", run_name="__main__", alter_sys=True)
