"""Alias kept for old scripts: `python -m qa.tune` runs `python -m learn.tune`."""

import runpy

runpy.run_module("learn.tune", run_name="__main__", alter_sys=True)
