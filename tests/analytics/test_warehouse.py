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
        tracking = airdrop_tracking(views["claim_outcomes"], views["airdrop_returns"])
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
    # the numbers worked out in cases.py: aerodrome's ROI 57.9 / 10.1; portfolio TWR 2810 / 2500 - 1
    aero = duck["roi_protocol"].filter(pl.col("protocol") == "aerodrome").row(0, named=True)
    assert aero["roi"] == pytest.approx(57.9 / 10.1)
    assert duck["returns"]["twr"].item() == pytest.approx(0.124)


@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
def test_returns_without_a_price_and_sales_beyond_the_claimed_amount(dialect, request, tmp_path):
    """A token never priced is worth its claim-time price; selling more than was claimed realizes only the claim."""
    from airdrops.collectors.warehouse import connect, migrate, rollups

    url = (
        f"duckdb:///{tmp_path / 'w.duckdb'}"
        if dialect == "duckdb"
        else request.getfixturevalue("postgres_server").create_database()
    )
    migrate(url)
    claim = (
        "INSERT INTO claims (event_id, ts, bot_id, chain, protocol, airdrop, wallet, outcome, amount, token, value_usd)"
    )
    sale = (
        "INSERT INTO transactions (event_id, ts, bot_id, chain, protocol, action, wallet, outcome, amount, token, "
        "amount_in, token_in)"
    )
    with connect(url) as conn:
        # NEW: 100 claimed for 200 (2 each), never priced, 30 held; OLD: 10 claimed, 25 sold (15 bought) at 4
        conn.execute(
            f"{claim} VALUES ('c1', '2024-03-01', 'b', 'base', 'p', 'new-s1', 'w', 'success', 100, 'NEW', 200)"
        )
        conn.execute(
            f"{sale} VALUES ('t1', '2024-03-02', 'b', 'base', 'dex', 'swap', 'w', 'success', 140, 'USDC', 70, 'NEW')"
        )
        conn.execute(f"{claim} VALUES ('c2', '2024-03-01', 'b', 'base', 'p', 'old-s1', 'w', 'success', 10, 'OLD', 30)")
        conn.execute("INSERT INTO prices VALUES ('p1', '2024-03-01', 'b', 'OLD', 4, 'file')")
        conn.execute(
            f"{sale} VALUES ('t2', '2024-03-02', 'b', 'base', 'dex', 'swap', 'w', 'success', 100, 'USDC', 25, 'OLD')"
        )
        rollups.rebuild(conn)  # rows written by hand, not by the ETL
        rows = conn.execute(
            "SELECT airdrop, amount_sold, realized_usd, amount_held, unrealized_usd FROM airdrop_returns ORDER BY 1"
        )
    assert [tuple(float(v) for v in r[1:]) for r in rows] == [
        (70.0, 140.0, 30.0, 60.0),  # new-s1: 70 sold at the claim-time 2 = 140; 30 held at 2 = 60
        (10.0, 40.0, 0.0, 0.0),  # old-s1: 25 sold at 4 = 100, of which the 10 claimed: 40
    ]
