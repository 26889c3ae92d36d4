"""Traces, opt-in by OTEL_TRACES_EXPORTER: one span per job run, transaction, claim and RPC call.

The spans tie the three signals together: events written inside a span carry its `trace_id` and
`span_id`, and histogram observations made inside one keep it as an exemplar, so an alert leads to
the slow call and the call to the claim event. With tracing off (the default) no span is made at
all: the helpers pay one attribute check.
"""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry import context as otel_context, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace import Status, StatusCode

from airdrops.monitoring._internal import otlp
from airdrops.monitoring._internal.otlp import ExporterUnavailable
from airdrops.monitoring._internal.version import VERSION

_log = logging.getLogger("airdrops.monitoring")


class Tracing:
    """The SDK's tracer while tracing is on (`tracer` is None otherwise)."""

    def __init__(self) -> None:
        self.tracer: Any = None

    def start(self, name: str, attributes: dict[str, Any]) -> tuple[Any, Any] | None:
        """A span made current, and the token to detach it; None when tracing is off."""
        tracer = self.tracer
        if tracer is None:
            return None
        clean = {k: v for k, v in attributes.items() if isinstance(v, str | int | float | bool)}
        span = tracer.start_span(name, attributes=clean)
        return span, otel_context.attach(trace.set_span_in_context(span))

    @staticmethod
    def end(started: tuple[Any, Any] | None, error_type: str | None, attributes: dict[str, Any]) -> None:
        if started is None:
            return
        span, token = started
        for key, value in attributes.items():
            if isinstance(value, str | int | float | bool):
                span.set_attribute(key, value)
        if error_type is not None:
            span.set_attribute("error.type", error_type)
            span.set_status(Status(StatusCode.ERROR))
        span.end()
        otel_context.detach(token)

    def current_span(self) -> Any:
        """The current span's context (trace_id, span_id as ints), when tracing is on and one is valid."""
        if self.tracer is None:
            return None
        ctx = trace.get_current_span().get_span_context()
        return ctx if ctx.is_valid and ctx.trace_flags.sampled else None  # a dropped trace is no link

    def current_ids(self) -> tuple[str, str] | None:
        """The current span's (trace_id, span_id) as lowercase hex, when tracing is on and one is recording."""
        ctx = self.current_span()
        return None if ctx is None else (format(ctx.trace_id, "032x"), format(ctx.span_id, "016x"))


TRACING = Tracing()


def provider(settings: dict[str, Any], resource: Resource) -> TracerProvider | None:
    """A TracerProvider exporting to `traces_exporter`, or None when it is empty."""
    exporters = []
    for name in settings["traces_exporter"]:
        try:
            exporters.append(ConsoleSpanExporter() if name == "console" else otlp.span_exporter(settings))
        except Exception as exc:  # a missing package, or a variable OpenTelemetry's exporter refuses
            reason = str(exc) if isinstance(exc, ExporterUnavailable) else f"{name} span exporter: {exc!r}"
            _log.error("airdrops: %s; this bot runs on without %s traces", reason, name)
    if not exporters:
        return None
    tracer_provider = TracerProvider(resource=resource)
    for exporter in exporters:
        tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
    return tracer_provider


def enable(tracer_provider: TracerProvider) -> None:
    TRACING.tracer = tracer_provider.get_tracer("airdrops.monitoring", VERSION)


def disable() -> None:
    TRACING.tracer = None
