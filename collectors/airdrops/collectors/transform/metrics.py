"""Turn one query_range answer into the warehouse's `metric_series` and `metric_samples` rows (Polars).

A series is identified by `series_id`, the first 8 bytes of `sha1(metric + labels_json)` read as a
signed big-endian int64, where `metric` is the `__name__` label (the query's name when the expression
drops it, e.g. `sum(...)`) and `labels_json` the other labels as compact JSON with sorted keys, the
same text stored in `metric_series.labels`. An 8-byte key keeps the samples' primary key small (a
40-character hex key made loading 1.6x slower); the loader refuses the astronomically rare id that
two different series share rather than merge them.

Special values. The query API never returns staleness markers (PromQL consumes them), so every `NaN`
it returns is a real one, typically 0/0 in a ratio rule with no traffic. NaN is skipped: it means
"no data", and in the warehouse it would poison sums and averages (PostgreSQL even sorts it above
every number). Skipped points are counted and reconciled. `+Inf` and `-Inf` are kept: both backends
store them exactly and they carry meaning (a ratio over a zero limit).

    batch = transform(chunk)
    batch.series   # series_id, metric, labels
    batch.samples  # series_idx (row of batch.series), ts (UTC, microseconds), value
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from itertools import chain

import orjson
import polars as pl

from airdrops.collectors.extract.prometheus import RawChunk

SERIES_SCHEMA = {"series_id": pl.Int64, "metric": pl.String, "labels": pl.String}
SAMPLES_SCHEMA = {"series_idx": pl.UInt32, "ts": pl.Datetime("us", "UTC"), "value": pl.Float64}


class TransformError(ValueError):
    """An answer that cannot be turned into rows (non-numeric values, malformed points)."""


def series_id(metric: str, labels: dict[str, str]) -> int:
    """The warehouse id of a series: the metric name and its sorted labels as JSON, hashed to an int64."""
    return _hash_id(metric + labels_json(labels))


def _hash_id(text: str) -> int:
    digest = hashlib.sha1(text.encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def labels_json(labels: dict[str, str]) -> str:
    return orjson.dumps(labels, option=orjson.OPT_SORT_KEYS).decode()


@dataclass(frozen=True)
class MetricsBatch:
    """The rows of one chunk. `fetched` counts the answer's points, `skipped_nan` those dropped as NaN."""

    stream: str
    start: int
    end: int
    step: int
    series: pl.DataFrame
    samples: pl.DataFrame
    fetched: int
    skipped_nan: int
    #: Points repeating a (series, ts) earlier in the same answer (two entries mapping to one series_id).
    repeated: int = 0

    def samples_with_ids(self) -> pl.DataFrame:
        """`metric_samples` rows: series_id, ts, value."""
        ids = self.series.get_column("series_id").gather(self.samples.get_column("series_idx"))
        return self.samples.select(ids.alias("series_id"), "ts", "value")


def transform(chunk: RawChunk) -> MetricsBatch:
    """The series and samples of one chunk, NaN points skipped."""
    ids: list[int] = []
    metrics: list[str] = []
    label_texts: list[str] = []
    counts: list[int] = []
    points: list[list[list[object]]] = []
    for entry in chunk.result:
        labels = dict(entry.get("metric") or {})
        metric = labels.pop("__name__", chunk.query.name)
        text = labels_json(labels)
        ids.append(_hash_id(metric + text))
        metrics.append(metric)
        label_texts.append(text)
        values = entry.get("values") or []
        counts.append(len(values))
        points.append(values)
    series = pl.DataFrame({"series_id": ids, "metric": metrics, "labels": label_texts}, schema=SERIES_SCHEMA)
    fetched = sum(counts)
    try:
        flat = list(chain.from_iterable(points))
        ts = pl.Series("ts", [p[0] for p in flat], dtype=pl.Float64, strict=False)
        raw = pl.Series("value", [p[1] for p in flat], dtype=pl.String, strict=False)
    except (IndexError, TypeError) as exc:
        raise TransformError(f"{chunk.query.stream}: malformed points in the answer: {exc}") from exc
    del flat
    samples = _typed(pl.DataFrame({"series_idx": _repeat(counts), "ts": ts, "value": raw}), chunk)
    kept = samples.filter(pl.col("value").is_not_nan())
    skipped = samples.height - kept.height
    repeated = 0
    if series.get_column("series_id").n_unique() < series.height:
        if series.unique().height != series.get_column("series_id").n_unique():
            raise TransformError(f"{chunk.query.stream}: two different series hash to one series_id")
        series, kept, repeated = _merge_repeated_series(series, kept)
    return MetricsBatch(
        chunk.query.stream, chunk.start, chunk.end, chunk.query.step_s, series, kept, fetched, skipped, repeated
    )


def _merge_repeated_series(series: pl.DataFrame, samples: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    # Rare: an entry without __name__ whose labels equal a named one and the query named like the metric.
    # One row per series_id, samples re-pointed at it, and the first point of each (series, ts) kept.
    unique = series.unique("series_id", keep="first", maintain_order=True)
    remap = series.with_row_index("old").join(unique.with_row_index("new"), on="series_id").sort("old")
    new_idx = remap.get_column("new").cast(pl.UInt32).gather(samples.get_column("series_idx"))
    merged = samples.with_columns(new_idx.alias("series_idx")).unique(
        ["series_idx", "ts"], keep="first", maintain_order=True
    )
    return unique, merged, samples.height - merged.height


def _repeat(counts: list[int]) -> pl.Series:
    """0, 0, 1, 2, 2, 2 for counts 2, 1, 3: the row of `series` behind each sample."""
    frame = pl.DataFrame({"i": range(len(counts)), "n": counts}, schema={"i": pl.UInt32, "n": pl.UInt32})
    return frame.filter(pl.col("n") > 0).select(pl.col("i").repeat_by("n").explode()).to_series().rename("series_idx")


def _typed(samples: pl.DataFrame, chunk: RawChunk) -> pl.DataFrame:
    if samples.get_column("ts").null_count():
        raise TransformError(f"{chunk.query.stream}: non-numeric timestamps in the answer")
    try:
        typed = samples.with_columns(
            (pl.col("ts") * 1_000_000).round(0).cast(pl.Int64).cast(pl.Datetime("us", "UTC")),
            pl.col("value").cast(pl.Float64, strict=True),
        )
    except pl.exceptions.InvalidOperationError as exc:
        raise TransformError(f"{chunk.query.stream}: non-numeric sample values in the answer: {exc}") from exc
    return typed


__all__ = ["MetricsBatch", "TransformError", "labels_json", "series_id", "transform"]
