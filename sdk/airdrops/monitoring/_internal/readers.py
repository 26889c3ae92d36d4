"""The MeterProvider's readers: the push readers add the catalogue instruments' data to what they collect.

Catalogue instruments aggregate outside OTel's SDK (instruments.py). OpenTelemetry's specification
gives such a source the role of a MetricProducer, attached to every reader; OTel Python has no
MetricProducer yet, so each push reader here takes one (`Registry.collect`) and merges its data
into the provider's at every collection, before the reader's own export step (an OTLP or console
exporter); a reader that prefers delta temporality gets deltas (`DeltaConverter`). `/metrics` writes
the catalogue itself (exposition.py): the pull reader only collects OpenTelemetry's instruments.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import Counter, Histogram, UpDownCounter
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Histogram as HistogramData,
    HistogramDataPoint,
    Metric,
    MetricExporter,
    MetricExportResult,
    MetricsData,
    NumberDataPoint,
    PeriodicExportingMetricReader,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from prometheus_client import CollectorRegistry

_log = logging.getLogger("airdrops.monitoring")

#: The source of the catalogue's data: the current cumulative value of every series.
Producer = Callable[[], list[Metric]]

_CUMULATIVE, _DELTA = AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA

#: OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, as the specification defines each choice
#: for the synchronous instruments the catalogue has.
TEMPORALITY_PREFERENCES: dict[str, dict[type, AggregationTemporality]] = {
    "cumulative": {Counter: _CUMULATIVE, UpDownCounter: _CUMULATIVE, Histogram: _CUMULATIVE},
    "delta": {Counter: _DELTA, UpDownCounter: _CUMULATIVE, Histogram: _DELTA},
    "lowmemory": {Counter: _DELTA, UpDownCounter: _CUMULATIVE, Histogram: _DELTA},
}


class DeltaConverter:
    """Turns the catalogue's cumulative points into deltas since this reader's last collection.

    Only series that changed are sent (as OTel's own delta aggregation does). A delta histogram
    carries no min or max (both are optional in OTLP): the catalogue keeps them from the start.
    """

    def __init__(self) -> None:
        self._last: dict[tuple[str, frozenset[tuple[str, Any]]], tuple[int, Any, int]] = {}
        self._lock = threading.Lock()

    def convert(self, metrics: Iterable[Metric], delta_names: frozenset[str]) -> list[Metric]:
        out = []
        with self._lock:
            for metric in metrics:
                if metric.name not in delta_names:
                    out.append(metric)
                    continue
                converted = self._metric(metric)
                if converted is not None:
                    out.append(converted)
        return out

    def _metric(self, metric: Metric) -> Metric | None:
        data = metric.data
        if isinstance(data, Sum):
            sums = [p for p in map(lambda p: self._sum(metric.name, p), data.data_points) if p is not None]
            new: Any = Sum(sums, _DELTA, data.is_monotonic) if sums else None
        elif isinstance(data, HistogramData):
            points = [p for p in map(lambda p: self._histogram(metric.name, p), data.data_points) if p is not None]
            new = HistogramData(points, _DELTA) if points else None
        else:
            return metric
        return Metric(metric.name, metric.description, metric.unit, new) if new is not None else None

    def _previous(self, name: str, point: Any, now: tuple[int, Any, int]) -> tuple[int, Any, int] | None:
        key = (name, frozenset(point.attributes.items()))
        previous = self._last.get(key)
        self._last[key] = now
        return previous

    def _sum(self, name: str, point: NumberDataPoint) -> NumberDataPoint | None:
        previous = self._previous(name, point, (point.time_unix_nano, point.value, point.start_time_unix_nano))
        start, value = point.start_time_unix_nano, point.value
        if previous is not None and previous[2] == start and previous[1] <= value:  # else the series restarted
            start, value = previous[0], value - previous[1]
            if value == 0:
                return None
        return NumberDataPoint(point.attributes, start, point.time_unix_nano, value)

    def _histogram(self, name: str, point: HistogramDataPoint) -> HistogramDataPoint | None:
        now = (point.time_unix_nano, (point.count, point.sum, tuple(point.bucket_counts)), point.start_time_unix_nano)
        previous = self._previous(name, point, now)
        if previous is None or previous[2] != point.start_time_unix_nano or previous[1][0] > point.count:
            return point if point.count else None
        count, total, buckets = previous[1]
        if count == point.count:
            return None
        counts = [b - a for a, b in zip(buckets, point.bucket_counts, strict=True)]
        return HistogramDataPoint(
            point.attributes,
            previous[0],
            point.time_unix_nano,
            point.count - count,
            point.sum - total,
            counts,
            point.explicit_bounds,
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            [e for e in point.exemplars if e.time_unix_nano > previous[0]],
        )


class ReportingExporter(MetricExporter):
    """Hands each export to `inner`; counts its outcome (`on_outcome(outcome)`) and logs the first
    failure of a streak, naming the destination, and the recovery: the exporter's own log says
    neither where nor whether it works again."""

    def __init__(
        self,
        inner: MetricExporter,
        destination: str,
        temporality: dict[type, AggregationTemporality],
        on_outcome: Callable[[str], None],
    ) -> None:
        super().__init__(preferred_temporality=dict(temporality))
        self._inner, self._destination, self._on_outcome = inner, destination, on_outcome
        self._failing = False

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any) -> MetricExportResult:
        try:
            result = self._inner.export(metrics_data, timeout_millis=timeout_millis, **kwargs)
        except Exception as exc:  # an exporter must not raise; if one does, the bot still must not see it
            _log.error("airdrops: metrics export to %s raised %s", self._destination, type(exc).__name__)
            result = MetricExportResult.FAILURE
        ok = result is MetricExportResult.SUCCESS
        self._on_outcome("success" if ok else "failure")
        if not ok and not self._failing:
            _log.error("airdrops: metrics export to %s failed; each later interval tries again", self._destination)
        elif ok and self._failing:
            _log.warning("airdrops: metrics export to %s works again", self._destination)
        self._failing = not ok
        return result

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return self._inner.force_flush(timeout_millis)

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self._inner.shutdown(timeout_millis=timeout_millis, **kwargs)


class CatalogueMixin:
    """Merges the producer's metrics into every collection of the reader it is mixed into."""

    _producer: Producer
    _resource: Resource
    _scope: InstrumentationScope
    _delta_names: frozenset[str]
    _delta: DeltaConverter

    def _attach(
        self,
        producer: Producer,
        resource: Resource,
        scope: InstrumentationScope,
        delta_names: frozenset[str] = frozenset(),
    ) -> None:
        self._producer = producer
        self._resource = resource
        self._scope = scope
        self._delta_names = delta_names
        self._delta = DeltaConverter()
        self._received = threading.local()
        self._pid = os.getpid()

    def collect(self, timeout_millis: float = 10_000) -> None:
        # MetricReader.collect skips _receive_metrics when the MeterProvider has no data points
        # of its own (no OTel instrument used yet); the catalogue must go out regardless.
        self._received.done = False
        super().collect(timeout_millis)  # type: ignore[misc]
        if not self._received.done:
            self._receive_metrics(None, timeout_millis)

    def _seen(self, metrics: list[Metric]) -> None:
        """What the catalogue produced for this collection, before the reader's export step."""

    def _receive_metrics(self, metrics_data: MetricsData | None, timeout_millis: float = 10_000, **kwargs: Any) -> None:
        self._received.done = True
        if os.getpid() != self._pid:  # a forked child: OTel restarts the export thread there; the parent exports
            return
        metrics = self._producer()
        if self._delta_names:
            metrics = self._delta.convert(metrics, self._delta_names)
        self._seen(metrics)
        ours = ScopeMetrics(self._scope, metrics, "")
        theirs = list(metrics_data.resource_metrics) if metrics_data is not None else []
        for i, resource_metrics in enumerate(theirs):
            if resource_metrics.resource == self._resource:  # one resource: our scope joins theirs
                scopes = [*resource_metrics.scope_metrics, ours]
                theirs[i] = ResourceMetrics(resource_metrics.resource, scopes, resource_metrics.schema_url)
                break
        else:
            theirs.append(ResourceMetrics(self._resource, [ours], ""))
        super()._receive_metrics(MetricsData(theirs), timeout_millis, **kwargs)  # type: ignore[misc]


class PullReader(PrometheusMetricReader):
    """OTel's Prometheus reader for the OpenTelemetry instruments (the bot's own, instrumentations');
    the catalogue and `target_info` are written by exposition.py beside what it collects."""

    def __init__(self, prom_registry: CollectorRegistry, cardinality_limits: dict[type, int] | None = None) -> None:
        super().__init__(
            disable_target_info=True,
            scope_info_enabled=False,
            resource_attribute_filter=lambda key: key == "bot_id",
            registry=prom_registry,
            cardinality_limits=cardinality_limits,
        )

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        # A pull reader has nothing to flush. The base class collects, and OTel's Prometheus exporter
        # queues that collection until the next scrape, which then shows every series twice.
        return True


class CatalogueExportingReader(CatalogueMixin, PeriodicExportingMetricReader):  # type: ignore[misc]
    """OTel's periodic reader (OTLP, console), with the catalogue in the temporality its exporter prefers."""

    def __init__(
        self,
        exporter: MetricExporter,
        producer: Any,
        resource: Resource,
        scope: InstrumentationScope,
        kinds: dict[str, type],
        temporality: dict[type, AggregationTemporality],
        interval_millis: float | None = None,
        cardinality_limits: dict[type, int] | None = None,
    ) -> None:
        """`kinds` maps each catalogue metric to its OTel instrument class; `temporality` is what the
        exporter was built with (its `preferred_temporality`)."""
        # Attach before the base class starts its export thread: its first tick may come at once.
        delta = frozenset(name for name, kind in kinds.items() if temporality.get(kind) == _DELTA)
        self._attach(_as_producer(producer), resource, scope, delta)
        super().__init__(exporter, export_interval_millis=interval_millis, cardinality_limits=cardinality_limits)


def _as_producer(source: Any) -> Producer:
    """A registry (anything with `collect()`) or a producer function."""
    collect = getattr(source, "collect", None)
    return collect if callable(collect) else source  # type: ignore[no-any-return]
