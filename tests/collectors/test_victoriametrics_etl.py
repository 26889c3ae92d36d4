"""The metrics stream from VictoriaMetrics: the same window as from Prometheus gives the same rows, but
for the two differences docs/operations.md ("Growing past one box") names, and keeps its idempotence
and chunking there.

Prometheus holds 6 h of backfilled history (the series of test_prometheus_etl, NaN and +Inf included);
`vmctl prometheus` moves those TSDB blocks into a real single-node VictoriaMetrics (Debian's
victoria-metrics 1.79), the path operators take with an existing Prometheus' history. The ETL then loads
the window from each into its own warehouse and the rows are compared one by one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from airdrops.collectors.metrics_stream import run_metrics
from airdrops.collectors.warehouse import connect
from airdrops.services.victoriametrics import VictoriaMetrics
from tests.collectors.prometheus_backfill import BackfilledPrometheus, RecordingProxy, openmetrics
from tests.collectors.test_prometheus_etl import LAST, NANS, SERIES, STEP, T0, TOTAL, config

pytestmark = [pytest.mark.integration]

#: VictoriaMetrics keeps about 12 significant digits of a float (its decimal mantissa); Prometheus all 17.
VM_REL = 1e-12


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("vm")
    prom = BackfilledPrometheus(tmp / "prom", openmetrics(SERIES, T0, (LAST - T0) // STEP + 1, STEP))
    with VictoriaMetrics(tmp / "vm") as vm:
        report = vm.import_prometheus_history(tmp / "prom" / "data")  # before Prometheus opens its blocks
        with prom:
            yield {"prom": prom, "vm": vm, "import": report}


def rows(url: str) -> dict[tuple[int, Any], float]:
    with connect(url) as conn:
        return {(s, t): v for s, t, v in conn.execute("SELECT series_id, ts, value FROM metric_samples")}


def series(url: str) -> set[tuple[Any, ...]]:
    with connect(url) as conn:
        return set(map(tuple, conn.execute("SELECT series_id, metric, labels FROM metric_series")))


def test_vmctl_moved_every_sample_of_the_prometheus_history(servers):
    assert "total samples: 14400" in servers["import"]  # 10 series x 1440 samples, NaN ones included


def test_the_same_window_gives_the_same_rows_but_for_the_documented_differences(servers, tmp_path):
    prom_url, vm_url = (f"duckdb:///{tmp_path / name}.duckdb" for name in ("prom", "vm"))
    from_prom = run_metrics(prom_url, config(servers["prom"].url), since=T0, until=LAST)
    from_vm = run_metrics(vm_url, config(servers["vm"].url), since=T0, until=LAST)
    assert [r.status for r in from_prom + from_vm] == ["succeeded"] * 6
    assert sum(r.skipped_nan for r in from_prom) == NANS and sum(r.skipped_nan for r in from_vm) == 0
    assert series(prom_url) == series(vm_url)  # the same series ids, names and labels
    p, v = rows(prom_url), rows(vm_url)
    assert len(p) == TOTAL - NANS and len(v) == TOTAL
    # every row Prometheus gave, VictoriaMetrics gave too, equal to ~12 digits (+Inf exactly)
    assert set(p) <= set(v)
    assert all(p[k] == v[k] if math.isinf(p[k]) else math.isclose(p[k], v[k], rel_tol=VM_REL) for k in p)
    # VictoriaMetrics stores no NaN: at those steps it answers with the sample before (its staleness), where
    # Prometheus answers NaN and the ETL skips the point
    extra = sorted(set(v) - set(p))
    assert len(extra) == NANS
    for sid, ts in extra:
        before = (sid, ts - timedelta(seconds=STEP))
        assert before in p and math.isclose(v[(sid, ts)], p[before], rel_tol=VM_REL)


def test_idempotent_and_chunked_against_victoriametrics(servers, warehouse):
    url = warehouse.url
    with RecordingProxy(servers["vm"].url) as proxy:
        cfg = replace(config(proxy.url, prefetch=True), max_points=500)  # 3 chunks per query
        first = run_metrics(url, cfg, since=T0, until=LAST)
        again = run_metrics(url, cfg, since=T0, until=LAST)
        resumed = run_metrics(url, cfg, until=LAST)
    assert [r.chunks for r in first] == [3, 3, 3]
    assert sum(r.loaded for r in first) == TOTAL
    assert all(max(s.points_per_series, default=0) <= 500 for s in proxy.range_queries)
    assert sum(r.loaded for r in again) == 0 and sum(r.duplicates for r in again) == TOTAL
    assert [r.chunks for r in resumed] == [0, 0, 0]
    with connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM metric_samples")[0][0] == TOTAL
        assert conn.execute("SELECT count(*) FROM etl_reconciliation WHERE NOT ok")[0][0] == 0


def test_the_service_wrapper_names_a_missing_snapshot(servers, tmp_path: Path):
    with pytest.raises(RuntimeError, match="vmctl prometheus exited"):
        servers["vm"].import_prometheus_history(tmp_path / "no-such-snapshot")
