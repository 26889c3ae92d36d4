"""The ETL's own metrics (`airdrops.etl.*` in the catalogue), recorded through the SDK like any bot's."""

from __future__ import annotations

import time

from airdrops.monitoring import metrics


def run_finished(
    stream: str,
    *,
    success: bool,
    duration_s: float,
    rows: dict[str, int],
    mismatches: int = 0,
    lag_s: float | None = None,
) -> None:
    """Record one finished run of `stream` (`events` or `prometheus:<query>`)."""
    outcome = "success" if success else "failure"
    metrics.etl_runs.add(1, stream=stream, outcome=outcome)
    metrics.etl_duration.record(duration_s, stream=stream, outcome=outcome)
    for stage, n in rows.items():
        if n:
            metrics.etl_rows.add(n, stream=stream, stage=stage)
    if mismatches:
        metrics.etl_reconciliation_mismatches.add(mismatches, stream=stream)
    if lag_s is not None:
        metrics.etl_lag.set(lag_s, stream=stream)
    if success:
        metrics.etl_last_success.set(time.time(), stream=stream)
