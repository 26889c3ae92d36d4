"""`make demo`'s analytics part with `WAREHOUSE_URL=postgresql://...`: history, ETL and report into PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path

import psycopg
import pytest
from rich.console import Console

from airdrops.analytics import open_views
from airdrops.analytics.report import compute
from airdrops.demo.stack import analytics
from airdrops.monitoring.vocabulary import ROI_MIN_COST_USD
from tests.servers import Warehouse

from ..servers import Prometheus


@pytest.mark.integration
def test_demo_analytics_into_postgresql(postgres_warehouse: Warehouse, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", postgres_warehouse.url)
    output = io.StringIO()
    with Prometheus(tmp_path / "prom", targets=[]) as prom:
        analytics(tmp_path / "out", prom.url, Console(file=output, width=200), days=3, wallets=3)
    printed = output.getvalue()
    assert "postgresql://" in printed and "duckdb" not in printed  # it said where the data went
    assert not (tmp_path / "out" / "airdrops.duckdb").exists()
    assert (tmp_path / "out" / "report" / "index.html").is_file()
    with psycopg.connect(postgres_warehouse.url) as conn:
        claims = conn.execute("SELECT count(*) FROM claims").fetchone()
        rates = conn.execute("SELECT count(*) FROM claim_success_rate").fetchone()
        fees = conn.execute("SELECT sum(fees_usd) FROM roi_by_protocol").fetchone()
        # ROI as a ratio only where the cost means something (the vocabulary's thresholds)
        tiny = conn.execute(
            "SELECT count(*) FROM roi_by_protocol WHERE roi IS NOT NULL AND gas_usd + fees_usd < %s",
            (ROI_MIN_COST_USD,),
        ).fetchone()
    assert claims is not None and claims[0] > 0
    assert rates is not None and rates[0] > 0
    assert fees is not None and fees[0] > 0  # the history's pools and bridge kept fees
    assert tiny == (0,)
    with open_views(postgres_warehouse.url) as views:
        data = compute(views)
    gas_and_fees = data.roi_protocol["gas_usd"] + data.roi_protocol["fees_usd"]
    assert data.roi_protocol.filter(gas_and_fees < ROI_MIN_COST_USD)["roi_after_gas"].null_count() == (
        (gas_and_fees < ROI_MIN_COST_USD).sum()
    )
