"""ROI per Protocol / Airdrop: gas and fees against the value of the airdrops claimed."""

from __future__ import annotations

from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards.analytics import sql as q
from airdrops.dashboards.analytics.common import new_dashboard
from airdrops.dashboards.analytics.panels import bars, stat, table, timeseries
from airdrops.dashboards.panels import number_panels, row

UID = "airdrops-roi"
TITLE = "Airdrops / ROI per Protocol and Airdrop"
DESCRIPTION = (
    "Return on the gas and fees spent farming each protocol and claiming each airdrop, from the warehouse: net = "
    "realized (claimed tokens sold, at the price of that moment) + unrealized (tokens held, at the latest price) - "
    "gas - fees; ROI = net / (gas + fees), n/a over a near-zero cost. The totals cover all loaded data (the time "
    "range applies to the per-day panels only); the HTML report adds capital cost."
)
SIGN_STEPS = ((None, "red"), (0, "green"))
MONEY = {
    "gas_usd": "currencyUSD",
    "fees_usd": "currencyUSD",
    "claimed_value_usd": "currencyUSD",
    "realized_usd": "currencyUSD",
    "unrealized_usd": "currencyUSD",
    "net_usd": "currencyUSD",
    "roi": "percentunit",
}


def dashboard() -> model.Dashboard:
    dash = (
        new_dashboard(UID, TITLE, DESCRIPTION, ["chain", "protocol"], time_from="now-90d")
        .with_row(row("Totals"))
        .with_panel(
            stat(
                "Gas and fees", "Fees paid for transactions and claims, in USD at the time.", "currencyUSD", q.GAS_TOTAL
            )
        )
        .with_panel(
            stat("Claimed value", "Airdrop value received, in USD at claim time.", "currencyUSD", q.CLAIMED_TOTAL)
        )
        .with_panel(
            stat(
                "Realized",
                "Claimed tokens sold or bridged out, at the price of that moment.",
                "currencyUSD",
                q.REALIZED_TOTAL,
            )
        )
        .with_panel(
            stat("Unrealized", "Claimed tokens still held, at the latest price.", "currencyUSD", q.UNREALIZED_TOTAL)
        )
        .with_panel(
            stat("Net", "Realized plus unrealized, minus gas and fees.", "currencyUSD", q.NET_TOTAL, steps=SIGN_STEPS)
        )
        .with_panel(
            stat(
                "ROI",
                "Net over gas and fees; empty (n/a) when they are too small for a meaningful ratio.",
                "percentunit",
                q.ROI_TOTAL,
                steps=SIGN_STEPS,
            )
        )
        .with_row(row("Per protocol"))
        .with_panel(
            bars(
                "Net per protocol",
                "Realized plus unrealized value minus gas and fees, per protocol: red loses money.",
                "currencyUSD",
                q.NET_BY_PROTOCOL,
                "protocol",
                steps=SIGN_STEPS,
            )
        )
        .with_panel(
            timeseries(
                "Gas per day by protocol",
                "Fees paid per UTC day, in USD at the time.",
                "currencyUSD",
                [q.GAS_PER_DAY],
                stacked=True,
            )
        )
        .with_panel(
            timeseries(
                "Protocol fees per day by protocol",
                "Swap, bridge and claim fees paid to protocols per UTC day (besides gas), in USD at the time.",
                "currencyUSD",
                [q.FEES_PER_DAY],
                stacked=True,
            )
        )
        .with_panel(
            table(
                "ROI per protocol and chain",
                "Costs, returns and ROI (n/a where the cost is too small for a meaningful ratio), the largest loss "
                "first.",
                q.PROTOCOL_TABLE,
                MONEY,
            )
        )
        .with_panel(
            table(
                "Gas and fees per wallet",
                "What each wallet spent on gas and protocol fees, per chain and protocol, the largest first.",
                q.WALLET_COSTS,
                {"gas_usd": "currencyUSD", "fees_usd": "currencyUSD", "total_usd": "currencyUSD"},
            )
        )
        .with_row(row("Per airdrop"))
        .with_panel(
            bars(
                "Net per airdrop",
                "Realized plus unrealized value minus claim costs and a share of the protocol's farming costs, per "
                "airdrop.",
                "currencyUSD",
                q.NET_BY_AIRDROP,
                "airdrop",
                steps=SIGN_STEPS,
            )
        )
        .with_panel(
            timeseries(
                "Claimed value per day by airdrop",
                "Airdrop value received per UTC day, in USD at claim time.",
                "currencyUSD",
                [q.CLAIMED_PER_DAY],
                stacked=True,
            )
        )
        .with_panel(
            table(
                "ROI per airdrop", "Costs, returns and ROI per airdrop, the largest loss first.", q.AIRDROP_TABLE, MONEY
            )
        )
    )
    return number_panels(dash.build())
