"""Alias kept for old scripts: `python -m qa.evaluate.history` runs `python -m evaluate.history`."""

import runpy

if __name__ == "__main__":
    runpy.run_module("evaluate.history", run_name="__main__", alter_sys=True)
