"""`python -m qa [--index DIR] [-k N] [--json] [--myth N] [--section NAME] "QUESTION"` or `python -m qa --claim "CLAIM"`."""

import sys

from qa.cli import main

sys.exit(main())
