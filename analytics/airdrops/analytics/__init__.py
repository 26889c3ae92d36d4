"""Analytics over the warehouse: claim success, ROI, portfolio value, and the HTML report.

Views are read through a small query layer (`open_views`, `read_view`); everything else is a pure
function from Polars frames to Polars frames, each formula written out in `docs/analytics.md`.

    >>> from datetime import date
    >>> from airdrops.analytics import success_rate, xirr
    >>> round(xirr([(date(2023, 1, 1), -1000.0), (date(2024, 1, 1), 1100.0)]), 6)
    0.1
    >>> import polars as pl
    >>> rates = pl.DataFrame({"day": [date(2024, 1, 1)] * 2, "bot_id": ["b"] * 2, "chain": ["base"] * 2,
    ...     "protocol": ["p", "q"], "airdrop": ["a", "b"], "attempts": [4, 1], "succeeded": [3, 0],
    ...     "failed": [1, 1], "expected_failures": [0, 1], "counted": [4, 0], "success_rate": [0.75, None]})
    >>> success_rate(rates, by=[])["success_rate"].item()  # 3 of 4 counted: b's failure was an expected outcome
    0.75
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airdrops.analytics.advice import what_to_change
    from airdrops.analytics.claims import airdrop_tracking, claim_failures, success_rate
    from airdrops.analytics.portfolio import portfolio_returns, portfolio_series, portfolio_value
    from airdrops.analytics.query import VIEWS, MissingViewError, Views, open_views, read_view
    from airdrops.analytics.report import build_report
    from airdrops.analytics.returns import XirrError, annualize, twr, xirr, xnpv
    from airdrops.analytics.risks import open_risks
    from airdrops.analytics.roi import (
        capital_locked,
        costs_by_wallet,
        gas_by_chain,
        roi_by_airdrop,
        roi_by_protocol,
        worst,
    )

# Imported on first use: the `airdrops` command registers `cli` from this package without paying
# for Polars and the report's templates.
_MODULES = {
    "what_to_change": "advice",
    "airdrop_tracking": "claims",
    "claim_failures": "claims",
    "success_rate": "claims",
    "portfolio_returns": "portfolio",
    "portfolio_series": "portfolio",
    "portfolio_value": "portfolio",
    "VIEWS": "query",
    "MissingViewError": "query",
    "Views": "query",
    "open_views": "query",
    "read_view": "query",
    "build_report": "report",
    "XirrError": "returns",
    "annualize": "returns",
    "twr": "returns",
    "xirr": "returns",
    "xnpv": "returns",
    "open_risks": "risks",
    "capital_locked": "roi",
    "costs_by_wallet": "roi",
    "gas_by_chain": "roi",
    "roi_by_airdrop": "roi",
    "roi_by_protocol": "roi",
    "worst": "roi",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "VIEWS",
    "MissingViewError",
    "Views",
    "XirrError",
    "airdrop_tracking",
    "annualize",
    "build_report",
    "capital_locked",
    "claim_failures",
    "costs_by_wallet",
    "gas_by_chain",
    "open_risks",
    "open_views",
    "portfolio_returns",
    "portfolio_series",
    "portfolio_value",
    "read_view",
    "roi_by_airdrop",
    "roi_by_protocol",
    "success_rate",
    "twr",
    "what_to_change",
    "worst",
    "xirr",
    "xnpv",
]
