"""The metric catalogue: every metric the airdrops system emits, in one place.

This module is the single source of truth for metric names, instrument kinds, units, help
text and the attributes each metric accepts. Instruments are built from it
(`airdrops.monitoring.metrics`), `docs/metrics.md` is generated from it (`airdrops docs build`),
and the rules and dashboards may only name metrics listed here.

    >>> from airdrops.monitoring import catalog
    >>> spec = catalog.get("airdrops.protocol.tx")
    >>> spec.kind, spec.prometheus_name
    ('counter', 'airdrops_protocol_tx_total')
"""

from __future__ import annotations

import json
from dataclasses import asdict

from airdrops.monitoring import vocabulary
from airdrops.monitoring.sdk_health import SDK_HEALTH
from airdrops.monitoring.spec import Attribute, Kind, MetricSpec

#: Bucket bounds in seconds for RPC calls: sub-millisecond local nodes to slow public RPCs.
RPC_BUCKETS: tuple[float, ...] = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Bucket bounds in seconds for scheduler jobs and transactions: a few ms up to a slow block.
JOB_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


# Attribute definitions shared by several metrics.
_CHAIN = Attribute("chain", "Chain name as configured in the bot, e.g. `ethereum`, `arbitrum`, `local`.")
_PROTOCOL = Attribute("protocol", "Protocol the operation targets, e.g. `uniswap`, `aave`, `stargate`.")
_ACTION = Attribute("action", "Protocol action.", vocabulary.ACTIONS)
_OUTCOME = Attribute("outcome", "Whether the operation succeeded.", vocabulary.OUTCOMES)
_ERROR_TYPE = Attribute(
    "error.type", "Exception class name or short machine reason of a failure (OpenTelemetry's `error.type`)."
)
_JOB = Attribute("job_name", "Scheduler job name (not `job`: Prometheus reserves that label for the scrape job).")
_AIRDROP = Attribute("airdrop", "Airdrop campaign identifier.")
_WALLET = Attribute("wallet", "Wallet address. Unbounded: exported only with `wallet_labels=True`.", opt_in=True)
_TOKEN = Attribute("token", "Token symbol.")
_RULE = Attribute("rule", "Risk rule name, e.g. `max_exposure_per_protocol`.")
_STREAM = Attribute("stream", "ETL stream: `events` or `prometheus:<query name>`.")

_SCHED = "airdrops.scheduler"
_RISK = "airdrops.risk_management"
_CAP = "airdrops.capital_allocation"
_PROTO = "airdrops.protocols"
_ETL = "airdrops.collectors"

METRICS: tuple[MetricSpec, ...] = (
    # Scheduler
    MetricSpec(
        "airdrops.scheduler.job.runs",
        "counter",
        "{run}",
        "Scheduler job executions, by job and outcome.",
        _SCHED,
        (_JOB, _OUTCOME, _ERROR_TYPE),
    ),
    MetricSpec(
        "airdrops.scheduler.job.duration",
        "histogram",
        "s",
        "Wall-clock duration of scheduler job executions.",
        _SCHED,
        (_JOB, _OUTCOME),
        JOB_BUCKETS,
    ),
    MetricSpec(
        "airdrops.scheduler.job.retries",
        "counter",
        "{retry}",
        "Retries scheduled after a failed job execution.",
        _SCHED,
        (_JOB,),
    ),
    MetricSpec(
        "airdrops.scheduler.job.missed",
        "counter",
        "{run}",
        "Runs skipped because the job was late by more than its interval.",
        _SCHED,
        (_JOB,),
    ),
    MetricSpec(
        "airdrops.scheduler.job.interval", "gauge", "s", "Configured interval between runs of a job.", _SCHED, (_JOB,)
    ),
    MetricSpec(
        "airdrops.scheduler.job.last_success",
        "gauge",
        "s",
        "Unix time of the job's last successful run.",
        _SCHED,
        (_JOB,),
    ),
    MetricSpec("airdrops.scheduler.queue.depth", "gauge", "{job}", "Jobs due and waiting to run.", _SCHED),
    # Risk management
    MetricSpec(
        "airdrops.risk.checks",
        "counter",
        "{check}",
        "Risk rule evaluations, by rule and outcome (`pass` or `breach`).",
        _RISK,
        (_RULE, Attribute("outcome", "Result of the check.", ("pass", "breach"))),
    ),
    MetricSpec(
        "airdrops.risk.breaches",
        "counter",
        "{breach}",
        "Risk limit breaches detected, by rule and protocol.",
        _RISK,
        (_RULE, _PROTOCOL),
    ),
    MetricSpec("airdrops.risk.exposure", "gauge", "usd", "Capital exposed to a protocol, in USD.", _RISK, (_PROTOCOL,)),
    MetricSpec(
        "airdrops.risk.exposure.limit",
        "gauge",
        "usd",
        "Configured exposure limit for a protocol, in USD.",
        _RISK,
        (_PROTOCOL,),
    ),
    MetricSpec(
        "airdrops.risk.drawdown", "gauge", "1", "Portfolio drawdown from its peak value, as a ratio (0.1 = 10%).", _RISK
    ),
    MetricSpec(
        "airdrops.risk.drawdown.limit",
        "gauge",
        "1",
        "Configured maximum drawdown before the kill switch trips, as a ratio.",
        _RISK,
    ),
    MetricSpec(
        "airdrops.risk.kill_switch",
        "gauge",
        "1",
        "1 while the kill switch is tripped and the bot refuses new transactions, else 0.",
        _RISK,
    ),
    # Capital allocation
    MetricSpec(
        "airdrops.capital.allocated", "gauge", "usd", "Capital deployed in a protocol, in USD.", _CAP, (_PROTOCOL,)
    ),
    MetricSpec(
        "airdrops.capital.target",
        "gauge",
        "usd",
        "Capital the allocation plan assigns to a protocol, in USD.",
        _CAP,
        (_PROTOCOL,),
    ),
    MetricSpec(
        "airdrops.capital.idle",
        "gauge",
        "usd",
        'Capital assigned to a protocol but not deployed, in USD (`protocol="reserve"` for unassigned capital).',
        _CAP,
        (_PROTOCOL,),
    ),
    MetricSpec(
        "airdrops.capital.rebalances",
        "counter",
        "{rebalance}",
        "Rebalancing rounds, by outcome.",
        _CAP,
        (_OUTCOME, _ERROR_TYPE),
    ),
    MetricSpec("airdrops.capital.efficiency", "gauge", "1", "Deployed capital over total capital, as a ratio.", _CAP),
    # Protocols and chain
    MetricSpec(
        "airdrops.protocol.tx",
        "counter",
        "{tx}",
        "Transactions sent, by chain, protocol, action and outcome.",
        _PROTO,
        (_CHAIN, _PROTOCOL, _ACTION, _OUTCOME, _ERROR_TYPE),
    ),
    MetricSpec(
        "airdrops.protocol.tx.duration",
        "histogram",
        "s",
        "Time from sending a transaction to its receipt.",
        _PROTO,
        (_CHAIN, _PROTOCOL, _ACTION, _OUTCOME),
        JOB_BUCKETS,
    ),
    MetricSpec(
        "airdrops.protocol.gas.used",
        "counter",
        "{gas}",
        "Gas consumed by transactions, reverted ones included.",
        _PROTO,
        (_CHAIN, _PROTOCOL, _ACTION),
    ),
    MetricSpec(
        "airdrops.protocol.gas.cost.native",
        "counter",
        "{native}",
        "Transaction fees paid, in the chain's native token.",
        _PROTO,
        (_CHAIN, _PROTOCOL, _ACTION),
    ),
    MetricSpec(
        "airdrops.protocol.gas.cost",
        "counter",
        "usd",
        "Transaction fees paid, in USD at the time of the transaction.",
        _PROTO,
        (_CHAIN, _PROTOCOL, _ACTION),
    ),
    MetricSpec(
        "airdrops.protocol.fees",
        "counter",
        "usd",
        "Fees paid to protocols besides gas (pool swap fees, bridge fees, claim fees), in USD at the time.",
        _PROTO,
        (_CHAIN, _PROTOCOL, _ACTION),
    ),
    MetricSpec(
        "airdrops.rpc.request.duration",
        "histogram",
        "s",
        "JSON-RPC request duration, by provider, method and outcome.",
        _PROTO,
        (
            Attribute("provider", "RPC provider name (never the URL, which may hold a key)."),
            Attribute("method", "JSON-RPC method, e.g. `eth_sendRawTransaction`."),
            _OUTCOME,
        ),
        RPC_BUCKETS,
        convention="`rpc.client.call.duration` (seconds) with `rpc.system.name=jsonrpc`: `method` is `rpc.method`,"
        " `provider` stands for `server.address` (a label, never the URL, which may hold a key); the RPC span"
        " carries the standard attributes",
    ),
    MetricSpec(
        "airdrops.rpc.request.errors",
        "counter",
        "{error}",
        "Failed JSON-RPC requests, by provider, method and error type.",
        _PROTO,
        (Attribute("provider", "RPC provider name."), Attribute("method", "JSON-RPC method."), _ERROR_TYPE),
        convention="the failed calls of `rpc.client.call.duration` (those with `error.type`), counted apart",
    ),
    MetricSpec(
        "airdrops.claim.attempts",
        "counter",
        "{claim}",
        "Airdrop claim attempts, by outcome and failure reason.",
        _PROTO,
        (
            _CHAIN,
            _PROTOCOL,
            _AIRDROP,
            _OUTCOME,
            Attribute(
                "reason",
                "Why a claim failed (`none` on success); the taxonomy of `airdrops.monitoring.vocabulary`.",
                vocabulary.CLAIM_REASON_NAMES,
            ),
        ),
    ),
    MetricSpec(
        "airdrops.claim.value",
        "counter",
        "usd",
        "Value of claimed airdrop tokens at claim time, in USD.",
        _PROTO,
        (_CHAIN, _PROTOCOL, _AIRDROP),
    ),
    MetricSpec(
        "airdrops.wallet.balance",
        "gauge",
        "usd",
        "Wallet holdings valued in USD, by chain and token.",
        _PROTO,
        (_CHAIN, _TOKEN, _WALLET),
    ),
    MetricSpec("airdrops.portfolio.value", "gauge", "usd", "Total value of all wallets, in USD.", _PROTO),
    # The ETL (airdrops.collectors)
    MetricSpec(
        "airdrops.etl.runs",
        "counter",
        "{run}",
        "ETL runs, by stream and outcome.",
        _ETL,
        (_STREAM, _OUTCOME, _ERROR_TYPE),
    ),
    MetricSpec(
        "airdrops.etl.rows",
        "counter",
        "{row}",
        "Rows through the ETL, by stream and stage (extracted, loaded, duplicate, quarantined).",
        _ETL,
        (_STREAM, Attribute("stage", "ETL stage.", ("extracted", "loaded", "duplicate", "quarantined"))),
    ),
    MetricSpec(
        "airdrops.etl.duration",
        "histogram",
        "s",
        "Wall-clock duration of ETL runs.",
        _ETL,
        (_STREAM, _OUTCOME),
        JOB_BUCKETS,
    ),
    MetricSpec(
        "airdrops.etl.last_success",
        "gauge",
        "s",
        "Unix time of the stream's last successful run.",
        _ETL,
        (_STREAM,),
    ),
    MetricSpec(
        "airdrops.etl.lag",
        "gauge",
        "s",
        "Age of the newest data loaded for a stream at the end of its last run (data freshness).",
        _ETL,
        (_STREAM,),
    ),
    MetricSpec(
        "airdrops.etl.reconciliation.mismatches",
        "counter",
        "{check}",
        "Reconciliation checks whose source and target counts or sums differed.",
        _ETL,
        (_STREAM,),
    ),
    MetricSpec(
        "airdrops.etl.sources.disagreements",
        "counter",
        "{day}",
        "Days on which Prometheus and the event log disagreed on a bot's totals beyond the tolerance "
        "(view prometheus_vs_events), found after a metrics run.",
        _ETL,
        (Attribute("measure", "What disagreed: claims, transactions, gas_used, gas_usd, fees_usd, ..."),),
    ),
    *SDK_HEALTH,
)

_BY_NAME = {m.name: m for m in METRICS}

#: The most series one bot may expose (default settings: no wallet label), what a fleet's Prometheus
#: is sized by. The reference bot exposed 497 once every job had run (benchmarks/fleet.py), four
#: histograms 397 of them; tests/integration/test_bot_prometheus.py fails when it grows past this.
SERIES_BUDGET_PER_BOT = 550


def get(name: str) -> MetricSpec:
    """The catalogue entry for an OTel metric name; KeyError if it is not catalogued."""
    return _BY_NAME[name]


def prometheus_names() -> dict[str, MetricSpec]:
    """Every exported Prometheus series name (with histogram suffixes) mapped to its entry."""
    return {name: spec for spec in METRICS for name in spec.series_names}


def to_json() -> str:
    """The catalogue as JSON, with the exported Prometheus name of each metric."""
    return json.dumps([{**asdict(m), "prometheus_name": m.prometheus_name} for m in METRICS], indent=2)


__all__ = [
    "JOB_BUCKETS",
    "METRICS",
    "RPC_BUCKETS",
    "SERIES_BUDGET_PER_BOT",
    "Attribute",
    "Kind",
    "MetricSpec",
    "get",
    "prometheus_names",
    "to_json",
]
