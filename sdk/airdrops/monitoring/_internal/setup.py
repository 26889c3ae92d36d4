"""`configure()`: wire the registry into an OTel MeterProvider, the `/metrics` endpoint and the event log."""

from __future__ import annotations

import atexit
import errno
import logging
import os
import ssl
import sys
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opentelemetry.sdk.metrics import (
    MeterProvider,
)
from opentelemetry.sdk.resources import Resource
from prometheus_client import CollectorRegistry

from airdrops.monitoring._internal import config, exporters, tracing, webconfig
from airdrops.monitoring._internal.exposition import Exposition
from airdrops.monitoring._internal.redact import redact_library_logs, redact_url
from airdrops.monitoring._internal.registry import DEFAULT, Registry
from airdrops.monitoring._internal.version import VERSION

_log = logging.getLogger("airdrops.monitoring")


@dataclass
class Handle:
    """What `configure()` returns: where things went, and `shutdown()`."""

    settings: dict[str, Any] = field(repr=False)  # may hold OTLP headers (keys)
    registry: Registry
    meter_provider: MeterProvider | None = None
    #: Spans' provider when OTEL_TRACES_EXPORTER asks for traces, else None.
    tracer_provider: Any = None
    prometheus_registry: CollectorRegistry | None = None
    #: What `/metrics` serves (the prometheus exporter), its registry is `prometheus_registry`.
    exposition: Exposition | None = None
    metrics_url: str | None = None
    endpoint_error: str | None = None
    #: The push exporters running (`otlp`, `console`), and why any asked for is not.
    exporters: list[str] = field(default_factory=list)
    export_errors: dict[str, str] = field(default_factory=dict)
    _server: Any = None
    _requests_instrumented: bool = False
    _closed: bool = field(default=False, repr=False)
    _pid: int = field(default_factory=os.getpid, repr=False)

    @property
    def bot_id(self) -> str:
        return str(self.settings["bot_id"])

    @property
    def events_dir(self) -> Path | None:
        """The directory the event log writes to (None when it is off)."""
        return (
            Path(self.settings["events_dir"]) if self.settings["events_dir"] and not self.settings["disabled"] else None
        )

    @property
    def events_path(self) -> Path | None:
        """The event file being written now, or None before the first event or when disabled."""
        path: Path | None = self.registry.events.path
        return path

    def meter(self, name: str, version: str | None = None) -> Any:
        """An OpenTelemetry meter for the bot's own metrics (points, quests, its own counters): they go
        out beside the catalogue, through `/metrics` and OTLP, with the same series limit per metric.
        A no-op meter when the SDK is disabled."""
        if self.meter_provider is None:
            from opentelemetry.metrics import NoOpMeter

            return NoOpMeter(name, version)
        return self.meter_provider.get_meter(name, version)

    def flush(self, timeout: float = 5.0) -> None:
        """Write every queued event now."""
        self.registry.events.flush(timeout)

    def shutdown(self) -> None:
        """Flush and stop everything `configure()` started; safe to call twice."""
        global _HANDLE
        with _LOCK:
            if self._closed or self._pid != os.getpid():  # a forked child's: the parent's to close
                return
            self._closed = True
            try:
                for step in (self._stop_events, self._stop_server, self._uninstrument, self._stop_providers):
                    try:
                        step()
                    except Exception:  # one step failing (an exporter past its deadline) stops no other
                        _log.warning("airdrops: shutdown: %s failed", step.__name__, exc_info=True)
            finally:
                if _HANDLE is self:
                    _HANDLE = None

    def _stop_events(self) -> None:
        self.registry.events.stop()

    def _stop_server(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _uninstrument(self) -> None:
        if self._requests_instrumented:
            from opentelemetry.instrumentation.requests import RequestsInstrumentor

            RequestsInstrumentor().uninstrument()

    def _stop_providers(self) -> None:
        if self.tracer_provider is not None:
            tracing.disable()
            self.registry.events.trace_ids = None
        try:
            if self.meter_provider is not None:
                self.meter_provider.shutdown()
        finally:
            if self.tracer_provider is not None:
                self.tracer_provider.shutdown()


_LOCK = threading.RLock()
_HANDLE: Handle | None = None


def configure(service_name: str | None = None, *, registry: Registry | None = None, **options: Any) -> Handle:
    """Set up telemetry for this bot process; see `airdrops.monitoring.configure`."""
    global _HANDLE
    with _LOCK:
        if _HANDLE is not None:
            _warn_if_different(_HANDLE.settings, {"service_name": service_name, **options})
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
        reg.events.resize(settings["event_queue_size"])
        redact_library_logs()
        handle = Handle(settings, reg)
        resource = Resource.create(
            {
                "service.name": settings["service_name"],
                "bot_id": settings["bot_id"],
                "telemetry.distro.name": "airdrops-monitoring",
                "telemetry.distro.version": VERSION,
            }
        )
        readers = exporters.readers(handle, resource)
        handle.meter_provider = MeterProvider(resource=resource, metric_readers=readers)
        if handle.prometheus_registry is not None:
            _serve(handle)
        handle.tracer_provider = tracing.provider(settings, resource)
        if settings["global_providers"]:
            _install_global(handle.meter_provider, handle.tracer_provider)
        if handle.tracer_provider is not None:
            tracing.enable(handle.tracer_provider)
            reg.events.trace_ids = tracing.TRACING.current_ids
        if settings["instrument_requests"]:
            handle._requests_instrumented = _instrument_requests(handle.meter_provider, handle.tracer_provider)
        if settings["events_dir"]:
            reg.events.start(settings["events_dir"], settings["bot_id"], settings["event_file_max_bytes"])
        else:
            reg.events.enabled = False
        atexit.register(handle.shutdown)
        _HANDLE = handle
        return handle


def _warn_if_different(first: dict[str, Any], again: dict[str, Any]) -> None:
    """Warn when a second configure() asks for something the first did not set up (secrets masked)."""
    asked = config.explicit_values(again)
    changed = sorted(k for k, v in asked.items() if v is not None and v != first.get(k))
    if changed:
        shown = ", ".join(f"{k}={_shown(k, asked[k])} (kept {_shown(k, first.get(k))})" for k in changed)
        message = (
            f"airdrops: configure() called again with other settings: {shown}; the first configuration "
            "stays. Call shutdown() on its handle first to configure anew."
        )
        _log.warning(message)
        warnings.warn(message, RuntimeWarning, stacklevel=4)


def _shown(key: str, value: Any) -> str:
    if key == "otlp_headers" and value:
        return "(hidden)"
    return repr(redact_url(value)) if key.endswith("endpoint") and isinstance(value, str) else repr(value)


def current() -> Handle | None:
    return _HANDLE


def _after_fork_in_child() -> None:
    """A forked child (multiprocessing) must not pass for its parent: the parent's endpoint, writer
    and counts stay the parent's. The child writes events to a file of its own; its metrics start
    from zero and are exported once it calls configure() itself (on a port of its own)."""
    global _HANDLE, _LOCK
    _LOCK = threading.RLock()  # the fork may have caught it held by another thread
    parent, _HANDLE = _HANDLE, None
    tracing.disable()  # the parent's spans and exporters are the parent's (its readers mute themselves)
    registries = {id(DEFAULT): DEFAULT, **({id(parent.registry): parent.registry} if parent else {})}
    for reg in registries.values():
        reg.events.after_fork()
        reg.zero()
        _at_child_exit(reg.events.stop)
    if parent is not None and not parent._closed:
        _log.warning(
            "airdrops: process %d was forked from configured bot process %d; its events go to a file of its "
            "own, its metrics are not exported until it calls configure(port=...) itself",
            os.getpid(),
            os.getppid(),
        )


def _at_child_exit(stop: Any) -> None:
    atexit.register(stop)
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is not None:  # multiprocessing's children leave through os._exit: atexit never runs
        mp_util.Finalize(None, stop, exitpriority=10)


os.register_at_fork(after_in_child=_after_fork_in_child)


def _serve(handle: Handle) -> None:
    host, port = handle.settings["host"], handle.settings["port"]
    assert handle.exposition is not None
    try:
        web = webconfig.load(handle.settings["web_config_file"]) if handle.settings["web_config_file"] else None
        server = webconfig.serve(host, port, handle.exposition.wsgi_app(), web)
    except (webconfig.WebConfigError, ssl.SSLError) as exc:
        _no_endpoint(
            handle, f"airdrops: {exc}; this bot runs on without a /metrics endpoint (never served unprotected)"
        )
        return
    except OSError as exc:
        reason = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc.strerror})"
        _no_endpoint(
            handle,
            f"airdrops: metrics endpoint {host}:{port} {reason}; this bot runs on without a /metrics "
            f"endpoint. Give each bot process its own port with configure(port=...) or "
            f"OTEL_EXPORTER_PROMETHEUS_PORT (0 picks a free one).",
        )
        return
    handle._server = server
    shown = f"[{host}]" if ":" in host else host
    scheme = "https" if web is not None and web.tls else "http"
    handle.metrics_url = f"{scheme}://{shown}:{server.server_port}/metrics"


def _no_endpoint(handle: Handle, message: str) -> None:
    handle.endpoint_error = message
    _log.error(message)
    warnings.warn(message, RuntimeWarning, stacklevel=4)


#: The MeterProviders configure() made global (one per process, unless tests reset OpenTelemetry).
_GLOBAL_OURS: list[MeterProvider] = []


def _install_global(provider: MeterProvider, tracer_provider: Any) -> None:
    """Make the providers OpenTelemetry's global ones; meters and tracers handed out before (proxies)
    move to them. OpenTelemetry allows this once per process: if another is installed, say so."""
    from opentelemetry import metrics as otel_metrics, trace

    otel_metrics.set_meter_provider(provider)
    taken = [] if otel_metrics.get_meter_provider() is provider else ["MeterProvider"]
    if not taken:
        _GLOBAL_OURS.append(provider)
    if tracer_provider is not None:
        trace.set_tracer_provider(tracer_provider)
        taken += [] if trace.get_tracer_provider() is tracer_provider else ["TracerProvider"]
    if taken:
        ours = otel_metrics.get_meter_provider() in _GLOBAL_OURS  # an earlier configure() of this process
        message = (
            (
                "airdrops: the global OpenTelemetry providers stay those of the first configure() in this "
                "process (OpenTelemetry sets them once); instrumentations report there. Create your meters "
                "from handle.meter(...)."
            )
            if ours
            else (
                f"airdrops: another OpenTelemetry {' and '.join(taken)} was already installed globally; "
                "instrumentations report there, not to this bot's exporters. Create your meters from "
                "handle.meter(...), or let configure() run before anything sets a provider."
            )
        )
        _log.warning(message)
        warnings.warn(message, RuntimeWarning, stacklevel=5)


def _instrument_requests(meter_provider: MeterProvider, tracer_provider: Any = None) -> bool:
    # Stable HTTP semantic conventions record durations in seconds (the old ones use milliseconds); the
    # instrumentation reads only this variable. Documented in docs/sdk-config.md.
    if "OTEL_SEMCONV_STABILITY_OPT_IN" not in os.environ:
        os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = "http"
        _log.info("airdrops: set OTEL_SEMCONV_STABILITY_OPT_IN=http (stable HTTP semantic conventions)")
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    instrumentor = RequestsInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        return False
    instrumentor.instrument(
        meter_provider=meter_provider, tracer_provider=tracer_provider, request_hook=_redact_span_url
    )
    return True


def _redact_span_url(span: Any, request: Any) -> None:
    # The instrumentation strips only user:password; RPC providers put API keys in the path or query.
    if span is not None and span.is_recording():
        span.set_attribute("url.full", redact_url(str(request.url)))
