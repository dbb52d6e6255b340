"""`python -m ui.manage`: the operator lists and purges the stored conversations of every visitor (the app shows each
visitor only their own)."""

from __future__ import annotations

import argparse
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ui.manage", description=__doc__.split(": ", 1)[1])
    p.add_argument("--purge", nargs="+", metavar="ID", help="remove these conversations")
    p.add_argument("--older-than", type=float, metavar="DAYS", help="remove every conversation untouched for DAYS days")
    p.add_argument("--limit", type=int, default=50, help="conversations listed (default 50, newest first)")
    args = p.parse_args(argv)
    from store.conversations import ConversationStore
    from store.db import ERRORS
    from ui.config import from_env

    store = ConversationStore(from_env(os.environ).conversations_db)
    try:
        if args.purge or args.older_than is not None:
            print(f"Removed {store.purge(args.purge, args.older_than)} conversation(s) from {store.db.where}.")
            return 0
        shown, total = store.recent(args.limit)
    except ERRORS as e:  # the database is down or the file unreadable: one line, exit 1, no traceback
        print(f"error: the conversation store {store.db.where} cannot be used: {' '.join(str(e).split())}", file=sys.stderr)
        return 1
    print(f"{total} conversation(s) in {store.db.where}; newest first:")
    for s in shown:
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(s.updated_at))
        print(f"{s.id}  {when} UTC  {s.turns:4d} turn(s)  {s.title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
