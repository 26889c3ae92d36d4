"""Every `configure()` setting, declared once with its environment variable and default.

Precedence: an argument passed to `configure()`, then the environment variable, then the default.
The settings table in the SDK guide is generated from `PARAMS`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from airdrops.monitoring.vocabulary import BOT_JOB, PORTS


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


@dataclass(frozen=True)
class ConfigParam:
    name: str
    env: str
    default: Any
    parse: Callable[[str], Any]
    doc: str


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
        if explicit.get(p.name) is not None:
            out[p.name] = explicit[p.name]
        elif env.get(p.env) not in (None, ""):
            try:
                out[p.name] = p.parse(env[p.env])
            except ValueError as exc:
                raise ConfigError(f"{p.env}={env[p.env]!r}: {exc}") from None
        else:
            out[p.name] = p.default
    if out["bot_id"] is None:
        out["bot_id"] = _resource_attr(env, "bot_id") or f"{out['service_name']}@{socket.gethostname()}"
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
        rows.append(f"| `{p.name}` | `{p.env}` | `{p.default!r}` | {p.doc} |")
    return "\n".join(rows)
