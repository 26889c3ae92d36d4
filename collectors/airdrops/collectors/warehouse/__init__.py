"""The warehouse: where it is (`WarehouseURL`), how to talk to it (`connect`), its schema (`migrate`).

from airdrops.collectors.warehouse import connect, migrate

migrate("duckdb:///tmp/airdrops.duckdb")            # -> [1, 2, 3] the first time, [] after
with connect("duckdb:///tmp/airdrops.duckdb") as conn:
    conn.fetch_frame("SELECT * FROM claim_success_rate")
"""

from __future__ import annotations

from airdrops.collectors.retry import Retry
from airdrops.collectors.warehouse.connect import (
    Connection,
    WarehouseError,
    WarehouseRefused,
    WarehouseUnavailable,
    connect,
)
from airdrops.collectors.warehouse.migrate import migrate
from airdrops.collectors.warehouse.url import WarehouseURL, WarehouseURLError

__all__ = [
    "Connection",
    "Retry",
    "WarehouseError",
    "WarehouseRefused",
    "WarehouseURL",
    "WarehouseURLError",
    "WarehouseUnavailable",
    "connect",
    "migrate",
]
