"""ETL bookkeeping tables shared by every stream: runs, watermarks, reconciliation, quarantine."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import polars as pl

from airdrops.collectors.warehouse.connect import Connection


@dataclass(frozen=True)
class Check:
    """One reconciliation check: a count or sum in the source against the same in the target."""

    name: str
    source: Decimal
    target: Decimal

    @property
    def ok(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True)
class Rejected:
    """An input quarantined: where it came from (`file:line`, `query@ts`), the raw text and why."""

    source: str
    raw: str
    reason: str


def new_run_id(stream: str) -> str:
    return f"{stream}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def start_run(conn: Connection, stream: str, run_id: str | None = None) -> str:
    """Record a new `running` run; runs of `stream` left `running` by a dead process become `failed`.

    Call it while holding the stream's lock (`conn.try_lock`), so no live run is marked dead.
    """
    run_id = run_id or new_run_id(stream)
    now = datetime.now(UTC)
    with conn.transaction():
        conn.execute(
            "UPDATE etl_runs SET status = 'failed', finished_at = %s, error = %s "
            "WHERE stream = %s AND status = 'running'",
            (now, "abandoned: the process died before finishing the run", stream),
        )
        conn.execute(
            "INSERT INTO etl_runs (run_id, stream, started_at, status) VALUES (%s, %s, %s, 'running')",
            (run_id, stream, now),
        )
    return run_id


def finish_run(
    conn: Connection,
    run_id: str,
    *,
    status: str,
    rows_extracted: int,
    rows_loaded: int,
    rows_quarantined: int,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    error: str | None = None,
) -> None:
    conn.execute(
        "UPDATE etl_runs SET status = %s, finished_at = %s, rows_extracted = %s, rows_loaded = %s, "
        "rows_quarantined = %s, window_start = %s, window_end = %s, error = %s WHERE run_id = %s",
        (
            status,
            datetime.now(UTC),
            rows_extracted,
            rows_loaded,
            rows_quarantined,
            window_start,
            window_end,
            error,
            run_id,
        ),
    )


def get_watermark(conn: Connection, stream: str) -> str | None:
    rows = conn.execute("SELECT position FROM etl_watermarks WHERE stream = %s", (stream,))
    return str(rows[0][0]) if rows else None


def set_watermark(conn: Connection, stream: str, position: str) -> None:
    """Move the stream's watermark; call it inside the transaction that loads the rows it covers."""
    conn.execute(
        "INSERT INTO etl_watermarks (stream, position, updated_at) VALUES (%s, %s, %s) "
        "ON CONFLICT (stream) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
        (stream, position, datetime.now(UTC)),
    )


def add_reconciliation(conn: Connection, run_id: str, stream: str, checks: Sequence[Check]) -> None:
    conn.executemany(
        "INSERT INTO etl_reconciliation (run_id, stream, check_name, source_value, target_value, ok) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (run_id, check_name) DO UPDATE SET "
        "source_value = excluded.source_value, target_value = excluded.target_value, ok = excluded.ok",
        [(run_id, stream, c.name, c.source, c.target, c.ok) for c in checks],
    )


def add_quarantine(conn: Connection, run_id: str, stream: str, rows: Sequence[Rejected]) -> int:
    """Quarantine `rows` (idempotent on `(stream, source)`); how many of them the table now holds.

    Runs inside the caller's transaction, so rejected input is recorded with the rows and watermark.
    """
    if not rows:
        return 0
    frame = pl.DataFrame(
        {
            "source": [r.source for r in rows],
            "raw": [_text(r.raw) for r in rows],
            "reason": [_text(r.reason) for r in rows],
        },
        schema={"source": pl.String, "raw": pl.String, "reason": pl.String},
    ).unique(subset="source", keep="first", maintain_order=True)
    with conn.transaction():
        conn.stage_frame("_stage_quarantine", frame)
        conn.execute(
            "INSERT INTO etl_quarantine (run_id, stream, source, raw, reason, quarantined_at) "
            "SELECT %s, %s, source, raw, reason, %s FROM _stage_quarantine ON CONFLICT (stream, source) DO NOTHING",
            (run_id, stream, datetime.now(UTC)),
        )
        present = conn.execute(
            "SELECT count(*) FROM etl_quarantine "
            "WHERE stream = %s AND source IN (SELECT source FROM _stage_quarantine)",
            (stream,),
        )
    return int(present[0][0])


def _text(value: str) -> str:
    # PostgreSQL text cannot hold NUL, nor UTF-8 encode lone surrogates: keep them visible, escaped.
    if "\x00" in value:
        value = value.replace("\x00", "\\u0000")
    return value.encode("utf-8", "backslashreplace").decode("utf-8")
