"""The static HTML report: `build_report(url, out_dir)` writes `out_dir/index.html` and returns its path.

One self-contained file (inline CSS and SVG charts, no script, nothing fetched), so it opens offline
from disk or from any static file server.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from airdrops.analytics.query import ViewSource, open_views
from airdrops.analytics.report.data import ReportData, compute
from airdrops.analytics.risks import RISK_WINDOW

__all__ = ["REPORT_FILE", "ReportData", "build_report", "compute", "write_report"]

REPORT_FILE = "index.html"


def write_report(
    views: ViewSource,
    out_dir: Path,
    *,
    source: str,
    opportunity_rate: float = 0.0,
    as_of: datetime | None = None,
    risk_window: timedelta = RISK_WINDOW,
) -> Path:
    """Compute and write the report from view-shaped frames; returns the HTML file's path."""
    from airdrops.analytics.report.html import render

    data = compute(views, opportunity_rate=opportunity_rate, as_of=as_of, risk_window=risk_window)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_FILE
    path.write_text(render(data, source=source, generated_at=datetime.now(UTC)), encoding="utf-8")
    return path


def build_report(
    url: str | None,
    out_dir: Path | str,
    *,
    opportunity_rate: float = 0.0,
    as_of: datetime | None = None,
    risk_window: timedelta = RISK_WINDOW,
) -> Path:
    """Read the warehouse at `url` (None: `WAREHOUSE_URL`, else the DuckDB default) and write the report.

    `opportunity_rate` is the annual rate charged on capital locked in protocols (0: not counted);
    `as_of` the report's "now" (default: the newest event time in the warehouse).
    """
    from airdrops.collectors.warehouse import WarehouseURL

    with open_views(url) as views:
        return write_report(
            views,
            Path(out_dir),
            source=WarehouseURL.parse(url).redacted,
            opportunity_rate=opportunity_rate,
            as_of=as_of,
            risk_window=risk_window,
        )
