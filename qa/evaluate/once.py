"""Alias kept for old scripts: `python -m qa.evaluate.once` runs `python -m evaluate.once`."""

import runpy

if __name__ == "__main__":
    runpy.run_module("evaluate.once", run_name="__main__", alter_sys=True)
