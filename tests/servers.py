"""Test helpers over the real servers of `airdrops.services`."""

from __future__ import annotations

import time
from typing import Any

from airdrops.services import Prometheus, free_port, query, wait_http

__all__ = ["Prometheus", "free_port", "query", "wait_for", "wait_http"]


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
