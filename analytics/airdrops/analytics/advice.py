"""The report's "what to change": recommendations derived from the ROI and claim numbers, nothing else."""

from __future__ import annotations

import polars as pl

from airdrops.monitoring.vocabulary import claim_hint

#: An airdrop's claims "keep failing" when at least this share failed ...
FAILURE_SHARE = 0.5
#: ... and at least this many did.
MIN_FAILURES = 3
#: Reasons named per airdrop.
TOP_REASONS = 3
#: For a reason the vocabulary has no advice for (`airdrops.monitoring.vocabulary.claim_hint`).
GENERIC_HINT = "look at the failing transactions in the event log"
SCHEMA = {"kind": pl.String, "subject": pl.String, "message": pl.String}


def _usd(x: float) -> str:
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def what_to_change(
    roi_protocol: pl.DataFrame,
    tracking: pl.DataFrame,
    failures: pl.DataFrame,
    *,
    failure_share: float = FAILURE_SHARE,
    min_failures: int = MIN_FAILURES,
) -> pl.DataFrame:
    """Recommendations: `kind` (`negative_roi` | `failing_claims`), `subject`, `message`.

    - every protocol whose ROI after gas is negative (airdrop value now below gas and fees spent),
      the largest loss first;
    - every airdrop with `claims_failed >= min_failures` and `claims_failed / claims_attempted >=
      failure_share`, the highest failure share first, with its top reasons and what to do.
    `roi_protocol` is `roi_by_protocol(...)`, `tracking` `airdrop_tracking(...)`, `failures`
    `claim_failures(...)`.
    """
    rows: list[dict[str, str]] = []
    losing = roi_protocol.filter(pl.col("roi_after_gas") < 0).sort("net_after_gas_usd")
    for r in losing.iter_rows(named=True):
        spent = r["gas_usd"] + r["fees_usd"]
        earned = r["realized_usd"] + r["unrealized_usd"]
        rows.append(
            {
                "kind": "negative_roi",
                "subject": r["protocol"],
                "message": (
                    f"Cut farming on {r['protocol']}: {_usd(spent)} of gas and fees brought {_usd(earned)} of airdrop "
                    f"value (ROI after gas {r['roi_after_gas']:.0%}, net {_usd(r['net_after_gas_usd'])})."
                ),
            }
        )
    failing = tracking.with_columns(failed_share=pl.col("claims_failed") / pl.col("claims_attempted")).filter(
        (pl.col("claims_failed") >= min_failures) & (pl.col("failed_share") >= failure_share)
    )
    for r in failing.sort(["failed_share", "claims_failed"], descending=True).iter_rows(named=True):
        top = failures.filter((pl.col("airdrop") == r["airdrop"]) & (pl.col("protocol") == r["protocol"]))
        top = top.head(TOP_REASONS)
        reasons = ", ".join(f"{x['reason']} {x['failures']} ({x['share']:.0%})" for x in top.iter_rows(named=True))
        first = top["reason"][0] if top.height else ""
        rows.append(
            {
                "kind": "failing_claims",
                "subject": r["airdrop"],
                "message": (
                    f"Claims for {r['airdrop']} keep failing: {r['claims_failed']} of {r['claims_attempted']} "
                    f"({r['failed_share']:.0%}); top reasons: {reasons}. Next: {claim_hint(first) or GENERIC_HINT}."
                ),
            }
        )
    return pl.DataFrame(rows, schema=SCHEMA)
