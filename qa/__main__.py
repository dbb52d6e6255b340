"""`python -m qa [--index DIR] [-k N] [--json] [--myth N] [--section NAME] "QUESTION"` or `python -m qa --claim "CLAIM"`."""

from core.errors import run_cli
from qa.cli import main

run_cli(main)
