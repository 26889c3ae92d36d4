"""What a catalogue entry says about a metric: `MetricSpec` and the `Attribute`s it accepts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["counter", "updown_counter", "gauge", "histogram"]


@dataclass(frozen=True)
class Attribute:
    """An attribute a metric accepts; `values` closes the set when given."""

    key: str
    description: str
    values: tuple[str, ...] | None = None
    #: Sensitive or unbounded (wallet addresses): exported only when the user opts in.
    opt_in: bool = False

    @property
    def label(self) -> str:
        """The Prometheus label, which is also the keyword a recording call takes (`error.type`:
        `error_type`)."""
        return re.sub(r"[^a-zA-Z0-9_]", "_", self.key)


@dataclass(frozen=True)
class MetricSpec:
    name: str
    kind: Kind
    unit: str
    description: str
    owner: str
    attributes: tuple[Attribute, ...] = ()
    buckets: tuple[float, ...] | None = None
    #: The OpenTelemetry semantic convention this metric corresponds to, and how; None: domain-specific.
    convention: str | None = None

    @property
    def attribute_keys(self) -> tuple[str, ...]:
        """The attributes' OpenTelemetry keys (as OTLP carries them)."""
        return tuple(a.key for a in self.attributes)

    @property
    def label_names(self) -> tuple[str, ...]:
        """The attributes' Prometheus labels, also the keywords recording calls take."""
        return tuple(a.label for a in self.attributes)

    @property
    def prometheus_name(self) -> str:
        """The name the OTel Prometheus exporter gives this metric (base name for histograms)."""
        name = re.sub(r"[^a-zA-Z0-9_]", "_", self.name)
        unit = re.sub(r"\{.*\}", "", self.unit)
        suffix = {"s": "seconds", "1": "", "By": "bytes"}.get(unit, unit)
        if suffix and not name.endswith("_" + suffix):
            name = f"{name}_{suffix}"
        if self.kind == "counter":
            name += "_total"
        return name

    @property
    def series_names(self) -> tuple[str, ...]:
        """The series Prometheus holds for this metric: a histogram's three, else its name."""
        base = self.prometheus_name
        return (f"{base}_bucket", f"{base}_sum", f"{base}_count") if self.kind == "histogram" else (base,)
