"""Catalogue instruments: in-process aggregation, exported as OpenTelemetry metric data.

OTel Python's synchronous instruments cost ~12 us per measurement (attribute hashing, view
matching, locks). Bots record on hot paths, so catalogue instruments aggregate here, the way
prometheus_client does (a dict of series, a lock per series), and hand the result to the OTel
exporter pipeline as standard `opentelemetry.sdk.metrics.export` data at collection time: the
role OTel's spec calls a MetricProducer. Exported values are the same as OTel's own cumulative
aggregation would give (tested side by side).

Recording never raises into the bot and never stores what an export cannot carry: a value is
converted with `float()` (so Decimal, int and float mix in one series); what does not convert, and
what the instrument cannot hold (NaN anywhere, infinities outside gauges, negative counter
increments), is dropped and counted in `airdrops.sdk.measurements.dropped`. Attribute values that
are containers become `other`, counted in `airdrops.sdk.attributes.rejected`.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

from opentelemetry.sdk.metrics import Exemplar
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Gauge,
    Histogram,
    HistogramDataPoint,
    Metric,
    NumberDataPoint,
    Sum,
)

from airdrops.monitoring._internal.series import (
    NOOP_BOUND,
    BoundCounter,
    BoundGauge,
    BoundHistogram,
    BoundUpDownCounter,
)
from airdrops.monitoring.catalog import MetricSpec

#: Kinds of attribute value that cannot name a series (unhashable, or no readable text).
_CONTAINERS = (list, dict, set, bytearray)
#: Raw-attribute aliases kept per instrument, as a multiple of the cardinality limit: values that the
#: policy drops (wallet labels off) map many raw keys to one series, and must not grow memory.
_ALIAS_FACTOR = 4
OVERFLOW_ATTRIBUTE = "otel.metric.overflow"
_OVERFLOW_KEY: tuple[Any, ...] = ("__overflow__",)
#: Returned for attribute values outside a closed set.
OTHER = "other"


class Policy:
    """Settings every instrument of one registry reads (changed by `configure()`)."""

    __slots__ = ("cardinality_limit", "enabled", "on_invalid", "on_overflow", "on_rejected", "wallet_labels")

    def __init__(self) -> None:
        self.enabled = True
        self.wallet_labels = False
        self.cardinality_limit = 2000
        self.on_rejected: Any = None  # callable(metric_name) once the SDK's own counters exist
        self.on_overflow: Any = None
        self.on_invalid: Any = None  # callable(metric_name, reason)


class Instrument:
    """A catalogue metric. Record with attributes as keyword arguments, or `bind()` them once."""

    __slots__ = ("_allowed", "_keys", "_lock", "_policy", "_series", "_unique", "spec")

    def __init__(self, spec: MetricSpec, policy: Policy) -> None:
        self.spec = spec
        self._policy = policy
        self._keys = spec.label_names  # the keywords a call passes (`error_type` for `error.type`)
        self._allowed = frozenset(self._keys)
        self._series: dict[tuple[Any, ...], Any] = {}  # raw attribute values -> series (aliases)
        self._unique: dict[tuple[Any, ...], Any] = {}  # cleaned attribute values -> series
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        name: str = self.spec.name
        return name

    def bind(self, attributes: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        """Resolve attributes once; the returned handle records with no lookups."""
        if not self._policy.enabled:
            return NOOP_BOUND
        return self._get(kw if attributes is None else self._merge(attributes, kw))

    def _merge(self, attributes: Any, kw: dict[str, Any]) -> dict[str, Any]:
        """OpenTelemetry's call style (`add(1, {"chain": "base"})`) beside the keyword one; what is
        not a mapping is dropped and counted as rejected attributes."""
        if isinstance(attributes, Mapping):  # OpenTelemetry keys (`error.type`) as their keywords
            return {(k.replace(".", "_") if isinstance(k, str) else k): v for k, v in attributes.items()} | kw
        if self._policy.on_rejected is not None:
            self._policy.on_rejected(self.spec.name)
        return kw

    def _get(self, attributes: dict[str, Any]) -> Any:
        if attributes.keys() <= self._allowed:
            try:
                series = self._series.get(tuple(attributes.get(k) for k in self._keys))
            except TypeError:  # an unhashable value: _clean makes it `other`
                series = None
            if series is not None:
                return series
        return self._create(attributes)

    def _create(self, attributes: dict[str, Any]) -> Any:
        clean, rejected = self._clean(attributes)
        if rejected and self._policy.on_rejected is not None:
            self._policy.on_rejected(self.spec.name)
        key = tuple(clean.get(k) for k in self.spec.attribute_keys)  # clean holds OpenTelemetry keys
        with self._lock:
            series = self._unique.get(key)
            if series is None:
                if len(self._unique) >= self._policy.cardinality_limit:
                    return self._overflow()
                series = self._unique[key] = self._new_series(clean)
                series.invalid = self._invalid
            if not rejected:
                # Alias the raw key so the next call with the same input skips cleaning; inputs
                # that were rejected take this path every time so each rejection is counted.
                if len(self._series) >= _ALIAS_FACTOR * self._policy.cardinality_limit:
                    self._series.clear()  # a cache: hot keys come back at once, memory stays bounded
                with contextlib.suppress(TypeError):  # an unhashable value (a list inside a tuple): no alias
                    self._series[tuple(attributes.get(k) for k in self._keys)] = series
            return series

    def _invalid(self, reason: str) -> None:
        if self._policy.on_invalid is not None:
            self._policy.on_invalid(self.spec.name, reason)

    def _overflow(self) -> Any:
        # Caller holds self._lock.
        if self._policy.on_overflow is not None:
            self._policy.on_overflow(self.spec.name)
        series = self._unique.get(_OVERFLOW_KEY)
        if series is None:
            series = self._unique[_OVERFLOW_KEY] = self._new_series({OVERFLOW_ATTRIBUTE: "true"})
            series.invalid = self._invalid
        return series

    def _clean(self, attributes: Mapping[str, Any]) -> tuple[dict[str, str], bool]:
        """Keep catalogue keys (opt-in ones only when enabled), map values outside a closed set."""
        clean: dict[str, str] = {}
        rejected = not attributes.keys() <= self._allowed
        for attr in self.spec.attributes:
            value = attributes.get(attr.label)
            if value is None or (attr.opt_in and not self._policy.wallet_labels):
                continue
            if isinstance(value, _CONTAINERS):
                text, rejected = OTHER, True
            else:
                text = value if isinstance(value, str) else str(value)
            if attr.values is not None and text not in attr.values:
                text, rejected = OTHER, True
            clean[attr.key] = text
        return clean, rejected

    def _new_series(self, attributes: Mapping[str, str]) -> Any:
        raise NotImplementedError

    def series(self) -> list[Any]:
        with self._lock:
            return list(self._unique.values())

    def zero(self) -> None:
        """In a forked child: every series from nothing, keeping the series (and bound handles), and
        new locks, taken by no one (a lock the fork caught held would stay held forever)."""
        self._lock = threading.Lock()
        for series in self._unique.values():
            invalid = series.invalid
            if isinstance(series, BoundHistogram):
                series.__init__(series.attributes, series.bounds)  # type: ignore[misc]
            else:
                series.__init__(series.attributes)
            series.invalid = invalid

    def reset(self) -> None:
        """Forget every series (tests use this for a clean slate)."""
        with self._lock:
            self._series.clear()
            self._unique.clear()

    def to_metric(self, now_ns: int) -> Metric | None:
        raise NotImplementedError


class _Sum(Instrument):
    """Counters and up-down counters: a running sum per series."""

    __slots__ = ()
    _monotonic = True

    def add(self, amount: float = 1, attributes: Mapping[str, Any] | None = None, **kw: Any) -> None:
        """Add `amount` to the series named by the attributes, given as a dict (OpenTelemetry's
        style), as keywords, or both (counters ignore negative amounts)."""
        if self._policy.enabled:
            self._get(kw if attributes is None else self._merge(attributes, kw)).add(amount)

    def to_metric(self, now_ns: int) -> Metric | None:
        points = [NumberDataPoint(s.attributes, s.start_ns, now_ns, s.value) for s in self.series()]
        if not points:
            return None
        data = Sum(points, AggregationTemporality.CUMULATIVE, is_monotonic=self._monotonic)
        return Metric(self.spec.name, self.spec.description, self.spec.unit, data)


class Counter(_Sum):
    __slots__ = ()

    def _new_series(self, attributes: Mapping[str, str]) -> BoundCounter:
        return BoundCounter(attributes)


class UpDownCounter(_Sum):
    __slots__ = ()
    _monotonic = False

    def _new_series(self, attributes: Mapping[str, str]) -> BoundUpDownCounter:
        return BoundUpDownCounter(attributes)


class GaugeInstrument(Instrument):
    __slots__ = ()

    def set(self, value: float, attributes: Mapping[str, Any] | None = None, **kw: Any) -> None:
        """Set the current value of the series named by the attributes (a dict, keywords, or both)."""
        if self._policy.enabled:
            self._get(kw if attributes is None else self._merge(attributes, kw)).set(value)

    def _new_series(self, attributes: Mapping[str, str]) -> BoundGauge:
        return BoundGauge(attributes)

    def to_metric(self, now_ns: int) -> Metric | None:
        points = [
            NumberDataPoint(s.attributes, s.start_ns, now_ns, s.value) for s in self.series() if not math.isnan(s.value)
        ]
        if not points:
            return None
        return Metric(self.spec.name, self.spec.description, self.spec.unit, Gauge(points))


class HistogramInstrument(Instrument):
    __slots__ = ()

    def record(self, value: float, attributes: Mapping[str, Any] | None = None, **kw: Any) -> None:
        """Record one observation (seconds for durations); attributes as a dict, keywords, or both."""
        if self._policy.enabled:
            self._get(kw if attributes is None else self._merge(attributes, kw)).record(value)

    def _new_series(self, attributes: Mapping[str, str]) -> BoundHistogram:
        return BoundHistogram(attributes, self.spec.buckets or ())

    def to_metric(self, now_ns: int) -> Metric | None:
        points = []
        for s in self.series():
            with s.lock:
                counts, count, total, lo, hi = list(s.counts), s.count, s.sum, s.min, s.max
                kept = [e for e in s.exemplars if e is not None] if s.exemplars is not None else []
            exemplars = [Exemplar({}, value, t, span_id, trace_id) for value, t, trace_id, span_id in kept]
            points.append(
                HistogramDataPoint(s.attributes, s.start_ns, now_ns, count, total, counts, s.bounds, lo, hi, exemplars)
            )
        if not points:
            return None
        data = Histogram(points, AggregationTemporality.CUMULATIVE)
        return Metric(self.spec.name, self.spec.description, self.spec.unit, data)


_KINDS: dict[str, type[Instrument]] = {
    "counter": Counter,
    "updown_counter": UpDownCounter,
    "gauge": GaugeInstrument,
    "histogram": HistogramInstrument,
}


def build(spec: MetricSpec, policy: Policy) -> Instrument:
    return _KINDS[spec.kind](spec, policy)


def collect(instruments: Mapping[str, Instrument]) -> Iterator[Metric]:
    now = time.time_ns()
    for inst in instruments.values():
        metric = inst.to_metric(now)
        if metric is not None:
            yield metric
