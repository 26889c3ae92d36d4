"""Load: one transformed chunk into the warehouse, in one transaction with its watermark.

Loads take a lock, so that no other load stores an event between this one's look at which of its
events `events_raw` holds and its insert. Each typed frame goes to a temporary staging table
(PostgreSQL: COPY; DuckDB: from Arrow), then `INSERT ... SELECT ... ON CONFLICT (event_id) DO NOTHING`,
so loading the same events again adds nothing; the events new to the warehouse go straight into
`events_raw` (one COPY) and are added to the rollups of their table (`warehouse.rollups`). An event
whose id the warehouse already holds with other content is a conflict: it is quarantined rather than
skipped, so the stored event stays and the sums still reconcile. In the same
transaction the target side of reconciliation is read back (rows and sums for the chunk's event
ids), rejected lines are quarantined and the watermark moves; a mismatch raises `ReconciliationError`
and the transaction rolls back, leaving the watermark where it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from airdrops.collectors.config import EVENTS_STREAM
from airdrops.collectors.errors import EtlError, ReconciliationError
from airdrops.collectors.transform.events import (
    CHECKED_SUMS,
    COLUMNS,
    RAW_COLUMNS,
    RAW_TABLE,
    Batch,
    conflict_with_loaded,
)
from airdrops.collectors.warehouse import rollups
from airdrops.collectors.warehouse.bookkeeping import Check, add_quarantine, set_watermark
from airdrops.collectors.warehouse.connect import Connection, is_duplicate_key


@dataclass
class LoadResult:
    """What one chunk did to the warehouse."""

    inserted: dict[str, int] = field(default_factory=dict)  # table -> new rows
    quarantined: int = 0
    #: Valid lines whose event_id the warehouse already held with other content (quarantined too).
    conflicts: int = 0
    checks: list[Check] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        """New events (rows new in `events_raw`)."""
        return self.inserted.get(RAW_TABLE, 0)


def load_batch(
    conn: Connection,
    batch: Batch,
    *,
    run_id: str,
    position: str,
    stream: str = EVENTS_STREAM,
    before_commit: Callable[[], None] | None = None,
) -> LoadResult:
    """Load `batch` and move the watermark to `position`, all in one transaction."""
    conn.lock(rollups.LOAD_LOCK)
    try:
        return _load_batch(conn, batch, run_id=run_id, position=position, stream=stream, before_commit=before_commit)
    finally:
        conn.unlock(rollups.LOAD_LOCK)


def _load_batch(
    conn: Connection,
    batch: Batch,
    *,
    run_id: str,
    position: str,
    stream: str,
    before_commit: Callable[[], None] | None,
) -> LoadResult:
    result = LoadResult()
    with conn.transaction():
        stored, conflicts = _stored_and_conflicts(conn, batch)
        batch = batch.without(conflicts)
        result.conflicts = len(conflicts)
        present: dict[str, Decimal] = {}
        for table, frame in batch.frames.items():
            columns = [c.name for c in COLUMNS[table]]
            frame_name = f"_stage_{table}"
            if table in rollups.BY_SOURCE:  # the rollups take the events stored by this load only
                frame = frame.with_columns(_fresh=~pl.col("event_id").is_in(list(stored)))
            result.inserted[table] = _insert(conn, table, columns, frame_name, frame)
            sums = [c for c in columns if c in CHECKED_SUMS]
            row = conn.execute(
                f"SELECT count(*){''.join(f', sum(t.{c})' for c in sums)} FROM {table} t "
                f"WHERE t.event_id IN (SELECT event_id FROM {frame_name})"
            )[0]
            present[f"{table}.count"] = Decimal(row[0])
            for c, value in zip(sums, row[1:], strict=True):
                present[f"{table}.sum({c})"] = Decimal(value or 0)
        # the raw copy of each new event, straight into events_raw: under the load lock, the events it holds
        # are those `stored` names (the largest rows of a load, staged and copied again they cost half its time)
        fresh = batch.raw.filter(~pl.col("event_id").is_in(list(stored))).select(RAW_COLUMNS)
        _append_raw(conn, fresh, stream=stream, run_id=run_id)
        result.inserted[RAW_TABLE] = fresh.height
        result.quarantined = add_quarantine(conn, run_id, stream, batch.rejected)
        events_present = sum(int(v) for k, v in present.items() if k.endswith(".count"))
        new_typed = sum(n for t, n in result.inserted.items() if t != RAW_TABLE)
        result.checks = [
            # every line is in the warehouse: as an event, a duplicate of one, or quarantined
            Check(
                "lines", Decimal(batch.lines), Decimal(events_present + batch.duplicates_in_chunk + result.quarantined)
            ),
            # events_raw and the typed tables gained the same events
            Check("events_raw.new_rows", Decimal(new_typed), Decimal(result.inserted.get(RAW_TABLE, 0))),
        ]
        for name in sorted(set(batch.source) | set(present)):
            result.checks.append(Check(name, batch.source.get(name, Decimal(0)), present.get(name, Decimal(0))))
        bad = [c for c in result.checks if not c.ok]
        if bad:
            raise ReconciliationError(
                "source and warehouse disagree ("
                + "; ".join(f"{c.name}: source {c.source} != warehouse {c.target}" for c in bad)
                + f") for lines {batch.span}; the chunk was rolled back and the watermark did not move",
                stream=stream,
                run_id=run_id,
                checks=result.checks,
            )
        set_watermark(conn, stream, position)
        if before_commit is not None:
            before_commit()
    return result


def _append_raw(conn: Connection, fresh: pl.DataFrame, *, stream: str, run_id: str) -> None:
    try:
        conn.append_frame(RAW_TABLE, fresh)
    except Exception as exc:
        if not is_duplicate_key(exc):
            raise
        raise EtlError(
            "load",
            f"{RAW_TABLE} gained an event of this chunk while it loaded (written outside the ETL's load lock?); "
            "the chunk was rolled back and the watermark did not move: the next run finds the event stored",
            stream=stream,
            run_id=run_id,
        ) from exc


def _stored_and_conflicts(conn: Connection, batch: Batch) -> tuple[set[str], dict[str, str]]:
    """The batch's event ids the warehouse holds already, and event_id -> reason for those it holds with other
    content."""
    if batch.raw.is_empty():
        return set(), {}
    conn.stage_frame("_stage_event_ids", batch.raw.select("event_id"))
    stored = conn.execute(
        f"SELECT r.event_id, r.payload FROM {RAW_TABLE} r WHERE r.event_id IN (SELECT event_id FROM _stage_event_ids)"
    )
    lines = batch.lines_of(event_id for event_id, _ in stored)
    conflicts = {
        event_id: conflict_with_loaded(event_id)
        for event_id, payload in stored
        if (json.loads(payload) if isinstance(payload, str) else payload) != json.loads(lines[event_id].data)
    }
    return {event_id for event_id, _ in stored}, conflicts


def _insert(conn: Connection, table: str, columns: list[str], stage: str, frame: pl.DataFrame) -> int:
    conn.stage_frame(stage, frame)
    cols = ", ".join(columns)
    select = ", ".join(f"CAST({c} AS {conn.json_type})" if c == "payload" else c for c in columns)
    inserted = conn.execute_rowcount(
        f"INSERT INTO {table} ({cols}) SELECT {select} FROM {stage} ON CONFLICT (event_id) DO NOTHING"
    )
    if "_fresh" in frame.columns:
        rollups.add_fresh(conn, table, stage)
    return inserted
