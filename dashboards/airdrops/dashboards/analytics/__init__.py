"""Grafana dashboards over the warehouse's views (PostgreSQL), built like the operations dashboards.

SQL lives in `sql`, the PostgreSQL datasource and SQL variables in `common`, panel defaults in
`panels`, one module per dashboard. `airdrops.dashboards.build` writes them beside the others.

    >>> from airdrops.dashboards.analytics import DASHBOARDS
    >>> [make().uid for make in DASHBOARDS]
    ['airdrops-claim-success', 'airdrops-roi', 'airdrops-portfolio-value', 'airdrops-ops-history']
"""

from __future__ import annotations

from collections.abc import Callable

from grafana_foundation_sdk.models import dashboard as model

from airdrops.dashboards.analytics import claims, operations, portfolio, roi

DASHBOARDS: tuple[Callable[..., model.Dashboard], ...] = (
    claims.dashboard,
    roi.dashboard,
    portfolio.dashboard,
    operations.dashboard,
)

__all__ = ["DASHBOARDS"]
