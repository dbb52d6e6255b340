"""Alias kept for old scripts: `python -m qa.evaluate.answerability` runs `python -m evaluate.answerability`."""

import runpy

if __name__ == "__main__":
    runpy.run_module("evaluate.answerability", run_name="__main__", alter_sys=True)
