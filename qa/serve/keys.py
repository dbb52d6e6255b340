"""Alias kept for old scripts: `python -m qa.serve.keys` runs `python -m api.keys`."""

import runpy

if __name__ == "__main__":
    runpy.run_module("api.keys", run_name="__main__", alter_sys=True)
