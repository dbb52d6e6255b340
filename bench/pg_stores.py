"""What a store call costs on PostgreSQL against SQLite: an API key check and the shared rate count, p50 and p95.

Usage: python -m bench.pg_stores --url postgresql://USER@HOST:PORT/DB [--calls 300]
The database should be a scratch one: the bench creates a key named "bench" there (and revokes it at the end).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from store import db
from store.keys import KeyStore
from store.ratelimit import SharedWindow


def _time(call, calls: int) -> str:
    call()  # the first call connects and migrates: not what a request pays
    took = []
    for _ in range(calls):
        t0 = time.perf_counter()
        call()
        took.append((time.perf_counter() - t0) * 1000)
    took.sort()
    return f"p50 {statistics.median(took):.2f} ms, p95 {took[int(len(took) * 0.95) - 1]:.2f} ms"


def run(url: str, calls: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.pop("MYTHQA_DATABASE_URL", None)  # the SQLite row is SQLite even when the caller's shell names a database
        lite = KeyStore(Path(tmp) / "keys.sqlite3")
        _, lite_key = lite.create("bench")
        os.environ["MYTHQA_DATABASE_URL"] = url  # read by store.db when each store is made
        keys = KeyStore(Path(tmp) / "unused.sqlite3")
        record, key = keys.create("bench")
        window = SharedWindow(db.at(Path(tmp) / "unused.sqlite3"), per_minute=10**9)
        print(f"key check, SQLite:      {_time(lambda: lite.check(lite_key), calls)}")
        print(f"key check, PostgreSQL:  {_time(lambda: keys.check(key), calls)}")
        print(f"rate count, PostgreSQL: {_time(lambda: window.wait('bench'), calls)}")
        keys.revoke(str(record.id))
    print("load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.pg_stores", description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="a scratch PostgreSQL database")
    p.add_argument("--calls", type=int, default=300)
    args = p.parse_args(argv)
    run(args.url, args.calls)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
