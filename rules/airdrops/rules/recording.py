"""Recording rules: the rates, ratios and quantiles that dashboards and alerts reuse.

Names follow Prometheus' `level:metric:operations`: the labels kept, the metric, then what was
done to it (`rate5m`, `ratio_rate1h`, `histogram_quantile`). The alerts import the names from
here, so a rename cannot leave an alert reading a series nobody records.
"""

from __future__ import annotations

from airdrops.rules.config import RulesConfig, seconds
from airdrops.rules.expr import by, level, metric, num, ratio_rate, selector
from airdrops.rules.model import Group, Record
from airdrops.rules.slo import counted_claims, slos

#: The window of the dashboard-facing rates (`rate5m`); the alerts add longer ones where needed.
RATE = "5m"

RPC_REQUESTS = f"bot_id_provider:airdrops_rpc_requests:rate{RATE}"
RPC_ERRORS = f"bot_id_provider:airdrops_rpc_errors:rate{RATE}"
RPC_ERROR_RATIO = f"bot_id_provider:airdrops_rpc_errors:ratio_rate{RATE}"
EXPOSURE_RATIO = "bot_id_protocol:airdrops_risk_exposure_over_limit:ratio"
DRAWDOWN_RATIO = "bot_id:airdrops_risk_drawdown_over_limit:ratio"
IDLE_RATIO = "bot_id:airdrops_capital_idle:ratio"
DRIFT_RATIO = "bot_id_protocol:airdrops_capital_allocation_drift:ratio"


def tx_failure_ratio(window: str) -> str:
    return f"bot_id_chain_protocol:airdrops_protocol_tx_failures:ratio_rate{window}"


def claim_failure_ratio(window: str) -> str:
    return f"bot_id_protocol_airdrop:airdrops_claim_failures:ratio_rate{window}"


def job_failure_ratio(cfg: RulesConfig, window: str) -> str:
    return f"{level('bot_id', cfg.scheduler_job_label)}:airdrops_scheduler_job_failures:ratio_rate{window}"


def _quantiles(cfg: RulesConfig, otel_name: str, labels: tuple[str, ...]) -> list[Record]:
    bucket = selector(metric(otel_name, "_bucket"), cfg.bot_selector)
    name = f"{level(*labels, 'quantile')}:{metric(otel_name)}:histogram_quantile"
    return [
        Record(
            name,
            f"histogram_quantile({num(q)}, sum by (le, {by(*labels)}) (rate({bucket}[{RATE}])))",
            {"quantile": num(q)},
        )
        for q in cfg.latency_quantiles
    ]


def rpc(cfg: RulesConfig) -> Group:
    requests = selector(metric("airdrops.rpc.request.duration", "_count"), cfg.bot_selector)
    errors = selector(metric("airdrops.rpc.request.errors"), cfg.bot_selector)
    return Group(
        "airdrops-rpc.rules",
        (
            Record(f"bot_id:airdrops_rpc_requests:rate{RATE}", f"sum by (bot_id) (rate({requests}[{RATE}]))"),
            Record(RPC_REQUESTS, f"sum by (bot_id, provider) (rate({requests}[{RATE}]))"),
            Record(RPC_ERRORS, f"sum by (bot_id, provider) (rate({errors}[{RATE}]))"),
            Record(RPC_ERROR_RATIO, f"(\n  {RPC_ERRORS}\n  or\n  0 * {RPC_REQUESTS}\n)\n/\n{RPC_REQUESTS}"),
            *_quantiles(cfg, "airdrops.rpc.request.duration", ("bot_id", "provider")),
        ),
    )


def protocols(cfg: RulesConfig) -> Group:
    labels = ("bot_id", "chain", "protocol")
    tx = selector(metric("airdrops.protocol.tx"), cfg.bot_selector)
    failed = selector(metric("airdrops.protocol.tx"), cfg.bot_selector, 'outcome="failure"')
    gas_usd = selector(metric("airdrops.protocol.gas.cost"), cfg.bot_selector)
    return Group(
        "airdrops-protocols.rules",
        (
            Record(f"{level(*labels)}:airdrops_protocol_tx:rate{RATE}", f"sum by ({by(*labels)}) (rate({tx}[{RATE}]))"),
            Record(tx_failure_ratio(RATE), ratio_rate(failed, tx, by(*labels), RATE)),
            Record(tx_failure_ratio("1h"), ratio_rate(failed, tx, by(*labels), "1h")),
            Record(
                f"{level(*labels)}:{metric('airdrops.protocol.gas.cost').removesuffix('_total')}:rate{RATE}",
                f"sum by ({by(*labels)}) (rate({gas_usd}[{RATE}]))",
            ),
            *_quantiles(cfg, "airdrops.protocol.tx.duration", labels),
        ),
    )


def claims(cfg: RulesConfig) -> Group:
    labels = ("bot_id", "protocol", "airdrop")
    name = metric("airdrops.claim.attempts")
    counted = counted_claims(cfg.expected_claim_reasons)
    attempts = selector(name, cfg.bot_selector)
    total = selector(name, cfg.bot_selector, counted)
    failed = selector(name, cfg.bot_selector, 'outcome="failure"', counted)
    return Group(
        "airdrops-claims.rules",
        (
            Record(
                f"{level(*labels)}:airdrops_claim_attempts:rate{RATE}",
                f"sum by ({by(*labels)}) (rate({attempts}[{RATE}]))",
            ),
            Record(claim_failure_ratio(RATE), ratio_rate(failed, total, by(*labels), RATE)),
            Record(claim_failure_ratio("1h"), ratio_rate(failed, total, by(*labels), "1h")),
        ),
    )


def scheduler(cfg: RulesConfig) -> Group:
    labels = ("bot_id", cfg.scheduler_job_label)
    runs = selector(metric("airdrops.scheduler.job.runs"), cfg.bot_selector)
    failed = selector(metric("airdrops.scheduler.job.runs"), cfg.bot_selector, 'outcome="failure"')
    return Group(
        "airdrops-scheduler.rules",
        (
            Record(
                f"{level(*labels)}:airdrops_scheduler_job_runs:rate{RATE}",
                f"sum by ({by(*labels)}) (rate({runs}[{RATE}]))",
            ),
            Record(job_failure_ratio(cfg, RATE), ratio_rate(failed, runs, by(*labels), RATE)),
            Record(job_failure_ratio(cfg, "1h"), ratio_rate(failed, runs, by(*labels), "1h")),
            *_quantiles(cfg, "airdrops.scheduler.job.duration", labels),
        ),
    )


def risk(cfg: RulesConfig) -> Group:
    def gauge(otel_name: str, labels: str) -> str:
        return f"max by ({labels}) ({selector(metric(otel_name), cfg.bot_selector)})"

    return Group(
        "airdrops-risk.rules",
        (
            Record(
                EXPOSURE_RATIO,
                f"{gauge('airdrops.risk.exposure', 'bot_id, protocol')}\n/\n"
                f"{gauge('airdrops.risk.exposure.limit', 'bot_id, protocol')}",
            ),
            Record(
                DRAWDOWN_RATIO,
                f"{gauge('airdrops.risk.drawdown', 'bot_id')}\n/\n{gauge('airdrops.risk.drawdown.limit', 'bot_id')}",
            ),
        ),
    )


def capital(cfg: RulesConfig) -> Group:
    def total(otel_name: str, labels: str) -> str:
        return f"sum by ({labels}) ({selector(metric(otel_name), cfg.bot_selector)})"

    idle = total("airdrops.capital.idle", "bot_id")
    allocated = total("airdrops.capital.allocated", "bot_id")
    per_protocol_allocated = total("airdrops.capital.allocated", "bot_id, protocol")
    per_protocol_target = total("airdrops.capital.target", "bot_id, protocol")
    return Group(
        "airdrops-capital.rules",
        (
            # Idle (reserve included) over all capital, idle plus deployed.
            Record(IDLE_RATIO, f"{idle}\n/\n(\n  {idle}\n  +\n  {allocated}\n)"),
            # How far each protocol is from its planned amount, as a share of the plan.
            Record(
                DRIFT_RATIO,
                f"abs(\n  {per_protocol_allocated}\n  -\n  {per_protocol_target}\n)\n/\n{per_protocol_target}",
            ),
        ),
    )


#: Counters summed per bot (and the labels named), kept as they are (not rated): the ETL loads these
#: into the warehouse, where `ops_daily` and `prometheus_vs_events` turn them into daily totals that
#: outlive Prometheus' retention. Summed before loading so a bot costs a handful of series.
OPS_SUMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("airdrops.claim.attempts", "", ("outcome", "reason")),
    ("airdrops.claim.value", "", ()),
    ("airdrops.protocol.tx", "", ("outcome",)),
    ("airdrops.protocol.gas.used", "", ()),
    ("airdrops.protocol.gas.cost", "", ()),
    ("airdrops.protocol.fees", "", ()),
    ("airdrops.rpc.request.duration", "_count", ()),
    ("airdrops.rpc.request.duration", "_bucket", ("le",)),
    ("airdrops.rpc.request.errors", "", ()),
    ("airdrops.scheduler.job.runs", "", ("outcome",)),
)
#: Whether each bot's target answers its scrapes, with the bot's identity (`up` has no `bot_id`).
BOT_UP = "bot_id:airdrops_bot_up:max"
#: When each bot's process started (prometheus_client's process collector): whether Prometheus saw a bot
#: from its start decides if its counters' first values are new (the warehouse's metric_increases).
BOT_START = "bot_id:airdrops_bot_start_time_seconds:max"


def ops_sum_name(otel_name: str, suffix: str, labels: tuple[str, ...]) -> str:
    return f"{level('bot_id', *labels)}:{metric(otel_name, suffix)}:sum"


def ops(cfg: RulesConfig) -> Group:
    """Daily-total material for the warehouse: each bot's counters, summed, and its scrape status."""
    up = selector("up", cfg.bot_selector)
    info = selector("target_info", cfg.bot_selector)
    return Group(
        "airdrops-ops.rules",
        (
            *(
                Record(
                    ops_sum_name(name, suffix, labels),
                    f"sum by ({by('bot_id', *labels)}) ({selector(metric(name, suffix), cfg.bot_selector)})",
                )
                for name, suffix, labels in OPS_SUMS
            ),
            Record(
                BOT_UP,
                f"max by (bot_id) (\n  {up}\n  * on (job, instance) group_left (bot_id)\n"
                f"  group by (job, instance, bot_id) (last_over_time({info}[10m]))\n)",
            ),
            Record(BOT_START, f"max by (bot_id) ({selector('process_start_time_seconds', cfg.bot_selector)})"),
        ),
    )


def slo(cfg: RulesConfig) -> Group:
    """The SLO error ratios over every window a burn-rate alert reads, and the traffic of each long
    window (the alerts' minimum-traffic guard)."""
    longs = sorted({b.long for b in cfg.burn_rate_windows}, key=seconds)
    ratios = [
        Record(s.ratio_name(w), ratio_rate(s.failures, s.total, "bot_id", w))
        for s in slos(cfg)
        for w in cfg.slo_windows
    ]
    traffic = [
        Record(s.events_name(w), f"sum by (bot_id) (increase({s.total}[{w}]))") for s in slos(cfg) for w in longs
    ]
    return Group("airdrops-slo.rules", tuple(ratios + traffic))


def groups(cfg: RulesConfig) -> list[Group]:
    """Every recording rule group, one per component."""
    return [rpc(cfg), protocols(cfg), claims(cfg), scheduler(cfg), risk(cfg), capital(cfg), slo(cfg), ops(cfg)]
