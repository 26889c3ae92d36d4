"""Open risks: the risk breaches of the recent past, from the `risk_breach_events` view."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

#: How far back a breach still counts as an open risk.
RISK_WINDOW = timedelta(days=7)
SEVERITY_ORDER = {"critical": 0, "warning": 1}


def open_risks(breaches: pl.DataFrame, as_of: datetime, window: timedelta = RISK_WINDOW) -> pl.DataFrame:
    """Breaches in `(as_of - window, as_of]` per rule, severity and protocol, the most severe and frequent first.

    Columns: `rule, severity, protocol, breaches, bots, first_ts, last_ts, last_value, last_limit,
    last_action` (the `last_*` from the latest breach of the group).
    """
    recent = breaches.filter((pl.col("ts") > as_of - window) & (pl.col("ts") <= as_of)).sort("ts")
    keys = ["rule", "severity", "protocol"]
    out = recent.group_by(keys).agg(
        breaches=pl.len().cast(pl.Int64),
        bots=pl.col("bot_id").n_unique().cast(pl.Int64),
        first_ts=pl.col("ts").first(),
        last_ts=pl.col("ts").last(),
        last_value=pl.col("value").last(),
        last_limit=pl.col("limit_value").last(),
        last_action=pl.col("action_taken").last(),
    )
    rank = pl.col("severity").replace_strict(SEVERITY_ORDER, default=len(SEVERITY_ORDER), return_dtype=pl.Int64)
    return out.sort([rank, "breaches", "last_ts", "rule"], descending=[False, True, True, False])
