"""A throwaway PostgreSQL server for the tests: initdb in a temporary folder, trust auth, a free loopback port, stopped after."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

REQUIRE = "MYTHQA_REQUIRE_POSTGRES"  # "1" (.ci/run sets it): missing binaries fail the tests instead of skipping them


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps them in /usr/lib/postgresql/N/bin), or None."""

    def major(path: str) -> int:
        return int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=major)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One PostgreSQL cluster of its own: ``start()``, ``database()`` per test, ``stop()`` removes everything.

    PostgreSQL refuses to run as root, so as root its commands run as the ``postgres`` user, in a folder that user owns.
    """

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="mythqa-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=120)

    def start(self) -> Server:
        if self.as_user:
            shutil.chown(self.root, "postgres", "postgres")
        made = self._run(str(self.bin / "initdb"), "-D", str(self.data), "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        if made.returncode:
            raise RuntimeError(f"initdb failed: {made.stderr[-2000:]}")
        for _ in range(3):  # a port found free may be taken before the server binds it: try another
            self.port = _free_port()
            # fsync off: a test database is thrown away, and durability costs seconds across a session
            options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c synchronous_commit=off"
            ctl = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60"]
            started = self._run(*ctl, "-o", options, "start")
            if started.returncode == 0:
                return self
        log = (self.root / "log").read_text(errors="replace")[-2000:] if (self.root / "log").exists() else ""
        self.stop()
        raise RuntimeError(f"pg_ctl start failed: {started.stdout[-1000:]} {started.stderr[-1000:]} {log}")

    def url(self, name: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def database(self) -> str:
        """A new empty database's URL: each test starts from no schema at all."""
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        if self.data.exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "stop", "-m", "fast", "-w")
        shutil.rmtree(self.root, ignore_errors=True)
