"""Everything the report shows, computed from the views by the pure analytics functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl

from airdrops.analytics.advice import what_to_change
from airdrops.analytics.claims import airdrop_tracking, claim_failures, success_rate
from airdrops.analytics.portfolio import portfolio_returns, portfolio_series, portfolio_value
from airdrops.analytics.query import ViewSource
from airdrops.analytics.risks import RISK_WINDOW, open_risks
from airdrops.analytics.roi import capital_locked, costs_by_wallet, gas_by_chain, roi_by_airdrop, roi_by_protocol, worst

#: Rows in the worst-performer tables.
WORST_N = 5


@dataclass(frozen=True)
class ReportData:
    as_of: datetime
    opportunity_rate: float
    risk_window: timedelta
    success_overall: pl.DataFrame
    success_daily: pl.DataFrame
    success_daily_by_protocol: pl.DataFrame
    success_by_chain: pl.DataFrame
    tracking: pl.DataFrame
    failures: pl.DataFrame
    gas_by_chain: pl.DataFrame
    #: Gas and fees per wallet, the largest first.
    wallets: pl.DataFrame
    capital: pl.DataFrame
    roi_protocol: pl.DataFrame
    roi_airdrop: pl.DataFrame
    worst_protocols: pl.DataFrame
    worst_airdrops: pl.DataFrame
    risks: pl.DataFrame
    portfolio: pl.DataFrame
    returns: pl.DataFrame
    advice: pl.DataFrame
    #: What Prometheus counted per day and bot (kept beyond its retention), newest first.
    ops: pl.DataFrame
    #: Prometheus against the event log per day, bot and measure.
    sources: pl.DataFrame


def default_as_of(views: ViewSource) -> datetime:
    """The newest event time in the views (prices, capital flows, breaches), else now: the report's "now"."""
    times = [
        views[name]["ts"].max()
        for name in ("latest_prices", "capital_flows", "risk_breach_events")
        if views[name].height > 0
    ]
    found = [t for t in times if isinstance(t, datetime)]
    return max(found) if found else datetime.now(UTC)


def compute(
    views: ViewSource,
    *,
    opportunity_rate: float = 0.0,
    as_of: datetime | None = None,
    risk_window: timedelta = RISK_WINDOW,
) -> ReportData:
    """All of the report's numbers from view-shaped frames (`Views`, or a dict in tests)."""
    as_of = as_of or default_as_of(views)
    rates = views["claim_success_rate"]
    tracking = airdrop_tracking(views["claim_outcomes"], views["airdrop_returns"])
    failures = claim_failures(views["claim_outcomes"])
    gas = views["gas_costs_daily"]
    capital = capital_locked(views["capital_flows"], as_of, annual_rate=opportunity_rate)
    roi_p = roi_by_protocol(gas, tracking, capital)
    roi_a = roi_by_airdrop(gas, tracking, capital)
    values = portfolio_value(views["portfolio_value_daily"])
    return ReportData(
        as_of=as_of,
        opportunity_rate=opportunity_rate,
        risk_window=risk_window,
        success_overall=success_rate(rates, by=[]),
        success_daily=success_rate(rates, by=[], period="1d"),
        success_daily_by_protocol=success_rate(rates, by=["protocol"], period="1d"),
        success_by_chain=success_rate(rates, by=["chain"]),
        tracking=tracking,
        failures=failures,
        gas_by_chain=gas_by_chain(gas),
        wallets=costs_by_wallet(views["costs_by_wallet"]),
        capital=capital,
        roi_protocol=roi_p,
        roi_airdrop=roi_a,
        worst_protocols=worst(roi_p, WORST_N),
        worst_airdrops=worst(roi_a, WORST_N),
        risks=open_risks(views["risk_breach_events"], as_of, risk_window),
        portfolio=portfolio_series(values),
        returns=portfolio_returns(values),
        advice=what_to_change(roi_p, tracking, failures),
        ops=views["ops_daily"].sort(["day", "bot_id"], descending=[True, False]),
        sources=views["prometheus_vs_events"].sort(["day", "bot_id", "measure"], descending=[True, False, False]),
    )
