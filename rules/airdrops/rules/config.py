"""The one place for the rules' selectors, thresholds, `for:` durations and SLO objectives.

kubernetes-mixin's `config.libsonnet`, as data: `recording` and `alerts` read every number from
a `RulesConfig`, so a user tunes the rules here (or, later, from a YAML file through
`RulesConfig.with_overrides`) and never in an expression. Durations are Prometheus duration
strings; ratios are fractions (0.05 = 5%).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from airdrops.monitoring.vocabulary import BOT_JOB, COLLECTOR_JOB, EXPECTED_CLAIM_REASONS, expected_claim_reasons

Severity = Literal["critical", "warning", "info"]


@dataclass(frozen=True)
class BurnRateWindow:
    """One multi-window burn-rate alert of the Google SRE workbook (chapter "Alerting on SLOs").

    It fires when the error ratio over both `long` and `short` exceeds `factor` times the error
    budget (1 - objective): `long` makes it significant, `short` makes it reset soon after the
    burn stops.
    """

    long: str
    short: str
    factor: float
    severity: Severity
    for_: str


@dataclass(frozen=True)
class RulesConfig:
    """Everything the generated rules depend on; `DEFAULT` is what `airdrops rules build` uses."""

    # --- selectors -------------------------------------------------------------------------

    #: Label matchers selecting the bots' scrape job; added to every selector of a raw metric.
    #: The job name is the vocabulary's (`airdrops.monitoring.vocabulary.BOT_JOB`), as scraped by the
    #: prometheus role, `airdrops.services.Prometheus` (tests, demo) and the examples.
    bot_selector: str = f'job="{BOT_JOB}"'
    #: The label holding the scheduler's job name (the catalogue attribute `job_name`).
    scheduler_job_label: str = "job_name"
    #: Where `runbook_url` points: one Markdown file, one section per alert, anchor = the alert
    #: name lower-cased (GitHub's anchors).
    runbook_base_url: str = "https://github.com/airdrops-dev/airdrops/blob/main/docs/runbooks.md"

    #: Quantiles recorded from each latency histogram (RPC calls, transactions, scheduler jobs).
    latency_quantiles: tuple[float, ...] = (0.5, 0.9, 0.99)

    # --- bot -----------------------------------------------------------------------------------

    #: How long a target may fail its scrapes before AirdropsBotDown fires: a few scrapes, so a
    #: restart does not page.
    bot_down_for: str = "2m"
    #: How long Prometheus may have no bot target at all before AirdropsBotNotScraped fires.
    bot_absent_for: str = "5m"

    # --- error ratios (with a minimum-traffic guard, so two requests cannot make 50%) --------------

    #: Failed JSON-RPC requests over all requests, per bot and provider, over 5m.
    rpc_error_ratio: float = 0.05
    #: Requests a provider must have served in those 5m for the ratio to count.
    rpc_min_requests: int = 20
    rpc_error_ratio_for: str = "10m"
    #: Failed transactions over all transactions, per bot, chain and protocol, over 1h.
    tx_failure_ratio: float = 0.10
    #: Transactions sent in that hour for the ratio to count.
    tx_min_transactions: int = 10
    tx_failure_ratio_for: str = "15m"
    #: Failed claims over claims, per bot, protocol and airdrop, over 1h (expected outcomes excluded).
    claim_failure_ratio: float = 0.20
    #: Counted claim attempts in that hour for the ratio to count.
    claim_min_attempts: int = 5
    claim_failure_ratio_for: str = "15m"
    #: Claim failure reasons that are expected outcomes, not counted in the claim ratios and the SLO.
    #: A site that changes them gives the same list to the dashboards (`airdrops dashboards build
    #: --config`) and to the ETL (`$AIRDROPS_EXPECTED_CLAIM_REASONS`), so the warehouse's views and the
    #: report count claims alike; the roles do that from one inventory variable.
    expected_claim_reasons: tuple[str, ...] = EXPECTED_CLAIM_REASONS

    # --- scheduler -------------------------------------------------------------------------

    #: A job is failing repeatedly when more than this share of its runs failed over 1h ...
    job_failure_ratio: float = 0.5
    #: ... and it failed at least this many times in that hour (retries count as runs).
    job_min_failures: int = 5
    job_failure_for: str = "15m"
    #: Runs skipped (the job was late by a whole interval) within 1h before AirdropsJobMissedRuns.
    job_missed_runs: int = 3
    #: A job has not succeeded for this many of its intervals (last_success vs interval gauges).
    job_not_succeeded_intervals: int = 3
    #: ... and for at least this long: the last-success gauge is only as fresh as the last scrape
    #: and rule evaluation, which would otherwise be most of the age of a job running every few seconds.
    job_not_succeeded_min: str = "5m"
    job_not_succeeded_for: str = "5m"
    #: Jobs due and waiting to run: more than this many, for `queue_for`, is a backlog.
    queue_depth: int = 5
    queue_for: str = "10m"

    # --- risk --------------------------------------------------------------------------------

    #: Exposure above its limit (ratio > 1) for this long fires AirdropsExposureAboveLimit.
    exposure_for: str = "5m"
    #: Drawdown above this share of its limit (and not yet above it) warns before the kill switch.
    drawdown_warning_ratio: float = 0.8
    drawdown_warning_for: str = "15m"
    #: Window over which any `airdrops.risk.breaches` increment fires AirdropsRiskLimitBreached.
    risk_breach_window: str = "15m"

    # --- capital ------------------------------------------------------------------------------

    #: Idle capital (reserve included) over all capital above this fires AirdropsIdleCapitalHigh.
    #: The reference plan keeps a 20% reserve: 30% leaves room for rebalancing lag.
    idle_capital_ratio: float = 0.30
    idle_capital_for: str = "1h"
    #: |allocated - target| / target per protocol above this is drift from the plan ...
    allocation_drift_ratio: float = 0.25
    #: ... when it is also at least this many USD (small targets drift by a lot of percent).
    allocation_drift_min_usd: float = 100.0
    #: Rebalancing runs periodically; drift that outlives this is not being corrected.
    allocation_drift_for: str = "2h"

    # --- SDK self-health ------------------------------------------------------------------------

    #: Any event dropped within this window fires AirdropsEventsDropped.
    events_dropped_window: str = "10m"
    #: Any attribute rejected or measurement folded into overflow within this window fires.
    instrumentation_window: str = "30m"

    # --- ETL (the collector, `airdrops etl run --every 5m`) -------------------------------------

    #: Label matchers selecting the collector's scrape job: it serves /metrics like a bot, under a
    #: job of its own. Added to every selector of an ETL metric, and to its `up` and `target_info`.
    collector_selector: str = f'job="{COLLECTOR_JOB}"'
    #: How long the collector target may fail its scrapes before AirdropsCollectorDown fires: one
    #: run interval, so a restart between two runs does not page.
    collector_down_for: str = "5m"
    #: A stream is failing when its runs failed at least this many times within
    #: `etl_failure_window` and none of them succeeded. The window must hold that many runs at the
    #: collector's interval (at `--every 5m`, 30m holds 6), or the alert can never fire.
    etl_min_failures: int = 3
    etl_failure_window: str = "30m"
    etl_failing_for: str = "5m"
    #: A stream whose last successful run is older than this fires AirdropsEtlDataStale (warning):
    #: 12 runs at `--every 5m`, so a slow source or a short outage does not count.
    etl_stale_warning_age: str = "1h"
    #: ... and older than this, its critical twin: same alert name, so Alertmanager's
    #: critical-inhibits-warning rule hides the warning. The reports and analytics now miss a
    #: quarter of a day of what the bots did.
    etl_stale_critical_age: str = "6h"
    #: How far back AirdropsEtlDataStale looks for a stream's last-success gauge: a restarted
    #: collector has no gauge until the stream's next success, and a collector that is down has
    #: none at all, but the data keeps ageing. Keep it above `etl_stale_critical_age`; a stream
    #: removed from the collector keeps firing until its last sample is this old.
    etl_last_success_lookback: str = "1d"
    #: The newest data a stream loaded older than this (the lag gauge: the runs succeed but bring
    #: nothing new, or fall behind their source) for `etl_lag_for` fires AirdropsEtlLagHigh.
    etl_lag_max: str = "1h"
    etl_lag_for: str = "15m"
    #: Any reconciliation mismatch within this window fires AirdropsEtlReconciliationMismatch; the
    #: alert resolves this long after the last mismatching check.
    etl_reconciliation_window: str = "1h"
    #: Any day on which Prometheus and the event log disagreed (view prometheus_vs_events, checked after each
    #: metrics run) within this window fires AirdropsSourcesDisagree; the alert resolves this long after.
    sources_disagreement_window: str = "6h"

    # --- the stack itself: hosts, Prometheus, Alertmanager (as the monitoring mixins have them) -------

    #: The scrape jobs of the stack's own exporters, as the prometheus role names them.
    node_selector: str = 'job="node"'
    prometheus_selector: str = 'job="prometheus"'
    alertmanager_selector: str = 'job="alertmanager"'
    #: A filesystem with less free space than this share, predicted full within
    #: `filesystem_prediction_window`, fires NodeFilesystemFillingUp after `filesystem_for`; under
    #: `filesystem_critical_ratio` free fires NodeFilesystemAlmostFull, whatever the trend.
    filesystem_free_ratio: float = 0.10
    filesystem_prediction_window: str = "4h"
    filesystem_trend_window: str = "6h"
    filesystem_for: str = "30m"
    filesystem_critical_ratio: float = 0.05
    #: Memory: available below this share for `memory_for` fires NodeMemoryPressure.
    memory_available_ratio: float = 0.10
    memory_for: str = "15m"
    #: The clock: an offset beyond this many seconds (and not shrinking), or NTP not synchronised.
    clock_offset_seconds: float = 0.05
    clock_for: str = "10m"
    #: A systemd unit in state `failed` for this long fires NodeSystemdUnitFailed.
    systemd_failed_for: str = "5m"
    #: The 15-minute load per core above this for `load_for` fires NodeLoadHigh.
    load_per_core: float = 2.0
    load_for: str = "30m"
    #: How long a stack target (any scrape job but the bots and collectors, which have their own
    #: alerts) may fail its scrapes before StackTargetDown fires.
    target_down_for: str = "5m"
    #: Prometheus: share of alert notifications failing; remote_write lag behind the newest sample.
    notification_error_ratio: float = 0.01
    remote_write_behind_seconds: int = 120
    stack_for: str = "10m"
    #: PostgreSQL, through prometheus-postgres-exporter: the server unreachable for
    #: `postgres_down_for`; connections above this share of those open to ordinary users
    #: (max_connections less the superuser reserve); any deadlock in `postgres_deadlock_window`; a
    #: database that grew by more than `postgres_growth_ratio` of its size a day earlier and by more
    #: than `postgres_growth_min_bytes`; a transaction open longer than this many seconds.
    postgres_selector: str = 'job="postgres"'
    postgres_down_for: str = "2m"
    postgres_connections_ratio: float = 0.8
    postgres_connections_for: str = "10m"
    postgres_deadlock_window: str = "10m"
    postgres_growth_ratio: float = 0.5
    postgres_growth_min_bytes: int = 1 << 30
    postgres_growth_for: str = "1h"
    postgres_transaction_max_seconds: int = 3600
    postgres_transaction_for: str = "5m"
    #: The last successful backup (airdrops-pg-backup, through node_exporter's textfile collector)
    #: older than this fires PostgresBackupTooOld: a daily timer plus slack.
    postgres_backup_max_age: str = "26h"
    postgres_backup_for: str = "15m"

    # --- SLOs (multi-window, multi-burn-rate) -------------------------------------------------------

    #: Share of JSON-RPC requests that must succeed, per bot: a 0.5% error budget.
    rpc_availability_objective: float = 0.995
    #: Share of counted claim attempts that must succeed, per bot: a 5% error budget.
    claim_success_objective: float = 0.95
    #: Minimum traffic: a burn-rate alert also needs this many RPC requests (counted claims) in its
    #: long window, so a bot making a handful of claims a day does not page on a single failure.
    rpc_slo_min_events: int = 200
    claim_slo_min_events: int = 20
    #: The workbook's table: 2% of a 30-day budget in 1h (14.4x) or 5% in 6h (6x) pages;
    #: 10% in 1d (3x) or 10% in 3d (1x) makes a ticket. `for:` as kubernetes-mixin's.
    burn_rate_windows: tuple[BurnRateWindow, ...] = field(
        default_factory=lambda: (
            BurnRateWindow("1h", "5m", 14.4, "critical", "2m"),
            BurnRateWindow("6h", "30m", 6.0, "critical", "15m"),
            BurnRateWindow("1d", "2h", 3.0, "warning", "1h"),
            BurnRateWindow("3d", "6h", 1.0, "warning", "3h"),
        )
    )

    @property
    def slo_windows(self) -> tuple[str, ...]:
        """Every window an SLO error ratio is recorded over, shortest first."""
        windows = {w for b in self.burn_rate_windows for w in (b.long, b.short)}
        return tuple(sorted(windows, key=seconds))

    def with_overrides(self, overrides: Mapping[str, Any]) -> RulesConfig:
        """A copy with some values replaced; unknown keys are an error, not silently ignored."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise KeyError(f"unknown rules setting(s): {', '.join(unknown)}")
        values = dict(overrides)
        if "burn_rate_windows" in values:
            values["burn_rate_windows"] = tuple(
                w if isinstance(w, BurnRateWindow) else _burn_rate_window(w) for w in values["burn_rate_windows"]
            )
        if "expected_claim_reasons" in values:
            names = values["expected_claim_reasons"]
            if isinstance(names, str):
                raise TypeError(f"expected_claim_reasons must be a list like {list(EXPECTED_CLAIM_REASONS)}")
            values["expected_claim_reasons"] = expected_claim_reasons(names)
        if "latency_quantiles" in values:
            values["latency_quantiles"] = tuple(values["latency_quantiles"])
        return dataclasses.replace(self, **values)


DEFAULT = RulesConfig()


#: The `--config` option's help, for the rules and the dashboards (one settings file serves both).
SETTINGS_HELP = (
    "YAML of settings over the defaults (thresholds, for: waits, objectives, expected_claim_reasons, "
    "runbook_base_url; the names of rules/airdrops/rules/config.py)."
)


class RulesConfigError(ValueError):
    """A rules settings file that cannot be used, with what is wrong in it."""


def load_overrides(text: str, where: str = "rules config") -> RulesConfig:
    """`DEFAULT` with the YAML mapping `text` over it; every key and value checked against the defaults."""
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise RulesConfigError(f"{where}: not YAML: {exc}") from None
    if not isinstance(data, Mapping):
        raise RulesConfigError(f"{where}: expected a mapping of settings, e.g. `bot_down_for: 5m`")
    for key, value in data.items():
        default = getattr(DEFAULT, str(key), None)
        expected = type(default)
        if default is None or isinstance(default, tuple):
            continue  # unknown keys are with_overrides' to report; tuples are checked by their builders
        ok = isinstance(value, expected) or (expected is float and isinstance(value, int))
        if isinstance(value, bool) != isinstance(default, bool) or not ok:
            raise RulesConfigError(f"{where}: {key} must be a {expected.__name__} like {default!r}, got {value!r}")
        if isinstance(default, str) and _is_duration(default) and not _is_duration(value):
            raise RulesConfigError(f"{where}: {key} must be a duration like {default!r}, got {value!r}")
    try:
        return DEFAULT.with_overrides(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise RulesConfigError(f"{where}: {exc.args[0] if exc.args else exc}") from None


def load_file(path: Path) -> RulesConfig:
    """`load_overrides` of a settings file; an unreadable file is a RulesConfigError too."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise RulesConfigError(f"{path}: {exc.strerror or exc}") from None
    return load_overrides(text, str(path))


def _is_duration(text: str) -> bool:
    return len(text) > 1 and text[:-1].isdigit() and text[-1] in _UNITS


def _burn_rate_window(item: Mapping[str, Any]) -> BurnRateWindow:
    # In a YAML file the key is `for`, as in a rule file.
    return BurnRateWindow(**{("for_" if k == "for" else k): v for k, v in item.items()})


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def seconds(duration: str) -> int:
    """Seconds in a simple Prometheus duration: `5m` -> 300, `3d` -> 259200."""
    return int(duration[:-1]) * _UNITS[duration[-1]]
