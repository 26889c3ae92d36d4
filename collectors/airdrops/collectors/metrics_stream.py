"""The metrics stream: Prometheus range queries into `metric_series` / `metric_samples`, chunk by chunk.

    from airdrops.collectors.metrics_stream import run_metrics

    for r in run_metrics("duckdb:///tmp/airdrops.duckdb", prometheus="http://127.0.0.1:9090"):
        print(r.stream, r.fetched, r.loaded, r.duplicates)

Each configured query is its own stream (`prometheus:<name>`) with its own run in `etl_runs` and its
own watermark (`{"ts": <last evaluated unix second>, "step": <s>}`). A window goes from the
watermark + one step (or `--since`, or `backfill` before `until` on the first run) to `until`
(default: now - `lag`). Every chunk is extracted, transformed, loaded and reconciled (points in
the answer = rows inserted + rows already there + NaN points skipped) in one transaction with its
watermark, before the next one is used: a run killed half way resumes after its last committed
chunk, and reloading a window adds nothing. Failures raise `EtlError` naming the stage. The run
itself (lock, migrations, retries, bookkeeping) is `runloop.run_stream`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from airdrops.collectors.config import MetricQuery, MetricsConfig
from airdrops.collectors.errors import EtlError, ReconciliationError
from airdrops.collectors.extract.prometheus import (
    PrometheusClient,
    PrometheusError,
    PrometheusUnavailable,
    fetch_chunk,
    plan_chunks,
)
from airdrops.collectors.load.metrics import LoadResult, ensure_partitions, load_batch
from airdrops.collectors.retry import Retry
from airdrops.collectors.runloop import Stream, StreamRun, WarehouseSession, one_ahead, run_stream
from airdrops.collectors.transform.metrics import MetricsBatch, transform
from airdrops.collectors.warehouse.bookkeeping import Check, add_reconciliation, get_watermark, set_watermark
from airdrops.collectors.warehouse.connect import Connection, is_duplicate_key
from airdrops.collectors.warehouse.url import WarehouseURL

_log = logging.getLogger("airdrops.collectors")

TimeLike = datetime | float | int


@dataclass(frozen=True)
class ChunkProgress:
    """Handed to `progress` after every committed chunk."""

    stream: str
    chunk: int
    chunks: int
    fetched: int
    loaded: int


@dataclass
class MetricsRunResult(StreamRun):
    """What one run of one query did: `fetched == loaded + duplicates + skipped_nan` for a finished run."""

    fetched: int = 0
    loaded: int = 0
    duplicates: int = 0
    skipped_nan: int = 0
    #: Last evaluated timestamp loaded (unix seconds), after the run.
    watermark: int | None = None

    def stage_rows(self) -> dict[str, int]:
        return {"extracted": self.fetched, "loaded": self.loaded, "duplicate": self.duplicates}


def run_metrics(
    url: str | WarehouseURL | None = None,
    config: MetricsConfig | None = None,
    *,
    prometheus: str | None = None,
    since: TimeLike | None = None,
    until: TimeLike | None = None,
    queries: Sequence[str] | None = None,
    progress: Callable[[ChunkProgress], None] | None = None,
    auto_migrate: bool = True,
    retry: Retry | None = None,
) -> list[MetricsRunResult]:
    """Load every configured query (or the named `queries`) from Prometheus into the warehouse at `url`.

    `prometheus` overrides the configured URL; `since`/`until` (datetimes or unix seconds) fix the
    window instead of resuming from the watermarks (which never move backwards). Raises `EtlError`
    for the first query that failed, after trying the others (unless Prometheus or the warehouse
    is down, which would fail them all alike).
    """
    cfg = (config or MetricsConfig()).with_url(prometheus).select(list(queries) if queries else None)
    end = _unix(until) if until is not None else time.time() - cfg.lag_s
    start = _unix(since) if since is not None else None
    if start is not None and start > end:
        raise EtlError("extract", f"empty window: since {_iso(start)} is after until {_iso(end)}")
    session = WarehouseSession(WarehouseURL.parse(url), retry or Retry(), label="prometheus", auto_migrate=auto_migrate)
    client = PrometheusClient(cfg.prometheus)
    results: list[MetricsRunResult] = []
    failures: list[EtlError] = []
    with session:
        try:
            for query in cfg.queries:
                stream = MetricsStream(client, cfg, query, start, end)
                try:
                    results.append(run_stream(session, stream, _reporter(progress, stream)))
                except EtlError as exc:
                    failures.append(exc)
                    if exc.stage == "load" or isinstance(exc.__cause__, PrometheusUnavailable):
                        break
        finally:
            client.close()
    if failures:
        first = failures[0]
        if len(failures) > 1:
            first.add_note(
                f"{len(failures) - 1} more queries failed: {', '.join(f.stream or '' for f in failures[1:])}"
            )
        raise first
    return results


class MetricsStream(Stream[MetricsBatch, LoadResult, MetricsRunResult]):
    """One query's range answers, from its watermark (or `since`) to `until`, cut into chunks."""

    def __init__(
        self, client: PrometheusClient, cfg: MetricsConfig, query: MetricQuery, since: float | None, until: float
    ) -> None:
        super().__init__(MetricsRunResult(run_id="", stream=query.stream))
        self.client = client
        self.cfg = cfg
        self.query = query
        self.since = since
        self.until = until
        self.planned = 0

    def batches(self, conn: Connection) -> Iterator[MetricsBatch]:
        self.result.watermark = _position(get_watermark(conn, self.name))
        if self.since is not None:
            start = self.since
        elif self.result.watermark is not None:
            start = self.result.watermark + self.query.step_s
        else:
            start = self.until - self.cfg.backfill_s
        plan = plan_chunks(start, self.until, self.query.step_s, self.cfg.max_points)
        self.planned = len(plan)
        batches = one_ahead(plan, self._prepare) if self.cfg.prefetch else map(self._prepare, plan)
        return self._extracted(batches)

    def load(self, conn: Connection, batch: MetricsBatch) -> LoadResult:
        """Load and reconcile one chunk with its watermark in one transaction; a lost insert race reruns it."""
        try:
            return self._load(conn, batch, conflicts=False)
        except Exception as exc:
            if not is_duplicate_key(exc):
                raise
            _log.info("%s %s: another loader got there first; reloading with ON CONFLICT", self.name, self.where(batch))
            return self._load(conn, batch, conflicts=True)

    def count(self, batch: MetricsBatch, loaded: LoadResult) -> None:
        r = self.result
        r.chunks += 1
        r.fetched += batch.fetched
        r.loaded += loaded.inserted
        r.duplicates += loaded.duplicates + batch.repeated
        r.skipped_nan += batch.skipped_nan
        r.widen(datetime.fromtimestamp(batch.start, UTC), datetime.fromtimestamp(batch.end, UTC))
        if r.watermark is None or batch.end > r.watermark:
            r.watermark = batch.end

    def where(self, batch: MetricsBatch) -> str:
        return f"chunk {_iso(batch.start)}..{_iso(batch.end)}"

    def final_checks(self, failure: EtlError | None) -> list[Check]:
        # Each committed chunk wrote its own check; a chunk that failed reconciliation was rolled back.
        return failure.checks if isinstance(failure, ReconciliationError) else []

    def lag_s(self, conn: Connection) -> float | None:
        return time.time() - self.result.watermark if self.result.watermark is not None else None

    def _prepare(self, bounds: tuple[int, int]) -> MetricsBatch:  # with prefetch, in a thread, one chunk ahead
        raw = fetch_chunk(self.client, self.query, bounds)
        try:
            return transform(raw)
        except Exception as exc:
            raise EtlError(
                "transform",
                f"chunk {_iso(raw.start)}..{_iso(raw.end)}: {type(exc).__name__}: {exc}",
                stream=self.name,
                run_id=self.result.run_id,
            ) from exc

    def _extracted(self, batches: Iterator[MetricsBatch]) -> Iterator[MetricsBatch]:
        try:
            yield from batches
        except PrometheusError as exc:
            raise EtlError(
                "extract",
                f"{exc}; chunks loaded so far are kept and the next run resumes after them",
                stream=self.name,
                run_id=self.result.run_id,
            ) from exc

    def _load(self, conn: Connection, batch: MetricsBatch, *, conflicts: bool) -> LoadResult:
        ensure_partitions(conn, batch)
        with conn.transaction():
            loaded = load_batch(conn, batch, conflicts=conflicts)
            check = Check(
                f"samples {_iso(batch.start)}..{_iso(batch.end)}",
                Decimal(batch.fetched),
                Decimal(loaded.inserted + loaded.duplicates + batch.skipped_nan + batch.repeated),
            )
            if not check.ok:
                raise ReconciliationError(
                    f"{self.where(batch)}: Prometheus returned {batch.fetched} points but the warehouse took "
                    f"{loaded.inserted} new + {loaded.duplicates} already there + {batch.skipped_nan} NaN skipped "
                    f"+ {batch.repeated} repeated in the answer; "
                    "the chunk was rolled back and the watermark did not move",
                    stream=self.name,
                    run_id=self.result.run_id,
                    checks=[check],
                )
            add_reconciliation(conn, self.result.run_id, self.name, [check])
            if self.result.watermark is None or batch.end > self.result.watermark:
                set_watermark(conn, self.name, json.dumps({"ts": batch.end, "step": batch.step}))
        self.result.checks.append(check)
        return loaded


def _reporter(
    progress: Callable[[ChunkProgress], None] | None, stream: MetricsStream
) -> Callable[[MetricsRunResult], None] | None:
    if progress is None:
        return None

    def report(r: MetricsRunResult) -> None:
        progress(ChunkProgress(r.stream, r.chunks, max(stream.planned, r.chunks), r.fetched, r.loaded))

    return report


def _position(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(json.loads(text)["ts"])
    except (ValueError, KeyError, TypeError):
        _log.warning("ignoring unreadable watermark %r", text)
        return None


def _unix(value: TimeLike) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    return float(value)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["ChunkProgress", "MetricsRunResult", "run_metrics"]
