"""Test helpers over the real servers of `airdrops.services`."""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airdrops.services import Prometheus, free_port, query, wait_http
from airdrops.services.postgres import PostgresServer

__all__ = ["Prometheus", "Warehouse", "free_port", "postgres_exporter", "query", "wait_for", "wait_http"]


@dataclass(frozen=True)
class Warehouse:
    """An empty warehouse for one test: `url`, `dialect`, and the server behind it (PostgreSQL only)."""

    url: str
    dialect: str
    server: PostgresServer | None = None


def wait_for(predicate: Any, timeout: float = 30.0, interval: float = 0.25) -> Any:
    """Poll `predicate` until it returns something truthy; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(interval)


@contextlib.contextmanager
def postgres_exporter(
    server: PostgresServer, login: str, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """prometheus-postgres-exporter in front of `server`, logged in as `login`, a new role that is a
    member of `pg_monitor` only (as the postgresql role's); yields its URL. Skips without the package."""
    import psycopg

    from airdrops.services.process import Server

    binary = shutil.which("prometheus-postgres-exporter")
    if binary is None:
        pytest.skip("prometheus-postgres-exporter is not installed (Debian's package; make test has it)")
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {login} LOGIN")
        conn.execute(f"GRANT pg_monitor TO {login}")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("DATA_SOURCE_NAME", f"{server.url('postgres', login)}?sslmode=disable")
    with Server([binary, f"--web.listen-address=127.0.0.1:{port}"], workdir, f"{url}/metrics", login):
        yield url
