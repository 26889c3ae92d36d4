"""One set of catalogue instruments with their shared policy and event log."""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.metrics.export import Metric

from airdrops.monitoring import catalog
from airdrops.monitoring._internal import instruments as _inst
from airdrops.monitoring._internal.eventlog import EventLog


class Registry:
    """Catalogue instruments, built once. The module-level default serves bots; tests may make more."""

    def __init__(self, specs: tuple[catalog.MetricSpec, ...] = catalog.METRICS, queue_size: int = 10_000) -> None:
        self.policy = _inst.Policy()
        self.instruments: dict[str, _inst.Instrument] = {s.name: _inst.build(s, self.policy) for s in specs}
        self._rejected = self.instruments.get("airdrops.sdk.attributes.rejected")
        self._overflow = self.instruments.get("airdrops.sdk.cardinality.overflow")
        self._invalid = self.instruments.get("airdrops.sdk.measurements.dropped")
        self._dropped = self.instruments.get("airdrops.sdk.events.dropped")
        self._written = self.instruments.get("airdrops.sdk.events.written")
        self.policy.on_rejected = self._count(self._rejected)
        self.policy.on_overflow = self._count(self._overflow)
        self.policy.on_invalid = self._count_invalid(self._invalid)
        self.events = EventLog(
            queue_size, self._count_by("reason", self._dropped), self._count_by("type", self._written)
        )

    @staticmethod
    def _count(inst: Any) -> Any:
        if inst is None:
            return None
        return lambda metric: inst.add(1, metric=metric)

    @staticmethod
    def _count_invalid(inst: Any) -> Any:
        if inst is None:
            return None
        return lambda metric, reason: inst.add(1, metric=metric, reason=reason)

    @staticmethod
    def _count_by(key: str, inst: Any) -> Any:
        if inst is None:
            return lambda value: None
        return lambda value: inst.add(1, **{key: value})

    def __getitem__(self, name: str) -> Any:
        return self.instruments[name]

    def collect(self) -> list[Metric]:
        """Current cumulative values of every instrument that has series, as OTel metric data."""
        return list(_inst.collect(self.instruments))

    def zero(self) -> None:
        """Every series back to nothing (a forked child: its parent exports what came before)."""
        for inst in self.instruments.values():
            inst.zero()

    def reset(self) -> None:
        for inst in self.instruments.values():
            inst.reset()


DEFAULT = Registry()
