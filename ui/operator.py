"""`python -m ui.operator`: print the operator's address of the app, with the token (core.operator) it creates."""

from __future__ import annotations

import argparse

from core.operator import PARAM, ensure_token, proves

__all__ = ["PARAM", "ensure_token", "proves", "main"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ui.operator", description="Print the operator's address of the app (creates the token).")
    p.add_argument("--url", default="http://127.0.0.1:8501/", help="the app's address (default: http://127.0.0.1:8501/)")
    args = p.parse_args(argv)
    from ui.config import from_env

    token = ensure_token(from_env().token_file)
    print(f"Operator's address (server paths, rebuild): {args.url.rstrip('/')}/?{PARAM}={token}")
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
