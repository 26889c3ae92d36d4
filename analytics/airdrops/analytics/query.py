"""The query layer: read the warehouse's views (never its tables) into typed Polars frames.

Each view's columns and Polars types are declared once, in `VIEWS`; `read_view` selects those
columns by name and casts them, so a frame has the same schema on PostgreSQL and DuckDB, empty or
not. Money and amounts (numeric(38,18) in the warehouse) arrive as Float64: analytics reports
ratios and rounded sums, not ledger balances.

    >>> sorted(VIEWS)[:3]
    ['airdrop_returns', 'capital_flows', 'claim_outcomes']
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import polars as pl

Schema = dict[str, Any]

_UTC = pl.Datetime("us", "UTC")
_TEXT, _INT, _MONEY = pl.String, pl.Int64, pl.Float64

#: Every view analytics reads, with its columns and their types. The first four are the contract's
#: (Grafana reads them too); the others were added for analytics (see docs/analytics.md).
VIEWS: dict[str, Schema] = {
    "claim_success_rate": {
        "day": pl.Date,
        "bot_id": _TEXT,
        "chain": _TEXT,
        "protocol": _TEXT,
        "airdrop": _TEXT,
        "attempts": _INT,
        "succeeded": _INT,
        "failed": _INT,
        "expected_failures": _INT,
        "counted": _INT,
        "success_rate": pl.Float64,
    },
    "roi_by_protocol": {
        "protocol": _TEXT,
        "chain": _TEXT,
        "gas_usd": _MONEY,
        "fees_usd": _MONEY,
        "claimed_value_usd": _MONEY,
        "tx_count": _INT,
        "claims_succeeded": _INT,
        "realized_usd": _MONEY,
        "unrealized_usd": _MONEY,
        "net_usd": _MONEY,
        "roi": pl.Float64,
    },
    "roi_by_airdrop": {
        "airdrop": _TEXT,
        "protocol": _TEXT,
        "chain": _TEXT,
        "gas_usd": _MONEY,
        "fees_usd": _MONEY,
        "claimed_value_usd": _MONEY,
        "claims_attempted": _INT,
        "claims_succeeded": _INT,
        "realized_usd": _MONEY,
        "unrealized_usd": _MONEY,
        "net_usd": _MONEY,
        "roi": pl.Float64,
    },
    "airdrop_returns": {
        "airdrop": _TEXT,
        "protocol": _TEXT,
        "chain": _TEXT,
        "token": _TEXT,
        "amount_claimed": _MONEY,
        "value_at_claim_usd": _MONEY,
        "amount_sold": _MONEY,
        "realized_usd": _MONEY,
        "amount_held": _MONEY,
        "price_now_usd": _MONEY,
        "unrealized_usd": _MONEY,
    },
    "portfolio_value_daily": {"day": pl.Date, "bot_id": _TEXT, "value_usd": _MONEY},
    "claim_outcomes": {
        "day": pl.Date,
        "bot_id": _TEXT,
        "chain": _TEXT,
        "protocol": _TEXT,
        "airdrop": _TEXT,
        "wallet": _TEXT,
        "outcome": _TEXT,
        "reason": _TEXT,
        "expected": pl.Boolean,
        "ineligible": pl.Boolean,
        "token": _TEXT,
        "attempts": _INT,
        "amount": _MONEY,
        "value_usd": _MONEY,
    },
    "latest_prices": {"token": _TEXT, "ts": _UTC, "price_usd": _MONEY},
    "ops_daily": {
        "day": pl.Date,
        "bot_id": _TEXT,
        "rpc_requests": _INT,
        "rpc_errors": _INT,
        "rpc_error_ratio": pl.Float64,
        "rpc_p95_seconds": pl.Float64,
        "tx_count": _INT,
        "tx_failed": _INT,
        "gas_used": _INT,
        "gas_usd": pl.Float64,
        "fees_usd": pl.Float64,
        "job_runs": _INT,
        "job_failures": _INT,
        "uptime_share": pl.Float64,
    },
    "prometheus_vs_events": {
        "day": pl.Date,
        "bot_id": _TEXT,
        "measure": _TEXT,
        "window_start": _UTC,
        "window_end": _UTC,
        "prometheus": pl.Float64,
        "events": pl.Float64,
        "difference": pl.Float64,
        "agrees": pl.Boolean,
    },
    "gas_costs_daily": {
        "day": pl.Date,
        "bot_id": _TEXT,
        "chain": _TEXT,
        "protocol": _TEXT,
        "airdrop": _TEXT,
        "action": _TEXT,
        "tx_count": _INT,
        "gas_used": _INT,
        "fee_native": _MONEY,
        "fee_usd": _MONEY,
        "fees_usd": _MONEY,
    },
    "costs_by_wallet": {
        "wallet": _TEXT,
        "bot_id": _TEXT,
        "chain": _TEXT,
        "protocol": _TEXT,
        "tx_count": _INT,
        "gas_used": _INT,
        "fee_native": _MONEY,
        "gas_usd": _MONEY,
        "fees_usd": _MONEY,
    },
    "capital_flows": {
        "ts": _UTC,
        "bot_id": _TEXT,
        "protocol": _TEXT,
        "chain": _TEXT,
        "action": _TEXT,
        "amount_usd": _MONEY,
    },
    "risk_breach_events": {
        "ts": _UTC,
        "bot_id": _TEXT,
        "rule": _TEXT,
        "severity": _TEXT,
        "protocol": _TEXT,
        "wallet": _TEXT,
        "value": _MONEY,
        "limit_value": _MONEY,
        "action_taken": _TEXT,
    },
}


class Connection(Protocol):
    """What the query layer needs of `airdrops.collectors.warehouse.connect(...)`."""

    @property
    def dialect(self) -> str: ...

    def execute(self, sql: str, params: Any = ...) -> list[tuple[Any, ...]]: ...

    def fetch_frame(self, sql: str) -> pl.DataFrame: ...


class ViewSource(Protocol):
    """Anything that gives a view's frame by name: `Views`, or a plain dict of frames in tests."""

    def __getitem__(self, view: str) -> pl.DataFrame: ...


class MissingViewError(LookupError):
    """A view analytics reads is not in the warehouse: run `airdrops warehouse migrate`."""


def empty(view: str) -> pl.DataFrame:
    """A frame with the view's schema and no rows (for callers building frames by hand)."""
    return pl.DataFrame(schema=VIEWS[view])


def conform(frame: pl.DataFrame, view: str) -> pl.DataFrame:
    """`frame` with exactly the view's columns, in order, cast to their declared types."""
    schema = VIEWS[view]
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise ValueError(f"{view}: missing columns {missing}")
    if frame.height == 0:
        return empty(view)
    return frame.select([_cast(frame[name], dtype) for name, dtype in schema.items()])


def _cast(column: pl.Series, dtype: Any) -> pl.Series:
    if dtype == _UTC and isinstance(column.dtype, pl.Datetime):
        if column.dtype.time_zone is None:  # a naive timestamp from the warehouse is UTC
            return column.dt.replace_time_zone("UTC").dt.cast_time_unit("us")
        return column.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
    return column.cast(dtype, strict=False) if column.dtype == pl.Null else column.cast(dtype)


def read_view(conn: Connection, view: str) -> pl.DataFrame:
    """Every row of `view`, typed by `VIEWS`; only views are readable, never tables."""
    if view not in VIEWS:
        raise ValueError(f"{view!r} is not a view analytics reads; known views: {sorted(VIEWS)}")
    if view not in views_present(conn):
        raise MissingViewError(f"view {view!r} is missing from the warehouse: run `airdrops warehouse migrate`")
    columns = ", ".join(VIEWS[view])
    return conform(conn.fetch_frame(f"SELECT {columns} FROM {view}"), view)


def views_present(conn: Connection) -> set[str]:
    """Names of the views in the warehouse (information_schema, the same query on both dialects)."""
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW'"
        " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
    )
    return {str(r[0]) for r in rows}


class Views:
    """Lazily read, cached views of one warehouse connection: `Views(conn)["claim_success_rate"]`."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._cache: dict[str, pl.DataFrame] = {}

    def __getitem__(self, view: str) -> pl.DataFrame:
        if view not in self._cache:
            self._cache[view] = read_view(self.conn, view)
        return self._cache[view]


@contextmanager
def open_views(url: str | None = None) -> Iterator[Views]:
    """`Views` over the warehouse at `url` (`postgresql://...` or `duckdb:///path`; None: `WAREHOUSE_URL`)."""
    from airdrops.collectors.warehouse import WarehouseURL, connect

    with connect(WarehouseURL.parse(url)) as conn:
        yield Views(conn)
