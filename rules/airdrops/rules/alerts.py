"""Alerting rules on the bots, one group per component, every number from `RulesConfig`.

The alerts on the monitoring pipeline itself (the SDK inside each bot, the ETL) are in
`pipeline_alerts`; `groups()` returns both, in the order of the generated file.

Each alert has a `severity` (critical pages, warning makes a ticket, info is for dashboards and
the dead man's switch), a `summary`, and a `description` templated with the labels and value.
`runbook_url` is added afterwards, to every alert alike, by `runbooks.add_runbook_links`.
Alerts keep `bot_id` plus the dimension they are about (provider, protocol, job, ...), so
Alertmanager can group and inhibit by bot.
"""

from __future__ import annotations

from airdrops.rules import pipeline_alerts, postgres_alerts, recording as rec, stack_alerts
from airdrops.rules.config import RulesConfig, seconds
from airdrops.rules.expr import aggregate, by, increase_with_births, metric, num, pct, selector, target_down
from airdrops.rules.model import Alert, Group
from airdrops.rules.slo import Slo, counted_claims, slos


def bot(cfg: RulesConfig) -> Group:
    up = selector("up", cfg.bot_selector)
    return Group(
        "airdrops-bot",
        (
            Alert(
                "AirdropsBotDown",
                # The target's bot_id, from the last target_info seen, so Alertmanager can
                # silence that bot's other alerts; a target never scraped fires without it.
                target_down(cfg.bot_selector),
                "critical",
                "An airdrops bot cannot be scraped.",
                "Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}"
                "{{ with $labels.bot_id }}, bot {{ . }}{{ end }}) for more than "
                f"{cfg.bot_down_for}: the bot is down or its /metrics endpoint is unreachable.",
                cfg.bot_down_for,
            ),
            Alert(
                "AirdropsBotNotScraped",
                f"absent({up})",
                "critical",
                "No airdrops bot is being scraped.",
                "Prometheus has had no scrape target in job {{ $labels.job }} for "
                f"{cfg.bot_absent_for}: its scrape configuration lost the bots, and no other airdrops alert can fire.",
                cfg.bot_absent_for,
            ),
            Alert(
                "Watchdog",
                "vector(1)",
                "info",
                "The alerting pipeline is alive.",
                "This alert always fires. A dead man's switch outside this Prometheus expects it: when it stops "
                "arriving, Prometheus, its rules or Alertmanager are broken.",
            ),
        ),
    )


def rpc(cfg: RulesConfig) -> Group:
    requests = selector(metric("airdrops.rpc.request.duration", "_count"), cfg.bot_selector)
    return Group(
        "airdrops-rpc",
        (
            Alert(
                "AirdropsRpcErrorRatioHigh",
                f"{rec.RPC_ERROR_RATIO} > {num(cfg.rpc_error_ratio)}\n"
                f"and on (bot_id, provider)\n"
                f"sum by (bot_id, provider) (increase({requests}[{rec.RATE}])) >= {cfg.rpc_min_requests}",
                "warning",
                "JSON-RPC requests to a provider are failing.",
                "{{ $value | humanizePercentage }} of bot {{ $labels.bot_id }}'s JSON-RPC requests to "
                f"{{{{ $labels.provider }}}} failed over the last {rec.RATE} (threshold {pct(cfg.rpc_error_ratio)}).",
                cfg.rpc_error_ratio_for,
            ),
        ),
    )


def protocols(cfg: RulesConfig) -> Group:
    labels = by("bot_id", "chain", "protocol")
    tx = selector(metric("airdrops.protocol.tx"), cfg.bot_selector)
    return Group(
        "airdrops-protocols",
        (
            Alert(
                "AirdropsTxFailureRatioHigh",
                f"{rec.tx_failure_ratio('1h')} > {num(cfg.tx_failure_ratio)}\n"
                f"and on ({labels})\n"
                f"sum by ({labels}) (increase({tx}[1h])) >= {cfg.tx_min_transactions}",
                "warning",
                "Transactions are failing.",
                "{{ $value | humanizePercentage }} of bot {{ $labels.bot_id }}'s transactions on "
                "{{ $labels.protocol }} ({{ $labels.chain }}) failed over the last 1h "
                f"(threshold {pct(cfg.tx_failure_ratio)}).",
                cfg.tx_failure_ratio_for,
            ),
        ),
    )


def claims(cfg: RulesConfig) -> Group:
    labels = by("bot_id", "protocol", "airdrop")
    counted = selector(metric("airdrops.claim.attempts"), cfg.bot_selector, counted_claims(cfg.expected_claim_reasons))
    expected = ", ".join(cfg.expected_claim_reasons)
    return Group(
        "airdrops-claims",
        (
            Alert(
                "AirdropsClaimFailureRatioHigh",
                f"{rec.claim_failure_ratio('1h')} > {num(cfg.claim_failure_ratio)}\n"
                f"and on ({labels})\n"
                f"sum by ({labels}) (increase({counted}[1h])) >= {cfg.claim_min_attempts}",
                "warning",
                "Airdrop claims are failing.",
                "{{ $value | humanizePercentage }} of bot {{ $labels.bot_id }}'s claims of {{ $labels.airdrop }} on "
                "{{ $labels.protocol }} failed over the last 1h "
                f"(threshold {pct(cfg.claim_failure_ratio)}; {expected} are not counted).",
                cfg.claim_failure_ratio_for,
            ),
        ),
    )


def scheduler(cfg: RulesConfig) -> Group:
    job = cfg.scheduler_job_label
    labels = by("bot_id", job)
    failed = selector(metric("airdrops.scheduler.job.runs"), cfg.bot_selector, 'outcome="failure"')
    missed = selector(metric("airdrops.scheduler.job.missed"), cfg.bot_selector)
    last_success = selector(metric("airdrops.scheduler.job.last_success"), cfg.bot_selector)
    interval = selector(metric("airdrops.scheduler.job.interval"), cfg.bot_selector)
    depth = selector(metric("airdrops.scheduler.queue.depth"), cfg.bot_selector)
    up = selector("up", cfg.bot_selector)
    the_job = f"Job {{{{ $labels.{job} }}}} of bot {{{{ $labels.bot_id }}}}"
    return Group(
        "airdrops-scheduler",
        (
            Alert(
                "AirdropsJobFailing",
                f"{rec.job_failure_ratio(cfg, '1h')} > {num(cfg.job_failure_ratio)}\n"
                f"and on ({labels})\n"
                f"sum by ({labels}) (increase({failed}[1h])) >= {cfg.job_min_failures}",
                "warning",
                "A scheduler job is failing repeatedly.",
                f"{the_job} failed {{{{ $value | humanizePercentage }}}} of its runs over the last 1h "
                f"(threshold {pct(cfg.job_failure_ratio)}, at least {cfg.job_min_failures} failures).",
                cfg.job_failure_for,
            ),
            Alert(
                "AirdropsJobMissedRuns",
                f"{aggregate(f'sum by ({labels})', increase_with_births(missed, '1h', up))} >= {cfg.job_missed_runs}",
                "warning",
                "A scheduler job is missing its runs.",
                f"{the_job} skipped {{{{ $value | humanize }}}} runs in the last 1h because it started a whole "
                "interval late: the process was blocked or the job runs longer than its interval.",
            ),
            Alert(
                "AirdropsJobNotSucceeded",
                f"time() - max by ({labels}) ({last_success})\n"
                f"> clamp_min({cfg.job_not_succeeded_intervals} * max by ({labels}) ({interval}), "
                f"{seconds(cfg.job_not_succeeded_min)})",
                "warning",
                "A scheduler job has not succeeded for several intervals.",
                f"{the_job} last succeeded {{{{ $value | humanizeDuration }}}} ago, more than "
                f"{cfg.job_not_succeeded_intervals} of its intervals (and more than {cfg.job_not_succeeded_min}).",
                cfg.job_not_succeeded_for,
            ),
            Alert(
                "AirdropsSchedulerQueueBackingUp",
                f"max by (bot_id) ({depth}) > {cfg.queue_depth}",
                "warning",
                "Scheduler jobs are waiting to run.",
                "{{ $value }} jobs of bot {{ $labels.bot_id }} have been due and waiting for more than "
                f"{cfg.queue_for}: a job is blocking the scheduler, or the jobs take longer than their intervals.",
                cfg.queue_for,
            ),
        ),
    )


def risk(cfg: RulesConfig) -> Group:
    kill = selector(metric("airdrops.risk.kill_switch"), cfg.bot_selector)
    breaches = selector(metric("airdrops.risk.breaches"), cfg.bot_selector)
    up = selector("up", cfg.bot_selector)
    window = cfg.risk_breach_window
    return Group(
        "airdrops-risk",
        (
            Alert(
                "AirdropsExposureAboveLimit",
                f"{rec.EXPOSURE_RATIO} > 1",
                "critical",
                "Exposure to a protocol is above its limit.",
                "Bot {{ $labels.bot_id }}'s exposure to {{ $labels.protocol }} is "
                "{{ $value | humanizePercentage }} of its limit.",
                cfg.exposure_for,
            ),
            Alert(
                "AirdropsDrawdownNearLimit",
                f"{rec.DRAWDOWN_RATIO} > {num(cfg.drawdown_warning_ratio)} <= 1",
                "warning",
                "The portfolio's drawdown is approaching its limit.",
                "Bot {{ $labels.bot_id }}'s portfolio drawdown is at {{ $value | humanizePercentage }} of its "
                "limit; the kill switch trips above 100%.",
                cfg.drawdown_warning_for,
            ),
            Alert(
                "AirdropsDrawdownAboveLimit",
                f"{rec.DRAWDOWN_RATIO} > 1",
                "critical",
                "The portfolio's drawdown is above its limit.",
                "Bot {{ $labels.bot_id }}'s portfolio drawdown is at {{ $value | humanizePercentage }} of its "
                "limit: the kill switch trips, and the bot refuses new transactions.",
            ),
            Alert(
                "AirdropsKillSwitchTripped",
                f"max by (bot_id) ({kill}) > 0",
                "critical",
                "A bot's risk kill switch is tripped.",
                "The risk kill switch of bot {{ $labels.bot_id }} is tripped: it refuses every new transaction "
                "but withdrawals until an operator resets it.",
            ),
            Alert(
                "AirdropsRiskLimitBreached",
                f"{aggregate('sum by (bot_id, rule, protocol)', increase_with_births(breaches, window, up))} > 0",
                "warning",
                "A risk limit was breached.",
                "Bot {{ $labels.bot_id }} breached risk rule {{ $labels.rule }}"
                "{{ with $labels.protocol }} on {{ . }}{{ end }} "
                f"in the last {window} ({{{{ $value | humanize }}}} breaches).",
            ),
        ),
    )


def capital(cfg: RulesConfig) -> Group:
    allocated = selector(metric("airdrops.capital.allocated"), cfg.bot_selector)
    target = selector(metric("airdrops.capital.target"), cfg.bot_selector)
    return Group(
        "airdrops-capital",
        (
            Alert(
                "AirdropsIdleCapitalHigh",
                f"{rec.IDLE_RATIO} > {num(cfg.idle_capital_ratio)}",
                "warning",
                "Too much capital is idle.",
                "{{ $value | humanizePercentage }} of bot {{ $labels.bot_id }}'s capital has been idle for "
                f"{cfg.idle_capital_for} (target: at most {pct(cfg.idle_capital_ratio)}).",
                cfg.idle_capital_for,
            ),
            Alert(
                "AirdropsAllocationDrift",
                f"{rec.DRIFT_RATIO} > {num(cfg.allocation_drift_ratio)}\n"
                f"and on (bot_id, protocol)\n"
                f"abs(\n  sum by (bot_id, protocol) ({allocated})\n  -\n"
                f"  sum by (bot_id, protocol) ({target})\n) >= {num(cfg.allocation_drift_min_usd)}",
                "warning",
                "Capital has drifted from the allocation plan.",
                "Bot {{ $labels.bot_id }}'s capital in {{ $labels.protocol }} is {{ $value | humanizePercentage }} "
                f"away from its planned amount (tolerance {pct(cfg.allocation_drift_ratio)}) and has stayed so for "
                f"{cfg.allocation_drift_for}.",
                cfg.allocation_drift_for,
            ),
        ),
    )


def _burn_alerts(cfg: RulesConfig, s: Slo) -> list[Alert]:
    out = []
    budget = num(s.error_budget)
    for w in cfg.burn_rate_windows:
        threshold = f"({num(w.factor)} * {budget})"
        out.append(
            Alert(
                f"Airdrops{s.alert}BudgetBurn",
                f"{s.ratio_name(w.long)} > {threshold}\nand\n{s.ratio_name(w.short)} > {threshold}"
                f"\nand on (bot_id)\n{s.events_name(w.long)} >= {s.min_events}",
                w.severity,
                f"The {s.title} SLO ({pct(s.objective)}) is burning its error budget too fast.",
                f"{{{{ $value | humanizePercentage }}}} of bot {{{{ $labels.bot_id }}}}'s {s.what} failed over the "
                f"last {w.long}, and over the last {w.short} too: more than {num(w.factor)}x the "
                f"{pct(s.error_budget)} error budget of the {pct(s.objective)} objective.",
                w.for_,
                {"long": w.long, "short": w.short},
            )
        )
    return out


def slo(cfg: RulesConfig) -> Group:
    """Multi-window, multi-burn-rate alerts (Google SRE workbook), four per SLO."""
    return Group("airdrops-slo", tuple(a for s in slos(cfg) for a in _burn_alerts(cfg, s)))


def groups(cfg: RulesConfig) -> list[Group]:
    """Every alerting rule group, one per component (runbook links not yet added)."""
    return [
        bot(cfg),
        rpc(cfg),
        protocols(cfg),
        claims(cfg),
        scheduler(cfg),
        risk(cfg),
        capital(cfg),
        pipeline_alerts.sdk(cfg),
        slo(cfg),
        pipeline_alerts.etl(cfg),
        *stack_alerts.groups(cfg),
        postgres_alerts.postgres(cfg),
    ]
