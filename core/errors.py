"""The base of every error the project raises on purpose: a stable code for programs, a message and a remedy for people."""

from __future__ import annotations


class MythQAError(Exception):
    """An expected failure: bad input, a missing or damaged index, an unusable model.

    Entry points (`python -m ingest`, `python -m qa`, `python -m evaluate`, the app) catch this one type and
    word it their own way, so a new subclass can never slip past one of them as a traceback.

    Attributes:
        code: short stable identifier, e.g. ``index-damaged`` (JSON output and logs use it).
        remedy: what to do next, in words (empty when the message already is the remedy).
    """

    code = "error"
    remedy = ""

    def __init__(self, message: str, remedy: str | None = None, code: str | None = None):
        super().__init__(message)
        if remedy is not None:
            self.remedy = remedy
        if code is not None:
            self.code = code

    def to_json(self) -> dict:
        return {"code": self.code, "message": str(self), "remedy": self.remedy}


class BadInput(MythQAError, ValueError):
    """A file or value given by the user cannot be used (question set, claim set, profile, option)."""

    code = "bad-input"
    remedy = "fix the input named in the message and try again"


def run_cli(main) -> None:
    """Run a command line's ``main`` and exit with its code; a reader that stops early (``| head``) ends it quietly.

    Python reports a closed pipe as BrokenPipeError, a traceback on stderr; for a command line it is normal use.
    """
    import os
    import sys

    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more may reach the closed pipe
        code = 0
    sys.exit(code)
