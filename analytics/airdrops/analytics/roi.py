"""Return on investment per protocol and per airdrop: gas, fees and capital against airdrop value.

Costs: gas (`fee_usd` at the time of each transaction and claim, and `fee_native` per chain), fees
paid to protocols besides gas (`fees_usd`: swap, bridge and claim fees), and the opportunity cost of
capital locked in the protocol at `annual_rate`. Returns: realized (claimed tokens sold or bridged
out, at the price of that moment) and unrealized (claimed tokens still held, at the latest price), as
the `airdrop_returns` view values them. Inputs are view-shaped frames (`gas_costs_daily`,
`capital_flows`) and the output of `airdrop_tracking`. Net USD first; ROI as a ratio is null (n/a)
over a cost too small to mean anything (`roi_ratio`, the vocabulary's thresholds).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import polars as pl

from airdrops.analytics.claims import AIRDROP_KEY
from airdrops.monitoring.vocabulary import ROI_MIN_COST_SHARE, ROI_MIN_COST_USD

DAYS_PER_YEAR = 365.0
SECONDS_PER_DAY = 86_400.0
_ZERO = pl.lit(0.0)


def gas_by_chain(gas: pl.DataFrame) -> pl.DataFrame:
    """Gas per protocol and chain: transactions, gas units, fees in the chain's native coin and in USD."""
    return (
        gas.group_by(["protocol", "chain"])
        .agg(
            tx_count=pl.col("tx_count").sum().cast(pl.Int64),
            gas_used=pl.col("gas_used").sum().cast(pl.Int64),
            gas_native=pl.col("fee_native").sum(),
            gas_usd=pl.col("fee_usd").sum(),
        )
        .sort(["protocol", "chain"])
    )


def capital_locked(flows: pl.DataFrame, as_of: datetime, *, annual_rate: float = 0.0) -> pl.DataFrame:
    """Capital locked per protocol from deposits and withdrawals, and its opportunity cost until `as_of`.

    Walking each protocol's flows in time order, `locked = max(0, locked + deposit - withdrawal)`
    (a withdrawal above the principal is yield, not negative capital). `capital_usd_days` is the
    integral of `locked` over time in days, up to `as_of`; `opportunity_cost_usd = capital_usd_days
    * annual_rate / 365`. Flows after `as_of` are ignored.
    """
    rows: list[dict[str, object]] = []
    ordered = flows.filter(pl.col("ts") <= as_of).sort(["protocol", "ts"])
    for (protocol,), group in ordered.group_by(["protocol"], maintain_order=True):
        locked = deposited = withdrawn = usd_days = 0.0
        previous: datetime | None = None
        for ts, action, amount in group.select("ts", "action", "amount_usd").iter_rows():
            if previous is not None:
                usd_days += locked * (ts - previous).total_seconds() / SECONDS_PER_DAY
            if action == "deposit":
                deposited += amount
                locked += amount
            elif action == "withdraw":
                withdrawn += amount
                locked = max(0.0, locked - amount)
            previous = ts
        if previous is not None:
            usd_days += locked * (as_of - previous).total_seconds() / SECONDS_PER_DAY
        rows.append(
            {
                "protocol": protocol,
                "deposited_usd": deposited,
                "withdrawn_usd": withdrawn,
                "capital_locked_usd": locked,
                "capital_usd_days": usd_days,
                "opportunity_cost_usd": usd_days * annual_rate / DAYS_PER_YEAR,
            }
        )
    schema = {
        "protocol": pl.String,
        **dict.fromkeys(
            [
                "deposited_usd",
                "withdrawn_usd",
                "capital_locked_usd",
                "capital_usd_days",
                "opportunity_cost_usd",
            ],
            pl.Float64,
        ),
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def roi_ratio(net: pl.Expr, cost: pl.Expr, gross: pl.Expr) -> pl.Expr:
    """`net / cost`, or null when the cost is under `ROI_MIN_COST_USD` or under `ROI_MIN_COST_SHARE` of `gross`.

    The warehouse's SQL function `roi_ratio` is the same rule (both read the vocabulary's thresholds).
    """
    meaningful = (cost >= ROI_MIN_COST_USD) & (cost >= gross.abs() * ROI_MIN_COST_SHARE)
    return pl.when(meaningful).then(net / cost)


def _pnl(frame: pl.DataFrame) -> pl.DataFrame:
    """Cost, return and PnL columns from gas_usd, fees_usd, opportunity_cost_usd and the realized/unrealized values."""
    cost = pl.col("gas_usd") + pl.col("fees_usd") + pl.col("opportunity_cost_usd")
    gas_and_fees = pl.col("gas_usd") + pl.col("fees_usd")
    return (
        frame.with_columns(cost_usd=cost, value_now_usd=pl.col("realized_usd") + pl.col("unrealized_usd"))
        .with_columns(
            net_after_gas_usd=pl.col("value_now_usd") - gas_and_fees,
            realized_pnl_usd=pl.col("realized_usd") - pl.col("cost_usd"),
            unrealized_pnl_usd=pl.col("unrealized_usd"),
        )
        .with_columns(net_usd=pl.col("realized_pnl_usd") + pl.col("unrealized_pnl_usd"))
        .with_columns(
            roi_after_gas=roi_ratio(pl.col("net_after_gas_usd"), gas_and_fees, pl.col("value_now_usd")),
            roi=roi_ratio(pl.col("net_usd"), pl.col("cost_usd"), pl.col("value_now_usd")),
        )
    )


RESULT_COLUMNS = [
    "gas_usd",
    "fees_usd",
    "opportunity_cost_usd",
    "cost_usd",
    "value_at_claim_usd",
    "realized_usd",
    "unrealized_usd",
    "value_now_usd",
    "realized_pnl_usd",
    "unrealized_pnl_usd",
    "net_after_gas_usd",
    "roi_after_gas",
    "net_usd",
    "roi",
]


def _fill(frame: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    return frame.with_columns([pl.col(c).fill_null(0.0) for c in columns])


def roi_by_protocol(gas: pl.DataFrame, tracking: pl.DataFrame, capital: pl.DataFrame) -> pl.DataFrame:
    """ROI per protocol over all its chains: `roi = net_usd / cost_usd`, `roi_after_gas` without capital cost.

    `gas` has the columns of `gas_costs_daily`, `tracking` is `airdrop_tracking(...)`, `capital`
    is `capital_locked(...)`.
    """
    spent = gas.group_by("protocol").agg(
        chains=pl.col("chain").drop_nulls().unique().sort().str.join(","),
        tx_count=pl.col("tx_count").sum().cast(pl.Int64),
        gas_usd=pl.col("fee_usd").sum(),
        fees_usd=pl.col("fees_usd").sum(),
    )
    earned = tracking.group_by("protocol").agg(
        airdrops=pl.col("airdrop").n_unique().cast(pl.Int64),
        claims_succeeded=pl.col("claims_succeeded").sum().cast(pl.Int64),
        value_at_claim_usd=pl.col("value_at_claim_usd").sum(),
        realized_usd=pl.col("realized_usd").sum(),
        unrealized_usd=pl.col("unrealized_usd").sum(),
    )
    keys = pl.concat([f.select("protocol") for f in (spent, earned, capital)]).unique()
    frame = (
        keys.join(spent, on="protocol", how="left")
        .join(earned, on="protocol", how="left")
        .join(capital.select("protocol", "capital_locked_usd", "opportunity_cost_usd"), on="protocol", how="left")
    )
    frame = _fill(
        frame,
        [
            "gas_usd",
            "fees_usd",
            "value_at_claim_usd",
            "realized_usd",
            "unrealized_usd",
            "capital_locked_usd",
            "opportunity_cost_usd",
        ],
    ).with_columns(
        pl.col("tx_count", "airdrops", "claims_succeeded").fill_null(0),
        chains=pl.col("chains").fill_null(""),
    )
    columns = ["protocol", "chains", "tx_count", "airdrops", "claims_succeeded", "capital_locked_usd", *RESULT_COLUMNS]
    return _pnl(frame).select(columns).sort("protocol")


def roi_by_airdrop(gas: pl.DataFrame, tracking: pl.DataFrame, capital: pl.DataFrame) -> pl.DataFrame:
    """ROI per airdrop: its claims' gas and fees plus an equal share of its protocol's farming gas, fees and
    capital cost.

    A protocol's farming costs (gas and fees of its non-claim transactions on every chain, and its
    opportunity cost) are split equally between the airdrops of that protocol seen in `tracking`.
    """
    claim_gas = (
        gas.filter(pl.col("airdrop").is_not_null())
        .group_by(AIRDROP_KEY)
        .agg(claim_gas_usd=pl.col("fee_usd").sum(), claim_fees_usd=pl.col("fees_usd").sum())
    )
    farming = (
        gas.filter(pl.col("airdrop").is_null())
        .group_by("protocol")
        .agg(farming_gas_usd=pl.col("fee_usd").sum(), farming_fees_usd=pl.col("fees_usd").sum())
    )
    shared = farming.join(
        capital.select("protocol", "opportunity_cost_usd"), on="protocol", how="full", coalesce=True
    ).pipe(_fill, ["farming_gas_usd", "farming_fees_usd", "opportunity_cost_usd"])
    frame = (
        tracking.select(
            *AIRDROP_KEY,
            "chains",
            "claims_attempted",
            "claims_succeeded",
            "value_at_claim_usd",
            "realized_usd",
            "unrealized_usd",
        )
        .with_columns(share=1.0 / pl.len().over("protocol"))
        .join(claim_gas, on=AIRDROP_KEY, how="left")
        .join(shared, on="protocol", how="left")
        .pipe(_fill, ["claim_gas_usd", "claim_fees_usd", "farming_gas_usd", "farming_fees_usd", "opportunity_cost_usd"])
        .with_columns(
            farming_gas_usd=pl.col("farming_gas_usd") * pl.col("share"),
            fees_usd=pl.col("claim_fees_usd") + pl.col("farming_fees_usd") * pl.col("share"),
            opportunity_cost_usd=pl.col("opportunity_cost_usd") * pl.col("share"),
        )
        .with_columns(gas_usd=pl.col("claim_gas_usd") + pl.col("farming_gas_usd"))
    )
    columns = [
        *AIRDROP_KEY,
        "chains",
        "claims_attempted",
        "claims_succeeded",
        "claim_gas_usd",
        "farming_gas_usd",
        *RESULT_COLUMNS,
    ]
    return _pnl(frame).select(columns).sort(AIRDROP_KEY)


def costs_by_wallet(costs: pl.DataFrame) -> pl.DataFrame:
    """Per wallet (over its chains and protocols): transactions, gas and fees in USD, their total; the largest first.

    `costs` has the columns of the `costs_by_wallet` view.
    """
    return (
        costs.group_by("wallet")
        .agg(
            chains=pl.col("chain").unique().sort().str.join(","),
            tx_count=pl.col("tx_count").sum().cast(pl.Int64),
            gas_usd=pl.col("gas_usd").sum(),
            fees_usd=pl.col("fees_usd").sum(),
        )
        .with_columns(total_usd=pl.col("gas_usd") + pl.col("fees_usd"))
        .sort(["total_usd", "wallet"], descending=[True, False])
    )


def worst(roi: pl.DataFrame, n: int = 5, by: str = "roi_after_gas") -> pl.DataFrame:
    """The `n` rows with the lowest `by` (ties: the larger loss first); rows without a value come last."""
    return roi.sort([by, "net_after_gas_usd"], nulls_last=True).head(n)
