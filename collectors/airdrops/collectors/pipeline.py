"""The events stream: the bots' JSONL event logs into the warehouse, chunk by chunk.

    from airdrops.collectors.pipeline import run_events

    result = run_events("duckdb:///tmp/airdrops.duckdb", "events")
    print(result.loaded, result.duplicates, result.quarantined)

Each chunk is committed with its watermark, so a run killed half way loses nothing and the next run
resumes after the last committed chunk; reloading rows adds nothing (`ON CONFLICT DO NOTHING`).
Failures raise `EtlError` naming the stage; the run is recorded in `etl_runs` whenever the warehouse
can still be reached. The run itself (lock, migrations, retries, bookkeeping) is `runloop.run_stream`.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Context, Decimal
from pathlib import Path

from airdrops.collectors.config import EventsConfig
from airdrops.collectors.errors import EtlError, ReconciliationError
from airdrops.collectors.extract.events import Chunk, EventLogReader, dump_positions, load_positions
from airdrops.collectors.load.events import LoadResult, load_batch
from airdrops.collectors.runloop import Stream, StreamRun, WarehouseSession, one_ahead, run_stream
from airdrops.collectors.transform.events import Batch, transform
from airdrops.collectors.warehouse.bookkeeping import Check, get_watermark
from airdrops.collectors.warehouse.connect import Connection
from airdrops.collectors.warehouse.url import WarehouseURL

EVENTS_DIR_ENV = "AIRDROPS_EVENTS_DIR"
# Test hook: pause inside the transaction of chunk N (after its rows and watermark, before COMMIT): create
# the file, wait until the test deletes it. Lets a test kill -9 the process, or stop the server, at a known point.
PAUSE_AT_ENV = "AIRDROPS_ETL_TEST_PAUSE_AT"
PAUSE_FILE_ENV = "AIRDROPS_ETL_TEST_PAUSE_FILE"
_EXACT = Context(prec=80)  # sums of numeric(38,18) values without rounding


@dataclass(frozen=True)
class Progress:
    """Handed to `progress` after every chunk."""

    chunk: int
    bytes_done: int
    bytes_total: int
    lines: int
    loaded: int
    quarantined: int


@dataclass
class RunResult(StreamRun):
    """What one run did. `lines == loaded + duplicates + quarantined` always holds for a finished run."""

    files: int = 0
    lines: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    #: table -> rows new in it.
    rows: dict[str, int] = field(default_factory=dict)

    def stage_rows(self) -> dict[str, int]:
        return {
            "extracted": self.lines,
            "loaded": self.loaded,
            "duplicate": self.duplicates,
            "quarantined": self.quarantined,
        }


def events_directory(events_dir: str | Path | None = None) -> Path:
    """The event log directory: `events_dir`, else `$AIRDROPS_EVENTS_DIR`, else `./events`."""
    return Path(events_dir or os.environ.get(EVENTS_DIR_ENV) or "events")


def run_events(
    url: str | WarehouseURL | None = None,
    events_dir: str | Path | None = None,
    *,
    progress: Callable[[Progress], None] | None = None,
    config: EventsConfig | None = None,
) -> RunResult:
    """Load what was appended to the event logs in `events_dir` since the last run into the warehouse.

    `url` defaults to `$WAREHOUSE_URL` then `duckdb:///<cwd>/airdrops.duckdb`; `events_dir` to
    `$AIRDROPS_EVENTS_DIR` then `./events`. Raises `EtlError` naming the failed stage.
    """
    cfg = config or EventsConfig()
    directory = events_directory(events_dir)
    stream = EventsStream(directory, cfg, progress)
    session = WarehouseSession(
        WarehouseURL.parse(url),
        cfg.retry,
        label=cfg.stream,
        auto_migrate=cfg.auto_migrate,
        lock_wait_s=cfg.lock_wait_s,
    )
    with session:
        return run_stream(session, stream)


class EventsStream(Stream[tuple[Chunk, Batch], LoadResult, RunResult]):
    """The event logs of one directory, from the stream's watermark on."""

    def __init__(self, directory: Path, cfg: EventsConfig, progress: Callable[[Progress], None] | None) -> None:
        super().__init__(RunResult(run_id="", stream=cfg.stream))
        self.directory = directory
        self.cfg = cfg
        self.progress = progress
        self.totals: dict[str, tuple[Decimal, Decimal]] = {}
        self.bytes_total = 0
        self.bytes_done = 0

    def batches(self, conn: Connection) -> Iterator[tuple[Chunk, Batch]]:
        positions = load_positions(get_watermark(conn, self.name))
        try:
            reader = EventLogReader(self.directory, positions, self.cfg.extract)
        except OSError as exc:
            raise EtlError("extract", str(exc), stream=self.name, run_id=self.result.run_id) from exc
        self.result.files = len(reader.files)
        self.bytes_total = reader.backlog_bytes()
        return one_ahead(self._chunks(reader), self._transform)

    def load(self, conn: Connection, batch: tuple[Chunk, Batch]) -> LoadResult:
        chunk, rows = batch
        return load_batch(
            conn,
            rows,
            run_id=self.result.run_id,
            position=dump_positions(chunk.positions),
            stream=self.name,
            before_commit=_pause(chunk.number),
        )

    def count(self, batch: tuple[Chunk, Batch], loaded: LoadResult) -> None:
        chunk, rows = batch
        r = self.result
        self._add(loaded.checks)
        r.chunks += 1
        r.lines += rows.lines
        r.loaded += loaded.loaded
        r.duplicates += rows.valid - loaded.loaded - loaded.conflicts
        r.quarantined += len(rows.rejected) + loaded.conflicts
        for table, n in loaded.inserted.items():
            r.rows[table] = r.rows.get(table, 0) + n
        if rows.window is not None and loaded.loaded:
            r.widen(*rows.window)
        self.bytes_done += chunk.bytes_read
        if self.progress is not None:
            self.progress(Progress(chunk.number, self.bytes_done, self.bytes_total, r.lines, r.loaded, r.quarantined))

    def where(self, batch: tuple[Chunk, Batch]) -> str:
        return f"lines {batch[1].span}"

    def final_checks(self, failure: EtlError | None) -> list[Check]:
        """The run's totals: every chunk's checks summed, and the failed chunk's if reconciliation failed."""
        if isinstance(failure, ReconciliationError):
            self._add(failure.checks)
        self.result.checks = [Check(name, s, t) for name, (s, t) in sorted(self.totals.items())]
        return self.result.checks

    def lag_s(self, conn: Connection) -> float | None:
        with contextlib.suppress(Exception):
            newest = conn.execute("SELECT max(ts) FROM events_raw")[0][0]
            if newest is not None:
                return float((datetime.now(UTC) - newest).total_seconds())
        return None

    def _add(self, checks: list[Check]) -> None:
        for c in checks:
            source, target = self.totals.get(c.name, (Decimal(0), Decimal(0)))
            self.totals[c.name] = (_EXACT.add(source, c.source), _EXACT.add(target, c.target))

    def _chunks(self, reader: EventLogReader) -> Iterator[Chunk]:
        try:
            yield from reader.chunks()
        except OSError as exc:
            raise EtlError(
                "extract", f"reading event logs: {exc}", stream=self.name, run_id=self.result.run_id
            ) from exc

    def _transform(self, chunk: Chunk) -> tuple[Chunk, Batch]:
        try:
            return chunk, transform(chunk.lines)
        except Exception as exc:
            span = f"{chunk.lines[0].source} .. {chunk.lines[-1].source}" if chunk.lines else ""
            message = f"{type(exc).__name__}: {exc} (lines {span})"
            raise EtlError("transform", message, stream=self.name, run_id=self.result.run_id) from exc


def _pause(chunk_number: int) -> Callable[[], None] | None:
    at = os.environ.get(PAUSE_AT_ENV)
    if not at or int(at) != chunk_number:
        return None

    def pause() -> None:
        flag = Path(os.environ[PAUSE_FILE_ENV])
        flag.write_text(str(chunk_number))
        deadline = time.monotonic() + 600
        while flag.exists() and time.monotonic() < deadline:
            time.sleep(0.02)

    return pause
