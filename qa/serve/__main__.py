"""Alias kept for old scripts: `python -m qa.serve` runs `python -m api`."""

import runpy

runpy.run_module("api", run_name="__main__", alter_sys=True)
