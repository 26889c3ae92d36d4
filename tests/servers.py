"""Test helpers over the real servers of `airdrops.services`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from airdrops.services import Prometheus, free_port, query, wait_http
from airdrops.services.postgres import PostgresServer

__all__ = ["Prometheus", "Warehouse", "free_port", "query", "wait_for", "wait_http"]


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
