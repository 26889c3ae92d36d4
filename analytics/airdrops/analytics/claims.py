"""Airdrop tracking and claim success rates, from the `claim_outcomes` and `claim_success_rate` views.

Pure functions: frames in (with the views' columns, see `airdrops.analytics.query.VIEWS`), frames out.
Every rate is a ratio of sums (`sum(succeeded) / sum(counted)`), never an average of rates. Which
attempts count (expected outcomes such as "not eligible" do not) and which make a wallet ineligible
come with the views' rows (`counted`, `expected`, `ineligible`), classified by the warehouse from
`airdrops.monitoring.vocabulary`: nothing here restates the taxonomy.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

#: Columns a success rate may be broken down by.
DIMENSIONS = ("bot_id", "chain", "protocol", "airdrop")
#: The counts a success rate is made of, summed per group.
COUNTS = ("attempts", "succeeded", "failed", "expected_failures", "counted")
#: An airdrop is one campaign of one protocol; its claims may span chains.
AIRDROP_KEY = ["airdrop", "protocol"]


def _ratio(num: str, den: str) -> pl.Expr:
    return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None)


def success_rate(rates: pl.DataFrame, by: Sequence[str] = ("protocol",), period: str | None = None) -> pl.DataFrame:
    """Claim counts (`COUNTS`) and `success_rate = succeeded / counted` per `by` and `period`.

    `rates` has the columns of `claim_success_rate` (one row per day and dimensions). `by` is any
    of `DIMENSIONS` (empty: overall); `period` a Polars duration such as `"1d"`, `"1w"` (weeks start
    on Monday) or `"1mo"`, adding a `period_start` column.
    """
    unknown = set(by) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"cannot break claims down by {sorted(unknown)}; choose from {DIMENSIONS}")
    keys = list(by)
    frame = rates
    if period is not None:
        frame = frame.with_columns(period_start=pl.col("day").dt.truncate(period))
        keys = ["period_start", *keys]
    sums = [pl.col(c).sum().cast(pl.Int64) for c in COUNTS]
    out = frame.group_by(keys).agg(sums) if keys else frame.select(sums)
    out = out.with_columns(success_rate=_ratio("succeeded", "counted"))
    return out.sort(keys) if keys else out


def airdrop_tracking(outcomes: pl.DataFrame, returns: pl.DataFrame) -> pl.DataFrame:
    """Per airdrop: wallets, claims attempted / succeeded / failed / counted, amounts and what they are worth.

    `outcomes` has the columns of `claim_outcomes`, `returns` those of `airdrop_returns` (realized:
    claimed tokens sold or bridged out, at the price of that moment; unrealized: those still held,
    at the latest price). A wallet is eligible unless one of its claims failed for a reason that
    makes it ineligible (the row's `ineligible`) and none succeeded.
    `success_rate = claims_succeeded / claims_counted`; `value_now_usd = realized_usd + unrealized_usd`.
    """
    success = pl.col("outcome") == "success"
    per_wallet = outcomes.group_by([*AIRDROP_KEY, "wallet"]).agg(
        claimed=success.any(),
        ineligible=(~success & pl.col("ineligible")).any(),
    )
    wallets = per_wallet.group_by(AIRDROP_KEY).agg(
        wallets_attempted=pl.len().cast(pl.Int64),
        eligible_wallets=(~(pl.col("ineligible") & ~pl.col("claimed"))).sum().cast(pl.Int64),
        wallets_claimed=pl.col("claimed").sum().cast(pl.Int64),
    )
    claimed = returns.group_by(AIRDROP_KEY).agg(
        token=pl.col("token").drop_nulls().unique().sort().str.join(","),
        amount_claimed=pl.col("amount_claimed").sum(),
        value_at_claim_usd=pl.col("value_at_claim_usd").sum(),
        realized_usd=pl.col("realized_usd").sum(),
        unrealized_usd=pl.col("unrealized_usd").sum(),
    )
    counts = outcomes.group_by(AIRDROP_KEY).agg(
        chains=pl.col("chain").drop_nulls().unique().sort().str.join(","),
        claims_attempted=pl.col("attempts").sum().cast(pl.Int64),
        claims_succeeded=pl.col("attempts").filter(success).sum().cast(pl.Int64),
        claims_expected=pl.col("attempts").filter(pl.col("expected")).sum().cast(pl.Int64),
        first_day=pl.col("day").min(),
        last_day=pl.col("day").max(),
    )
    top = claim_failures(outcomes).group_by(AIRDROP_KEY, maintain_order=True).agg(top_failure_reason=pl.first("reason"))
    out = (
        counts.join(wallets, on=AIRDROP_KEY, how="left")
        .join(claimed, on=AIRDROP_KEY, how="left")
        .join(top, on=AIRDROP_KEY, how="left")
        .with_columns(
            claims_failed=pl.col("claims_attempted") - pl.col("claims_succeeded"),
            claims_counted=pl.col("claims_attempted") - pl.col("claims_expected"),
            amount_claimed=pl.col("amount_claimed").fill_null(0.0),
            value_at_claim_usd=pl.col("value_at_claim_usd").fill_null(0.0),
            realized_usd=pl.col("realized_usd").fill_null(0.0),
            unrealized_usd=pl.col("unrealized_usd").fill_null(0.0),
        )
        .with_columns(value_now_usd=pl.col("realized_usd") + pl.col("unrealized_usd"))
        .with_columns(success_rate=_ratio("claims_succeeded", "claims_counted"))
    )
    columns = [
        *AIRDROP_KEY,
        "chains",
        "token",
        "wallets_attempted",
        "eligible_wallets",
        "wallets_claimed",
        "claims_attempted",
        "claims_succeeded",
        "claims_failed",
        "claims_expected",
        "claims_counted",
        "success_rate",
        "top_failure_reason",
        "amount_claimed",
        "value_at_claim_usd",
        "realized_usd",
        "unrealized_usd",
        "value_now_usd",
        "first_day",
        "last_day",
    ]
    return out.select(columns).sort(AIRDROP_KEY)


def claim_failures(outcomes: pl.DataFrame) -> pl.DataFrame:
    """Failed claims per airdrop and reason: `failures`, distinct `wallets`, `share` of the airdrop's failures,
    and whether the reason is an `expected` outcome rather than a fault.

    Sorted by airdrop, then most frequent reason first (ties by reason name).
    """
    failed = outcomes.filter(pl.col("outcome") != "success")
    out = (
        failed.group_by([*AIRDROP_KEY, "reason", "expected"])
        .agg(failures=pl.col("attempts").sum().cast(pl.Int64), wallets=pl.col("wallet").n_unique().cast(pl.Int64))
        .with_columns(share=pl.col("failures") / pl.col("failures").sum().over(AIRDROP_KEY))
    )
    return out.sort([*AIRDROP_KEY, "failures", "reason"], descending=[False, False, True, False])
