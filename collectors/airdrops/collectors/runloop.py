"""The one run loop of the ETL: what a run of any stream does, written once.

    with WarehouseSession(url, Retry(), label="events") as session:
        result = run_stream(session, EventsStream(...))

A stream (`pipeline.EventsStream`, `metrics_stream.MetricsStream`) says how to read its chunks and
how to load one chunk in one transaction with its watermark. The loop does the rest the same way
for every stream: the stream's lock (waiting a little for a run that is finishing), the migration
check, the run's row in `etl_runs`, each chunk loaded under the retry policy (the warehouse went
away: reconnect, take the lock again, load the chunk again from memory), the failure record, and
the ETL's own metrics.
"""

from __future__ import annotations

import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from airdrops.collectors import telemetry
from airdrops.collectors.errors import EtlError
from airdrops.collectors.retry import Retry
from airdrops.collectors.warehouse.bookkeeping import Check, add_reconciliation, finish_run, start_run
from airdrops.collectors.warehouse.connect import Connection, WarehouseUnavailable, connect, is_unavailable
from airdrops.collectors.warehouse.migrate import apply as apply_migrations, pending, unknown as unknown_migrations
from airdrops.collectors.warehouse.url import WarehouseURL
from airdrops.collectors.warehouse.verify import WarehouseCorrupt, verify_once

_log = logging.getLogger("airdrops.collectors")

B = TypeVar("B")  # a chunk, extracted and transformed
L = TypeVar("L")  # what loading one chunk did
_In = TypeVar("_In")
_Out = TypeVar("_Out")


@dataclass
class StreamRun:
    """What one run of one stream did; each stream adds its own counts."""

    run_id: str
    stream: str
    status: str = "running"
    chunks: int = 0
    checks: list[Check] = field(default_factory=list)
    window_start: datetime | None = None
    window_end: datetime | None = None
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "succeeded" and all(c.ok for c in self.checks)

    def stage_rows(self) -> dict[str, int]:
        """Rows by stage (`extracted`, `loaded`, `duplicate`, `quarantined`), for `etl_runs` and telemetry."""
        return {}

    def widen(self, lo: datetime, hi: datetime) -> None:
        """Stretch the run's window to cover [lo, hi]."""
        self.window_start = lo if self.window_start is None else min(self.window_start, lo)
        self.window_end = hi if self.window_end is None else max(self.window_end, hi)


R = TypeVar("R", bound=StreamRun)


class Stream(ABC, Generic[B, L, R]):
    """One stream: its chunks, how one chunk is loaded, and what a committed chunk adds to the result."""

    def __init__(self, result: R) -> None:
        self.result = result

    @property
    def name(self) -> str:
        return self.result.stream

    @abstractmethod
    def batches(self, conn: Connection) -> Iterator[B]:
        """The chunks to load, extracted and transformed; called once the run is recorded."""

    @abstractmethod
    def load(self, conn: Connection, batch: B) -> L:
        """Load one chunk and move the watermark in one transaction (rolled back if this raises)."""

    @abstractmethod
    def count(self, batch: B, loaded: L) -> None:
        """Add a committed chunk to `self.result` (and report progress)."""

    @abstractmethod
    def where(self, batch: B) -> str:
        """The chunk, for an error message (`lines a.jsonl:1 .. a.jsonl:100`)."""

    def final_checks(self, failure: EtlError | None) -> list[Check]:
        """Reconciliation checks written with the run's end (those not already written per chunk)."""
        return []

    def lag_s(self, conn: Connection) -> float | None:
        """How far the newest loaded data is behind now, once the run succeeded."""
        return None


class WarehouseSession:
    """An open warehouse for one or more runs: migrations checked, stream locks held, reconnection."""

    def __init__(
        self,
        url: WarehouseURL,
        retry: Retry,
        *,
        label: str,
        auto_migrate: bool = True,
        lock_wait_s: float = 10.0,
    ) -> None:
        self.url = url
        self.retry = retry
        self.label = label
        self.auto_migrate = auto_migrate
        self.lock_wait_s = lock_wait_s
        self._locks: list[str] = []
        self.conn = self._open()

    def __enter__(self) -> WarehouseSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def locked(self, stream: str) -> Iterator[None]:
        """Hold the stream's lock: one run of a stream at a time on a warehouse."""
        self._take(self.conn, stream)
        self._locks.append(stream)
        try:
            yield
        finally:
            self._locks.remove(stream)
            with contextlib.suppress(Exception):  # the connection may be what failed
                self.conn.unlock(_lock_key(stream))

    def load(self, work: Callable[[Connection], L], *, stream: str, run_id: str, where: str) -> L:
        """`work(conn)`, one chunk's transaction, under the retry policy.

        When the warehouse goes away the chunk, still in memory, is loaded again on a new connection.
        """

        def reconnect(attempt: int, exc: BaseException, delay: float) -> None:
            _log.warning("warehouse went away while loading %s (%s): reconnecting", where, exc)
            self.conn.close()
            self.conn = self._open()

        def retryable(exc: BaseException) -> bool:
            return not isinstance(exc, EtlError) and is_unavailable(exc)

        try:
            return self.retry.call(lambda: work(self.conn), retryable=retryable, before_retry=reconnect)
        except EtlError:
            raise
        except Exception as exc:
            reason = "the warehouse went away" if is_unavailable(exc) else type(exc).__name__
            raise EtlError(
                "load",
                f"{where}: {reason}: {str(exc).strip()}; the chunk was rolled back and the watermark did not move",
                stream=stream,
                run_id=run_id,
            ) from exc

    def _open(self) -> Connection:
        url = self.url
        try:
            conn = connect(url, retry=self.retry)
        except WarehouseUnavailable as exc:
            raise EtlError(
                "load",
                f"{exc}; nothing was loaded and the watermark did not move: rerun when it is back",
                stream=self.label,
            ) from exc
        except Exception as exc:
            raise EtlError("load", f"cannot open warehouse {url.redacted}: {exc}", stream=self.label) from exc
        try:
            verify_once(conn)
            if newer := unknown_migrations(conn):
                # its tables mean more than this release writes (migration 16: each outflow's price)
                raise EtlError(
                    "load",
                    f"warehouse {url.redacted} has migrations newer than this collector ({', '.join(map(str, newer))}):"
                    " upgrade the collector",
                    stream=self.label,
                )
            if self.auto_migrate:
                apply_migrations(conn)
            elif pending(conn):
                needs = f"warehouse {url.redacted} needs `airdrops warehouse migrate`"
                raise EtlError("load", needs, stream=self.label)
            for stream in self._locks:
                self._take(conn, stream)
        except EtlError:
            conn.close()
            raise
        except WarehouseCorrupt as exc:
            conn.close()
            raise EtlError("load", f"{exc}; nothing was loaded", stream=self.label) from exc
        except Exception as exc:
            conn.close()
            what = "went away" if is_unavailable(exc) else "could not be prepared"
            raise EtlError("load", f"warehouse {url.redacted} {what}: {exc}", stream=self.label) from exc
        return conn

    def _take(self, conn: Connection, stream: str) -> None:
        deadline = time.monotonic() + self.lock_wait_s
        while not conn.try_lock(_lock_key(stream)):
            if time.monotonic() > deadline:
                raise EtlError(
                    "load", f"another run of the {stream} stream is in progress on this warehouse", stream=stream
                )
            time.sleep(0.2)  # a killed run's session may take a moment to go away


def run_stream(session: WarehouseSession, stream: Stream[B, L, R], progress: Callable[[R], None] | None = None) -> R:
    """One run of `stream`: every chunk it has, each committed with its watermark; raises `EtlError`."""
    result = stream.result
    started = time.monotonic()
    with session.locked(stream.name):
        try:
            result.run_id = start_run(session.conn, stream.name)
            for batch in stream.batches(session.conn):
                loaded = session.load(
                    lambda conn, b=batch: stream.load(conn, b),  # type: ignore[misc]
                    stream=stream.name,
                    run_id=result.run_id,
                    where=stream.where(batch),
                )
                stream.count(batch, loaded)
                if progress is not None:
                    progress(result)
            result.status = "succeeded"
            result.duration_s = time.monotonic() - started
            with session.conn.transaction():
                _finish(session.conn, result, stream.final_checks(None), error=None)
        except Exception as exc:
            # Bookkeeping outside a chunk fails like a load: the warehouse went away.
            err = exc if isinstance(exc, EtlError) else EtlError("load", f"{type(exc).__name__}: {exc}")
            err.stream = err.stream or stream.name
            err.run_id = err.run_id or result.run_id or None
            result.status = "failed"
            result.duration_s = time.monotonic() - started
            _record_failure(session.conn, result, stream.final_checks(err), err)
            telemetry.run_finished(
                stream.name,
                success=False,
                duration_s=result.duration_s,
                rows=result.stage_rows(),
                mismatches=sum(not c.ok for c in getattr(err, "checks", ())),
            )
            if err is exc:
                raise
            raise err from exc
    telemetry.run_finished(
        stream.name,
        success=True,
        duration_s=result.duration_s,
        rows=result.stage_rows(),
        lag_s=stream.lag_s(session.conn),
    )
    return result


def one_ahead(items: Iterable[_In], work: Callable[[_In], _Out]) -> Iterator[_Out]:
    """`work(item)` for every item in order, the next one read and computed in a thread meanwhile.

    One ahead at most, so memory stays bounded by two results however many items there are. An
    exception (from `items` or `work`) is raised to the caller when it reaches that item.
    """
    source = iter(items)
    end = object()

    def step() -> object:
        item = next(source, end)
        return end if item is end else work(item)  # type: ignore[arg-type]

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="airdrops-prefetch")
    try:
        pending: Future[object] = pool.submit(step)
        while (result := pending.result()) is not end:
            pending = pool.submit(step)
            yield result  # type: ignore[misc]
            del result
    finally:
        # A consumer that stops early (a failed load) must not wait for work it no longer needs.
        pool.shutdown(wait=False, cancel_futures=True)


def _lock_key(stream: str) -> str:
    return f"airdrops.etl.{stream}"


def _finish(conn: Connection, result: StreamRun, checks: list[Check], error: str | None) -> None:
    rows = result.stage_rows()
    finish_run(
        conn,
        result.run_id,
        status=result.status,
        rows_extracted=rows.get("extracted", 0),
        rows_loaded=rows.get("loaded", 0),
        rows_quarantined=rows.get("quarantined", 0),
        window_start=result.window_start,
        window_end=result.window_end,
        error=error,
    )
    if checks:
        add_reconciliation(conn, result.run_id, result.stream, checks)


def _record_failure(conn: Connection, result: StreamRun, checks: list[Check], err: EtlError) -> None:
    """Best effort: the warehouse may be what failed (then the next run marks this one abandoned)."""
    if not result.run_id:
        return
    try:
        with conn.transaction():
            _finish(conn, result, checks, error=str(err))
    except Exception as record_exc:
        _log.warning("could not record failed run %s: %s", result.run_id, record_exc)
