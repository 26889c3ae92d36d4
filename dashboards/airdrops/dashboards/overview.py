"""System Overview: is every bot up, sending transactions, claiming, and talking to its RPC?"""

from __future__ import annotations

from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards import queries as q
from airdrops.dashboards.common import new_dashboard
from airdrops.dashboards.panels import bar_gauge, number_panels, row, stat, state, timeseries
from airdrops.rules.config import DEFAULT, RulesConfig
from airdrops.rules.expr import pct

UID = "airdrops-overview"
TITLE = "Airdrops / System Overview"
DESCRIPTION = (
    "Health of the airdrop bots at a glance: scrape status, firing alerts, transactions and claims, "
    "RPC latency and errors, gas spend, and the SDK's own event loss. Start here; the links at the top "
    "lead to the scheduler, risk and capital dashboards."
)


def dashboard(cfg: RulesConfig = DEFAULT) -> model.Dashboard:
    """The overview, with the site's expected claim outcomes and SLO objectives (the rules' settings)."""
    dash = (
        new_dashboard(UID, TITLE, DESCRIPTION)
        .with_row(row("Health"))
        .with_panel(
            stat(
                "Bots up",
                "1 while Prometheus scrapes the bot's /metrics; 0 when the target stops answering.",
                "short",
                [q.BOTS_UP],
                steps=((None, "red"), (1, "green")),
                mappings=state({"0": ("DOWN", "red"), "1": ("UP", "green")}),
            )
        )
        .with_panel(
            stat(
                "Firing alerts",
                "Alerts firing for the chosen bots (the Watchdog excluded).",
                "short",
                [q.FIRING_ALERTS],
                steps=((None, "green"), (1, "red")),
            )
        )
        .with_panel(stat("Portfolio value", "Total value of all wallets, in USD.", "currencyUSD", [q.PORTFOLIO_VALUE]))
        .with_panel(
            stat(
                "Events dropped",
                "Business events the SDK lost over the time range (queue full, disk errors, invalid).",
                "short",
                [q.EVENTS_DROPPED_IN_RANGE],
                steps=((None, "green"), (1, "red")),
            )
        )
        .with_row(row("Transactions and claims"))
        .with_panel(
            timeseries(
                "Transactions by outcome", "Transactions sent per second.", "ops", [q.TX_RATE_BY_OUTCOME], stacked=True
            )
        )
        .with_panel(
            timeseries(
                "Transaction failure ratio",
                "Share of transactions that failed (reverted or rejected).",
                "percentunit",
                [q.TX_FAILURE_RATIO],
            )
        )
        .with_panel(
            timeseries(
                "Claim attempts by outcome",
                "Airdrop claim attempts per second, by outcome and failure reason.",
                "ops",
                [q.CLAIMS_BY_OUTCOME],
                stacked=True,
                width=12,
            )
        )
        .with_panel(
            stat(
                "Claim success rate",
                "Claims that succeeded over the counted attempts of the time range; expected outcomes "
                f"({', '.join(cfg.expected_claim_reasons)}) are not counted (docs/analytics.md).",
                "percentunit",
                [q.claim_success_ratio(cfg)],
                steps=((None, "red"), (0.5, "orange"), (0.9, "green")),
                height=8,
            )
        )
        .with_panel(
            stat(
                "Claimed value",
                "USD value of airdrop tokens claimed over the time range.",
                "currencyUSD",
                [q.CLAIMED_VALUE],
                height=8,
            )
        )
        .with_panel(
            bar_gauge(
                "SLO error budget left",
                f"Share of each SLO's error budget (claim success {pct(cfg.claim_success_objective)}, RPC "
                f"availability {pct(cfg.rpc_availability_objective)}) not spent over the time range; choose "
                "30 days for the budget's own window. Below 0: over-spent.",
                "percentunit",
                q.slo_budget_left(cfg),
                steps=((None, "red"), (0, "orange"), (0.25, "green")),
                bounds=(-1, 1),
                width=24,
                height=6,
            )
        )
        .with_row(row("RPC"))
        .with_panel(
            timeseries(
                "RPC latency", "JSON-RPC request duration, p50/p95/p99 over all providers.", "s", q.RPC_LATENCY, width=8
            )
        )
        .with_panel(
            timeseries(
                "RPC error ratio",
                "Share of JSON-RPC requests that failed.",
                "percentunit",
                [q.RPC_ERROR_RATIO],
                width=8,
            )
        )
        .with_panel(
            timeseries(
                "RPC requests by method",
                "JSON-RPC requests per second.",
                "reqps",
                [q.RPC_RATE_BY_METHOD],
                stacked=True,
                width=8,
            )
        )
        .with_row(row("Gas"))
        .with_panel(
            timeseries(
                "Gas spend by protocol",
                "Transaction fees in USD per hour, at the price of each transaction.",
                "currencyUSD",
                [q.GAS_USD_PER_HOUR],
                stacked=True,
                width=12,
            )
        )
        .with_panel(
            stat(
                "Protocol fees",
                "Swap, bridge and claim fees the protocols kept over the time range, besides gas, in USD.",
                "currencyUSD",
                [q.FEES_USD_IN_RANGE],
                height=8,
            )
        )
        .with_panel(
            stat(
                "Gas spent",
                "Transaction fees paid over the time range, in USD.",
                "currencyUSD",
                [q.GAS_USD_IN_RANGE],
                height=8,
            )
        )
    )
    return number_panels(dash.build())
