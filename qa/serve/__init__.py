"""The HTTP API (`python -m qa.serve`): the answers of `python -m qa --json` for other programs, safe on a shared server."""
