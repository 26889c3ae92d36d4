"""The PromQL of every panel, kept apart from the layout (kube-mixin's `dashboards/resources/queries/`).

Selectors are built from the metric catalogue, so a panel cannot name a metric the bots do not
export. Each selector filters on the template variables its metric carries: `bot_id` always, and
`chain` / `protocol` only where the catalogue declares that attribute (choosing a chain must not
blank the panels of metrics that have none). Rates use `$__rate_interval`; totals over the
dashboard's time range use `$__range`.

    >>> sel("airdrops.risk.exposure")
    'airdrops_risk_exposure_usd{bot_id=~"$bot_id", protocol=~"$protocol"}'
"""

from __future__ import annotations

from dataclasses import dataclass

from airdrops.monitoring import catalog
from airdrops.rules.config import DEFAULT, RulesConfig
from airdrops.rules.slo import counted_claims

#: The label of the scheduler's job name (catalogue attribute `job_name`).
JOB = "job_name"
JOB_LEGEND = "{{" + JOB + "}}"
#: Rate window: Grafana derives it from the panel interval and the datasource's scrape interval.
RATE = "$__rate_interval"
#: The dashboard's time range, for "in range" totals.
RANGE = "$__range"
#: How long a bot's identity is remembered after its target stops answering. A failed scrape marks
#: all its series stale at once, so `up` (which has no `bot_id`) is joined to this window.
IDENTITY_WINDOW = "10m"
#: The always-firing dead man's switch: neither an annotation nor a "firing alerts" count.
WATCHDOG = "Watchdog"
#: Alerts firing for the chosen bots; the Watchdog always fires, so it is left out.
FIRING = f'ALERTS{{alertstate="firing", alertname!="{WATCHDOG}", bot_id=~"$bot_id"}}'
#: Template variables a selector may filter on, besides `bot_id`, when the metric has the attribute.
FILTER_ATTRIBUTES = ("chain", "protocol")
QUANTILES = (0.5, 0.95, 0.99)


@dataclass(frozen=True)
class Query:
    """One panel target: PromQL and its legend (`__auto` lets Grafana name the series)."""

    expr: str
    legend: str = "__auto"


def sel(metric: str, suffix: str = "", *, where: str = "", **match: str) -> str:
    """Selector for a catalogue metric (OTel name), with the dashboard's variables, `match` and `where`.

    `where` is one more matcher as PromQL text, e.g. `counted_claims()`.
    """
    spec = catalog.get(metric)
    if suffix and (spec.kind != "histogram" or suffix not in ("_bucket", "_count", "_sum")):
        raise ValueError(f"{metric} is a {spec.kind}: no {suffix} series")
    matchers = ['bot_id=~"$bot_id"']
    matchers += [f'{key}=~"${key}"' for key in FILTER_ATTRIBUTES if key in spec.label_names]
    matchers += [f'{key}="{value}"' for key, value in match.items()]
    matchers += [where] if where else []
    return f"{spec.prometheus_name}{suffix}{{{', '.join(matchers)}}}"


def any_series(*, filtered: bool = True) -> str:
    """Every series a bot exports through the SDK (each carries `bot_id`), of the chosen bots."""
    bot = ', bot_id=~"$bot_id"' if filtered else ""
    return f'{{__name__=~"airdrops_.+"{bot}}}'


def rate(metric: str, suffix: str = "", **match: str) -> str:
    return f"rate({sel(metric, suffix, **match)}[{RATE}])"


def in_range(metric: str, *, where: str = "", **match: str) -> str:
    """Total increase of a counter over the dashboard's time range."""
    return f"sum(increase({sel(metric, where=where, **match)}[{RANGE}]))"


def sum_by(labels: str, expr: str) -> str:
    return f"sum by ({labels}) ({expr})"


def zero_filled(labels: str, metric: str, like: str) -> str:
    """`sum by (labels)` of a counter's rate, with 0 for each label set `like` has and it lacks yet.

    Counters appear only on their first increment (no retries, no breaches in a healthy run): the
    `or ... * 0` keeps the panel drawing zero lines per job or rule instead of "No data".
    """
    return f"{sum_by(labels, rate(metric))} or {sum_by(labels, rate(like))} * 0"


def ratio_of(labels: str, metric: str, suffix: str = "", **match: str) -> str:
    """Share of a counter's rate whose series match `match`, per `labels` (0 when none match)."""
    part = sum_by(labels, rate(metric, suffix, **match))
    whole = sum_by(labels, rate(metric, suffix))
    return f"({part} or {whole} * 0) / {whole}"


def quantiles(metric: str, labels: str = "", legend: str = "") -> list[Query]:
    """p50/p95/p99 of a histogram, aggregated by `labels`."""
    by = f"{labels}, le" if labels else "le"
    return [
        Query(f"histogram_quantile({q}, {sum_by(by, rate(metric, '_bucket'))})", f"{legend}p{round(q * 100)}")
        for q in QUANTILES
    ]


# --- System Overview ---------------------------------------------------------------------------

BOTS_UP = Query(
    "max by (bot_id) (up * on (job, instance) group_left (bot_id) group by (job, instance, bot_id) "
    f"(last_over_time({any_series()}[{IDENTITY_WINDOW}])))",
    "{{bot_id}}",
)
FIRING_ALERTS = Query(f"count({FIRING}) or vector(0)", "firing")
PORTFOLIO_VALUE = Query(f"sum({sel('airdrops.portfolio.value')})", "portfolio")
EVENTS_DROPPED_IN_RANGE = Query(f"{in_range('airdrops.sdk.events.dropped')} or vector(0)", "dropped")
TX_RATE_BY_OUTCOME = Query(sum_by("outcome", rate("airdrops.protocol.tx")), "{{outcome}}")
TX_FAILURE_RATIO = Query(
    f"(sum({rate('airdrops.protocol.tx', outcome='failure')}) or vector(0)) / sum({rate('airdrops.protocol.tx')})",
    "failed",
)
CLAIMS_BY_OUTCOME = Query(sum_by("outcome, reason", rate("airdrops.claim.attempts")), "{{outcome}} ({{reason}})")


def claim_success_ratio(cfg: RulesConfig = DEFAULT) -> Query:
    """The vocabulary's claim success rate: successes over counted attempts (the site's expected outcomes left out)."""
    return Query(
        f"({in_range('airdrops.claim.attempts', outcome='success')} or vector(0))"
        f" / {in_range('airdrops.claim.attempts', where=counted_claims(cfg.expected_claim_reasons))}",
        "success",
    )


CLAIMED_VALUE = Query(f"{in_range('airdrops.claim.value')} or vector(0)", "claimed")


def budget_left(failures: str, total: str, budget: float, title: str) -> Query:
    """Share of an SLO's error budget left per bot over the time range: 1 - error ratio / budget."""
    bad, all_ = (f"sum by (bot_id) (increase({s}[{RANGE}]))" for s in (failures, total))
    return Query(f"1 - (\n  ({bad} or 0 * {all_})\n  / {all_}\n) / {budget:g}", f"{{{{bot_id}}}} {title}")


def slo_budget_left(cfg: RulesConfig = DEFAULT) -> list[Query]:
    """The SLOs of rules/airdrops/rules/slo.py (the same failures, totals and budgets; a test holds them
    together), with the dashboard's variables."""
    counted = counted_claims(cfg.expected_claim_reasons)
    return [
        budget_left(
            sel("airdrops.claim.attempts", where=counted, outcome="failure"),
            sel("airdrops.claim.attempts", where=counted),
            1 - cfg.claim_success_objective,
            "claim success",
        ),
        budget_left(
            sel("airdrops.rpc.request.errors"),
            sel("airdrops.rpc.request.duration", "_count"),
            1 - cfg.rpc_availability_objective,
            "RPC availability",
        ),
    ]


RPC_LATENCY = quantiles("airdrops.rpc.request.duration")
RPC_ERROR_RATIO = Query(
    f"(sum({rate('airdrops.rpc.request.errors')}) or vector(0))"
    f" / sum({rate('airdrops.rpc.request.duration', '_count')})",
    "errors",
)
RPC_RATE_BY_METHOD = Query(sum_by("method", rate("airdrops.rpc.request.duration", "_count")), "{{method}}")
GAS_USD_PER_HOUR = Query(f"{sum_by('protocol', rate('airdrops.protocol.gas.cost'))} * 3600", "{{protocol}}")
GAS_USD_IN_RANGE = Query(f"{in_range('airdrops.protocol.gas.cost')} or vector(0)", "gas")
FEES_USD_IN_RANGE = Query(f"{in_range('airdrops.protocol.fees')} or vector(0)", "fees")

# --- Scheduler Performance ---------------------------------------------------------------------

JOB_RUNS = Query(sum_by(f"{JOB}, outcome", rate("airdrops.scheduler.job.runs")), f"{JOB_LEGEND} {{{{outcome}}}}")
JOB_FAILURE_RATIO = Query(ratio_of(JOB, "airdrops.scheduler.job.runs", outcome="failure"), JOB_LEGEND)
JOB_DURATION = quantiles("airdrops.scheduler.job.duration", JOB, f"{JOB_LEGEND} ")
JOB_RETRIES = Query(zero_filled(JOB, "airdrops.scheduler.job.retries", "airdrops.scheduler.job.runs"), JOB_LEGEND)
JOB_MISSED = Query(zero_filled(JOB, "airdrops.scheduler.job.missed", "airdrops.scheduler.job.runs"), JOB_LEGEND)
QUEUE_DEPTH = Query(f"max by (bot_id) ({sel('airdrops.scheduler.queue.depth')})", "{{bot_id}}")
SINCE_LAST_SUCCESS = Query(
    f"time() - min by ({JOB}) ({sel('airdrops.scheduler.job.last_success')})", f"{JOB_LEGEND} since success"
)
JOB_INTERVAL = Query(f"max by ({JOB}) ({sel('airdrops.scheduler.job.interval')})", f"{JOB_LEGEND} interval")
INTERVALS_SINCE_SUCCESS = Query(
    f"max by ({JOB}) ((time() - {sel('airdrops.scheduler.job.last_success')})"
    f" / {sel('airdrops.scheduler.job.interval')})",
    JOB_LEGEND,
)

# --- Risk Management Status --------------------------------------------------------------------

KILL_SWITCH = Query(f"max by (bot_id) ({sel('airdrops.risk.kill_switch')})", "{{bot_id}}")
DRAWDOWN_USED = Query(
    f"max by (bot_id) ({sel('airdrops.risk.drawdown')} / {sel('airdrops.risk.drawdown.limit')})", "{{bot_id}}"
)
BREACHES_IN_RANGE = Query(f"{in_range('airdrops.risk.breaches')} or vector(0)", "breaches")
EXPOSURE = Query(sum_by("protocol", sel("airdrops.risk.exposure")), "{{protocol}}")
EXPOSURE_LIMIT = Query(sum_by("protocol", sel("airdrops.risk.exposure.limit")), "{{protocol}} limit")
EXPOSURE_USED = Query(
    f"max by (protocol) ({sel('airdrops.risk.exposure')} / {sel('airdrops.risk.exposure.limit')})", "{{protocol}}"
)
DRAWDOWN = Query(f"max by (bot_id) ({sel('airdrops.risk.drawdown')})", "{{bot_id}} drawdown")
DRAWDOWN_LIMIT = Query(f"min by (bot_id) ({sel('airdrops.risk.drawdown.limit')})", "{{bot_id}} limit")
BREACHES_BY_RULE = Query(zero_filled("rule", "airdrops.risk.breaches", "airdrops.risk.checks"), "{{rule}}")
CHECKS_BY_RULE = Query(sum_by("rule, outcome", rate("airdrops.risk.checks")), "{{rule}} {{outcome}}")
BREACH_RATIO_BY_RULE = Query(ratio_of("rule", "airdrops.risk.checks", outcome="breach"), "{{rule}}")

# --- Capital Allocation Efficiency -------------------------------------------------------------

EFFICIENCY = Query(f"avg({sel('airdrops.capital.efficiency')})", "efficiency")
EFFICIENCY_BY_BOT = Query(f"max by (bot_id) ({sel('airdrops.capital.efficiency')})", "{{bot_id}}")
IDLE_TOTAL = Query(f"sum({sel('airdrops.capital.idle')})", "idle")
REBALANCE_SUCCESS_RATIO = Query(
    f"({in_range('airdrops.capital.rebalances', outcome='success')} or vector(0))"
    f" / {in_range('airdrops.capital.rebalances')}",
    "success",
)
ALLOCATED = Query(sum_by("protocol", sel("airdrops.capital.allocated")), "{{protocol}} allocated")
TARGET = Query(sum_by("protocol", sel("airdrops.capital.target")), "{{protocol}} target")
ALLOCATION_DRIFT = Query(
    f"{sum_by('protocol', sel('airdrops.capital.allocated'))} - {sum_by('protocol', sel('airdrops.capital.target'))}",
    "{{protocol}}",
)
IDLE_BY_PROTOCOL = Query(sum_by("protocol", sel("airdrops.capital.idle")), "{{protocol}}")
REBALANCES_BY_OUTCOME = Query(
    sum_by("outcome, error_type", rate("airdrops.capital.rebalances")), "{{outcome}} {{error_type}}"
)
PORTFOLIO_BY_BOT = Query(f"max by (bot_id) ({sel('airdrops.portfolio.value')})", "{{bot_id}}")
WALLET_BALANCES = Query(sum_by("chain, token", sel("airdrops.wallet.balance")), "{{chain}} {{token}}")

# --- Template variables (label_values() of the Grafana Prometheus datasource) ------------------

BOT_ID_VALUES = f"label_values({any_series(filtered=False)}, bot_id)"
CHAIN_VALUES = f"label_values({any_series()}, chain)"
PROTOCOL_VALUES = f"label_values({any_series()}, protocol)"
#: Firing alerts, drawn as annotations on every dashboard.
ALERTS_ANNOTATION = FIRING
