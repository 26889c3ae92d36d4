"""A throwaway PostgreSQL server from Debian's binaries (initdb + pg_ctl), on a free loopback port.

For tests and benchmarks. Runs as the `postgres` system user when started as root (initdb
refuses root). `fast=True` turns durability off (fsync, synchronous commit): right for tests,
wrong for a benchmark, which should measure PostgreSQL's defaults.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from airdrops.services.process import free_port

_FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50 -c shared_buffers=64MB"


def binary(name: str) -> str | None:
    """`initdb` / `pg_ctl` from PATH, else from Debian's /usr/lib/postgresql/<version>/bin (not on PATH there)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    return str(candidates[-1]) if candidates else None


def available() -> bool:
    return binary("initdb") is not None and binary("pg_ctl") is not None


class PostgresServer:
    """`start()`, `stop()`, `url(db)`, `create_database()`; trust auth on 127.0.0.1 only."""

    def __init__(self, *, fast: bool = True) -> None:
        self.options = f"-c listen_addresses=127.0.0.1 {_FAST if fast else ''}".strip()
        self.root = Path(tempfile.mkdtemp(prefix="airdrops-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.superuser = "postgres"
        self._user = "postgres" if os.geteuid() == 0 else None
        if self._user:
            entry = pwd.getpwnam(self._user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", self.superuser, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"
        )

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        cmd = [binary(argv[0]) or argv[0], *argv[1:]]
        if self._user:
            cmd = ["runuser", "-u", self._user, "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=self.root)

    def start(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60", "-o",
            f"-p {self.port} -k {self.root} {self.options}", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        cmd = [binary("pg_ctl") or "pg_ctl", "-D", str(self.data), "status"]
        if self._user:
            cmd = ["runuser", "-u", self._user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, check=False).returncode == 0

    def url(self, database: str = "postgres", user: str | None = None) -> str:
        return f"postgresql://{user or self.superuser}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; its URL."""
        import psycopg  # the analytics extra; the services package itself does not need it

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        if self.running():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
