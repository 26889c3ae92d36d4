"""OTLP exporters built from `configure()`'s settings, the standard OpenTelemetry way.

An argument given to `configure()` is passed to the exporter; what is left unset the exporter
reads itself from the standard variables (`OTEL_EXPORTER_OTLP_METRICS_*`, then
`OTEL_EXPORTER_OTLP_*`: endpoint, headers, timeout, compression, certificates), so every variable
OpenTelemetry documents works unchanged. The protocol picks the exporter: `http/protobuf` (the
specification's default) or `grpc` (the `airdrops-monitoring[grpc]` extra).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from opentelemetry.sdk.metrics.export import AggregationTemporality, MetricExporter

from airdrops.monitoring._internal.readers import TEMPORALITY_PREFERENCES

PROTOCOLS = ("http/protobuf", "grpc")


class ExporterUnavailable(RuntimeError):
    """The exporter's package is not installed."""


def metric_exporter(settings: dict[str, Any]) -> tuple[MetricExporter, dict[type, AggregationTemporality]]:
    """The OTLP metric exporter the settings ask for, and the temporality it was given."""
    temporality = TEMPORALITY_PREFERENCES[settings["otlp_temporality"]]
    exporter = _build("metric", "metrics", settings["otlp_protocol"], settings, preferred_temporality=dict(temporality))
    return exporter, temporality


def span_exporter(settings: dict[str, Any]) -> Any:
    """The OTLP span exporter the settings ask for."""
    return _build("trace", "traces", settings["otlp_traces_protocol"], settings)


def _build(module: str, path: str, protocol: str, settings: dict[str, Any], **options: Any) -> Any:
    """OpenTelemetry's OTLP exporter of one signal (`module` names its exporter module, `path` its
    URL path) with the arguments configure() was given; the rest it reads from the environment."""
    if settings["otlp_headers"] is not None:
        options["headers"] = {str(k).lower(): str(v) for k, v in settings["otlp_headers"].items()}  # gRPC: lower case
    if settings["otlp_timeout"] is not None:
        options["timeout"] = settings["otlp_timeout"]
    endpoint, compression = settings["otlp_endpoint"], settings["otlp_compression"]
    if protocol == "grpc":
        try:
            exporters = importlib.import_module(f"opentelemetry.exporter.otlp.proto.grpc.{module}_exporter")
            from grpc import Compression
        except ImportError as exc:
            raise ExporterUnavailable(
                f"OTLP over gRPC needs the gRPC exporter ({exc.name} is missing): "
                "pip install 'airdrops-monitoring[grpc]', or use the protocol http/protobuf"
            ) from None
        if endpoint is not None:
            options["endpoint"] = endpoint
        if compression is not None:
            names = {"gzip": Compression.Gzip, "deflate": Compression.Deflate, "none": Compression.NoCompression}
            options["compression"] = names[compression]
    else:
        from opentelemetry.exporter.otlp.proto.http import Compression as HttpCompression

        exporters = importlib.import_module(f"opentelemetry.exporter.otlp.proto.http.{module}_exporter")
        if endpoint is not None:  # a base URL, as OTEL_EXPORTER_OTLP_ENDPOINT: the signal's path follows
            options["endpoint"] = signal_url(endpoint, path)
        if compression is not None:
            options["compression"] = HttpCompression(compression)
    exporter_class = exporters.OTLPMetricExporter if module == "metric" else exporters.OTLPSpanExporter
    return exporter_class(**options)


def destination(settings: dict[str, Any]) -> str:
    """Where the metrics exporter sends, as the exporter resolves it (for messages; redact it)."""
    grpc = settings["otlp_protocol"] == "grpc"
    endpoint: str | None = settings["otlp_endpoint"]
    if endpoint is not None:
        return endpoint if grpc else signal_url(endpoint, "metrics")
    if os.environ.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"):
        return str(os.environ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"])
    base = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or ("localhost:4317" if grpc else "http://localhost:4318")
    return base if grpc else signal_url(base, "metrics")


def signal_url(base: str, signal: str) -> str:
    """An OTLP/HTTP base URL with the signal's path, as OTEL_EXPORTER_OTLP_ENDPOINT is read."""
    return f"{base.rstrip('/')}/v1/{signal}"
