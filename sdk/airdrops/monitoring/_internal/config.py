"""Every `configure()` setting, declared once with its environment variable and default.

Precedence: an argument passed to `configure()`, then the environment variable, then the default.
The settings table in the SDK guide is generated from `PARAMS`.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from airdrops.monitoring.vocabulary import BOT_JOB, PORTS

TEMPORALITY_CHOICES = ("cumulative", "delta", "lowmemory")
_log = logging.getLogger("airdrops.monitoring")


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be 0-65535, got {port}")
    return port


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"must be a positive integer, got {value}")
    return value


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {text!r}")
        return value

    return parse


def _exporters(*allowed: str) -> Callable[[str], tuple[str, ...]]:
    """OTEL_METRICS_EXPORTER, OTEL_TRACES_EXPORTER: comma-separated exporters, or `none`."""

    def parse(text: str) -> tuple[str, ...]:
        names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
        if [n for n in names if n not in (*allowed, "none")] or not names or ("none" in names and len(names) > 1):
            raise ValueError(f"expected {', '.join(allowed)} (comma-separated) or none alone, got {text!r}")
        return () if names == ("none",) else names

    return parse


def _headers(text: str) -> dict[str, str]:
    """`key=value,key2=value2`, as OTEL_EXPORTER_OTLP_HEADERS (values URL-encoded)."""
    from urllib.parse import unquote

    headers = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError("expected key=value pairs separated by commas")  # never echo: values are secrets
        headers[unquote(key.strip()).lower()] = unquote(value.strip())  # gRPC metadata keys are lower case
    return headers


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):
        raise ValueError(f"must be a positive number of seconds, got {text!r}")
    return value


@dataclass(frozen=True)
class ConfigParam:
    """One setting. `env` is its variable; `also` are more specific ones read first. When
    `otel_reads_env`, OpenTelemetry's exporter reads the variables itself (with their own
    fallbacks): only an explicit argument is resolved here. An explicit argument is checked as its
    variable would be, and refused with `ConfigError` when wrong."""

    name: str
    env: str
    default: Any
    parse: Callable[[str], Any]
    doc: str
    also: tuple[str, ...] = ()
    otel_reads_env: bool = False
    #: An OpenTelemetry choice variable: a value this SDK does not know is warned about and ignored.
    ignore_unknown: bool = False


PARAMS: tuple[ConfigParam, ...] = (
    ConfigParam(
        "service_name",
        "OTEL_SERVICE_NAME",
        BOT_JOB,
        str,
        "Service name of the bot (OTel resource `service.name`).",
    ),
    ConfigParam(
        "bot_id",
        "AIRDROPS_BOT_ID",
        None,
        str,
        "Identity carried by every series as the `bot_id` label and by every event. "
        "Default: `<service_name>@<hostname>`; also read from `OTEL_RESOURCE_ATTRIBUTES=bot_id=...`.",
    ),
    ConfigParam(
        "disabled",
        "OTEL_SDK_DISABLED",
        False,
        _bool,
        "Turn the SDK off: instruments become no-ops, no endpoint, no event file.",
    ),
    ConfigParam("host", "OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1", str, "Address the `/metrics` endpoint binds to."),
    ConfigParam(
        "port",
        "OTEL_EXPORTER_PROMETHEUS_PORT",
        PORTS.bot_metrics,
        _port,
        "Port of the `/metrics` endpoint; 0 picks a free port (see `handle.metrics_url`). "
        "Give each bot process on a host its own port.",
    ),
    ConfigParam(
        "web_config_file",
        "AIRDROPS_WEB_CONFIG_FILE",
        "",
        str,
        "Web configuration of the `/metrics` endpoint in Prometheus' format (TLS, basic auth users with "
        "bcrypt hashes), as node_exporter's `--web.config.file`; empty: plain HTTP.",
    ),
    ConfigParam(
        "events_dir",
        "AIRDROPS_EVENTS_DIR",
        "events",
        str,
        "Directory of the JSON-lines event log; empty string disables the event log.",
    ),
    ConfigParam(
        "event_file_max_bytes",
        "AIRDROPS_EVENT_FILE_MAX_BYTES",
        64 * 1024 * 1024,
        _positive,
        "Size at which the event log rotates to a new file.",
    ),
    ConfigParam(
        "event_queue_size",
        "AIRDROPS_EVENT_QUEUE_SIZE",
        10_000,
        _positive,
        "Events buffered in memory before new ones are dropped (and counted).",
    ),
    ConfigParam(
        "wallet_labels",
        "AIRDROPS_WALLET_LABELS",
        False,
        _bool,
        "Export wallet addresses as the `wallet` label (unbounded cardinality; off by default).",
    ),
    ConfigParam(
        "cardinality_limit",
        "AIRDROPS_CARDINALITY_LIMIT",
        2000,
        _positive,
        "Series per metric before new attribute sets fold into the overflow series.",
    ),
    ConfigParam(
        "metrics_exporter",
        "OTEL_METRICS_EXPORTER",
        ("prometheus",),
        _exporters("prometheus", "otlp", "console"),
        "Where metrics go: `prometheus` (the `/metrics` endpoint), `otlp` (pushed to an OpenTelemetry "
        "collector or backend), `console` (stdout), several comma-separated, or `none`.",
        ignore_unknown=True,
    ),
    ConfigParam(
        "traces_exporter",
        "OTEL_TRACES_EXPORTER",
        (),
        _exporters("otlp", "console"),
        "Where spans go: `otlp`, `console`, both, or `none` (the default here: tracing is opt-in). Spans: "
        "one per job run, transaction, claim and RPC call; events and histogram exemplars point at them.",
        ignore_unknown=True,
    ),
    ConfigParam(
        "otlp_endpoint",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        None,
        str,
        "Base URL of the OTLP receiver (`http://collector:4318`; gRPC: `http://collector:4317`). "
        "Default `http://localhost:4318` (gRPC `localhost:4317`); `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` "
        "gives the full metrics URL instead.",
        otel_reads_env=True,
    ),
    ConfigParam(
        "otlp_protocol",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "http/protobuf",
        _choice("http/protobuf", "grpc"),
        "`http/protobuf` or `grpc` (needs `airdrops-monitoring[grpc]`).",
        also=("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",),
        ignore_unknown=True,
    ),
    ConfigParam(
        "otlp_traces_protocol",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "http/protobuf",
        _choice("http/protobuf", "grpc"),
        "The protocol for spans; as an argument it defaults to `otlp_protocol`.",
        also=("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",),
        ignore_unknown=True,
    ),
    ConfigParam(
        "otlp_headers",
        "OTEL_EXPORTER_OTLP_HEADERS",
        None,
        _headers,
        "Headers sent with every export (`api-key=...,tenant=...`; a dict as an argument), e.g. a "
        "hosted backend's key. Also `OTEL_EXPORTER_OTLP_METRICS_HEADERS`.",
        otel_reads_env=True,
    ),
    ConfigParam(
        "otlp_timeout",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
        None,
        _seconds,
        "Seconds one export may take (default 10; OpenTelemetry Python reads the variable in seconds).",
        otel_reads_env=True,
    ),
    ConfigParam(
        "otlp_compression",
        "OTEL_EXPORTER_OTLP_COMPRESSION",
        None,
        _choice("gzip", "deflate", "none"),
        "`gzip`, `deflate` or `none` (default).",
        otel_reads_env=True,
    ),
    ConfigParam(
        "otlp_temporality",
        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
        "cumulative",
        _choice(*TEMPORALITY_CHOICES),
        "`cumulative`, `delta` or `lowmemory`: counters and histograms as deltas for backends that want them.",
        ignore_unknown=True,
    ),
    ConfigParam(
        "metric_export_interval",
        "OTEL_METRIC_EXPORT_INTERVAL",
        60_000,
        _positive,
        "Milliseconds between two OTLP (or console) exports.",
    ),
    ConfigParam(
        "global_providers",
        "AIRDROPS_GLOBAL_PROVIDERS",
        True,
        _bool,
        "Install the SDK's MeterProvider as OpenTelemetry's global one, so instrumentations the bot adds "
        "(aiohttp, httpx, ...) and `metrics.get_meter()` report to the same `/metrics` and OTLP stream.",
    ),
    ConfigParam(
        "instrument_requests",
        "AIRDROPS_INSTRUMENT_REQUESTS",
        True,
        _bool,
        "Instrument the `requests` library (RPC over HTTP), with keys redacted from URLs.",
    ),
)


class ConfigError(ValueError):
    """A setting has a value the SDK cannot use; the message names the setting and its source."""


def resolve(explicit: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings from explicit arguments (None means unset), the environment, then defaults."""
    env = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for p in PARAMS:
        name = next((n for n in (*p.also, p.env) if env.get(n) not in (None, "")), None)
        if explicit.get(p.name) is not None:
            out[p.name] = _explicit(p, explicit[p.name])
        elif name is not None and not p.otel_reads_env:
            try:
                out[p.name] = p.parse(env[name])
            except ValueError as exc:
                shown = "(hidden)" if p.name == "otlp_headers" else repr(env[name])
                if not p.ignore_unknown:
                    raise ConfigError(f"{name}={shown}: {exc}") from None
                # OpenTelemetry's rule for its choice variables: warn, then behave as if unset.
                _log.warning("airdrops: %s=%s ignored (%s); using %r", name, shown, exc, p.default)
                out[p.name] = p.default
        else:
            out[p.name] = p.default
    if out["bot_id"] is None:
        out["bot_id"] = _resource_attr(env, "bot_id") or f"{out['service_name']}@{socket.gethostname()}"
    return out


def _explicit(p: ConfigParam, value: Any) -> Any:
    """An argument of configure(): text is parsed as its variable would be (a dict of headers and
    a list of exporters are taken as they are)."""
    if p.name.endswith("_exporter") and not isinstance(value, str):
        value = ",".join(value) or "none"
    if p.parse is str or isinstance(value, Mapping):
        return value
    try:
        return p.parse(value if isinstance(value, str) else str(value))  # numbers get the variable's checks
    except ValueError as exc:
        raise ConfigError(f"configure({p.name}=...): {exc}") from None


def explicit_values(explicit: Mapping[str, Any]) -> dict[str, Any]:
    """configure()'s arguments as resolve() would take them (one that does not parse stays as given)."""
    out = {}
    for p in PARAMS:
        value = explicit.get(p.name)
        try:
            out[p.name] = None if value is None else _explicit(p, value)
        except ConfigError:
            out[p.name] = value
    return out


def _resource_attr(env: Mapping[str, str], key: str) -> str | None:
    for pair in env.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        k, _, v = pair.partition("=")
        if k.strip() == key and v.strip():
            return v.strip()
    return None


def markdown_table() -> str:
    rows = ["| Argument | Environment variable | Default | Meaning |", "|---|---|---|---|"]
    for p in PARAMS:
        env = ", ".join(f"`{n}`" for n in (*p.also, p.env))
        default = "OpenTelemetry's" if p.otel_reads_env else f"`{p.default!r}`"
        rows.append(f"| `{p.name}` | {env} | {default} | {p.doc} |")
    return "\n".join(rows)
