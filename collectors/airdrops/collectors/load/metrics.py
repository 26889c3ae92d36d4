"""Load one `MetricsBatch` into `metric_series` / `metric_samples`, exactly once per (series_id, ts).

Inside the caller's transaction: the chunk's series are upserted, its samples staged (PostgreSQL:
binary COPY into a temporary table; DuckDB: from Arrow), then inserted. When the warehouse holds no
sample of these series in the chunk's time range (the usual case: the watermark moved past it) a
plain `INSERT ... SELECT` runs; otherwise, a rerun of a window, the rows already there are counted
and `ON CONFLICT (series_id, ts) DO NOTHING` skips them. A concurrent loader racing into the same
range makes the plain insert fail on the primary key (`is_duplicate_key`): rerun the transaction
with `conflicts=True`.

    ensure_partitions(conn, batch)             # PostgreSQL month partitions, outside the transaction
    with conn.transaction():
        result = load_batch(conn, batch)       # LoadResult(staged, inserted, duplicates)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from airdrops.collectors.transform.metrics import MetricsBatch
from airdrops.collectors.warehouse.connect import Connection
from airdrops.collectors.warehouse.partitions import ensure_metric_partitions

SERIES_STAGE = "_stage_metric_series"
SAMPLES_STAGE = "_stage_metric_samples"
# PostgreSQL binary COPY: signature, flags, header extension length; and the trailer.
_PG_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
_PG_TRAILER = b"\xff\xff"
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in unix microseconds
_PG_ROWS_PER_PART = 200_000


@dataclass(frozen=True)
class LoadResult:
    """Rows staged, newly inserted, and already present (duplicates of an earlier load)."""

    staged: int
    inserted: int
    duplicates: int


def window(batch: MetricsBatch) -> tuple[datetime, datetime]:
    """The chunk's evaluation range as UTC datetimes (both ends included)."""
    return datetime.fromtimestamp(batch.start, UTC), datetime.fromtimestamp(batch.end, UTC)


def ensure_partitions(conn: Connection, batch: MetricsBatch) -> None:
    """PostgreSQL: create the month partitions the chunk needs (DDL, so before its transaction)."""
    if batch.samples.height:
        ensure_metric_partitions(conn, *window(batch))


def load_batch(conn: Connection, batch: MetricsBatch, *, conflicts: bool = False) -> LoadResult:
    """Upsert the series and insert the samples of `batch`; must run inside `conn.transaction()`."""
    if not batch.series.height:
        return LoadResult(0, 0, 0)
    conn.stage_frame(SERIES_STAGE, batch.series)
    conn.execute(
        f"INSERT INTO metric_series (series_id, metric, labels) "
        f"SELECT series_id, metric, CAST(labels AS {conn.json_type}) FROM {SERIES_STAGE} "
        f"ON CONFLICT (series_id) DO NOTHING"
    )
    if not batch.samples.height:
        return LoadResult(0, 0, 0)
    stage_samples(conn, batch)
    lo, hi = window(batch)
    in_range = (
        f"FROM {SAMPLES_STAGE} s JOIN metric_samples m ON m.series_id = s.series_id AND m.ts = s.ts "
        f"WHERE m.ts BETWEEN %s AND %s"
    )
    if not conflicts:
        # PostgreSQL: the staged ids must compare in the key's collation ("C") for the primary key to serve.
        collate = ' COLLATE "C"' if conn.dialect == "postgres" else ""
        occupied = conn.execute(
            f"SELECT EXISTS (SELECT 1 FROM {SERIES_STAGE} s WHERE EXISTS (SELECT 1 FROM metric_samples m "
            f"WHERE m.series_id = s.series_id{collate} AND m.ts BETWEEN %s AND %s))",
            (lo, hi),
        )
        conflicts = bool(occupied[0][0])
    columns = "series_id, ts, value"
    if not conflicts:
        inserted = conn.execute_rowcount(
            f"INSERT INTO metric_samples ({columns}) SELECT {columns} FROM {SAMPLES_STAGE}"
        )
        return LoadResult(batch.samples.height, inserted, 0)
    duplicates = int(conn.execute(f"SELECT count(*) {in_range}", (lo, hi))[0][0])
    if duplicates == batch.samples.height:  # a window loaded before: every row is there already
        return LoadResult(batch.samples.height, 0, duplicates)
    inserted = conn.execute_rowcount(
        f"INSERT INTO metric_samples ({columns}) SELECT {columns} FROM {SAMPLES_STAGE} "
        f"ON CONFLICT (series_id, ts) DO NOTHING"
    )
    return LoadResult(batch.samples.height, inserted, duplicates)


def stage_samples(conn: Connection, batch: MetricsBatch) -> None:
    """The chunk's samples in the temporary table `_stage_metric_samples` (series_id, ts, value)."""
    if conn.dialect == "postgres":
        conn.execute(f"DROP TABLE IF EXISTS {SAMPLES_STAGE}")
        conn.execute(
            f'CREATE TEMPORARY TABLE {SAMPLES_STAGE} (series_id text COLLATE "C", ts timestamptz, value float8) '
            "ON COMMIT DROP"
        )
        conn.copy_binary(SAMPLES_STAGE, ["series_id", "ts", "value"], pg_copy_payload(batch))
    else:
        conn.stage_frame(SAMPLES_STAGE, batch.samples_with_ids())


def pg_copy_payload(batch: MetricsBatch, rows_per_part: int = _PG_ROWS_PER_PART) -> Iterator[bytes]:
    """The samples as PostgreSQL binary COPY data (series_id text, ts timestamptz, value float8), in parts.

    Built column-wise with numpy (fixed-width rows: sha1 hex ids are 40 bytes), not row by row:
    about ten times faster than `write_row` for a million rows, and bounded by `rows_per_part`.
    """
    import numpy as np

    ids = np.array(batch.series.get_column("series_id").to_list(), dtype="S40")
    if ids.size and int(np.char.str_len(ids).min()) != 40:
        raise ValueError("series_id must be 40 hex characters (sha1)")
    row = np.dtype(
        [
            ("n", ">i2"),
            ("id_len", ">i4"),
            ("id", "S40"),
            ("ts_len", ">i4"),
            ("ts", ">i8"),
            ("v_len", ">i4"),
            ("v", ">f8"),
        ]
    )
    yield _PG_HEADER
    samples = batch.samples
    for offset in range(0, samples.height, rows_per_part):
        part = samples.slice(offset, rows_per_part)
        out = np.empty(part.height, dtype=row)
        out["n"], out["id_len"], out["ts_len"], out["v_len"] = 3, 40, 8, 8
        out["id"] = ids[part.get_column("series_idx").to_numpy()]
        out["ts"] = part.get_column("ts").dt.epoch("us").to_numpy() - _PG_EPOCH_US
        out["v"] = part.get_column("value").to_numpy()
        yield out.tobytes()
    yield _PG_TRAILER


def is_duplicate_key(exc: BaseException) -> bool:
    """True when a plain insert lost a race with another loader (primary key violation)."""
    import duckdb
    import psycopg

    if isinstance(exc, psycopg.errors.UniqueViolation):
        return True
    return isinstance(exc, duckdb.ConstraintException) and "duplicate key" in str(exc).lower()


__all__ = [
    "LoadResult",
    "ensure_partitions",
    "is_duplicate_key",
    "load_batch",
    "pg_copy_payload",
    "stage_samples",
    "window",
]
