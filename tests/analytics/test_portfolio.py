"""Portfolio value over time and its TWR / MWR, from `cases.PORTFOLIO_VALUE_DAILY` by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from airdrops.analytics import portfolio_returns, portfolio_series, portfolio_value, xirr, xnpv
from tests.analytics import cases
from tests.analytics.cases import day


def test_portfolio_value_sums_bots_and_fills_a_missed_snapshot():
    out = portfolio_value(cases.PORTFOLIO_VALUE_DAILY)
    # 1 Mar: 2000 + 500; 2 Mar: 2100 + 500 (b2 carried); 3 Mar: 2100 (b1 carried) + 550; 4 Mar: 2205 + 605
    assert out.rows() == [(day(1), 2500.0, 2), (day(2), 2600.0, 2), (day(3), 2650.0, 2), (day(4), 2810.0, 2)]


def test_a_bot_adds_nothing_outside_its_first_and_last_snapshot():
    daily = cases.PORTFOLIO_VALUE_DAILY.filter(~((pl.col("bot_id") == "b2") & (pl.col("day") == day(4))))
    assert portfolio_value(daily).rows()[-1] == (day(4), 2205.0, 1)
    assert portfolio_value(daily.clear()).height == 0


def test_portfolio_series_chains_daily_returns():
    out = portfolio_series(portfolio_value(cases.PORTFOLIO_VALUE_DAILY))
    # 2600/2500 - 1 = 0.04; 2650/2600 - 1 = 0.0192308; 2810/2650 - 1 = 0.0603774
    assert out["period_return"].to_list() == [None, pytest.approx(0.04), pytest.approx(1 / 52), pytest.approx(16 / 265)]
    # cumulative: 1.04 - 1; 2650/2500 - 1 = 0.06; 2810/2500 - 1 = 0.124
    assert out["cumulative_twr"].to_list() == pytest.approx([0.0, 0.04, 0.06, 0.124])
    assert out["flow_usd"].to_list() == [0.0] * 4


def test_portfolio_returns_without_flows():
    (r,) = portfolio_returns(portfolio_value(cases.PORTFOLIO_VALUE_DAILY)).rows(named=True)
    assert (r["start_day"], r["end_day"], r["days"]) == (day(1), day(4), 3)
    assert (r["start_value_usd"], r["end_value_usd"], r["net_flows_usd"], r["pnl_usd"]) == (2500.0, 2810.0, 0, 310.0)
    assert r["twr"] == pytest.approx(0.124)  # 2810 / 2500 - 1
    # without flows, MWR (XIRR of -2500 then +2810 three days later) is the annualized TWR: 1.124 ** (365/3) - 1
    assert r["twr_annualized"] == pytest.approx(1.124 ** (365 / 3) - 1, rel=1e-9)
    assert r["mwr"] == pytest.approx(r["twr_annualized"], rel=1e-9)


def test_portfolio_returns_with_a_deposit():
    # +100 deposited on 2 March: that day's return is (2600 - 100) / 2500 - 1 = 0;
    # TWR = 1.0 * 2650/2600 * 2810/2650 - 1 = 2810/2600 - 1 = 0.0807692; PnL = 2810 - 2500 - 100 = 210
    flows = pl.DataFrame({"day": [day(2)], "amount_usd": [100.0]})
    values = portfolio_value(cases.PORTFOLIO_VALUE_DAILY)
    (r,) = portfolio_returns(values, flows).rows(named=True)
    assert r["twr"] == pytest.approx(2810 / 2600 - 1)
    assert (r["net_flows_usd"], r["pnl_usd"]) == (100.0, 210.0)
    investor = [(day(1), -2500.0), (day(2), -100.0), (day(4), 2810.0)]
    assert r["mwr"] == pytest.approx(xirr(investor))
    assert xnpv(r["mwr"], investor) == pytest.approx(0.0, abs=1e-6)
    series = portfolio_series(values, flows)
    assert series["flow_usd"].to_list() == [0.0, 100.0, 0.0, 0.0]
    assert series["cumulative_twr"][-1] == pytest.approx(r["twr"])


def test_portfolio_returns_need_two_days_and_survive_a_wipe_out():
    one_day = pl.DataFrame({"day": [date(2024, 3, 1)], "value_usd": [100.0]})
    assert portfolio_returns(one_day).height == 0
    wiped = pl.DataFrame({"day": [date(2024, 3, 1), date(2024, 3, 2)], "value_usd": [100.0, 0.0]})
    (r,) = portfolio_returns(wiped).rows(named=True)
    assert r["twr"] == -1.0 and r["mwr"] is None  # XIRR has no answer without a positive flow
