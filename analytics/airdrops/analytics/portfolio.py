"""Portfolio value over time, with its time-weighted and money-weighted returns.

Input: frames with the columns of `portfolio_value_daily` (`day, bot_id, value_usd`), and optional
external flows (`day, amount_usd`: money the operator added, positive, or took out, negative;
the event log has no such events yet, so the report passes none).
"""

from __future__ import annotations

import polars as pl

from airdrops.analytics.returns import XirrError, annualize, twr, xirr

FLOW_SCHEMA = {"day": pl.Date, "amount_usd": pl.Float64}


def _flows(flows: pl.DataFrame | None) -> pl.DataFrame:
    if flows is None:
        return pl.DataFrame(schema=FLOW_SCHEMA)
    return flows.group_by("day").agg(pl.col("amount_usd").sum())


def portfolio_value(daily: pl.DataFrame) -> pl.DataFrame:
    """Total value per day over bots: `day, value_usd, bots`.

    A bot without a snapshot on a day between its first and last snapshot keeps its previous
    day's value (forward fill), so a missed snapshot does not show as a crash; outside that range
    the bot adds nothing.
    """
    if daily.height == 0:
        return pl.DataFrame(schema={"day": pl.Date, "value_usd": pl.Float64, "bots": pl.Int64})
    per_bot = daily.group_by(["bot_id", "day"]).agg(pl.col("value_usd").sum())
    ranges = per_bot.group_by("bot_id").agg(first=pl.col("day").min(), last=pl.col("day").max())
    grid = ranges.select("bot_id", day=pl.date_ranges("first", "last", "1d")).explode("day")
    filled = (
        grid.join(per_bot, on=["bot_id", "day"], how="left")
        .sort(["bot_id", "day"])
        .with_columns(pl.col("value_usd").forward_fill().over("bot_id"))
    )
    return (
        filled.group_by("day")
        .agg(value_usd=pl.col("value_usd").sum(), bots=pl.col("bot_id").n_unique().cast(pl.Int64))
        .sort("day")
    )


def portfolio_series(values: pl.DataFrame, flows: pl.DataFrame | None = None) -> pl.DataFrame:
    """`day, value_usd, flow_usd, period_return, cumulative_twr` from `portfolio_value(...)` rows.

    `period_return = (V_i - F_i) / V_{i-1} - 1` (flows on or before the first day are in V_0,
    flows between two valuations count on the later one); `cumulative_twr` chains them:
    `prod(1 + period_return) - 1`, 0 on the first day.
    """
    ordered = values.select("day", "value_usd").sort("day")
    if ordered.height == 0:
        return ordered.with_columns(
            [pl.lit(None, pl.Float64).alias(c) for c in ("flow_usd", "period_return", "cumulative_twr")]
        )
    flow = _flows(flows).filter(pl.col("day") > ordered["day"][0])
    # Each flow counts on the first valuation on or after its day.
    assigned = flow.sort("day").join_asof(
        ordered.select(valuation_day="day").sort("valuation_day"),
        left_on="day",
        right_on="valuation_day",
        strategy="forward",
    )
    per_day = assigned.group_by("valuation_day").agg(flow_usd=pl.col("amount_usd").sum())
    per_day = per_day.rename({"valuation_day": "day"})
    out = (
        ordered.join(per_day, on="day", how="left")
        .with_columns(pl.col("flow_usd").fill_null(0.0))
        .with_columns(
            period_return=pl.when(pl.col("value_usd").shift(1) != 0).then(
                (pl.col("value_usd") - pl.col("flow_usd")) / pl.col("value_usd").shift(1) - 1.0
            )
        )
    )
    growth = (1.0 + out["period_return"].fill_null(0.0)).cum_prod() - 1.0
    return out.with_columns(cumulative_twr=growth)


def portfolio_returns(values: pl.DataFrame, flows: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row: start and end day and value, net flows, PnL, TWR (cumulative and annualized) and MWR.

    `pnl_usd = V_end - V_start - net_flows`. TWR is `twr(values, flows)`; MWR is the XIRR of the
    investor's cash flows: `-V_start` on the first day, `-F` for each flow, `+V_end` on the last
    day (null when XIRR has no answer, e.g. a portfolio that went to 0).
    """
    ordered = values.select("day", "value_usd").sort("day")
    schema = {
        "start_day": pl.Date,
        "end_day": pl.Date,
        "days": pl.Int64,
        "start_value_usd": pl.Float64,
        "end_value_usd": pl.Float64,
        "net_flows_usd": pl.Float64,
        "pnl_usd": pl.Float64,
        "twr": pl.Float64,
        "twr_annualized": pl.Float64,
        "mwr": pl.Float64,
    }
    if ordered.height < 2:
        return pl.DataFrame(schema=schema)
    points = list(ordered.iter_rows())
    (start_day, start_value), (end_day, end_value) = points[0], points[-1]
    flow_rows = list(_flows(flows).filter(pl.col("day") > start_day).sort("day").iter_rows())
    net = sum(a for _, a in flow_rows)
    days = (end_day - start_day).days
    total = twr(points, flow_rows)
    try:
        mwr: float | None = xirr([(start_day, -start_value), *((d, -a) for d, a in flow_rows), (end_day, end_value)])
    except XirrError:
        mwr = None
    row = {
        "start_day": start_day,
        "end_day": end_day,
        "days": days,
        "start_value_usd": start_value,
        "end_value_usd": end_value,
        "net_flows_usd": net,
        "pnl_usd": end_value - start_value - net,
        "twr": total,
        "twr_annualized": annualize(total, days),
        "mwr": mwr,
    }
    return pl.DataFrame([row], schema=schema)
