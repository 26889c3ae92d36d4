"""Operations History: what Prometheus counted per day, kept in the warehouse beyond Prometheus' retention,
and whether it agrees with the event log the other analytics read."""

from __future__ import annotations

from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards.analytics import sql as q
from airdrops.dashboards.analytics.common import new_dashboard
from airdrops.dashboards.analytics.panels import stat, table, timeseries
from airdrops.dashboards.panels import number_panels, row

UID = "airdrops-ops-history"
TITLE = "Airdrops / Operations History"
DESCRIPTION = (
    "The bots' operations per UTC day over months, from the Prometheus counters the ETL loads into the warehouse "
    "(view ops_daily): uptime, RPC traffic, errors and p95 latency, transactions, gas and fees, job failures. "
    "Below, the same days as Prometheus counted them against the event log (view prometheus_vs_events)."
)


def dashboard() -> model.Dashboard:
    dash = (
        new_dashboard(UID, TITLE, DESCRIPTION, ["bot_id"], time_from="now-90d")
        .with_row(row("Per day"))
        .with_panel(
            timeseries(
                "Uptime", "Share of the day the bot's /metrics answered (mean of up).", "percentunit", [q.UPTIME]
            )
        )
        .with_panel(timeseries("RPC requests and errors", "JSON-RPC requests per UTC day.", "short", [q.RPC_PER_DAY]))
        .with_panel(
            timeseries("RPC p95 latency", "95th percentile of the day's RPC request durations.", "s", [q.RPC_P95])
        )
        .with_panel(
            timeseries(
                "Transactions", "Transactions per UTC day (claims included).", "short", [q.TX_PER_DAY], stacked=True
            )
        )
        .with_panel(
            timeseries(
                "Gas and fees",
                "Gas and protocol fees per UTC day, in USD at the time.",
                "currencyUSD",
                [q.COSTS_PER_DAY],
                stacked=True,
            )
        )
        .with_panel(
            timeseries(
                "Job failures", "Failed scheduler runs per UTC day.", "short", [q.JOB_FAILURES_PER_DAY], stacked=True
            )
        )
        .with_row(row("Prometheus vs event log"))
        .with_panel(
            stat(
                "Disagreements",
                "Days, bots and measures on which Prometheus and the event log differ beyond the tolerance.",
                "short",
                q.DISAGREEMENTS,
                steps=((None, "green"), (1, "red")),
            )
        )
        .with_panel(
            table(
                "Prometheus vs event log",
                "Claims, transactions, gas, fees and claimed value as Prometheus counted them and as the event log "
                "recorded them over the same stretch of each day; disagreements first.",
                q.RECONCILIATION,
                {},
                width=18,
            )
        )
    )
    return number_panels(dash.build())
