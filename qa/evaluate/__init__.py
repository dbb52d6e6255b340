"""Alias kept for old scripts: the evaluators' tools live in evaluate/ (`python -m evaluate` and its modules)."""
