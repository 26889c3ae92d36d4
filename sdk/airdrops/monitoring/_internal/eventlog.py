"""The event log writer: JSON lines, off the hot path, bounded, rotated, never fatal.

`emit()` only builds a dict and puts it on a bounded queue; a daemon thread serialises and
writes. Files are never renamed: each rotation starts a new file named
`<bot_id>-<pid>-<start>-<seq>.jsonl`, so a reader can resume by (file, offset) across rotations.
Losses (queue full, disk full) are counted through `on_drop`, never raised.

What a bot gives is kept: unambiguous values are coerced to the schema (bytes to `0x` hex, numbers
to decimal strings, whole floats to integers), and an event that still breaks the schema is written
as given (then quarantined by the ETL with the reason) and counted as `invalid`, so nothing a bot
records vanishes without a line in its own log. After a failed write the next one starts on a fresh
line, so one cut line never swallows the event after it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from airdrops.monitoring import event_schema

_log = logging.getLogger("airdrops.monitoring")
_STOP = object()
#: Files a forked child inherited: kept referenced so that collecting them never flushes into the parent's file.
_INHERITED: list[Any] = []


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


#: Event type -> field name -> kind, for coercion.
_KINDS = {t: {f.name: f.kind for f in event_schema.fields_of(t)} for t in event_schema.EVENT_TYPES}


def _jsonable(value: Any, kind: str | None = None) -> Any:
    """`value` as the schema's JSON for a field of `kind`, where the conversion is unambiguous."""
    try:
        return _coerce(value, kind)
    except Exception:  # an odd number (sNaN, a year-1 datetime with an offset): written as text
        return repr(value)


def _coerce(value: Any, kind: str | None) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, bytes):  # tx hashes from web3 (HexBytes)
        return "0x" + value.hex()
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, float):
        value = Decimal(repr(value))  # the shortest text that gives the float back
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)  # NaN, Infinity: written as text, the schema refuses them
        if kind == "int" and value == value.to_integral_value():
            return int(value)
        return format(value, "f")
    if kind == "decimal" and isinstance(value, int):
        return str(value)
    return value


class EventLog:
    """Bounded, asynchronous JSON-lines writer for one process."""

    def __init__(self, queue_size: int, on_drop: Callable[[str], None], on_write: Callable[[str], None]) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._on_drop = on_drop
        self._on_write = on_write
        self._thread: threading.Thread | None = None
        self._file: Any = None
        self._path: Path | None = None
        self._bot_id = ""  # filled in at write time for events emitted before start()
        self._dir: Path | None = None
        self._max_bytes = 0
        self._seq = 0
        self._size = 0
        self._started = ""
        self._io_error_logged = False
        self._capture: list[dict[str, Any]] | None = None
        self._restart = False  # a forked child starts its own writer on its first event
        self._restart_lock = threading.Lock()
        self.enabled = True
        #: (trace_id, span_id) of the current span, set by configure() while tracing is on.
        self.trace_ids: Callable[[], tuple[str, str] | None] | None = None

    @property
    def path(self) -> Path | None:
        """The file being written now (changes on rotation)."""
        return self._path

    def capture(self, records: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        """Send events to `records` instead of the file (None restores the file); returns the old list."""
        previous, self._capture = self._capture, records
        return previous

    def resize(self, queue_size: int) -> None:
        """Bound the queue at `queue_size` events; before start() only. Queued events move over (the
        ones that no longer fit are counted as `queue_full`)."""
        if self._thread is not None or queue_size == self._queue.maxsize:
            return
        old, self._queue = self._queue, queue.Queue(maxsize=queue_size)
        while True:
            try:
                item = old.get_nowait()
            except queue.Empty:
                return
            self._enqueue(item)

    def after_fork(self) -> None:
        """In a forked child: drop the parent's writer, queue and file; the child's first event starts
        a writer of its own, on a file named with the child's pid."""
        self._queue = queue.Queue(maxsize=self._queue.maxsize)
        self._thread = None
        if self._file is not None:
            _INHERITED.append(self._file)  # the parent's: never written, flushed or closed from here
        self._file = self._path = None
        self._seq = self._size = 0
        self._restart_lock = threading.Lock()
        self._restart = self._dir is not None

    def start(self, directory: str, bot_id: str, max_bytes: int) -> None:
        """Start writing; events emitted before this were buffered and are written first."""
        self._restart = False
        if self._thread is not None:
            self.stop()
        self._dir = Path(directory)
        self._bot_id = bot_id
        self._max_bytes = max_bytes
        self._started = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        self._thread = threading.Thread(target=self._run, name="airdrops-eventlog", daemon=True)
        self._thread.start()

    def emit(self, event_type: str, fields: dict[str, Any], ts: datetime | None = None) -> None:
        """Queue one event; returns at once. Invalid or overflowing events are counted as dropped."""
        try:
            self._emit(event_type, fields, ts)
        except Exception:  # never into the bot: count it, say it once in the log
            _log.exception("airdrops: could not record a %s event", event_schema.show(event_type))
            self._on_drop("invalid")

    def _emit(self, event_type: str, fields: dict[str, Any], ts: datetime | None) -> None:
        if not self.enabled:
            return
        if self._restart:
            with self._restart_lock:  # two threads of a forked child emitting at once start one writer
                if self._restart:
                    self.start(str(self._dir), self._bot_id, self._max_bytes)
        record = {
            "schema": event_schema.SCHEMA,
            "event_id": uuid.uuid4().hex,
            "ts": _jsonable(ts) if ts is not None else _utc_now(),
            "type": event_type,
            "bot_id": self._bot_id,
        }
        kinds = _KINDS.get(event_type, {}) if isinstance(event_type, str) else {}
        for key, value in fields.items():
            if value is not None:
                record[key] = _jsonable(value, kinds.get(key))
        ids = self.trace_ids() if self.trace_ids is not None else None
        if ids is not None and "trace_id" not in record:  # written inside a span: point at it
            record["trace_id"], record["span_id"] = ids
        # Before start() the bot_id is not known yet: the writer fills it in.
        problems = event_schema.validate(record if self._bot_id else {**record, "bot_id": "pending"})
        if problems:
            _log.warning(
                "airdrops: invalid %s event written as given (the ETL will quarantine it): %s",
                event_schema.show(event_type),
                "; ".join(problems),
            )
            self._on_drop("invalid")
        if self._capture is not None:
            self._capture.append(record)
            return
        self._enqueue(record)

    def _enqueue(self, record: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            self._on_drop("queue_full")

    def discard_pending(self) -> int:
        """Drop events queued while no writer runs (tests use it for a clean slate); returns how many."""
        if self._thread is not None:
            return 0
        dropped = 0
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return dropped
            self._queue.task_done()
            dropped += 1

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until queued events are written (or `timeout` passes)."""
        deadline = time.monotonic() + timeout
        while self._thread is not None and self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)

    def stop(self, timeout: float = 5.0) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=timeout)
        thread.join(timeout)
        lost = 0
        while True:  # whatever the writer could not write in time is lost: count it
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                lost += 1
        for _ in range(lost):
            self._on_drop("shutdown")

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            batch = [item]
            while len(batch) < 512:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(i is _STOP for i in batch)
            self._write([i for i in batch if i is not _STOP])
            for _ in batch:
                self._queue.task_done()
            if stop:
                self._close()
                return

    def _write(self, records: list[dict[str, Any]]) -> None:
        pending: list[dict[str, Any]] = []  # written to the current file but not yet flushed
        for r in records:
            if not r["bot_id"]:
                r["bot_id"] = self._bot_id
            if self._file is not None and self._size >= self._max_bytes:
                self._commit(pending)
                self._close()
                self._seq += 1
            try:
                line = _line(r)
                self._open().write(line)
                self._size += len(line)
                pending.append(r)
            except OSError as exc:
                self._lost([*pending, r], exc)
                pending = []
        self._commit(pending)

    def _commit(self, pending: list[dict[str, Any]]) -> None:
        """Flush, then count `pending` as written, or as lost if the flush fails (disk full)."""
        if not pending:
            return
        try:
            self._file.flush()
        except OSError as exc:
            self._lost(pending, exc)
            return
        self._io_error_logged = False
        for r in pending:
            self._on_write(r["type"])
        pending.clear()

    def _lost(self, records: list[dict[str, Any]], exc: OSError) -> None:
        if not self._io_error_logged:  # once: a full disk would otherwise flood the bot's log
            _log.error(
                "airdrops: event log write failed (%s); events are being dropped and counted in "
                'airdrops_sdk_events_dropped_total{reason="io_error"}',
                exc,
            )
            self._io_error_logged = True
        self._close()
        for _ in records:
            self._on_drop("io_error")
        records.clear()

    def _open(self) -> Any:
        if self._file is None:
            assert self._dir is not None
            self._dir.mkdir(parents=True, exist_ok=True)
            safe_id = re.sub(r"[^A-Za-z0-9_.@-]", "_", self._bot_id)
            name = f"{safe_id}-{os.getpid()}-{self._started}-{self._seq:05d}.jsonl"
            self._path = self._dir / name
            self._file = open(self._path, "a", encoding="utf-8")  # noqa: SIM115 - kept open across writes
            self._size = self._path.stat().st_size
            if self._size and not _ends_a_line(self._path):  # a write was cut (disk full): end that line
                self._file.write("\n")
                self._size += 1
        return self._file

    def _close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None


def _line(record: dict[str, Any]) -> str:
    # ensure_ascii (the default) makes len() the byte count, for the rotation check; default=repr
    # writes what a bot gave that JSON has no type for (the ETL quarantines it).
    try:
        return json.dumps(record, separators=(",", ":"), default=repr) + "\n"
    except (ValueError, RecursionError):  # a value that refers to itself, an int past 4,300 digits
        shown = {str(k): v if isinstance(v, str) else event_schema.show(v, limit=200) for k, v in record.items()}
        return json.dumps(shown, separators=(",", ":")) + "\n"


def _ends_a_line(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"
