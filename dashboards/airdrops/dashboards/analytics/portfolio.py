"""Portfolio Value Over Time: the bots' holdings per day, the return over the range and the drawdown."""

from __future__ import annotations

from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards.analytics import sql as q
from airdrops.dashboards.analytics.common import new_dashboard
from airdrops.dashboards.analytics.panels import stat, timeseries
from airdrops.dashboards.panels import number_panels, row

UID = "airdrops-portfolio-value"
TITLE = "Airdrops / Portfolio Value Over Time"
DESCRIPTION = (
    "Value of the bots' wallets and positions per UTC day (each day's last snapshot), the return over the time "
    "range (value ratio, no external flows) and the drawdown from the running peak. Time- and money-weighted "
    "returns around external flows are in the HTML report."
)
SIGN_STEPS = ((None, "red"), (0, "green"))


def dashboard() -> model.Dashboard:
    dash = (
        new_dashboard(UID, TITLE, DESCRIPTION, ["bot_id"], time_from="now-90d")
        .with_row(row("Summary"))
        .with_panel(stat("Latest value", "Total value on the last day of the range.", "currencyUSD", q.LATEST_VALUE))
        .with_panel(
            stat(
                "Return over the range",
                "Last day's value over the first day's, minus 1.",
                "percentunit",
                q.RETURN_IN_RANGE,
                steps=SIGN_STEPS,
            )
        )
        .with_panel(
            stat(
                "Max drawdown",
                "Largest fall from a running peak within the range.",
                "percentunit",
                q.MAX_DRAWDOWN,
                steps=((None, "red"), (-0.2, "orange"), (-0.05, "green")),
            )
        )
        .with_row(row("Value"))
        .with_panel(timeseries("Portfolio value", "Total value per UTC day.", "currencyUSD", [q.VALUE], width=24))
        .with_panel(
            timeseries("Value by bot", "Value per bot per UTC day.", "currencyUSD", [q.VALUE_BY_BOT], stacked=True)
        )
        .with_panel(
            timeseries(
                "Cumulative return",
                "Value over the range's first day's value, minus 1.",
                "percentunit",
                [q.CUMULATIVE_RETURN],
            )
        )
        .with_panel(
            timeseries(
                "Drawdown",
                "Value over its running peak, minus 1.",
                "percentunit",
                [q.DRAWDOWN],
                width=24,
            )
        )
    )
    return number_panels(dash.build())
