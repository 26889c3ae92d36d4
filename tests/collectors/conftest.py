"""Shared fixtures of the ETL tests: a real PostgreSQL server (session) and DuckDB files.

`warehouse` is parametrised over both backends, so every test that takes it runs on DuckDB and on
PostgreSQL; each test gets an empty warehouse (a new DuckDB file, or a new PostgreSQL database).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from airdrops.services.postgres import PostgresServer, available

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Warehouse:
    """An empty warehouse for one test: `url`, `dialect`, and the server behind it (PostgreSQL only)."""

    url: str
    dialect: str
    server: PostgresServer | None = None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL 15 server for the session (initdb + pg_ctl on a free 127.0.0.1 port)."""
    if not available():
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def duckdb_warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(f"duckdb://{tmp_path / 'warehouse.duckdb'}", "duckdb")


@pytest.fixture
def postgres_warehouse(postgres_server: PostgresServer) -> Warehouse:
    return Warehouse(postgres_server.create_database(), "postgres", postgres_server)


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest) -> Warehouse:
    """An empty warehouse, once on each backend."""
    return request.getfixturevalue(f"{request.param}_warehouse")  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def history_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real event log from the history mode (3 days, 5 wallets), written once per session. Copy it to modify."""
    out = tmp_path_factory.mktemp("history") / "events"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "AIRDROPS_"))}
    subprocess.run(
        [sys.executable, "-m", "airdrops.cli.main", "bot", "run", "--simulate-days", "3", "--wallets", "5",
         "--seed", "11", "--events-dir", str(out)],
        check=True, capture_output=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert list(out.glob("*.jsonl")), "the history mode wrote no event file"
    return out


@pytest.fixture
def events_dir(history_log: Path, tmp_path: Path) -> Path:
    """A private copy of the history log."""
    return Path(shutil.copytree(history_log, tmp_path / "events"))
