"""Capital Allocation Efficiency: is the capital deployed where the plan says, and working?"""

from __future__ import annotations

from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards import queries as q
from airdrops.dashboards.common import new_dashboard
from airdrops.dashboards.panels import bar_gauge, gauge, number_panels, row, stat, timeseries

UID = "airdrops-capital"
TITLE = "Airdrops / Capital Allocation Efficiency"
DESCRIPTION = (
    "Capital allocation of the airdrop bots: deployed capital against the plan per protocol, idle capital, "
    "the efficiency ratio, rebalancing outcomes, portfolio value and wallet balances."
)


def dashboard() -> model.Dashboard:
    dash = (
        new_dashboard(UID, TITLE, DESCRIPTION, time_from="now-6h")
        .with_row(row("Summary"))
        .with_panel(stat("Portfolio value", "Total value of all wallets, in USD.", "currencyUSD", [q.PORTFOLIO_VALUE]))
        .with_panel(
            gauge(
                "Capital efficiency",
                "Deployed capital over total capital (mean over bots).",
                "percentunit",
                [q.EFFICIENCY],
                steps=((None, "red"), (0.5, "orange"), (0.7, "green")),
            )
        )
        .with_panel(
            stat(
                "Idle capital",
                "Capital assigned to protocols but not deployed, plus the unassigned reserve.",
                "currencyUSD",
                [q.IDLE_TOTAL],
            )
        )
        .with_panel(
            stat(
                "Rebalance success ratio",
                "Rebalancing rounds that completed over the time range.",
                "percentunit",
                [q.REBALANCE_SUCCESS_RATIO],
                steps=((None, "red"), (0.5, "orange"), (0.9, "green")),
            )
        )
        .with_row(row("Allocation"))
        .with_panel(
            timeseries(
                "Allocated vs target",
                "Capital deployed in each protocol beside the plan's target (dashed), summed over bots.",
                "currencyUSD",
                [q.ALLOCATED, q.TARGET],
                dashed_series=".* target$",
            )
        )
        .with_panel(
            bar_gauge(
                "Allocation drift",
                "Deployed minus target capital per protocol: negative is under-deployed.",
                "currencyUSD",
                [q.ALLOCATION_DRIFT],
            )
        )
        .with_panel(
            timeseries(
                "Idle capital by protocol",
                "Capital not deployed, per protocol (`reserve` is unassigned capital).",
                "currencyUSD",
                [q.IDLE_BY_PROTOCOL],
                stacked=True,
            )
        )
        .with_panel(
            timeseries(
                "Efficiency ratio",
                "Deployed capital over total capital, per bot.",
                "percentunit",
                [q.EFFICIENCY_BY_BOT],
            )
        )
        .with_row(row("Rebalancing and balances"))
        .with_panel(
            timeseries(
                "Rebalances by outcome",
                "Rebalancing rounds per second, by outcome and error type.",
                "ops",
                [q.REBALANCES_BY_OUTCOME],
                width=8,
            )
        )
        .with_panel(
            timeseries(
                "Portfolio value", "Total value of each bot's wallets.", "currencyUSD", [q.PORTFOLIO_BY_BOT], width=8
            )
        )
        .with_panel(
            timeseries(
                "Wallet balances",
                "Wallet holdings in USD by chain and token, summed over wallets and bots.",
                "currencyUSD",
                [q.WALLET_BALANCES],
                stacked=True,
                width=8,
            )
        )
    )
    return number_panels(dash.build())
