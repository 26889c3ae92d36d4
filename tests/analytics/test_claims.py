"""Claim success rates and airdrop tracking on the hand-worked dataset of `cases`."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from airdrops.analytics import airdrop_tracking, claim_failures, success_rate
from tests.analytics import cases


def test_success_rate_by_protocol_is_a_ratio_of_sums_over_counted_attempts():
    # aerodrome: (1 + 1) / (2 + 1) = 2/3: c4 (not eligible) is an expected outcome, not counted;
    # quickswap: (0 + 1) / (2 + 3) = 0.2 (the mean of its daily rates, (0 + 1/3) / 2 = 0.1667, would be wrong)
    out = success_rate(cases.CLAIM_SUCCESS_RATE, by=["protocol"])
    expected = pl.DataFrame(
        {
            "protocol": ["aerodrome", "quickswap"],
            "attempts": [4, 5],
            "succeeded": [2, 1],
            "failed": [2, 4],
            "expected_failures": [1, 0],
            "counted": [3, 5],
            "success_rate": [2 / 3, 0.2],
        }
    )
    assert_frame_equal(out, expected)


def test_success_rate_overall_by_chain_airdrop_and_bot():
    # 3 successes of 9 attempts, 1 of them an expected outcome: 3 / 8
    assert success_rate(cases.CLAIM_SUCCESS_RATE, by=[]).row(0) == (9, 3, 6, 1, 8, pytest.approx(3 / 8))
    by_chain = success_rate(cases.CLAIM_SUCCESS_RATE, by=["chain"])
    assert by_chain.select("chain", "success_rate").rows() == [("base", pytest.approx(2 / 3)), ("polygon", 0.2)]
    by_airdrop = success_rate(cases.CLAIM_SUCCESS_RATE, by=["airdrop", "bot_id"])
    assert by_airdrop.select("airdrop", "bot_id", "attempts").rows() == [("aero-s1", "b1", 4), ("qs-s1", "b1", 5)]


def test_success_rate_per_day_and_per_week():
    daily = success_rate(cases.CLAIM_SUCCESS_RATE, by=[], period="1d")
    # 1 Mar: 1/2; 2 Mar: (1 + 0) / (1 + 2) = 1/3 (c4 not counted); 3 Mar: 1/3
    assert daily.select("period_start", "success_rate").rows() == [
        (date(2024, 3, 1), 0.5),
        (date(2024, 3, 2), pytest.approx(1 / 3)),
        (date(2024, 3, 3), pytest.approx(1 / 3)),
    ]
    # Friday 1 March to Sunday 3 March: one ISO week, starting Monday 26 February
    weekly = success_rate(cases.CLAIM_SUCCESS_RATE, by=["protocol"], period="1w")
    assert weekly.select("period_start", "protocol", "attempts").rows() == [
        (date(2024, 2, 26), "aerodrome", 4),
        (date(2024, 2, 26), "quickswap", 5),
    ]


def test_success_rate_rejects_unknown_dimensions_and_handles_no_claims():
    with pytest.raises(ValueError, match="wallet"):
        success_rate(cases.CLAIM_SUCCESS_RATE, by=["wallet"])
    empty = success_rate(cases.CLAIM_SUCCESS_RATE.clear(), by=["protocol"])
    assert empty.height == 0 and empty.columns[-1] == "success_rate"


def test_airdrop_tracking():
    out = airdrop_tracking(cases.CLAIM_OUTCOMES, cases.AIRDROP_RETURNS)
    aero, qs = out.rows(named=True)
    # aero-s1: w1, w2, w3 tried; w3 failed `not_eligible` and never succeeded -> 2 eligible; w1 and w2 claimed.
    # 4 attempts, 2 succeeded, 1 expected outcome (not eligible): 2 of 3 counted.
    # 100 + 60 = 160 AERO, worth 50 + 36 = 86 USD when claimed; 40 sold for 20 (realized), 120 held at 0.4 = 48.
    assert aero == {
        "airdrop": "aero-s1",
        "protocol": "aerodrome",
        "chains": "base",
        "token": "AERO",
        "wallets_attempted": 3,
        "eligible_wallets": 2,
        "wallets_claimed": 2,
        "claims_attempted": 4,
        "claims_succeeded": 2,
        "claims_failed": 2,
        "claims_expected": 1,
        "claims_counted": 3,
        "success_rate": pytest.approx(2 / 3),
        "top_failure_reason": "not_eligible",  # 1 each: ties go by name
        "amount_claimed": 160.0,
        "value_at_claim_usd": 86.0,
        "realized_usd": 20.0,
        "unrealized_usd": 48.0,
        "value_now_usd": 68.0,
        "first_day": date(2024, 3, 1),
        "last_day": date(2024, 3, 2),
    }
    # qs-s1: w1 and w2, both eligible (no not_eligible); 5 attempts, 1 succeeded; 1000 QS = 20 USD then,
    # 1000 * 0.03 = 30 USD now. rpc_error is the top reason (2 of 4).
    assert (qs["wallets_attempted"], qs["eligible_wallets"], qs["wallets_claimed"]) == (2, 2, 1)
    assert (qs["claims_attempted"], qs["claims_succeeded"], qs["claims_failed"]) == (5, 1, 4)
    assert qs["success_rate"] == 0.2 and qs["top_failure_reason"] == "rpc_error"
    assert (qs["amount_claimed"], qs["value_at_claim_usd"]) == (1000.0, 20.0)
    assert qs["value_now_usd"] == pytest.approx(30.0)


def test_a_wallet_that_failed_not_eligible_then_succeeded_is_eligible():
    outcomes = cases.CLAIM_OUTCOMES.with_columns(
        wallet=pl.when(pl.col("reason") == "not_eligible").then(pl.lit("w1")).otherwise("wallet")
    )
    aero = airdrop_tracking(outcomes, cases.AIRDROP_RETURNS).row(0, named=True)
    assert (aero["wallets_attempted"], aero["eligible_wallets"]) == (2, 2)


def test_claim_failures_by_reason():
    out = claim_failures(cases.CLAIM_OUTCOMES)
    # qs-s1 has 4 failures: rpc_error 2 (w1 twice, 50 %), then insufficient_funds and reverted 1 each (25 %)
    assert out.select("airdrop", "reason", "failures", "wallets", "share").rows() == [
        ("aero-s1", "not_eligible", 1, 1, 0.5),
        ("aero-s1", "rpc_error", 1, 1, 0.5),
        ("qs-s1", "rpc_error", 2, 1, 0.5),
        ("qs-s1", "insufficient_funds", 1, 1, 0.25),
        ("qs-s1", "reverted", 1, 1, 0.25),
    ]
