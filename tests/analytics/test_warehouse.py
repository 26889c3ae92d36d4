"""The views give the hand-worked frames of `cases`, and analytics gives the same results on DuckDB and PostgreSQL."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from airdrops.analytics import (
    VIEWS,
    MissingViewError,
    airdrop_tracking,
    capital_locked,
    open_views,
    portfolio_returns,
    portfolio_value,
    read_view,
    roi_by_airdrop,
    roi_by_protocol,
    success_rate,
)
from airdrops.analytics.report import compute
from tests.analytics import cases

pytestmark = pytest.mark.integration


def ordered(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


@pytest.mark.parametrize("view", sorted(cases.VIEW_FRAMES))
def test_each_view_gives_the_hand_worked_frame(warehouse_url, view):
    with open_views(warehouse_url) as views:
        got = views[view]
    assert got.schema == pl.Schema(VIEWS[view])
    assert_frame_equal(ordered(got), ordered(cases.VIEW_FRAMES[view]), check_exact=False, rel_tol=1e-12)


def test_read_view_refuses_tables_and_names_missing_views(duckdb_url):
    from airdrops.collectors.warehouse import connect

    with connect(duckdb_url) as conn:
        with pytest.raises(ValueError, match="not a view analytics reads"):
            read_view(conn, "claims")
        conn.execute("ALTER VIEW risk_breach_events RENAME TO _renamed_for_test")
        try:
            with pytest.raises(MissingViewError, match="airdrops warehouse migrate"):
                read_view(conn, "risk_breach_events")
        finally:
            conn.execute("ALTER VIEW _renamed_for_test RENAME TO risk_breach_events")


def results(url: str) -> dict[str, pl.DataFrame]:
    """Every analytics result over one warehouse."""
    with open_views(url) as views:
        tracking = airdrop_tracking(views["claim_outcomes"], views["latest_prices"])
        capital = capital_locked(views["capital_flows"], cases.AS_OF, annual_rate=cases.RATE)
        values = portfolio_value(views["portfolio_value_daily"])
        data = compute(views, opportunity_rate=cases.RATE, as_of=cases.AS_OF)
        return {
            "success_by_protocol_week": success_rate(views["claim_success_rate"], ["protocol"], "1w"),
            "tracking": tracking,
            "roi_protocol": roi_by_protocol(views["gas_costs_daily"], tracking, capital),
            "roi_airdrop": roi_by_airdrop(views["gas_costs_daily"], tracking, capital),
            "portfolio": values,
            "returns": portfolio_returns(values),
            "advice": data.advice,
            "risks": data.risks,
        }


def test_same_results_on_duckdb_and_postgres(duckdb_url, postgres_url):
    duck, pg = results(duckdb_url), results(postgres_url)
    hand = compute(cases.VIEW_FRAMES, opportunity_rate=cases.RATE, as_of=cases.AS_OF)
    for name in duck:
        assert_frame_equal(duck[name], pg[name], check_exact=False, rel_tol=1e-12)
    assert_frame_equal(duck["roi_protocol"], hand.roi_protocol, check_exact=False, rel_tol=1e-12)
    assert_frame_equal(duck["advice"], hand.advice)
    # the numbers worked out in cases.py: aerodrome's ROI 53.9 / 10.1; portfolio TWR 2810 / 2500 - 1
    aero = duck["roi_protocol"].filter(pl.col("protocol") == "aerodrome").row(0, named=True)
    assert aero["roi"] == pytest.approx(53.9 / 10.1)
    assert duck["returns"]["twr"].item() == pytest.approx(0.124)
