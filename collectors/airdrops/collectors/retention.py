"""Retention: what may be forgotten once it is old, both off unless asked for.

- Event log files the ETL has loaded to their end, that their bot has rotated past (a later file of
  the same writer exists), and that were last written more than `events_max_age_s` ago. The
  warehouse keeps their rows; the next run drops their positions from the watermark.
- Months of `metric_samples` that ended more than `metrics_max_age_s` ago. On PostgreSQL each month
  is a partition: detached from `metric_samples` and dropped, or only detached (`detach_only`: the
  table `metric_samples_pYYYYMM` stays, outside every query, for an archive to take), by the
  migrations' function `metric_samples_forget_before`. DuckDB has no partitions: the rows of those
  months are deleted.

    policy = RetentionPolicy(events_max_age_s=30 * 86400)
    report = apply_retention(connect(url), "events", Path("events"), policy)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from airdrops.collectors.extract.events import closed_files, event_files, load_positions
from airdrops.collectors.warehouse.bookkeeping import get_watermark
from airdrops.collectors.warehouse.connect import Connection
from airdrops.collectors.warehouse.partitions import months


@dataclass(frozen=True)
class RetentionPolicy:
    """Ages in seconds; None keeps everything (the default for both)."""

    events_max_age_s: float | None = None
    metrics_max_age_s: float | None = None
    detach_only: bool = False


@dataclass
class RetentionReport:
    event_files: list[str] = field(default_factory=list)
    metric_months: list[str] = field(default_factory=list)


def prunable_event_files(conn: Connection, stream: str, directory: Path, max_age_s: float, now: float) -> list[str]:
    """Files of `directory` that are loaded to their end, closed, and untouched for `max_age_s`."""
    positions = load_positions(get_watermark(conn, stream))
    files = event_files(directory)
    closed = closed_files(list(files))
    out = []
    for name, path in files.items():
        stat = path.stat()
        loaded = name in positions and positions[name].offset >= stat.st_size
        if loaded and name in closed and now - stat.st_mtime > max_age_s:
            out.append(name)
    return out


def prune_event_files(conn: Connection, stream: str, directory: Path, max_age_s: float) -> list[str]:
    """Delete the files `prunable_event_files` names; returns them."""
    names = prunable_event_files(conn, stream, directory, max_age_s, time.time())
    for name in names:
        (directory / name).unlink(missing_ok=True)
    return names


def drop_metric_months(conn: Connection, max_age_s: float, *, detach_only: bool = False) -> list[str]:
    """Forget the months of samples that ended before now - `max_age_s`; their names (`YYYY-MM`)."""
    # Months ending by the cutoff are those starting before the cutoff's own month.
    cutoff = datetime.fromtimestamp(time.time() - max_age_s, UTC)
    boundary = months(cutoff, cutoff)[0]
    if conn.dialect != "postgres":
        rows = conn.execute(
            "SELECT DISTINCT strftime(ts AT TIME ZONE 'UTC', '%Y-%m') FROM metric_samples WHERE ts < %s ORDER BY 1",
            (boundary,),
        )
        with conn.transaction():
            conn.execute("DELETE FROM metric_samples WHERE ts < %s", (boundary,))
        return [str(r[0]) for r in rows]
    rows = conn.execute("SELECT metric_samples_forget_before(%s, %s)", (boundary, detach_only))
    return [str(r[0]) for r in rows]


def apply_retention(conn: Connection, stream: str, events_dir: Path | None, policy: RetentionPolicy) -> RetentionReport:
    """Everything `policy` asks for; nothing when it asks for nothing."""
    report = RetentionReport()
    if policy.events_max_age_s is not None and events_dir is not None and events_dir.is_dir():
        report.event_files = prune_event_files(conn, stream, events_dir, policy.events_max_age_s)
    if policy.metrics_max_age_s is not None:
        report.metric_months = drop_metric_months(conn, policy.metrics_max_age_s, detach_only=policy.detach_only)
    return report
