"""One series of a catalogue instrument: its value and lock, recording with no lookups.

`Instrument.bind()` returns one of these; recording validates the value cheaply and counts what it
drops through `invalid(reason)`, set by the instrument.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Mapping
from typing import Any

from airdrops.monitoring._internal.tracing import TRACING

_INF = math.inf


def _ignore(reason: str) -> None:
    pass


class _Series:
    __slots__ = ("attributes", "exposition", "invalid", "lock", "start_ns")

    def __init__(self, attributes: Mapping[str, str]) -> None:
        self.attributes = dict(attributes)
        self.lock = threading.Lock()
        self.start_ns = time.time_ns()
        self.invalid: Any = _ignore  # callable(reason): the instrument counts a dropped measurement
        self.exposition: Any = None  # `/metrics` line prefixes, formatted once (exposition.py)

    def finite(self, value: Any) -> float | None:
        """`value` as a finite float, or None after counting why it is not one."""
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            self.invalid("not_a_number")
            return None
        if not -_INF < number < _INF:
            self.invalid("not_finite")
            return None
        return number


class BoundCounter(_Series):
    """A counter series with its attributes resolved once: the fastest way to record."""

    __slots__ = ("value",)

    def __init__(self, attributes: Mapping[str, str]) -> None:
        super().__init__(attributes)
        self.value: float = 0

    def add(self, amount: float = 1) -> None:
        try:
            amount = float(amount)
        except (TypeError, ValueError, OverflowError):
            self.invalid("not_a_number")
            return
        if not 0 <= amount < _INF:  # counters are monotonic (OTel drops negative increments too)
            self.invalid("negative" if amount < 0 else "not_finite")
            return
        with self.lock:
            self.value += amount


class BoundUpDownCounter(_Series):
    __slots__ = ("value",)

    def __init__(self, attributes: Mapping[str, str]) -> None:
        super().__init__(attributes)
        self.value: float = 0

    def add(self, amount: float = 1) -> None:
        value = self.finite(amount)
        if value is not None:
            with self.lock:
                self.value += value


class BoundGauge(_Series):
    __slots__ = ("value",)

    def __init__(self, attributes: Mapping[str, str]) -> None:
        super().__init__(attributes)
        self.value: float = math.nan

    def set(self, value: float) -> None:
        try:
            value = float(value)
        except (TypeError, ValueError, OverflowError):
            self.invalid("not_a_number")
            return
        if value != value:  # NaN; a gauge may be infinite (a health factor with no debt)
            self.invalid("not_a_number")
            return
        self.value = value  # a single store is atomic under the GIL


class BoundHistogram(_Series):
    """Buckets, count, sum, min, max; with tracing on, each bucket keeps its latest observation made
    inside a span as an exemplar: (value, time ns, trace_id, span_id)."""

    __slots__ = ("bounds", "count", "counts", "exemplars", "max", "min", "sum")

    def __init__(self, attributes: Mapping[str, str], bounds: tuple[float, ...]) -> None:
        super().__init__(attributes)
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.count = 0
        self.sum: float = 0
        self.min = math.inf
        self.max = -math.inf
        self.exemplars: list[tuple[float, int, int, int] | None] | None = None

    def record(self, value: float) -> None:
        number = self.finite(value)
        if number is None:
            return
        value = number
        # bisect_left: a value equal to a bound belongs to that bucket (Prometheus `le`, OTel's rule).
        i = bisect.bisect_left(self.bounds, value)
        span = TRACING.current_span() if TRACING.tracer is not None else None
        with self.lock:
            if span is not None:
                if self.exemplars is None:
                    self.exemplars = [None] * len(self.counts)
                self.exemplars[i] = (value, time.time_ns(), span.trace_id, span.span_id)
            self.counts[i] += 1
            self.count += 1
            self.sum += value
            if value < self.min:
                self.min = value
            if value > self.max:
                self.max = value


class _NoopBound:
    def add(self, amount: float = 1) -> None:
        pass

    def set(self, value: float) -> None:
        pass

    def record(self, value: float) -> None:
        pass


NOOP_BOUND = _NoopBound()
