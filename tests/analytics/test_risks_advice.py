"""Open risks and the "what to change" section, from the numbers of `cases`."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from airdrops.analytics import (
    airdrop_tracking,
    capital_locked,
    claim_failures,
    open_risks,
    roi_by_protocol,
    what_to_change,
)
from tests.analytics import cases
from tests.analytics.cases import AS_OF, RATE, ts


def test_open_risks_in_the_window_most_severe_first():
    out = open_risks(cases.RISK_BREACH_EVENTS, AS_OF)
    # the 20 February breach is older than 7 days before 4 March; the critical one comes first
    assert out.select("severity", "rule", "protocol", "breaches", "last_value", "last_limit", "last_action").rows() == [
        ("critical", "max_drawdown", None, 1, 0.12, 0.1, "kill_switch"),
        ("warning", "max_gas_price", "uniswap", 2, 70.0, 45.0, "skip"),
    ]
    assert out["first_ts"][1] == ts(3, 8) and out["last_ts"][1] == ts(3, 9)
    assert open_risks(cases.RISK_BREACH_EVENTS, AS_OF, timedelta(hours=15)).height == 1  # after 3 Mar 09:00


def advice() -> pl.DataFrame:
    tracking = airdrop_tracking(cases.CLAIM_OUTCOMES, cases.AIRDROP_RETURNS)
    capital = capital_locked(cases.CAPITAL_FLOWS, AS_OF, annual_rate=RATE)
    roi = roi_by_protocol(cases.GAS_COSTS_DAILY, tracking, capital)
    return what_to_change(roi, tracking, claim_failures(cases.CLAIM_OUTCOMES))


def test_what_to_change_names_losing_protocols_and_failing_airdrops():
    out = advice()
    # uniswap (-8 after gas) and morpho (-1) lose money; aerodrome and quickswap do not.
    # qs-s1 failed 4 of 5 claims (80 % >= 50 %, 4 >= 3); aero-s1 only 2 of 4 (2 < 3 failures).
    assert out.select("kind", "subject").rows() == [
        ("negative_roi", "uniswap"),
        ("negative_roi", "morpho"),
        ("failing_claims", "qs-s1"),
    ]
    assert out["message"][0] == (
        "Cut farming on uniswap: $10.36 of gas and fees brought $0.00 of airdrop value "
        "(ROI after gas -100%, net -$10.36)."
    )
    assert out["message"][2] == (
        "Claims for qs-s1 keep failing: 4 of 5 (80%); top reasons: rpc_error 2 (50%), "
        "insufficient_funds 1 (25%), reverted 1 (25%). Next: add a fallback RPC provider and retry with backoff."
    )


def test_nothing_to_change_when_the_numbers_are_good():
    tracking = airdrop_tracking(cases.CLAIM_OUTCOMES, cases.AIRDROP_RETURNS)
    capital = capital_locked(cases.CAPITAL_FLOWS.clear(), AS_OF)
    gas = cases.GAS_COSTS_DAILY.filter(pl.col("protocol").is_in(["aerodrome", "quickswap"]))
    roi = roi_by_protocol(gas, tracking, capital)
    assert what_to_change(roi, tracking, claim_failures(cases.CLAIM_OUTCOMES), failure_share=0.9).height == 0
