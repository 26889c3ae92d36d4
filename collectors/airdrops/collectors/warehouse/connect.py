"""A small connection layer over psycopg 3 and DuckDB: the same calls, and `%s` placeholders, on both.

    with connect("duckdb:///tmp/w.duckdb") as conn:
        with conn.transaction():
            conn.stage_frame("_stage_claims", frame)       # PG: binary COPY; DuckDB: from Arrow
            conn.execute("INSERT INTO claims SELECT * FROM _stage_claims ON CONFLICT (event_id) DO NOTHING")
        df = conn.fetch_frame("SELECT * FROM claim_success_rate")

`connect()` retries with backoff while a PostgreSQL server refuses connections (or another process
holds the DuckDB file), then raises `WarehouseUnavailable`; a server that answers no (wrong password,
no such database) or a file that is not a DuckDB database raises `WarehouseRefused` at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from airdrops.collectors.retry import Retry
from airdrops.collectors.warehouse.connection import Connection, Params
from airdrops.collectors.warehouse.url import WarehouseURL

_log = logging.getLogger("airdrops.collectors")


class WarehouseError(Exception):
    """The warehouse could not be opened; the message says why in one line."""


class WarehouseUnavailable(WarehouseError, ConnectionError):
    """The warehouse could not be reached after every retry."""

    def __init__(self, url: WarehouseURL, attempts: int, cause: BaseException) -> None:
        self.url = url
        self.attempts = attempts
        self.cause = cause
        super().__init__(
            f"warehouse {url.redacted} unavailable after {attempts} attempts: {url.scrub(_one_line(cause))}"
        )


class WarehouseRefused(WarehouseError):
    """The warehouse answered, and said no: wrong password, no such database or role, not a DuckDB file.
    Retrying cannot help, so nothing is retried."""

    def __init__(self, url: WarehouseURL, cause: BaseException) -> None:
        self.url = url
        self.cause = cause
        super().__init__(f"warehouse {url.redacted} refused the connection: {url.scrub(_reason(cause))}")


def connect(url: str | WarehouseURL | None = None, *, retry: Retry | None = None) -> Connection:
    """Open the warehouse at `url` (see `WarehouseURL.parse`), retrying while it is unreachable."""
    parsed = WarehouseURL.parse(url)
    policy = retry or Retry()
    opener = _opener(parsed)

    def warn(attempt: int, exc: BaseException, delay: float) -> None:
        _log.warning(
            "warehouse %s unavailable (%s); retry %d in %.1fs", parsed, parsed.scrub(_one_line(exc)), attempt, delay
        )

    try:
        return policy.call(lambda: opener(parsed), retryable=is_unavailable, before_retry=warn)
    except Exception as exc:
        if is_unavailable(exc):
            raise WarehouseUnavailable(parsed, policy.attempts, exc) from exc
        if _is_driver_error(exc):
            raise WarehouseRefused(parsed, exc) from exc
        raise


def is_duplicate_key(exc: BaseException) -> bool:
    """True when a plain insert lost a race with another loader (primary key violation)."""
    import duckdb
    import psycopg

    if isinstance(exc, psycopg.errors.UniqueViolation):
        return True
    return isinstance(exc, duckdb.ConstraintException) and "duplicate key" in str(exc).lower()


def is_unavailable(exc: BaseException) -> bool:
    """True for errors that mean "down or busy, try again later" rather than "wrong"."""
    import duckdb
    import psycopg

    if isinstance(exc, WarehouseUnavailable):
        return True
    if isinstance(exc, psycopg.OperationalError):
        # No SQLSTATE: refused, reset, timed out. 57P0x: shutting down / starting up; 53300: too many clients.
        state: str | None = getattr(exc, "sqlstate", None)
        if state is None:  # at connect time: retry, unless the server said no for good
            return not any(no in str(exc) for no in _REFUSALS)
        return state.startswith("57P") or state == "53300"
    if isinstance(exc, psycopg.InterfaceError):  # the connection is closed (server went away)
        return True
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def _opener(url: WarehouseURL) -> Callable[[WarehouseURL], Connection]:
    if url.dialect == "postgres":
        from airdrops.collectors.warehouse.postgres_connection import PostgresConnection

        return PostgresConnection.open
    from airdrops.collectors.warehouse.duckdb_connection import DuckDBConnection

    return DuckDBConnection.open


#: What libpq says when the server (or the URL) says no for good: retrying cannot help. Anything
#: else at connect time (refused, timed out, too many clients, starting up) is retried.
_REFUSALS = (
    "password authentication failed",
    "no password supplied",
    "does not exist",  # role, database
    "no pg_hba.conf entry",
    "pg_hba.conf rejects",
    "authentication failed",
    "permission denied",
    "invalid percent-encoded token",
    "invalid URI",
    "invalid connection option",
    "certificate verify failed",
    "server does not support SSL",
)


def _is_driver_error(exc: BaseException) -> bool:
    import duckdb
    import psycopg

    return bool(isinstance(exc, psycopg.Error | duckdb.Error))


def _reason(exc: BaseException) -> str:
    """The driver's own words, without libpq's preamble (`connection failed: ... failed: FATAL:`)."""
    text = " ".join(str(exc).split())
    if "FATAL:" in text:
        text = text.rsplit("FATAL:", 1)[1].strip()
    return text or type(exc).__name__


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


__all__ = [
    "Connection",
    "Params",
    "WarehouseError",
    "WarehouseRefused",
    "WarehouseUnavailable",
    "connect",
    "is_unavailable",
]
