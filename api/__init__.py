"""The HTTP API (`python -m api`): the answers of `python -m qa --json` for other programs, safe on a shared server."""
