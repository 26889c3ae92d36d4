"""Warehouses seeded with `cases`: an embedded DuckDB file and a throwaway PostgreSQL server, same rows in both."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analytics import cases

DIALECTS = ["duckdb", "postgres"]


def seed(url: str) -> None:
    """Migrate the warehouse, insert every row of `cases.TABLES` and fill the rollups from them."""
    from airdrops.collectors.warehouse import connect, migrate, rollups

    migrate(url)
    with connect(url) as conn, conn.transaction():
        cases.insert(conn)
        rollups.refill(conn)


@pytest.fixture(scope="session")
def duckdb_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("warehouse") / "airdrops.duckdb"
    url = f"duckdb:///{path}"
    seed(url)
    return url


@pytest.fixture(scope="session")
def postgres_url(postgres_server: object) -> str:
    url: str = postgres_server.create_database()  # type: ignore[attr-defined]
    seed(url)
    return url


@pytest.fixture(params=DIALECTS)
def warehouse_url(request: pytest.FixtureRequest) -> str:
    """The seeded warehouse of each dialect in turn."""
    return str(request.getfixturevalue(f"{request.param}_url"))
