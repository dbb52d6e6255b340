"""API keys: created and revoked by the operator from the command line, stored as hashes in SQLite beside the index, or
in PostgreSQL when MYTHQA_DATABASE_URL is set (store.keys).

Usage: python -m api.keys [--index DIR] create NAME | list | revoke ID_OR_NAME
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from api.config import from_env
from core.errors import BadInput
from store.db import ERRORS
from store.keys import KeyStore


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else "-"


def main(argv: list[str] | None = None) -> int:
    """Create, list or revoke keys; exit 2 on a bad request (no key named so, no name given), 1 when the key store
    cannot be read or written (its database is down, its file unwritable)."""
    p = argparse.ArgumentParser(prog="python -m api.keys", description="Manage the API keys of `python -m api`.")
    p.add_argument("--index", type=Path, help="the index folder the server reads (default: MYTHQA_INDEX or index/)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("create", help="make a key and print it once").add_argument("name", help="who or what uses it")
    sub.add_parser("list", help="list keys (never the keys themselves)")
    sub.add_parser("revoke", help="revoke a key at once").add_argument("key", metavar="ID_OR_NAME")
    args = p.parse_args(argv)
    store = KeyStore(from_env(index=args.index).keys_db)
    try:
        if args.command == "create":
            record, key = store.create(args.name)
            print(f"Key {record.id} ({record.name}), shown this once; send it as `Authorization: Bearer {key}`:\n{key}")
        elif args.command == "revoke":
            for k in store.revoke(args.key):
                print(f"Revoked key {k.id} ({k.name}).")
        else:
            for k in store.list():
                print(f"{k.id}\t{k.name}\tcreated {_when(k.created)}\trevoked {_when(k.revoked)}")
    except BadInput as e:
        print(f"error: {e} ({e.remedy})")
        return 2
    except ERRORS as e:
        print(f"error: the key store {store.db.where} cannot be used: {' '.join(str(e).split())}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    from core.errors import run_cli

    run_cli(main)
