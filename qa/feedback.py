"""Alias kept for old scripts: `python -m qa.feedback` runs `python -m store.feedback`."""

import runpy

if __name__ == "__main__":
    runpy.run_module("store.feedback", run_name="__main__", alter_sys=True)
