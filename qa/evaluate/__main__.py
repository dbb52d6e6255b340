"""Alias kept for old scripts: `python -m qa.evaluate` runs `python -m evaluate`."""

import runpy

runpy.run_module("evaluate", run_name="__main__", alter_sys=True)
