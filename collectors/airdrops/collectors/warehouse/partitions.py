"""Monthly partitions of `metric_samples` on PostgreSQL (DuckDB does not partition: a no-op there).

Call `ensure_metric_partitions(conn, first_ts, last_ts)` before loading samples of that window; rows
outside any month partition land in `metric_samples_default` and move out when their month is created.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airdrops.collectors.warehouse.connect import Connection


def months(start: datetime, end: datetime) -> list[datetime]:
    """The first instant (UTC) of every month touching [start, end]."""
    first = start.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last = end.astimezone(UTC)
    out = []
    while first <= last:
        out.append(first)
        first = (
            first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
        )
    return out


def ensure_metric_partitions(conn: Connection, start: datetime, end: datetime) -> list[str]:
    """Create the month partitions covering [start, end] if missing; their names (empty on DuckDB)."""
    if conn.dialect != "postgres":
        return []
    return [str(conn.execute("SELECT metric_samples_ensure_partition(%s)", (m,))[0][0]) for m in months(start, end)]
