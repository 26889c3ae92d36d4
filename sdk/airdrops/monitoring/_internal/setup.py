"""`configure()`: wire the registry into an OTel MeterProvider, the `/metrics` endpoint and the event log."""

from __future__ import annotations

import atexit
import errno
import logging
import os
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricsData, ResourceMetrics, ScopeMetrics
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.metrics_core import Metric as PromMetric

from airdrops.monitoring._internal import config
from airdrops.monitoring._internal.redact import redact_url
from airdrops.monitoring._internal.registry import DEFAULT, Registry

_log = logging.getLogger("airdrops.monitoring")
_SCOPE = InstrumentationScope("airdrops.monitoring", "1")


class CatalogueReader(PrometheusMetricReader):
    """OTel's Prometheus reader, plus the catalogue instruments' data at every collection."""

    def __init__(self, source: Registry, resource: Resource, prom_registry: CollectorRegistry) -> None:
        super().__init__(
            scope_info_enabled=False, resource_attribute_filter=lambda key: key == "bot_id", registry=prom_registry
        )
        self._source = source
        self._resource = resource
        self._received = False

    def collect(self, timeout_millis: float = 10_000) -> None:  # type: ignore[misc]
        # The base class skips _receive_metrics when the MeterProvider has no data points of its
        # own (no OTel instruments used yet); the catalogue must be exported regardless.
        self._received = False
        super().collect(timeout_millis)
        if not self._received:
            self._receive_metrics(None, timeout_millis)

    def _receive_metrics(self, metrics_data: MetricsData | None, timeout_millis: float = 10_000, **kwargs: Any) -> None:
        self._received = True
        ours = ResourceMetrics(self._resource, [ScopeMetrics(_SCOPE, self._source.collect(), "")], "")
        theirs = list(metrics_data.resource_metrics) if metrics_data is not None else []
        super()._receive_metrics(MetricsData([*theirs, ours]), timeout_millis, **kwargs)


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


@dataclass
class Handle:
    """What `configure()` returns: where things went, and `shutdown()`."""

    settings: dict[str, Any]
    registry: Registry
    meter_provider: MeterProvider | None = None
    prometheus_registry: CollectorRegistry | None = None
    metrics_url: str | None = None
    endpoint_error: str | None = None
    _server: Any = None
    _requests_instrumented: bool = False
    _closed: bool = field(default=False, repr=False)

    @property
    def bot_id(self) -> str:
        return str(self.settings["bot_id"])

    @property
    def events_path(self) -> Path | None:
        """The event file being written now, or None before the first event or when disabled."""
        path: Path | None = self.registry.events.path
        return path

    def flush(self, timeout: float = 5.0) -> None:
        """Write every queued event now."""
        self.registry.events.flush(timeout)

    def shutdown(self) -> None:
        """Flush and stop everything `configure()` started; safe to call twice."""
        global _HANDLE
        with _LOCK:
            if self._closed:
                return
            self._closed = True
            self.registry.events.stop()
            if self._server is not None:
                self._server.shutdown()
                self._server.server_close()
            if self._requests_instrumented:
                from opentelemetry.instrumentation.requests import RequestsInstrumentor

                RequestsInstrumentor().uninstrument()
            if self.meter_provider is not None:
                self.meter_provider.shutdown()
            if _HANDLE is self:
                _HANDLE = None


_LOCK = threading.RLock()
_HANDLE: Handle | None = None


def configure(service_name: str | None = None, *, registry: Registry | None = None, **options: Any) -> Handle:
    """Set up telemetry for this bot process; see `airdrops.monitoring.configure`."""
    global _HANDLE
    with _LOCK:
        if _HANDLE is not None:
            _log.debug("airdrops: configure() called again; keeping the first configuration")
            return _HANDLE
        settings = config.resolve({"service_name": service_name, **options})
        reg = registry or DEFAULT
        reg.policy.wallet_labels = settings["wallet_labels"]
        reg.policy.cardinality_limit = settings["cardinality_limit"]
        if settings["disabled"]:
            reg.policy.enabled = False
            reg.events.enabled = False
            reg.reset()
            _HANDLE = Handle(settings, reg)
            return _HANDLE
        reg.policy.enabled = True
        reg.events.enabled = True
        handle = Handle(settings, reg)
        resource = Resource.create({"service.name": settings["service_name"], "bot_id": settings["bot_id"]})
        handle.prometheus_registry = CollectorRegistry()
        runtime = CollectorRegistry()  # process and Python metrics, relabelled with bot_id below
        for collector in (ProcessCollector, PlatformCollector, GCCollector):
            collector(registry=runtime)
        handle.prometheus_registry.register(_WithLabels(runtime, {"bot_id": settings["bot_id"]}))
        reader = CatalogueReader(reg, resource, handle.prometheus_registry)
        handle.meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
        _serve(handle)
        if settings["instrument_requests"]:
            handle._requests_instrumented = _instrument_requests(handle.meter_provider)
        if settings["events_dir"]:
            reg.events.start(settings["events_dir"], settings["bot_id"], settings["event_file_max_bytes"])
        else:
            reg.events.enabled = False
        atexit.register(handle.shutdown)
        _HANDLE = handle
        return handle


def current() -> Handle | None:
    return _HANDLE


def _serve(handle: Handle) -> None:
    from prometheus_client import start_http_server

    host, port = handle.settings["host"], handle.settings["port"]
    try:
        assert handle.prometheus_registry is not None
        server, _thread = start_http_server(port, addr=host, registry=handle.prometheus_registry)
    except OSError as exc:
        reason = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc.strerror})"
        message = (
            f"airdrops: metrics endpoint {host}:{port} {reason}; this bot runs on without a /metrics "
            f"endpoint. Give each bot process its own port with configure(port=...) or "
            f"OTEL_EXPORTER_PROMETHEUS_PORT (0 picks a free one)."
        )
        handle.endpoint_error = message
        _log.error(message)
        warnings.warn(message, RuntimeWarning, stacklevel=3)
        return
    handle._server = server
    shown = f"[{host}]" if ":" in host else host
    handle.metrics_url = f"http://{shown}:{server.server_port}/metrics"


def _instrument_requests(meter_provider: MeterProvider) -> bool:
    # Stable HTTP semantic conventions record durations in seconds (the old ones use milliseconds).
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    instrumentor = RequestsInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        return False
    instrumentor.instrument(meter_provider=meter_provider, request_hook=_redact_span_url)
    return True


def _redact_span_url(span: Any, request: Any) -> None:
    # The instrumentation strips only user:password; RPC providers put API keys in the path or query.
    if span is not None and span.is_recording():
        span.set_attribute("url.full", redact_url(str(request.url)))
