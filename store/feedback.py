"""`python -m store.feedback export [--format csv|jsonl] [--db PATH] [--split NAME]`: the votes as files (store.feedback_export)."""

from __future__ import annotations

if __name__ == "__main__":
    from core.errors import run_cli
    from store.feedback_export import main

    run_cli(main)
