"""Runs the ETL stages for a stream: extract -> transform -> load, chunk by chunk, with bookkeeping.

    from airdrops.collectors.pipeline import run_events

    result = run_events("duckdb:///tmp/airdrops.duckdb", "events")
    print(result.loaded, result.duplicates, result.quarantined)

Each chunk is committed with its watermark, so a run killed half way loses nothing and the next run
resumes after the last committed chunk; reloading rows adds nothing (`ON CONFLICT DO NOTHING`).
Failures raise `EtlError` naming the stage; the run is recorded in `etl_runs` whenever the warehouse
can still be reached.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Context, Decimal
from pathlib import Path

from airdrops.collectors import telemetry
from airdrops.collectors.errors import EtlError, ReconciliationError
from airdrops.collectors.extract.events import Chunk, EventLogReader, ExtractConfig, dump_positions, load_positions
from airdrops.collectors.load.events import STREAM, LoadResult, load_batch
from airdrops.collectors.transform.events import Batch, transform
from airdrops.collectors.warehouse.bookkeeping import Check, add_reconciliation, finish_run, get_watermark, start_run
from airdrops.collectors.warehouse.connect import Connection, Retry, WarehouseUnavailable, connect, is_unavailable
from airdrops.collectors.warehouse.migrate import apply as apply_migrations, pending
from airdrops.collectors.warehouse.url import WarehouseURL

_log = logging.getLogger("airdrops.collectors")

EVENTS_DIR_ENV = "AIRDROPS_EVENTS_DIR"
# Test hook: pause inside the transaction of chunk N (after its rows and watermark, before COMMIT): create
# the file, wait until the test deletes it. Lets a test kill -9 the process, or stop the server, at a known point.
PAUSE_AT_ENV = "AIRDROPS_ETL_TEST_PAUSE_AT"
PAUSE_FILE_ENV = "AIRDROPS_ETL_TEST_PAUSE_FILE"
_EXACT = Context(prec=80)  # sums of numeric(38,18) values without rounding


@dataclass(frozen=True)
class EventsConfig:
    """Settings of the `events` stream."""

    extract: ExtractConfig = field(default_factory=ExtractConfig)
    #: Retries while the warehouse is unreachable, at connect and for each chunk.
    retry: Retry = field(default_factory=Retry)
    #: Apply pending migrations first (needs a role that may; `airdrops warehouse migrate` otherwise).
    auto_migrate: bool = True
    #: How long to wait for another run of the stream to finish before giving up.
    lock_wait_s: float = 10.0
    #: Names the event logs' host when several collectors load into one warehouse, each with its own
    #: watermark: the stream becomes `events:<source>`. Empty: the stream is `events`.
    source: str = ""

    @property
    def stream(self) -> str:
        return f"{STREAM}:{self.source}" if self.source else STREAM


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
class RunResult:
    """What one run did. `lines == loaded + duplicates + quarantined` always holds for a finished run."""

    run_id: str
    stream: str
    status: str
    files: int = 0
    chunks: int = 0
    lines: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    #: table -> rows new in it.
    rows: dict[str, int] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    window_start: datetime | None = None
    window_end: datetime | None = None
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "succeeded" and all(c.ok for c in self.checks)


class _Totals:
    def __init__(self) -> None:
        self.sums: dict[str, list[Decimal]] = {}

    def add(self, checks: list[Check]) -> None:
        for c in checks:
            pair = self.sums.setdefault(c.name, [Decimal(0), Decimal(0)])
            pair[0] = _EXACT.add(pair[0], c.source)
            pair[1] = _EXACT.add(pair[1], c.target)

    def checks(self) -> list[Check]:
        return [Check(name, s, t) for name, (s, t) in sorted(self.sums.items())]


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
    directory = Path(events_dir or os.environ.get(EVENTS_DIR_ENV) or "events")
    target = WarehouseURL.parse(url)
    started = time.monotonic()
    stream = cfg.stream
    result = RunResult(run_id="", stream=stream, status="running")
    totals = _Totals()
    conn: Connection | None = None
    try:
        conn = _open(target, cfg)
        result.run_id = start_run(conn, stream)
        positions = load_positions(get_watermark(conn, stream))
        try:
            reader = EventLogReader(directory, positions, cfg.extract)
        except OSError as exc:
            raise EtlError("extract", str(exc), stream=stream, run_id=result.run_id) from exc
        result.files = len(reader.files)
        total_bytes = reader.backlog_bytes()
        done_bytes = 0
        with _Prefetch(reader, stream, result.run_id) as batches:
            for chunk, batch in batches:
                loaded, conn = _load(conn, target, cfg, batch, chunk, result.run_id)
                totals.add(loaded.checks)
                _count(result, batch, loaded)
                done_bytes += chunk.bytes_read
                if progress is not None:
                    progress(
                        Progress(chunk.number, done_bytes, total_bytes, result.lines, result.loaded, result.quarantined)
                    )
        result.checks = totals.checks()
        result.status = "succeeded"
        result.duration_s = time.monotonic() - started
        with conn.transaction():
            _finish(conn, result, error=None)
        telemetry.run_finished(
            stream, success=True, duration_s=result.duration_s, rows=_stage_rows(result), lag_s=_lag(conn)
        )
        return result
    except EtlError as exc:
        if isinstance(exc, ReconciliationError):
            totals.add(exc.checks)
        result.checks = totals.checks()
        result.status = "failed"
        result.duration_s = time.monotonic() - started
        _record_failure(conn, result, exc)
        telemetry.run_finished(
            stream,
            success=False,
            duration_s=result.duration_s,
            rows=_stage_rows(result),
            mismatches=sum(not c.ok for c in result.checks),
        )
        raise
    finally:
        if conn is not None:
            conn.close()


def _open(url: WarehouseURL, cfg: EventsConfig) -> Connection:
    try:
        conn = connect(url, retry=cfg.retry)
    except WarehouseUnavailable as exc:
        raise EtlError(
            "load",
            f"{exc}; nothing was loaded and the watermark did not move: rerun when it is back",
            stream=cfg.stream,
        ) from exc
    except Exception as exc:
        raise EtlError("load", f"cannot open warehouse {url.redacted}: {exc}", stream=cfg.stream) from exc
    try:
        if cfg.auto_migrate:
            apply_migrations(conn)
        elif pending(conn):
            raise EtlError("load", f"warehouse {url.redacted} needs `airdrops warehouse migrate`", stream=cfg.stream)
        deadline = time.monotonic() + cfg.lock_wait_s
        while not conn.try_lock(f"airdrops.etl.{cfg.stream}"):
            if time.monotonic() > deadline:
                raise EtlError(
                    "load",
                    f"another run of the {cfg.stream} stream is in progress on this warehouse",
                    stream=cfg.stream,
                )
            time.sleep(0.2)  # a killed run's session may take a moment to go away
    except EtlError:
        conn.close()
        raise
    except Exception as exc:
        conn.close()
        if is_unavailable(exc):
            raise EtlError("load", f"warehouse {url.redacted} went away: {exc}", stream=cfg.stream) from exc
        raise EtlError("load", f"cannot prepare warehouse {url.redacted}: {exc}", stream=cfg.stream) from exc
    return conn


class _Prefetch:
    """Extracts and transforms the next chunk in a thread while the current one loads.

    At most one chunk waits in the queue, so memory stays bounded; errors surface in the caller as
    `EtlError` naming the stage.
    """

    def __init__(self, reader: EventLogReader, stream: str, run_id: str) -> None:
        self._reader = reader
        self._stream = stream
        self._run_id = run_id
        self._queue: queue.Queue[tuple[Chunk, Batch] | EtlError | None] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name="airdrops-etl-extract", daemon=True)

    def __enter__(self) -> Iterator[tuple[Chunk, Batch]]:
        self._thread.start()
        return self._items()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._thread.join(timeout=30)

    def _items(self) -> Iterator[tuple[Chunk, Batch]]:
        while (item := self._queue.get()) is not None:
            if isinstance(item, EtlError):
                raise item
            yield item

    def _put(self, item: tuple[Chunk, Batch] | EtlError | None) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        chunks = self._reader.chunks()
        while True:
            try:
                chunk = next(chunks, None)
            except OSError as exc:
                self._put(EtlError("extract", f"reading event logs: {exc}", stream=self._stream, run_id=self._run_id))
                return
            if chunk is None:
                self._put(None)
                return
            try:
                batch = transform(chunk.lines)
            except Exception as exc:
                span = f"{chunk.lines[0].source} .. {chunk.lines[-1].source}" if chunk.lines else ""
                message = f"{type(exc).__name__}: {exc} (lines {span})"
                self._put(EtlError("transform", message, stream=self._stream, run_id=self._run_id))
                return
            if not self._put((chunk, batch)):
                return


def _load(
    conn: Connection, url: WarehouseURL, cfg: EventsConfig, batch: Batch, chunk: Chunk, run_id: str
) -> tuple[LoadResult, Connection]:
    """Load one chunk; if the warehouse goes away, reconnect and load it again (it is still in memory)."""
    position = dump_positions(chunk.positions)
    attempts = 0
    while True:
        attempts += 1
        try:
            return load_batch(
                conn, batch, run_id=run_id, position=position, stream=cfg.stream, before_commit=_pause(chunk.number)
            ), conn
        except EtlError:
            raise
        except Exception as exc:
            if not is_unavailable(exc) or attempts >= cfg.retry.attempts:
                raise EtlError(
                    "load",
                    f"{type(exc).__name__}: {str(exc).strip()} (lines {batch.span}); the chunk was rolled back "
                    "and the watermark did not move",
                    stream=cfg.stream,
                    run_id=run_id,
                ) from exc
            _log.warning("warehouse went away while loading %s (%s): reconnecting", batch.span, exc)
            conn.close()
            conn = _open(url, cfg)


def _count(result: RunResult, batch: Batch, loaded: LoadResult) -> None:
    result.chunks += 1
    result.lines += batch.lines
    result.loaded += loaded.loaded
    result.duplicates += batch.valid - loaded.loaded
    result.quarantined += len(batch.rejected)
    for table, n in loaded.inserted.items():
        result.rows[table] = result.rows.get(table, 0) + n
    if batch.window is not None and loaded.loaded:
        lo, hi = batch.window
        result.window_start = lo if result.window_start is None else min(result.window_start, lo)
        result.window_end = hi if result.window_end is None else max(result.window_end, hi)


def _finish(conn: Connection, result: RunResult, error: str | None) -> None:
    finish_run(
        conn,
        result.run_id,
        status=result.status,
        rows_extracted=result.lines,
        rows_loaded=result.loaded,
        rows_quarantined=result.quarantined,
        window_start=result.window_start,
        window_end=result.window_end,
        error=error,
    )
    add_reconciliation(conn, result.run_id, result.stream, result.checks)


def _record_failure(conn: Connection | None, result: RunResult, exc: EtlError) -> None:
    """Best effort: the warehouse may be the thing that failed (then the next run marks this one abandoned)."""
    exc.run_id = exc.run_id or result.run_id or None
    if conn is None or not result.run_id:
        return
    try:
        with conn.transaction():
            _finish(conn, result, error=str(exc))
    except Exception as record_exc:
        _log.warning("could not record failed run %s: %s", result.run_id, record_exc)


def _stage_rows(result: RunResult) -> dict[str, int]:
    return {
        "extracted": result.lines,
        "loaded": result.loaded,
        "duplicate": result.duplicates,
        "quarantined": result.quarantined,
    }


def _lag(conn: Connection) -> float | None:
    with contextlib.suppress(Exception):
        newest = conn.execute("SELECT max(ts) FROM events_raw")[0][0]
        if newest is not None:
            return float((datetime.now(UTC) - newest).total_seconds())
    return None


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
