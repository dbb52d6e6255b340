"""Alias kept for old scripts: `python -m qa.evaluate.claims` runs `python -m evaluate.claims`."""

import runpy

if __name__ == "__main__":
    runpy.run_module("evaluate.claims", run_name="__main__", alter_sys=True)
