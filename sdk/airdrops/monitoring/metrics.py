"""The catalogue's instruments, ready to record: `metrics.protocol_tx.add(1, chain=..., ...)`.

Each name is the catalogue name without the `airdrops.` prefix, dots as underscores. Instruments
work before `configure()` (values are kept and exported once it runs) and are no-ops when the SDK
is disabled. For hot paths, `bind()` the attributes once and record on the returned handle.
"""

from __future__ import annotations

from airdrops.monitoring._internal.instruments import (
    Counter,
    GaugeInstrument as Gauge,
    HistogramInstrument as Histogram,
)
from airdrops.monitoring._internal.registry import DEFAULT

scheduler_job_runs: Counter = DEFAULT["airdrops.scheduler.job.runs"]
scheduler_job_duration: Histogram = DEFAULT["airdrops.scheduler.job.duration"]
scheduler_job_retries: Counter = DEFAULT["airdrops.scheduler.job.retries"]
scheduler_job_missed: Counter = DEFAULT["airdrops.scheduler.job.missed"]
scheduler_job_interval: Gauge = DEFAULT["airdrops.scheduler.job.interval"]
scheduler_job_last_success: Gauge = DEFAULT["airdrops.scheduler.job.last_success"]
scheduler_queue_depth: Gauge = DEFAULT["airdrops.scheduler.queue.depth"]
risk_checks: Counter = DEFAULT["airdrops.risk.checks"]
risk_breaches: Counter = DEFAULT["airdrops.risk.breaches"]
risk_exposure: Gauge = DEFAULT["airdrops.risk.exposure"]
risk_exposure_limit: Gauge = DEFAULT["airdrops.risk.exposure.limit"]
risk_drawdown: Gauge = DEFAULT["airdrops.risk.drawdown"]
risk_drawdown_limit: Gauge = DEFAULT["airdrops.risk.drawdown.limit"]
risk_kill_switch: Gauge = DEFAULT["airdrops.risk.kill_switch"]
capital_allocated: Gauge = DEFAULT["airdrops.capital.allocated"]
capital_target: Gauge = DEFAULT["airdrops.capital.target"]
capital_idle: Gauge = DEFAULT["airdrops.capital.idle"]
capital_rebalances: Counter = DEFAULT["airdrops.capital.rebalances"]
capital_efficiency: Gauge = DEFAULT["airdrops.capital.efficiency"]
protocol_tx: Counter = DEFAULT["airdrops.protocol.tx"]
protocol_tx_duration: Histogram = DEFAULT["airdrops.protocol.tx.duration"]
protocol_gas_used: Counter = DEFAULT["airdrops.protocol.gas.used"]
protocol_gas_cost_native: Counter = DEFAULT["airdrops.protocol.gas.cost.native"]
protocol_gas_cost: Counter = DEFAULT["airdrops.protocol.gas.cost"]
protocol_fees: Counter = DEFAULT["airdrops.protocol.fees"]
rpc_request_duration: Histogram = DEFAULT["airdrops.rpc.request.duration"]
rpc_request_errors: Counter = DEFAULT["airdrops.rpc.request.errors"]
claim_attempts: Counter = DEFAULT["airdrops.claim.attempts"]
claim_value: Counter = DEFAULT["airdrops.claim.value"]
wallet_balance: Gauge = DEFAULT["airdrops.wallet.balance"]
portfolio_value: Gauge = DEFAULT["airdrops.portfolio.value"]
etl_runs: Counter = DEFAULT["airdrops.etl.runs"]
etl_rows: Counter = DEFAULT["airdrops.etl.rows"]
etl_duration: Histogram = DEFAULT["airdrops.etl.duration"]
etl_last_success: Gauge = DEFAULT["airdrops.etl.last_success"]
etl_lag: Gauge = DEFAULT["airdrops.etl.lag"]
etl_reconciliation_mismatches: Counter = DEFAULT["airdrops.etl.reconciliation.mismatches"]
etl_sources_disagreements: Counter = DEFAULT["airdrops.etl.sources.disagreements"]
sdk_events_written: Counter = DEFAULT["airdrops.sdk.events.written"]
sdk_events_dropped: Counter = DEFAULT["airdrops.sdk.events.dropped"]
sdk_attributes_rejected: Counter = DEFAULT["airdrops.sdk.attributes.rejected"]
sdk_cardinality_overflow: Counter = DEFAULT["airdrops.sdk.cardinality.overflow"]
sdk_measurements_dropped: Counter = DEFAULT["airdrops.sdk.measurements.dropped"]
sdk_exports: Counter = DEFAULT["airdrops.sdk.exports"]

__all__ = [
    "capital_allocated",
    "capital_efficiency",
    "capital_idle",
    "capital_rebalances",
    "capital_target",
    "claim_attempts",
    "claim_value",
    "etl_duration",
    "etl_lag",
    "etl_last_success",
    "etl_reconciliation_mismatches",
    "etl_rows",
    "etl_runs",
    "etl_sources_disagreements",
    "portfolio_value",
    "protocol_fees",
    "protocol_gas_cost",
    "protocol_gas_cost_native",
    "protocol_gas_used",
    "protocol_tx",
    "protocol_tx_duration",
    "risk_breaches",
    "risk_checks",
    "risk_drawdown",
    "risk_drawdown_limit",
    "risk_exposure",
    "risk_exposure_limit",
    "risk_kill_switch",
    "rpc_request_duration",
    "rpc_request_errors",
    "scheduler_job_duration",
    "scheduler_job_interval",
    "scheduler_job_last_success",
    "scheduler_job_missed",
    "scheduler_job_retries",
    "scheduler_job_runs",
    "scheduler_queue_depth",
    "sdk_attributes_rejected",
    "sdk_cardinality_overflow",
    "sdk_events_dropped",
    "sdk_events_written",
    "sdk_exports",
    "sdk_measurements_dropped",
    "wallet_balance",
]
