"""Alias kept for old scripts: the HTTP API lives in api/ (`python -m api`, `python -m api.keys`)."""
