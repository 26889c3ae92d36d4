"""airdrops.monitoring: telemetry for airdrop bots, OpenTelemetry underneath.

    from airdrops import monitoring
    from airdrops.monitoring import metrics

    handle = monitoring.configure("my-bot")            # /metrics on 127.0.0.1:9464, events in ./events
    with monitoring.track_tx("base", "uniswap", "swap", wallet) as tx:
        receipt = send_swap(...)
        tx.set_result(success=receipt.status == 1, tx_hash=..., gas_used=..., gas_price_wei=...)
    metrics.capital_allocated.set(1250.0, protocol="aave")
    monitoring.emit("price", token="ETH", price_usd="3012.5", source="pool")

See docs/sdk-guide.md for the five-minute adoption guide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from airdrops.monitoring import catalog, event_schema, metrics, vocabulary
from airdrops.monitoring._internal.config import ConfigError
from airdrops.monitoring._internal.helpers import (
    Claim,
    JobRun,
    Rebalance,
    RiskCheck,
    RpcCall,
    Transaction,
    declare_airdrop,
    declare_protocol,
    risk_check,
    rpc_call,
    track_claim,
    track_job,
    track_rebalance,
    track_tx,
)
from airdrops.monitoring._internal.operation import Operation
from airdrops.monitoring._internal.redact import provider_name, redact_url
from airdrops.monitoring._internal.registry import DEFAULT as _DEFAULT
from airdrops.monitoring._internal.setup import Handle, configure as _configure, current as _current
from airdrops.monitoring._internal.version import VERSION as __version__
from airdrops.monitoring._internal.web3rpc import instrument_web3


def configure(
    service_name: str | None = None,
    *,
    bot_id: str | None = None,
    host: str | None = None,
    port: int | None = None,
    web_config_file: str | None = None,
    disabled: bool | None = None,
    events_dir: str | None = None,
    event_file_max_bytes: int | None = None,
    event_queue_size: int | None = None,
    wallet_labels: bool | None = None,
    cardinality_limit: int | None = None,
    instrument_requests: bool | None = None,
    global_providers: bool | None = None,
    metrics_exporter: str | Sequence[str] | None = None,
    otlp_endpoint: str | None = None,
    otlp_protocol: str | None = None,
    otlp_headers: Mapping[str, str] | str | None = None,
    otlp_timeout: float | None = None,
    otlp_compression: str | None = None,
    otlp_temporality: str | None = None,
    metric_export_interval: int | None = None,
    traces_exporter: str | Sequence[str] | None = None,
    otlp_traces_protocol: str | None = None,
) -> Handle:
    """Set up telemetry once, from the bot's entry point; later calls return the same handle.

    Every argument left as None falls back to its environment variable, then its default:
    `service_name` (OTEL_SERVICE_NAME), `bot_id` (AIRDROPS_BOT_ID, or `bot_id` in
    OTEL_RESOURCE_ATTRIBUTES), `host` / `port` (OTEL_EXPORTER_PROMETHEUS_HOST / _PORT,
    127.0.0.1:9464), `web_config_file` (AIRDROPS_WEB_CONFIG_FILE: TLS and basic auth for the
    endpoint, in Prometheus' web config format), `disabled` (OTEL_SDK_DISABLED), `events_dir` (AIRDROPS_EVENTS_DIR),
    `event_file_max_bytes` (AIRDROPS_EVENT_FILE_MAX_BYTES), `event_queue_size`
    (AIRDROPS_EVENT_QUEUE_SIZE), `wallet_labels` (AIRDROPS_WALLET_LABELS), `cardinality_limit`
    (AIRDROPS_CARDINALITY_LIMIT), `instrument_requests` (AIRDROPS_INSTRUMENT_REQUESTS),
    `global_providers` (AIRDROPS_GLOBAL_PROVIDERS: the MeterProvider becomes OpenTelemetry's global
    one, so instrumentations report to the same exporters; `handle.meter(name)` for the bot's own).

    Where metrics go follows OpenTelemetry's variables: `metrics_exporter` (OTEL_METRICS_EXPORTER:
    `prometheus`, `otlp`, `console`, comma-separated, or `none`), then for OTLP `otlp_endpoint`,
    `otlp_protocol`, `otlp_headers`, `otlp_timeout`, `otlp_compression`, `otlp_temporality`
    (OTEL_EXPORTER_OTLP_*, with their _METRICS_ forms) and `metric_export_interval`
    (OTEL_METRIC_EXPORT_INTERVAL, ms). Traces are opt-in: `traces_exporter` (OTEL_TRACES_EXPORTER:
    `otlp`, `console`) with the same OTLP settings. The settings table is in docs/sdk-config.md.

    A port already in use, or a web configuration that cannot be used, does not stop the bot: it
    logs an error, warns, and runs on without an endpoint (`handle.metrics_url` is None,
    `handle.endpoint_error` says why). A malformed environment variable raises `ConfigError` naming it.
    """
    options: dict[str, Any] = {
        "bot_id": bot_id,
        "host": host,
        "port": port,
        "web_config_file": web_config_file,
        "disabled": disabled,
        "events_dir": events_dir,
        "event_file_max_bytes": event_file_max_bytes,
        "event_queue_size": event_queue_size,
        "wallet_labels": wallet_labels,
        "cardinality_limit": cardinality_limit,
        "instrument_requests": instrument_requests,
        "global_providers": global_providers,
        "metrics_exporter": metrics_exporter,
        "otlp_endpoint": otlp_endpoint,
        "otlp_protocol": otlp_protocol,
        "otlp_headers": otlp_headers,
        "otlp_timeout": otlp_timeout,
        "otlp_compression": otlp_compression,
        "otlp_temporality": otlp_temporality,
        "metric_export_interval": metric_export_interval,
        "traces_exporter": traces_exporter,
        "otlp_traces_protocol": otlp_traces_protocol if otlp_traces_protocol is not None else otlp_protocol,
    }
    return _configure(service_name, **options)


def current() -> Handle | None:
    """The handle of the active configuration, or None before `configure()`."""
    return _current()


def emit(event_type: str, *, ts: datetime | None = None, **fields: Any) -> None:
    """Write a business event (see `event_schema`) to the event log, off the hot path.

    Never raises: an event that does not fit the schema is logged and counted in
    `airdrops.sdk.events.dropped{reason="invalid"}`.
    """
    _DEFAULT.events.emit(event_type, fields, ts)


__all__ = [
    "Claim",
    "ConfigError",
    "Handle",
    "JobRun",
    "Operation",
    "Rebalance",
    "RiskCheck",
    "RpcCall",
    "Transaction",
    "__version__",
    "catalog",
    "configure",
    "current",
    "declare_airdrop",
    "declare_protocol",
    "emit",
    "event_schema",
    "instrument_web3",
    "metrics",
    "provider_name",
    "redact_url",
    "risk_check",
    "rpc_call",
    "track_claim",
    "track_job",
    "track_rebalance",
    "track_tx",
    "vocabulary",
]
