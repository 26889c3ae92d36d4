"""Assert on a bot's telemetry in its own tests: metrics and events as plain data.

Installed as a pytest plugin with the package, so the fixtures need no import:

    def test_swap_is_counted(capmetrics, capevents):
        run_one_swap()
        assert capmetrics.value("airdrops.protocol.tx", action="swap", outcome="success") == 1
        assert capevents.of_type("transaction")[0]["protocol"] == "uniswap"

Each test starts from empty instruments; nothing is exported or written to disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from airdrops.monitoring._internal.registry import DEFAULT, Registry


class CapturedMetrics:
    """Current values of the catalogue instruments, read without any exporter."""

    def __init__(self, registry: Registry = DEFAULT) -> None:
        self._registry = registry

    def collect(self) -> list[dict[str, Any]]:
        """Every series: name, kind, attributes, and value (or count, sum, buckets for histograms)."""
        out = []
        for name, inst in self._registry.instruments.items():
            for s in inst.series():
                row: dict[str, Any] = {"name": name, "kind": inst.spec.kind, "attributes": dict(s.attributes)}
                if inst.spec.kind == "histogram":
                    row.update(
                        count=s.count, sum=s.sum, buckets=dict(zip([*s.bounds, float("inf")], s.counts, strict=True))
                    )
                else:
                    row["value"] = s.value
                out.append(row)
        return out

    def _matching(self, name: str, attributes: dict[str, Any]) -> list[dict[str, Any]]:
        if name not in self._registry.instruments:
            raise KeyError(f"{name!r} is not in the metric catalogue")
        want = {k: str(v) for k, v in attributes.items()}  # keywords: `error_type` finds `error.type`
        return [
            r
            for r in self.collect()
            if r["name"] == name
            and want.items() <= {k.replace(".", "_"): v for k, v in r["attributes"].items()}.items()
        ]

    def value(self, name: str, **attributes: Any) -> float:
        """Sum of the series of `name` whose attributes include `attributes` (0 if none)."""
        return float(sum(r["value"] for r in self._matching(name, attributes)))

    def count(self, name: str, **attributes: Any) -> int:
        """Observations recorded by histogram `name` across the matching series."""
        return int(sum(r["count"] for r in self._matching(name, attributes)))

    def series(self, name: str, **attributes: Any) -> list[dict[str, Any]]:
        """The matching series of `name`, as plain dicts."""
        return self._matching(name, attributes)

    def reset(self) -> None:
        self._registry.reset()


class CapturedEvents:
    """Events emitted through the SDK, kept in memory instead of the log file."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r["type"] == event_type]


def _fresh(registry: Registry) -> None:
    registry.reset()
    registry.events.discard_pending()
    registry.policy.enabled = True
    registry.policy.wallet_labels = False
    registry.policy.cardinality_limit = 2000


@pytest.fixture
def capmetrics() -> Iterator[CapturedMetrics]:
    """Catalogue metrics recorded during the test, starting from zero."""
    _fresh(DEFAULT)
    yield CapturedMetrics(DEFAULT)
    _fresh(DEFAULT)


@pytest.fixture
def capevents() -> Iterator[CapturedEvents]:
    """Events emitted during the test (validated like the real log), in memory."""
    records: list[dict[str, Any]] = []
    DEFAULT.events.enabled = True
    previous = DEFAULT.events.capture(records)
    try:
        yield CapturedEvents(records)
    finally:
        DEFAULT.events.capture(previous)
