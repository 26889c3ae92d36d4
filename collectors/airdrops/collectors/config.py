"""Typed configuration of the ETL's two streams, and the one duration grammar they read.

`EventsConfig`: how the event logs are cut into chunks, and where their watermark lives.

`MetricsConfig`: which Prometheus, which queries, at which step. The defaults fit the reference
bot: the recording rules of `rules/recording.yml` that analytics and Grafana read, and a few
catalogue gauges, every minute. A YAML file overrides any part of it:

    prometheus:
      url: https://prometheus.example:9090      # or Thanos / Mimir / VictoriaMetrics: only query_range is used
      bearer_token_file: /etc/airdrops/prometheus.token
      ca_file: /etc/ssl/certs/internal-ca.pem
      headers: {X-Scope-OrgID: airdrops}        # Mimir tenants
      compression: false                        # gzip'd answers: only worth it over a slow link
    step: 1m                                    # default step of every query
    backfill: 7d                                # first run of a query: how far back to start
    lag: 2m                                     # never load the newest `lag`: scrapes and rules may still land
    max_points: 1000                            # points per series per request (at most 11,000)
    prefetch: true                              # fetch the next chunk while this one loads
    queries:                                    # replaces the default list
      - record: bot_id_chain_protocol:airdrops_protocol_tx:rate5m
      - metric: airdrops.portfolio.value        # a catalogue metric (OTel or exported Prometheus name)
        step: 5m
      - name: gas_usd_hourly                    # any PromQL; `name` makes the stream `prometheus:gas_usd_hourly`
        expr: sum by (chain) (increase(airdrops_protocol_gas_cost_usd_total[1h]))
        step: 1h

    cfg = load_config("etl.yml").with_url("http://127.0.0.1:9090")
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from airdrops.collectors.retry import Retry
from airdrops.monitoring import catalog
from airdrops.monitoring.vocabulary import PORTS

#: Prometheus refuses a range query returning more than 11,000 points per series.
PROMETHEUS_POINT_LIMIT = 11_000
#: Points per series per request: the chunk is `step * max_points` long, well under the limit. Small
#: enough that a chunk of 100 series stays near 100k samples (memory) and, with `prefetch`, the next
#: request overlaps the load of this one; large enough that a request costs little on top.
DEFAULT_MAX_POINTS = 1_000

EVENTS_STREAM = "events"
#: Where the warehouse is when no URL is given: `$WAREHOUSE_URL`, else this file in the working directory.
WAREHOUSE_ENV = "WAREHOUSE_URL"
WAREHOUSE_FILE = "airdrops.duckdb"
#: The `--warehouse` option's help, for every command that takes one.
WAREHOUSE_HELP = f"postgresql://... or duckdb:///path (default: ${WAREHOUSE_ENV}, else ./{WAREHOUSE_FILE})."
PROMETHEUS_RETRY = Retry(attempts=5, backoff_s=0.5, max_backoff_s=16.0)

_RECORD = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_:]*[a-zA-Z0-9_]$")
_NAME = re.compile(r"^[A-Za-z0-9_.:\-]+$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


class ConfigError(ValueError):
    """The ETL configuration is invalid; the message names the offending key."""


def seconds(value: str | float) -> float:
    """A duration in seconds from a number or a Prometheus-style string (`90s`, `5m`, `1h30m`, `7d`)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ConfigError(f"not a duration: {value!r} (use e.g. 15s, 5m, 1h, 7d)")
    return sum(float(n) * _UNITS[u] for n, u in parts)


@dataclass(frozen=True)
class ExtractConfig:
    """Bounds of one chunk of event log lines: whichever is reached first closes it."""

    chunk_lines: int = 50_000
    chunk_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class EventsConfig:
    """Settings of the `events` stream."""

    extract: ExtractConfig = field(default_factory=ExtractConfig)
    #: Retries while the warehouse is unreachable, at connect and for each chunk.
    retry: Retry = field(default_factory=Retry)
    #: Apply pending migrations first (needs a role that may; `airdrops warehouse migrate` otherwise).
    auto_migrate: bool = True
    #: How long to wait for another run of the stream to finish before giving up.
    lock_wait_s: float = 10.0
    #: Names the event logs' host when several collectors load into one warehouse, each with its own
    #: watermark: the stream becomes `events:<source>`. Empty: the stream is `events`.
    source: str = ""

    @property
    def stream(self) -> str:
        return f"{EVENTS_STREAM}:{self.source}" if self.source else EVENTS_STREAM


@dataclass(frozen=True)
class PrometheusSource:
    """Where to read: any server speaking the Prometheus HTTP API, and how to authenticate to it."""

    url: str = f"http://127.0.0.1:{PORTS.prometheus}"
    #: Basic auth (`password_file` is read at connection time and wins over `password`).
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    password_file: Path | None = None
    #: Bearer token, or a file holding one (re-read on each run: tokens rotate).
    bearer_token: str | None = field(default=None, repr=False)
    bearer_token_file: Path | None = None
    #: CA bundle to verify the server, and a client certificate (+ key) for mutual TLS.
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    #: Skip TLS verification (self-signed test servers only).
    insecure_skip_verify: bool = False
    #: Extra request headers, e.g. `X-Scope-OrgID` for Mimir or Cortex tenants.
    headers: Mapping[str, str] = field(default_factory=dict)
    #: Per-request timeout in seconds (connect and read).
    timeout_s: float = 60.0
    #: Tries per request on connection errors, 5xx and 429 (keys `attempts`, `backoff`, `max_backoff`).
    retry: Retry = PROMETHEUS_RETRY
    #: Ask for gzip'd answers. Off by default: on loopback or a LAN, Prometheus spends longer gzipping
    #: a large range answer (about 1.3 s of CPU per million points) than sending it plain; turn it on
    #: for a slow link.
    compression: bool = False

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(f"prometheus.url must be http(s)://..., got {self.url!r}")
        if (self.bearer_token or self.bearer_token_file) and (self.username or self.password or self.password_file):
            raise ConfigError("prometheus: use basic auth or a bearer token, not both")
        if self.key_file and not self.cert_file:
            raise ConfigError("prometheus.key_file needs prometheus.cert_file")


@dataclass(frozen=True)
class MetricQuery:
    """One PromQL expression loaded as the stream `prometheus:<name>`, evaluated every `step_s` seconds."""

    name: str
    expr: str
    step_s: int = 60

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigError(f"query name {self.name!r}: use letters, digits and _ . : -")
        if not self.expr.strip():
            raise ConfigError(f"query {self.name!r}: empty expression")
        if self.step_s < 1:
            raise ConfigError(f"query {self.name!r}: step must be at least 1s")

    @property
    def stream(self) -> str:
        return f"prometheus:{self.name}"

    @classmethod
    def record(cls, rule: str, step_s: int = 60) -> MetricQuery:
        """A recording rule (`level:metric:operation`), queried by name."""
        if not _RECORD.match(rule):
            raise ConfigError(f"{rule!r} is not a recording rule name (level:metric:operation)")
        return cls(rule, rule, step_s)

    @classmethod
    def metric(cls, name: str, step_s: int = 60) -> MetricQuery:
        """A catalogue metric by OTel name (`airdrops.portfolio.value`) or exported name (`..._count`)."""
        exported = catalog.prometheus_names()
        if name in exported:
            return cls(name, name, step_s)
        try:
            spec = catalog.get(name)
        except KeyError:
            raise ConfigError(f"{name!r} is not in the metric catalogue (airdrops.monitoring.catalog)") from None
        if spec.kind == "histogram":
            base = spec.prometheus_name
            raise ConfigError(f"{name!r} is a histogram: name {base}_count, {base}_sum or a recording rule instead")
        return cls(name, spec.prometheus_name, step_s)


#: The `airdrops-ops.rules` recording rules the warehouse's `ops_daily` and `prometheus_vs_events` read.
OPS_RECORDS = (
    "bot_id_outcome_reason:airdrops_claim_attempts_total:sum",
    "bot_id:airdrops_claim_value_usd_total:sum",
    "bot_id_outcome:airdrops_protocol_tx_total:sum",
    "bot_id:airdrops_protocol_gas_used_total:sum",
    "bot_id:airdrops_protocol_gas_cost_usd_total:sum",
    "bot_id:airdrops_protocol_fees_usd_total:sum",
    "bot_id:airdrops_rpc_request_duration_seconds_count:sum",
    "bot_id_le:airdrops_rpc_request_duration_seconds_bucket:sum",
    "bot_id:airdrops_rpc_request_errors_total:sum",
    "bot_id_outcome:airdrops_scheduler_job_runs_total:sum",
    "bot_id:airdrops_bot_up:max",
    "bot_id:airdrops_bot_start_time_seconds:max",
)
#: What the reference bot's analytics and dashboards read: rates and ratios already aggregated by
#: the recording rules (cheap to store at one point a minute), and the gauges behind them.
DEFAULT_RECORDS = (
    "bot_id_chain_protocol:airdrops_protocol_tx:rate5m",
    "bot_id_chain_protocol:airdrops_protocol_tx_failures:ratio_rate5m",
    "bot_id_chain_protocol:airdrops_protocol_gas_cost_usd:rate5m",
    "bot_id_protocol_airdrop:airdrops_claim_attempts:rate5m",
    "bot_id_protocol_airdrop:airdrops_claim_failures:ratio_rate5m",
    "bot_id_provider:airdrops_rpc_requests:rate5m",
    "bot_id_provider:airdrops_rpc_errors:ratio_rate5m",
    "bot_id_protocol:airdrops_risk_exposure_over_limit:ratio",
    "bot_id:airdrops_risk_drawdown_over_limit:ratio",
    "bot_id:airdrops_capital_idle:ratio",
    "bot_id_protocol:airdrops_capital_allocation_drift:ratio",
    # Counters summed per bot (the `airdrops-ops.rules` group): the views `ops_daily` and
    # `prometheus_vs_events` turn them into daily totals, kept long after Prometheus' retention.
    *OPS_RECORDS,
)
DEFAULT_METRICS = (
    "airdrops.portfolio.value",
    "airdrops.capital.allocated",
    "airdrops.capital.target",
    "airdrops.risk.kill_switch",
)


def default_queries(step_s: int = 60) -> tuple[MetricQuery, ...]:
    return tuple(MetricQuery.record(r, step_s) for r in DEFAULT_RECORDS) + tuple(
        MetricQuery.metric(m, step_s) for m in DEFAULT_METRICS
    )


@dataclass(frozen=True)
class MetricsConfig:
    """Everything the metrics stream needs besides the warehouse URL and the window."""

    prometheus: PrometheusSource = field(default_factory=PrometheusSource)
    queries: tuple[MetricQuery, ...] = field(default_factory=default_queries)
    #: Points per series per request (chunk length = step * max_points); at most 11,000.
    max_points: int = DEFAULT_MAX_POINTS
    #: First run of a query (no watermark, no --since): start this many seconds before `until`.
    backfill_s: float = 86_400.0
    #: Default `until` is now minus this: the newest minute may still be scraped or evaluated.
    lag_s: float = 120.0
    #: Fetch and transform the next chunk in a thread while loading this one (one chunk ahead: memory
    #: stays bounded, at two chunks). Prometheus answering and the warehouse loading then overlap.
    prefetch: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.max_points <= PROMETHEUS_POINT_LIMIT:
            raise ConfigError(f"max_points must be between 1 and {PROMETHEUS_POINT_LIMIT}, got {self.max_points}")
        names = [q.name for q in self.queries]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ConfigError(f"duplicate query names: {', '.join(dupes)}")

    def with_url(self, url: str | None) -> MetricsConfig:
        """The same configuration reading from `url` (the CLI's `--prometheus`); unchanged when None."""
        return self if url is None else replace(self, prometheus=replace(self.prometheus, url=url))

    def select(self, names: list[str] | None) -> MetricsConfig:
        """Only the named queries (all when `names` is empty or None)."""
        if not names:
            return self
        unknown = sorted(set(names) - {q.name for q in self.queries})
        if unknown:
            raise ConfigError(f"no such queries: {', '.join(unknown)}")
        return replace(self, queries=tuple(q for q in self.queries if q.name in names))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricsConfig:
        """Build from a parsed YAML/JSON mapping (see the module docstring for the keys)."""
        known = {"prometheus", "queries", "step", "max_points", "backfill", "lag", "prefetch"}
        _no_unknown("", data, known)
        step = _step(data.get("step", 60), "step")
        kwargs: dict[str, Any] = {}
        if "prometheus" in data:
            kwargs["prometheus"] = _source(data["prometheus"] or {})
        if data.get("queries") is not None:
            kwargs["queries"] = tuple(_query(q, step, i) for i, q in enumerate(data["queries"]))
        elif "step" in data:
            kwargs["queries"] = default_queries(step)
        if "max_points" in data:
            kwargs["max_points"] = int(data["max_points"])
        if "backfill" in data:
            kwargs["backfill_s"] = seconds(data["backfill"])
        if "lag" in data:
            kwargs["lag_s"] = seconds(data["lag"])
        if "prefetch" in data:
            kwargs["prefetch"] = bool(data["prefetch"])
        return cls(**kwargs)


def load_config(path: str | Path | None = None) -> MetricsConfig:
    """The configuration in the YAML file at `path`; the defaults when `path` is None."""
    if path is None:
        return MetricsConfig()
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read ETL config {path}: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    try:
        return MetricsConfig.from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _step(value: Any, where: str) -> int:
    step = seconds(value)
    if step < 1 or step != int(step):
        raise ConfigError(f"{where}: step must be a whole number of seconds >= 1, got {value!r}")
    return int(step)


def _query(item: Any, default_step: int, index: int) -> MetricQuery:
    where = f"queries[{index}]"
    if not isinstance(item, Mapping):
        raise ConfigError(f"{where}: expected a mapping with record, metric or expr")
    _no_unknown(where, item, {"record", "metric", "expr", "name", "step"})
    step = _step(item.get("step", default_step), f"{where}.step")
    kinds = [k for k in ("record", "metric", "expr") if k in item]
    if len(kinds) != 1:
        raise ConfigError(f"{where}: give exactly one of record, metric, expr")
    if "record" in item:
        query = MetricQuery.record(str(item["record"]), step)
    elif "metric" in item:
        query = MetricQuery.metric(str(item["metric"]), step)
    else:
        if "name" not in item:
            raise ConfigError(f"{where}: an expr needs a name (the stream is prometheus:<name>)")
        return MetricQuery(str(item["name"]), str(item["expr"]), step)
    return replace(query, name=str(item["name"])) if "name" in item else query


def _source(data: Mapping[str, Any]) -> PrometheusSource:
    paths = {"password_file", "bearer_token_file", "ca_file", "cert_file", "key_file"}
    plain = {"url", "username", "password", "bearer_token", "insecure_skip_verify", "headers", "compression"}
    _no_unknown("prometheus", data, paths | plain | {"timeout", "attempts", "backoff", "max_backoff"})
    kwargs: dict[str, Any] = {}
    policy = PROMETHEUS_RETRY
    for key, value in data.items():
        if key in paths:
            kwargs[key] = Path(value).expanduser()
        elif key == "timeout":
            kwargs["timeout_s"] = seconds(value)
        elif key == "attempts":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"prometheus.attempts must be an integer >= 1, got {value!r}")
            policy = replace(policy, attempts=value)
        elif key == "backoff":
            policy = replace(policy, backoff_s=seconds(value))
        elif key == "max_backoff":
            policy = replace(policy, max_backoff_s=seconds(value))
        elif key == "headers":
            kwargs[key] = {str(k): str(v) for k, v in (value or {}).items()}
        else:
            kwargs[key] = value
    return PrometheusSource(retry=policy, **kwargs)


def _no_unknown(where: str, data: Mapping[str, Any], known: set[str]) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        prefix = f"{where}: " if where else ""
        raise ConfigError(f"{prefix}unknown keys {', '.join(unknown)} (known: {', '.join(sorted(known))})")


__all__ = [
    "DEFAULT_MAX_POINTS",
    "PROMETHEUS_POINT_LIMIT",
    "ConfigError",
    "MetricQuery",
    "MetricsConfig",
    "PrometheusSource",
    "default_queries",
    "load_config",
    "seconds",
]
