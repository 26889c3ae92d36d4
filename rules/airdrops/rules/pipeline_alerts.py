"""Alerting rules on the monitoring pipeline itself: the SDK inside each bot, and the ETL.

Same conventions as `alerts` (severity, summary, templated description, `bot_id` kept); every
number from `RulesConfig`.
"""

from __future__ import annotations

from airdrops.rules.config import RulesConfig, Severity, seconds
from airdrops.rules.expr import aggregate, by, increase_with_births, metric, selector, target_down
from airdrops.rules.model import Alert, Group


def sdk(cfg: RulesConfig) -> Group:
    dropped = selector(metric("airdrops.sdk.events.dropped"), cfg.bot_selector)
    rejected = selector(metric("airdrops.sdk.attributes.rejected"), cfg.bot_selector)
    overflow = selector(metric("airdrops.sdk.cardinality.overflow"), cfg.bot_selector)
    up = selector("up", cfg.bot_selector)
    ev, inst = cfg.events_dropped_window, cfg.instrumentation_window
    return Group(
        "airdrops-sdk",
        (
            Alert(
                "AirdropsEventsDropped",
                f"{aggregate('sum by (bot_id, reason)', increase_with_births(dropped, ev, up))} > 0",
                "warning",
                "A bot is losing events.",
                "Bot {{ $labels.bot_id }} dropped {{ $value | humanize }} events ({{ $labels.reason }}) in the last "
                f"{ev}: the event log, and the analytics built on it, miss them.",
            ),
            Alert(
                "AirdropsMetricAttributesRejected",
                f"{aggregate('sum by (bot_id, metric)', increase_with_births(rejected, inst, up))} > 0",
                "info",
                "A bot records attributes the catalogue does not allow.",
                "Bot {{ $labels.bot_id }} recorded {{ $labels.metric }} with {{ $value | humanize }} attributes the "
                f"catalogue does not allow in the last {inst}; the SDK dropped them.",
            ),
            Alert(
                "AirdropsMetricCardinalityOverflow",
                f"{aggregate('sum by (bot_id, metric)', increase_with_births(overflow, inst, up))} > 0",
                "warning",
                "A metric hit its series limit.",
                "{{ $value | humanize }} measurements of {{ $labels.metric }} on bot {{ $labels.bot_id }} went to the "
                f"overflow series in the last {inst}: the metric hit its series limit.",
            ),
        ),
    )


def etl(cfg: RulesConfig) -> Group:
    """The ETL collector: failing runs, stale data, lagging data, reconciliation, scrape health.

    The collector's series carry its own `bot_id` (the SDK's identity of the process), kept with
    the stream so that Alertmanager groups and inhibits them apart from the bots' alerts. The
    critical AirdropsEtlDataStale inhibits the warning one through Alertmanager's
    critical-inhibits-warning rule, which compares `alertname` and `bot_id` only: one stream's
    critical also hides another stream's warning of the same collector.
    """
    labels = by("bot_id", "stream")
    sel = cfg.collector_selector
    up = selector("up", sel)
    failed = selector(metric("airdrops.etl.runs"), sel, 'outcome="failure"')
    succeeded = selector(metric("airdrops.etl.runs"), sel, 'outcome="success"')
    last_success = selector(metric("airdrops.etl.last_success"), sel)
    lag = selector(metric("airdrops.etl.lag"), sel)
    mismatches = selector(metric("airdrops.etl.reconciliation.mismatches"), sel)
    disagreements = selector(metric("airdrops.etl.sources.disagreements"), sel)
    sources_window = cfg.sources_disagreement_window
    window, rec_window = cfg.etl_failure_window, cfg.etl_reconciliation_window
    failures = aggregate(f"sum by ({labels})", increase_with_births(failed, window, up))
    successes = aggregate(f"sum by ({labels})", increase_with_births(succeeded, window, up))
    the_stream = "Stream {{ $labels.stream }} of collector {{ $labels.bot_id }}"
    # Seconds since the stream's last success, from the newest gauge value within the lookback:
    # the gauge vanishes while the collector is down, and until the next success after a restart.
    age = f"time() - max by ({labels}) (max_over_time({last_success}[{cfg.etl_last_success_lookback}]))"

    def stale(severity: Severity, threshold: str) -> Alert:
        return Alert(
            "AirdropsEtlDataStale",
            f"{age} > {seconds(threshold)}",
            severity,
            "An ETL stream has not run successfully for a long time.",
            f"{the_stream} last succeeded {{{{ $value | humanizeDuration }}}} ago (threshold {threshold}): the "
            "warehouse, and the analytics and reports built on it, are that far behind.",
        )

    return Group(
        "airdrops-etl",
        (
            Alert(
                "AirdropsCollectorDown",
                target_down(sel),
                "critical",
                "The ETL collector cannot be scraped.",
                "Prometheus has failed to scrape the ETL collector {{ $labels.instance }} (job {{ $labels.job }}"
                "{{ with $labels.bot_id }}, collector {{ . }}{{ end }}) for more than "
                f"{cfg.collector_down_for}: it is down or its /metrics endpoint is unreachable, and no other ETL "
                "alert but AirdropsEtlDataStale can fire meanwhile.",
                cfg.collector_down_for,
            ),
            Alert(
                "AirdropsEtlFailing",
                # Failures, born counters included, unless any run succeeded in the same window.
                f"{failures} >= {cfg.etl_min_failures}\nunless on ({labels})\n{successes} > 0",
                "warning",
                "An ETL stream is failing repeatedly.",
                f"{the_stream} failed {{{{ $value | humanize }}}} runs in the last {window} and succeeded in none "
                f"(threshold {cfg.etl_min_failures} failures): nothing new reaches the warehouse.",
                cfg.etl_failing_for,
            ),
            stale("warning", cfg.etl_stale_warning_age),
            stale("critical", cfg.etl_stale_critical_age),
            Alert(
                "AirdropsEtlLagHigh",
                f"min by ({labels}) ({lag}) > {seconds(cfg.etl_lag_max)}",
                "warning",
                "The newest data an ETL stream loaded is old.",
                "The newest data that stream {{ $labels.stream }} of collector {{ $labels.bot_id }} loaded was "
                f"{{{{ $value | humanizeDuration }}}} old at the end of its last run, for {cfg.etl_lag_for} "
                f"(threshold {cfg.etl_lag_max}): the runs succeed but bring nothing new, or fall behind their source.",
                cfg.etl_lag_for,
            ),
            Alert(
                "AirdropsEtlReconciliationMismatch",
                f"{aggregate(f'sum by ({labels})', increase_with_births(mismatches, rec_window, up))} > 0",
                "critical",
                "Data loaded by the ETL differs from its source.",
                f"{{{{ $value | humanize }}}} reconciliation checks of stream {{{{ $labels.stream }}}} (collector "
                f"{{{{ $labels.bot_id }}}}) found the warehouse's counts or sums differing from the source's in the "
                f"last {rec_window}: the loaded data is incomplete or wrong.",
            ),
            Alert(
                "AirdropsSourcesDisagree",
                f"{aggregate('sum by (bot_id, measure)', increase_with_births(disagreements, sources_window, up))} > 0",
                "warning",
                "Prometheus and the event log disagree on a bot's totals.",
                f"After its metrics runs of the last {sources_window}, collector {{{{ $labels.bot_id }}}} found "
                f"{{{{ $value | humanize }}}} day(s) on which {{{{ $labels.measure }}}} as Prometheus counted it "
                "differs from the event log beyond the tolerance (view prometheus_vs_events): one of them lost data.",
            ),
        ),
    )
