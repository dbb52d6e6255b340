"""`python -m qa [--index DIR] [-k N] [--json] [--myth N] [--section NAME] "QUESTION"`."""

import sys

from qa.cli import main

sys.exit(main())
