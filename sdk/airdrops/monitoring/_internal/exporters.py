"""The readers `configure()` puts on the MeterProvider: one per exporter of `metrics_exporter`.

`prometheus` is `/metrics` (exposition.py: the catalogue, OpenTelemetry instruments, and the
process's runtime metrics labelled with `bot_id`); `otlp` and `console` push periodically, each
export's outcome counted in `airdrops.sdk.exports`. An exporter that cannot be built is reported on
the handle and left out: the bot runs on.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics._internal.instrument import Gauge
from opentelemetry.sdk.metrics.export import MetricReader
from opentelemetry.sdk.resources import Resource
from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.metrics_core import Metric as PromMetric

from airdrops.monitoring._internal import otlp
from airdrops.monitoring._internal.exposition import Exposition
from airdrops.monitoring._internal.readers import (
    TEMPORALITY_PREFERENCES,
    CatalogueExportingReader,
    PullReader,
    ReportingExporter,
)
from airdrops.monitoring._internal.redact import redact_url
from airdrops.monitoring._internal.registry import Registry
from airdrops.monitoring._internal.version import SCOPE

_log = logging.getLogger("airdrops.monitoring")

OTEL_INSTRUMENTS = (
    Counter,
    UpDownCounter,
    Histogram,
    Gauge,
    ObservableCounter,
    ObservableUpDownCounter,
    ObservableGauge,
)
#: Catalogue kinds as OTel instrument classes (their temporality preferences are keyed by class).
KINDS: dict[str, type] = {
    "counter": Counter,
    "updown_counter": UpDownCounter,
    "histogram": Histogram,
    "gauge": ObservableGauge,
}


class _WithLabels:
    """A prometheus_client collector whose samples all gain `labels` (the bot's identity)."""

    def __init__(self, collector: Any, labels: dict[str, str]) -> None:
        self._collector = collector
        self._labels = labels

    def collect(self) -> Any:
        for family in self._collector.collect():
            labelled = PromMetric(family.name, family.documentation, family.type, family.unit)
            for s in family.samples:
                labelled.add_sample(s.name, {**s.labels, **self._labels}, s.value, s.timestamp, s.exemplar)
            yield labelled


def readers(handle: Any, resource: Resource) -> list[MetricReader]:
    """One reader per exporter in `metrics_exporter`; an exporter that cannot be built is reported
    and left out (the bot runs on)."""
    settings, reg = handle.settings, handle.registry
    readers: list[MetricReader] = []
    # OpenTelemetry instruments (the bot's own, instrumentations') get the catalogue's series limit.
    limits = dict.fromkeys(OTEL_INSTRUMENTS, settings["cardinality_limit"])
    for name in settings["metrics_exporter"]:
        if name == "prometheus":
            rest = CollectorRegistry()  # all but the catalogue: exposition.py writes that itself
            runtime = CollectorRegistry()  # process and Python metrics, relabelled with bot_id below
            for collector in (ProcessCollector, PlatformCollector, GCCollector):
                collector(registry=runtime)
            rest.register(_WithLabels(runtime, {"bot_id": settings["bot_id"]}))
            readers.append(PullReader(rest, limits))
            handle.exposition = Exposition(reg, resource, rest)
            handle.prometheus_registry = handle.exposition.registry
            continue
        try:
            if name == "otlp":
                inner, temporality = otlp.metric_exporter(settings)
                where = redact_url(otlp.destination(settings))
            else:
                from opentelemetry.sdk.metrics.export import ConsoleMetricExporter

                inner, temporality, where = ConsoleMetricExporter(), TEMPORALITY_PREFERENCES["cumulative"], "stdout"
        except Exception as exc:  # a missing package, or a variable OpenTelemetry's exporter refuses
            reason = str(exc) if isinstance(exc, otlp.ExporterUnavailable) else f"{name} exporter: {exc!r}"
            _no_export(handle, name, f"airdrops: {reason}; this bot runs on without {name} export")
            continue
        exporter = ReportingExporter(inner, where, temporality, _count_export(reg, name))
        kinds = {n: KINDS[inst.spec.kind] for n, inst in reg.instruments.items()}
        interval = settings["metric_export_interval"]
        readers.append(CatalogueExportingReader(exporter, reg, resource, SCOPE, kinds, temporality, interval, limits))
        handle.exporters.append(name)
    return readers


def _count_export(reg: Registry, exporter: str) -> Any:
    exports: Any = reg.instruments.get("airdrops.sdk.exports")
    return lambda outcome: exports.add(1, exporter=exporter, outcome=outcome) if exports is not None else None


def _no_export(handle: Any, name: str, message: str) -> None:
    handle.export_errors[name] = message
    _log.error(message)
    warnings.warn(message, RuntimeWarning, stacklevel=5)
