"""A small connection layer over psycopg 3 and DuckDB: the same calls, and `%s` placeholders, on both.

    with connect("duckdb:///tmp/w.duckdb") as conn:
        with conn.transaction():
            conn.stage_frame("_stage_claims", frame)       # PG: binary COPY; DuckDB: from Arrow
            conn.execute("INSERT INTO claims SELECT * FROM _stage_claims ON CONFLICT (event_id) DO NOTHING")
        df = conn.fetch_frame("SELECT * FROM claim_success_rate")

`connect()` retries with backoff while a PostgreSQL server refuses connections (or another process
holds the DuckDB file), then raises `WarehouseUnavailable`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from airdrops.collectors.retry import Retry
from airdrops.collectors.warehouse.connection import Connection, Params
from airdrops.collectors.warehouse.url import WarehouseURL

_log = logging.getLogger("airdrops.collectors")


class WarehouseUnavailable(ConnectionError):
    """The warehouse could not be reached after every retry."""

    def __init__(self, url: WarehouseURL, attempts: int, cause: BaseException) -> None:
        self.url = url
        self.attempts = attempts
        self.cause = cause
        super().__init__(f"warehouse {url.redacted} unavailable after {attempts} attempts: {_one_line(cause)}")


def connect(url: str | WarehouseURL | None = None, *, retry: Retry | None = None) -> Connection:
    """Open the warehouse at `url` (see `WarehouseURL.parse`), retrying while it is unreachable."""
    parsed = WarehouseURL.parse(url)
    policy = retry or Retry()
    opener = _opener(parsed)

    def warn(attempt: int, exc: BaseException, delay: float) -> None:
        _log.warning("warehouse %s unavailable (%s); retry %d in %.1fs", parsed, _one_line(exc), attempt, delay)

    try:
        return policy.call(lambda: opener(parsed), retryable=is_unavailable, before_retry=warn)
    except Exception as exc:
        if is_unavailable(exc):
            raise WarehouseUnavailable(parsed, policy.attempts, exc) from exc
        raise


def is_unavailable(exc: BaseException) -> bool:
    """True for errors that mean "down or busy, try again later" rather than "wrong"."""
    import duckdb
    import psycopg

    if isinstance(exc, WarehouseUnavailable):
        return True
    if isinstance(exc, psycopg.OperationalError):
        # No SQLSTATE: refused, reset, timed out. 57P0x: shutting down / starting up; 53300: too many clients.
        state = getattr(exc, "sqlstate", None)
        return state is None or state.startswith("57P") or state == "53300"
    if isinstance(exc, psycopg.InterfaceError):  # the connection is closed (server went away)
        return True
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def _opener(url: WarehouseURL) -> Callable[[WarehouseURL], Connection]:
    if url.dialect == "postgres":
        from airdrops.collectors.warehouse.postgres_connection import PostgresConnection

        return PostgresConnection.open
    from airdrops.collectors.warehouse.duckdb_connection import DuckDBConnection

    return DuckDBConnection.open


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


__all__ = ["Connection", "Params", "WarehouseUnavailable", "connect", "is_unavailable"]
