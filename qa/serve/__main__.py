"""`python -m qa.serve [--index DIR] [--host ADDR] [--port N] [--workers N] [--require-keys] [--cors-origin ORIGIN]`."""

from core.errors import run_cli
from qa.serve.cli import main

run_cli(main)
