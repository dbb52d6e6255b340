"""`python -m api [--index DIR] [--host ADDR] [--port N] [--workers N] [--require-keys] [--cors-origin ORIGIN]`."""

from api.cli import main
from core.errors import run_cli

run_cli(main)
