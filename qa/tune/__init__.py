"""Alias kept for old scripts: tuning lives on the learning side, in learn/tune/ (`python -m learn.tune`)."""
