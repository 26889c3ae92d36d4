"""ROI per protocol and per airdrop, capital locked and its opportunity cost, worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from airdrops.analytics import (
    airdrop_tracking,
    capital_locked,
    gas_by_chain,
    roi_by_airdrop,
    roi_by_protocol,
    worst,
)
from tests.analytics import cases
from tests.analytics.cases import AS_OF, RATE, ts


def tracking() -> pl.DataFrame:
    return airdrop_tracking(cases.CLAIM_OUTCOMES, cases.AIRDROP_RETURNS)


def capital() -> pl.DataFrame:
    return capital_locked(cases.CAPITAL_FLOWS, AS_OF, annual_rate=RATE)


def by(frame: pl.DataFrame, key: str) -> dict[str, dict]:
    return {r[key]: r for r in frame.rows(named=True)}


def test_capital_locked_and_opportunity_cost():
    # morpho: 1000 from 1 to 3 March (2 days = 2000 USD-days), then 600 until 4 March (600): 2600 USD-days.
    # aerodrome: 500 from 2 to 4 March: 1000 USD-days. At 3.65 % a year a USD-day costs 0.0365/365 = 0.0001.
    out = by(capital(), "protocol")
    assert out["morpho"] == {
        "protocol": "morpho",
        "deposited_usd": 1000.0,
        "withdrawn_usd": 400.0,
        "capital_locked_usd": 600.0,
        "capital_usd_days": pytest.approx(2600.0),
        "opportunity_cost_usd": pytest.approx(0.26),
    }
    assert out["aerodrome"]["capital_usd_days"] == pytest.approx(1000.0)
    assert out["aerodrome"]["opportunity_cost_usd"] == pytest.approx(0.1)
    assert capital_locked(cases.CAPITAL_FLOWS, AS_OF)["opportunity_cost_usd"].to_list() == [0.0, 0.0]


def test_capital_locked_withdrawing_yield_does_not_go_negative_and_later_flows_are_ignored():
    flows = pl.DataFrame(
        {
            "ts": [ts(1), ts(2), ts(3), ts(4, 12)],
            "protocol": ["aave"] * 4,
            "action": ["deposit", "withdraw", "deposit", "deposit"],
            "amount_usd": [100.0, 110.0, 50.0, 999.0],  # 10 of yield withdrawn; the last flow is after as_of
        }
    )
    (row,) = capital_locked(flows, AS_OF, annual_rate=0.365).rows(named=True)
    # 100 for 1 day, 0 for 1 day, 50 for 1 day: 150 USD-days; at 36.5 % a year: 150 * 0.001 = 0.15
    assert row["capital_locked_usd"] == 50.0
    assert row["capital_usd_days"] == pytest.approx(150.0)
    assert row["opportunity_cost_usd"] == pytest.approx(0.15)


def test_gas_by_chain_in_native_and_usd():
    out = by(gas_by_chain(cases.GAS_COSTS_DAILY), "protocol")
    # aerodrome: swaps 200000 + 50000 gas, claims 100000 + 150000; 0.002 + 0.0005 + 0.001 + 0.0015 = 0.005 ETH
    assert out["aerodrome"]["chain"] == "base"
    assert out["aerodrome"]["tx_count"] == 6  # 2 swaps + 4 claims (the rpc_error claim sent nothing but counts)
    assert out["aerodrome"]["gas_used"] == 500_000
    assert out["aerodrome"]["gas_native"] == pytest.approx(0.005)
    assert out["aerodrome"]["gas_usd"] == pytest.approx(10.0)
    # quickswap pays in POL: 0.04 (swap) + 0.04 (two mined claims) = 0.08 POL = 0.02 + 0.02 = 0.04 USD
    assert out["quickswap"]["gas_native"] == pytest.approx(0.08)
    assert out["quickswap"]["gas_usd"] == pytest.approx(0.04)


def test_roi_by_protocol():
    out = by(roi_by_protocol(cases.GAS_COSTS_DAILY, tracking(), capital()), "protocol")
    assert sorted(out) == ["aerodrome", "morpho", "quickswap", "uniswap"]
    aero = out["aerodrome"]
    # costs: gas 4 + 1 (swaps) + 2 + 3 (claims) = 10, fees 0, capital 0.1 -> 10.1
    # returns: 160 AERO claimed (86 at claim time); 40 sold at 0.5 = 20 realized; 120 held at 0.4 = 48 unrealized
    # realized PnL 20 - 10.1 = 9.9; net 9.9 + 48 = 57.9; ROI 57.9 / 10.1 = 5.7327...
    # after gas: 68 - 10 = 58, ROI after gas 58 / 10 = 5.8
    assert aero["chains"] == "base" and aero["airdrops"] == 1 and aero["claims_succeeded"] == 2
    assert aero["capital_locked_usd"] == 500.0
    expected = {
        "gas_usd": 10.0,
        "fees_usd": 0.0,
        "opportunity_cost_usd": 0.1,
        "cost_usd": 10.1,
        "value_at_claim_usd": 86.0,
        "realized_usd": 20.0,
        "unrealized_usd": 48.0,
        "value_now_usd": 68.0,
        "realized_pnl_usd": 9.9,
        "unrealized_pnl_usd": 48.0,
        "net_after_gas_usd": 58.0,
        "roi_after_gas": 5.8,
        "net_usd": 57.9,
        "roi": 57.9 / 10.1,
    }
    assert {k: aero[k] for k in expected} == pytest.approx(expected)
    # quickswap: gas 0.02 + 0.02 = 0.04; nothing sold, 1000 QS held at 0.03 = 30; net 29.96;
    # 29.96 / 0.04 = 749 would mean nothing: $0.04 is under ROI_MIN_COST_USD, so the ROI is n/a (None)
    qs = out["quickswap"]
    assert (qs["cost_usd"], qs["net_usd"]) == pytest.approx((0.04, 29.96))
    assert qs["roi"] is None and qs["roi_after_gas"] is None
    # morpho: 1 of gas and 2600 USD-days * 0.0001 = 0.26 of capital cost, no airdrop: ROI -100 %
    morpho = out["morpho"]
    assert (morpho["cost_usd"], morpho["net_usd"], morpho["roi"]) == pytest.approx((1.26, -1.26, -1.0))
    assert (morpho["net_after_gas_usd"], morpho["roi_after_gas"]) == pytest.approx((-1.0, -1.0))
    # uniswap: 3 + 5 + 2 of gas and the pools' 0.30 + 0.06 fees for nothing (the AERO sale is aerodrome's return)
    uni = out["uniswap"]
    assert (uni["tx_count"], uni["gas_usd"], uni["fees_usd"]) == (3, 10.0, pytest.approx(0.36))
    assert (uni["cost_usd"], uni["net_usd"], uni["roi_after_gas"]) == pytest.approx((10.36, -10.36, -1.0))


AGREED = ["gas_usd", "fees_usd", "realized_usd", "unrealized_usd"]


def test_roi_by_protocol_agrees_with_the_contract_view():
    """Without a capital charge, the report's ROI after gas is the view's ROI (Grafana's), n/a included."""
    ours = roi_by_protocol(cases.GAS_COSTS_DAILY, tracking(), capital())
    view = cases.ROI_BY_PROTOCOL.group_by("protocol").agg(pl.col(*AGREED, "claimed_value_usd", "net_usd").sum())
    joined = ours.join(view, on="protocol").join(cases.ROI_BY_PROTOCOL.select("protocol", "roi"), on="protocol")
    assert joined.height == 4
    for column in AGREED:
        assert joined[column].to_list() == pytest.approx(joined[f"{column}_right"].to_list()), column
    assert joined["value_at_claim_usd"].to_list() == pytest.approx(joined["claimed_value_usd"].to_list())
    assert joined["net_after_gas_usd"].to_list() == pytest.approx(joined["net_usd_right"].to_list())
    assert joined["roi_after_gas"].to_list() == pytest.approx(joined["roi_right"].to_list(), nan_ok=True)


def test_roi_by_airdrop_agrees_with_the_contract_view():
    ours = roi_by_airdrop(cases.GAS_COSTS_DAILY, tracking(), capital()).join(cases.ROI_BY_AIRDROP, on="airdrop")
    assert ours.height == 2
    for column in AGREED:
        assert ours[column].to_list() == pytest.approx(ours[f"{column}_right"].to_list()), column
    assert ours["net_after_gas_usd"].to_list() == pytest.approx(ours["net_usd_right"].to_list())
    assert ours["roi_after_gas"].to_list() == ours["roi_right"].to_list()


def test_roi_by_airdrop_one_airdrop_per_protocol_carries_all_its_costs():
    out = by(roi_by_airdrop(cases.GAS_COSTS_DAILY, tracking(), capital()), "airdrop")
    aero = out["aero-s1"]
    # claim gas 2 + 3 = 5, farming gas 4 + 1 = 5 (all of aerodrome's: it has one airdrop), capital 0.1
    assert (aero["claim_gas_usd"], aero["farming_gas_usd"], aero["gas_usd"]) == (5.0, 5.0, 10.0)
    assert (aero["cost_usd"], aero["net_usd"], aero["roi_after_gas"]) == pytest.approx((10.1, 57.9, 5.8))
    qs = out["qs-s1"]
    assert (qs["claim_gas_usd"], qs["farming_gas_usd"]) == pytest.approx((0.02, 0.02))


def test_roi_by_airdrop_splits_farming_costs_between_a_protocols_airdrops():
    # A second aerodrome airdrop (aero-s2, 1 claim worth 10, gas 1): aerodrome's farming gas (5) and
    # capital cost (0.1) are split in two: 2.5 and 0.05 each.
    extra = pl.DataFrame(
        [
            (
                cases.day(3),
                "b1",
                "base",
                "aerodrome",
                "aero-s2",
                "w1",
                "success",
                "none",
                False,
                False,
                "AERO2",
                1,
                5.0,
                10.0,
            )
        ],
        schema=cases.CLAIM_OUTCOMES.schema,
        orient="row",
    )
    gas = pl.concat(
        [
            cases.GAS_COSTS_DAILY,
            pl.DataFrame(
                [(cases.day(3), "b1", "base", "aerodrome", "aero-s2", "claim", 1, 50_000, 0.0005, 1.0, None)],
                schema=cases.GAS_COSTS_DAILY.schema,
                orient="row",
            ),
        ]
    )
    # AERO2 has no price yet: the view values the 5 held at their claim-time price, 10 (test_warehouse checks it)
    returns = pl.DataFrame(
        [("aero-s2", "aerodrome", "base", "AERO2", 5.0, 10.0, 0.0, 0.0, 5.0, 2.0, 10.0)],
        schema=cases.AIRDROP_RETURNS.schema,
        orient="row",
    )
    track = airdrop_tracking(pl.concat([cases.CLAIM_OUTCOMES, extra]), pl.concat([cases.AIRDROP_RETURNS, returns]))
    out = by(roi_by_airdrop(gas, track, capital()), "airdrop")
    s1, s2 = out["aero-s1"], out["aero-s2"]
    assert (s1["claim_gas_usd"], s1["farming_gas_usd"], s1["opportunity_cost_usd"]) == pytest.approx((5.0, 2.5, 0.05))
    # aero-s2: cost 1 + 2.5 + 0.05 = 3.55; no price for AERO2, so the 5 held are worth their claim-time 10: net 6.45
    assert (s2["cost_usd"], s2["unrealized_usd"], s2["net_usd"]) == pytest.approx((3.55, 10.0, 6.45))
    # and the protocol as a whole still carries every cost once: 5 + 5 + 1 = 11 of gas
    protocol = by(roi_by_protocol(gas, track, capital()), "protocol")["aerodrome"]
    assert protocol["gas_usd"] == pytest.approx(s1["gas_usd"] + s2["gas_usd"]) == pytest.approx(11.0)


def test_no_costs_gives_no_roi_rather_than_a_division_by_zero():
    free = cases.GAS_COSTS_DAILY.filter(pl.col("protocol") == "quickswap").with_columns(fee_usd=pl.lit(0.0))
    empty_capital = capital_locked(cases.CAPITAL_FLOWS.clear(), AS_OF)
    out = by(roi_by_protocol(free, tracking(), empty_capital), "protocol")
    assert out["quickswap"]["roi"] is None and out["quickswap"]["roi_after_gas"] is None
    assert out["quickswap"]["net_usd"] == pytest.approx(30.0)


def test_worst_performers_lowest_roi_after_gas_first():
    roi = roi_by_protocol(cases.GAS_COSTS_DAILY, tracking(), capital())
    # morpho and uniswap both -100 %: the larger loss (uniswap, -10.36) first
    assert worst(roi, 3)["protocol"].to_list() == ["uniswap", "morpho", "aerodrome"]


def test_as_of_bounds_the_opportunity_cost():
    early = capital_locked(cases.CAPITAL_FLOWS, datetime(2024, 3, 2, tzinfo=UTC), annual_rate=RATE)
    # on 2 March only morpho's first day counts: 1000 USD-days; aerodrome's deposit that instant adds 0
    assert by(early, "protocol")["morpho"]["capital_usd_days"] == pytest.approx(1000.0)
    assert by(early, "protocol")["aerodrome"]["capital_usd_days"] == 0.0


def test_the_worked_example_of_the_docs():
    """docs/analytics.md, "Worked example": the same inputs give the numbers printed there."""
    from datetime import date, timedelta
    from pathlib import Path

    day = date(2025, 3, 1)
    outcomes = pl.DataFrame(
        [(day, "b", "base", "xp", "xp-s1", "w1", "success", "none", False, False, "XP", 2, 1000.0, 500.0)],
        schema=cases.CLAIM_OUTCOMES.schema,
        orient="row",
    )
    returns = pl.DataFrame(
        [("xp-s1", "xp", "base", "XP", 1000.0, 500.0, 400.0, 400 * 0.60, 600.0, 0.40, 600 * 0.40)],
        schema=cases.AIRDROP_RETURNS.schema,
        orient="row",
    )
    gas = pl.DataFrame(
        [
            (day, "b", "base", "xp", None, "swap", 3, 300_000, 0.003, 9.0, 3.0),  # farming gas and the pool's fees
            (day, "b", "base", "xp", "xp-s1", "claim", 2, 100_000, 0.001, 3.0, None),
        ],
        schema=cases.GAS_COSTS_DAILY.schema,
        orient="row",
    )
    as_of = datetime(2025, 3, 31, tzinfo=UTC)
    flows = pl.DataFrame(
        [(as_of - timedelta(days=30), "b", "xp", "base", "deposit", 10_000.0)],
        schema=cases.CAPITAL_FLOWS.schema,
        orient="row",
    )
    track = airdrop_tracking(outcomes, returns)
    (row,) = roi_by_protocol(gas, track, capital_locked(flows, as_of, annual_rate=0.05)).rows(named=True)
    assert (row["realized_usd"], row["unrealized_usd"], row["value_now_usd"]) == (240.0, 240.0, 480.0)
    assert (row["gas_usd"] + row["fees_usd"], round(row["opportunity_cost_usd"], 2)) == (15.0, 41.10)
    assert (round(row["cost_usd"], 2), round(row["net_usd"], 2), f"{row['roi']:.1%}") == (56.10, 423.90, "755.7%")
    assert (row["net_after_gas_usd"], f"{row['roi_after_gas']:.1%}") == (465.0, "3100.0%")
    l2 = roi_by_protocol(gas.with_columns(fee_usd=pl.lit(0.02), fees_usd=pl.lit(None, pl.Float64)), track,
                         capital_locked(flows.clear(), as_of)).row(0, named=True)  # fmt: skip
    assert (round(l2["net_after_gas_usd"], 2), l2["roi_after_gas"]) == (479.96, None)
    doc = (Path(__file__).resolve().parents[2] / "docs" / "analytics.md").read_text()
    for shown in ("**$240.00**", "**$15.00**", "**$41.10**", "**$56.10**", "**$423.90**", "**755.7 %**",
                  "**$465.00**", "**3100.0 %**", "$479.96"):  # fmt: skip
        assert shown in doc, shown
