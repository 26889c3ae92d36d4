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
chunk, and reloading a window adds nothing. Failures raise `EtlError` naming the stage.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from airdrops.collectors import telemetry
from airdrops.collectors.config import MetricQuery, MetricsConfig
from airdrops.collectors.errors import EtlError, ReconciliationError
from airdrops.collectors.extract.prometheus import (
    PrometheusClient,
    PrometheusError,
    PrometheusUnavailable,
    RawChunk,
    fetch_chunk,
    one_ahead,
    plan_chunks,
)
from airdrops.collectors.load.metrics import LoadResult, ensure_partitions, is_duplicate_key, load_batch
from airdrops.collectors.transform.metrics import MetricsBatch, transform
from airdrops.collectors.warehouse.bookkeeping import (
    Check,
    add_reconciliation,
    finish_run,
    get_watermark,
    set_watermark,
    start_run,
)
from airdrops.collectors.warehouse.connect import Connection, Retry, WarehouseUnavailable, connect, is_unavailable
from airdrops.collectors.warehouse.migrate import apply as apply_migrations
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
class MetricsRunResult:
    """What one run of one query did: `fetched == loaded + duplicates + skipped_nan` for a finished run."""

    run_id: str
    stream: str
    status: str = "running"
    chunks: int = 0
    fetched: int = 0
    loaded: int = 0
    duplicates: int = 0
    skipped_nan: int = 0
    checks: list[Check] = field(default_factory=list)
    window_start: datetime | None = None
    window_end: datetime | None = None
    #: Last evaluated timestamp loaded (unix seconds), after the run.
    watermark: int | None = None
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "succeeded" and all(c.ok for c in self.checks)


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
    target = WarehouseURL.parse(url)
    conn = _open(target, auto_migrate, retry or Retry())
    client = PrometheusClient(cfg.prometheus)
    results: list[MetricsRunResult] = []
    failures: list[EtlError] = []
    try:
        for query in cfg.queries:
            try:
                results.append(_run_query(conn, client, cfg, query, start, end, progress))
            except EtlError as exc:
                failures.append(exc)
                if exc.stage == "load" or isinstance(exc.__cause__, PrometheusUnavailable):
                    break
    finally:
        client.close()
        conn.close()
    if failures:
        first = failures[0]
        if len(failures) > 1:
            first.add_note(
                f"{len(failures) - 1} more queries failed: {', '.join(f.stream or '' for f in failures[1:])}"
            )
        raise first
    return results


def _run_query(
    conn: Connection,
    client: PrometheusClient,
    cfg: MetricsConfig,
    query: MetricQuery,
    since: float | None,
    until: float,
    progress: Callable[[ChunkProgress], None] | None,
) -> MetricsRunResult:
    stream = query.stream
    started = time.monotonic()
    if not conn.try_lock(f"airdrops.etl.{stream}"):
        raise EtlError("load", f"another run of {stream} is in progress on this warehouse", stream=stream)
    result = MetricsRunResult(run_id="", stream=stream)
    try:
        result.run_id = start_run(conn, stream)
        result.watermark = _position(get_watermark(conn, stream))
        if since is not None:
            start = since
        elif result.watermark is not None:
            start = result.watermark + query.step_s
        else:
            start = until - cfg.backfill_s
        plan = plan_chunks(start, until, query.step_s, cfg.max_points)
        run_id = result.run_id

        def prepare(bounds: tuple[int, int]) -> MetricsBatch:  # with prefetch, in a thread, one chunk ahead
            return _transform(fetch_chunk(client, query, bounds), run_id)

        batches = one_ahead(plan, prepare) if cfg.prefetch else map(prepare, plan)
        planned = len(plan)
        for batch in _extracted(batches, stream, run_id):
            loaded = _load(conn, batch, result)
            _count(result, batch, loaded)
            if progress is not None:
                progress(
                    ChunkProgress(stream, result.chunks, max(planned, result.chunks), result.fetched, result.loaded)
                )
        result.status = "succeeded"
        result.duration_s = time.monotonic() - started
        with conn.transaction():
            _finish(conn, result, None)
        telemetry.run_finished(
            stream, success=True, duration_s=result.duration_s, rows=_rows(result), lag_s=_lag(result)
        )
        return result
    except Exception as exc:
        # Bookkeeping reads and writes outside a chunk fail like a load (the warehouse went away).
        err = exc if isinstance(exc, EtlError) else EtlError("load", f"{type(exc).__name__}: {exc}", stream=stream)
        err.run_id = err.run_id or result.run_id or None
        result.status = "failed"
        result.duration_s = time.monotonic() - started
        if result.run_id:
            _record_failure(conn, result, err)
        mismatches = sum(not c.ok for c in getattr(err, "checks", ()))
        telemetry.run_finished(
            stream, success=False, duration_s=result.duration_s, rows=_rows(result), mismatches=mismatches
        )
        if err is exc:
            raise
        raise err from exc
    finally:
        _unlock(conn, f"airdrops.etl.{stream}")


def _extracted(batches: Iterator[MetricsBatch], stream: str, run_id: str) -> Iterator[MetricsBatch]:
    try:
        yield from batches
    except PrometheusError as exc:
        raise EtlError(
            "extract",
            f"{exc}; chunks loaded so far are kept and the next run resumes after them",
            stream=stream,
            run_id=run_id,
        ) from exc


def _transform(raw: RawChunk, run_id: str) -> MetricsBatch:
    try:
        return transform(raw)
    except Exception as exc:
        where = f"chunk {_iso(raw.start)}..{_iso(raw.end)}"
        raise EtlError(
            "transform", f"{where}: {type(exc).__name__}: {exc}", stream=raw.query.stream, run_id=run_id
        ) from exc


def _load(conn: Connection, batch: MetricsBatch, result: MetricsRunResult) -> LoadResult:
    """Load and reconcile one chunk with its watermark in one transaction; a lost insert race reruns it."""
    stream, run_id = batch.stream, result.run_id
    where = f"chunk {_iso(batch.start)}..{_iso(batch.end)}"
    conflicts = False
    while True:
        try:
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
                        f"{where}: Prometheus returned {batch.fetched} points but the warehouse took "
                        f"{loaded.inserted} new + {loaded.duplicates} already there + {batch.skipped_nan} NaN skipped "
                        f"+ {batch.repeated} repeated in the answer; "
                        "the chunk was rolled back and the watermark did not move",
                        stream=stream,
                        run_id=run_id,
                        checks=[check],
                    )
                add_reconciliation(conn, run_id, stream, [check])
                if result.watermark is None or batch.end > result.watermark:
                    set_watermark(conn, stream, json.dumps({"ts": batch.end, "step": batch.step}))
            result.checks.append(check)
            return loaded
        except EtlError:
            raise
        except Exception as exc:
            if is_duplicate_key(exc) and not conflicts:
                _log.info("%s %s: another loader got there first; reloading with ON CONFLICT", stream, where)
                conflicts = True
                continue
            reason = "the warehouse went away" if is_unavailable(exc) else f"{type(exc).__name__}"
            raise EtlError(
                "load",
                f"{where}: {reason}: {str(exc).strip()}; the chunk was rolled back and the watermark did not move",
                stream=stream,
                run_id=run_id,
            ) from exc


def _count(result: MetricsRunResult, batch: MetricsBatch, loaded: LoadResult) -> None:
    result.chunks += 1
    result.fetched += batch.fetched
    result.loaded += loaded.inserted
    result.duplicates += loaded.duplicates + batch.repeated
    result.skipped_nan += batch.skipped_nan
    lo, hi = datetime.fromtimestamp(batch.start, UTC), datetime.fromtimestamp(batch.end, UTC)
    result.window_start = lo if result.window_start is None else min(result.window_start, lo)
    result.window_end = hi if result.window_end is None else max(result.window_end, hi)
    if result.watermark is None or batch.end > result.watermark:
        result.watermark = batch.end


def _finish(conn: Connection, result: MetricsRunResult, error: str | None) -> None:
    finish_run(
        conn,
        result.run_id,
        status=result.status,
        rows_extracted=result.fetched,
        rows_loaded=result.loaded,
        rows_quarantined=0,
        window_start=result.window_start,
        window_end=result.window_end,
        error=error,
    )


def _record_failure(conn: Connection, result: MetricsRunResult, exc: EtlError) -> None:
    """Best effort: the warehouse may be what failed (then the next run marks this one abandoned)."""
    try:
        with conn.transaction():
            if isinstance(exc, ReconciliationError):
                add_reconciliation(conn, result.run_id, result.stream, exc.checks)
            _finish(conn, result, str(exc))
    except Exception as record_exc:
        _log.warning("could not record failed run %s: %s", result.run_id, record_exc)


def _open(url: WarehouseURL, auto_migrate: bool, retry: Retry) -> Connection:
    try:
        conn = connect(url, retry=retry)
    except WarehouseUnavailable as exc:
        raise EtlError("load", f"{exc}; nothing was loaded: rerun when it is back", stream="prometheus") from exc
    try:
        if auto_migrate:
            apply_migrations(conn)
    except Exception as exc:
        conn.close()
        raise EtlError("load", f"cannot prepare warehouse {url.redacted}: {exc}", stream="prometheus") from exc
    return conn


def _unlock(conn: Connection, key: str) -> None:
    if conn.dialect == "postgres":
        with contextlib.suppress(Exception):
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))


def _position(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(json.loads(text)["ts"])
    except (ValueError, KeyError, TypeError):
        _log.warning("ignoring unreadable watermark %r", text)
        return None


def _rows(result: MetricsRunResult) -> dict[str, int]:
    return {"extracted": result.fetched, "loaded": result.loaded, "duplicate": result.duplicates}


def _lag(result: MetricsRunResult) -> float | None:
    return time.time() - result.watermark if result.watermark is not None else None


def _unix(value: TimeLike) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    return float(value)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["ChunkProgress", "MetricsRunResult", "run_metrics"]
