"""Risk Management Status: exposure and drawdown against their limits, the kill switch, breaches."""

from __future__ import annotations

from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards import queries as q
from airdrops.dashboards.common import new_dashboard
from airdrops.dashboards.panels import bar_gauge, gauge, number_panels, row, stat, state, timeseries

UID = "airdrops-risk"
TITLE = "Airdrops / Risk Management Status"
DESCRIPTION = (
    "Risk limits of the airdrop bots: the kill switch, drawdown and per-protocol exposure against their "
    "configured limits, and the risk rules' checks and breaches."
)
#: Share of a limit used: orange from 80 %, red at the limit.
LIMIT_STEPS = ((None, "green"), (0.8, "orange"), (1, "red"))


def dashboard() -> model.Dashboard:
    dash = (
        new_dashboard(UID, TITLE, DESCRIPTION)
        .with_row(row("Status"))
        .with_panel(
            stat(
                "Kill switch",
                "TRIPPED while the bot refuses new transactions because a hard limit was crossed.",
                "short",
                [q.KILL_SWITCH],
                steps=((None, "green"), (1, "red")),
                mappings=state({"0": ("OK", "green"), "1": ("TRIPPED", "red")}),
            )
        )
        .with_panel(
            gauge(
                "Drawdown used",
                "Drawdown from the portfolio's peak as a share of the drawdown limit (worst bot).",
                "percentunit",
                [q.DRAWDOWN_USED],
                steps=LIMIT_STEPS,
            )
        )
        .with_panel(
            stat(
                "Breaches",
                "Risk limit breaches detected over the time range.",
                "short",
                [q.BREACHES_IN_RANGE],
                steps=((None, "green"), (1, "orange")),
            )
        )
        .with_panel(
            stat(
                "Drawdown",
                "Current drawdown from the portfolio's peak value (worst bot).",
                "percentunit",
                [q.DRAWDOWN],
                steps=((None, "green"), (0.1, "orange"), (0.2, "red")),
            )
        )
        .with_row(row("Exposure and drawdown"))
        .with_panel(
            timeseries(
                "Exposure vs limit",
                "Capital exposed to each protocol beside its configured limit (dashed), summed over bots.",
                "currencyUSD",
                [q.EXPOSURE, q.EXPOSURE_LIMIT],
                dashed_series=".* limit$",
            )
        )
        .with_panel(
            bar_gauge(
                "Exposure used of limit",
                "Exposure as a share of its limit, per protocol (worst bot).",
                "percentunit",
                [q.EXPOSURE_USED],
                steps=LIMIT_STEPS,
                bounds=(0, 1),
            )
        )
        .with_panel(
            timeseries(
                "Drawdown vs limit",
                "Portfolio drawdown from its peak beside the limit that trips the kill switch (dashed).",
                "percentunit",
                [q.DRAWDOWN, q.DRAWDOWN_LIMIT],
                dashed_series=".* limit$",
                width=24,
            )
        )
        .with_row(row("Checks and breaches"))
        .with_panel(
            timeseries(
                "Breaches by rule", "Risk limit breaches per second, by rule.", "ops", [q.BREACHES_BY_RULE], width=8
            )
        )
        .with_panel(
            timeseries(
                "Checks by rule and outcome", "Risk rule evaluations per second.", "ops", [q.CHECKS_BY_RULE], width=8
            )
        )
        .with_panel(
            timeseries(
                "Breach ratio by rule",
                "Share of each rule's checks that found a breach.",
                "percentunit",
                [q.BREACH_RATIO_BY_RULE],
                width=8,
            )
        )
    )
    return number_panels(dash.build())
