"""Alias kept for old scripts: `python -m qa.evaluate.calibrate` runs `python -m evaluate.calibrate`."""

import runpy

if __name__ == "__main__":
    runpy.run_module("evaluate.calibrate", run_name="__main__", alter_sys=True)
