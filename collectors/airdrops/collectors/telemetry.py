"""The ETL's own metrics, recorded through the SDK like any bot's.

Instruments are looked up by name in `airdrops.monitoring.metrics`; until the catalogue defines the
`airdrops.etl.*` metrics this module records nothing (the SDK owns the catalogue):

    airdrops.etl.runs{stream,outcome}               counter  {run}   runs finished, outcome success|failure
    airdrops.etl.rows{stream,stage}                 counter  {row}   stage extracted|loaded|duplicate|quarantined
    airdrops.etl.duration{stream}                   histogram s      run duration
    airdrops.etl.lag{stream}                        gauge    s       now - newest event time in the warehouse
    airdrops.etl.last_success{stream}               gauge    s       unix time of the last successful run
    airdrops.etl.reconciliation.mismatches{stream}  counter  {check} failed reconciliation checks
"""

from __future__ import annotations

import time
from typing import Any

from airdrops.monitoring import metrics as _metrics


def _instrument(name: str) -> Any:
    return getattr(_metrics, name, None)


def run_finished(
    stream: str,
    *,
    success: bool,
    duration_s: float,
    rows: dict[str, int],
    mismatches: int = 0,
    lag_s: float | None = None,
) -> None:
    """Record one finished run (no-op for metrics the catalogue does not have)."""
    runs = _instrument("etl_runs")
    if runs is not None:
        runs.add(1, stream=stream, outcome="success" if success else "failure")
    duration = _instrument("etl_duration")
    if duration is not None:
        duration.record(duration_s, stream=stream)
    counter = _instrument("etl_rows")
    if counter is not None:
        for stage, n in rows.items():
            if n:
                counter.add(n, stream=stream, stage=stage)
    bad = _instrument("etl_reconciliation_mismatches")
    if bad is not None and mismatches:
        bad.add(mismatches, stream=stream)
    lag = _instrument("etl_lag")
    if lag is not None and lag_s is not None:
        lag.set(lag_s, stream=stream)
    last = _instrument("etl_last_success")
    if last is not None and success:
        last.set(time.time(), stream=stream)
