"""The metrics stream from VictoriaMetrics: the same window as from Prometheus gives the same rows, but
for the differences docs/operations.md ("Growing past one box") names, and keeps its idempotence and
chunking there.

History: Prometheus holds 6 h of backfilled samples (the series of test_prometheus_etl, NaN and +Inf
included); `vmctl prometheus` moves those TSDB blocks into a real single-node VictoriaMetrics (Debian's
victoria-metrics 1.79), the path operators take with an existing Prometheus' history. Live: a Prometheus
scrapes a target that stops, evaluates a recording rule and remote_writes everything to VictoriaMetrics.
The ETL loads each window from both into two warehouses and the rows are compared one by one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from airdrops.collectors.config import MetricQuery, MetricsConfig, PrometheusSource
from airdrops.collectors.metrics_stream import run_metrics
from airdrops.collectors.warehouse import connect
from airdrops.services import Prometheus, free_port
from airdrops.services.victoriametrics import VictoriaMetrics
from tests.collectors.prometheus_backfill import BackfilledPrometheus, RecordingProxy, openmetrics
from tests.collectors.test_prometheus_etl import LAST, NANS, SERIES, STEP, T0, TOTAL, config
from tests.servers import wait_for

pytestmark = [pytest.mark.integration]

#: VictoriaMetrics keeps about 12 significant digits of a float (its decimal mantissa); Prometheus all 17.
VM_REL = 1e-12


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("vm")
    prom = BackfilledPrometheus(tmp / "prom", openmetrics(SERIES, T0, (LAST - T0) // STEP + 1, STEP))
    with VictoriaMetrics(tmp / "vm") as vm:
        # before Prometheus opens its blocks; returns once vmctl sent every sample it read (1.79 can drop the
        # last series of a run, see import_prometheus_history) and VictoriaMetrics has made them searchable
        vm.import_prometheus_history(tmp / "prom" / "data")
        with prom:
            yield {"prom": prom, "vm": vm}


def rows(url: str) -> dict[tuple[int, Any], float]:
    with connect(url) as conn:
        return {(s, t): v for s, t, v in conn.execute("SELECT series_id, ts, value FROM metric_samples")}


def series(url: str) -> set[tuple[Any, ...]]:
    with connect(url) as conn:
        return set(map(tuple, conn.execute("SELECT series_id, metric, labels FROM metric_series")))


def stored_samples(url: str) -> float:
    query = {"query": 'sum(count_over_time({__name__!=""}[7h]))', "time": LAST + 1}
    result = requests.get(f"{url}/api/v1/query", params=query, timeout=30).json()["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


def stored_series(url: str) -> set[tuple[str, frozenset[tuple[str, str]]]]:
    query: dict[str, str | int] = {"match[]": '{__name__!=""}', "start": T0, "end": LAST}
    found = requests.get(f"{url}/api/v1/series", params=query, timeout=30).json()["data"]
    return {(labels.pop("__name__"), frozenset(labels.items())) for labels in found}


def test_vmctl_moved_every_sample_of_the_prometheus_history(servers):
    assert stored_samples(servers["vm"].url) == TOTAL - NANS  # every sample; NaN is not stored
    # every series, by name and labels, and no other. Not /api/v1/series/count: that is VictoriaMetrics' estimate
    # from its index, where two import requests that meet a new series at once may each register it (1.79
    # allows it and merges them when it answers a query), so it sometimes says 11 or 12 for these 10
    assert stored_series(servers["vm"].url) == {(s.name, frozenset(s.labels.items())) for s in SERIES}


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


# --- live: remote_write, staleness, recording rules ------------------------------------------------------

RECORD = "job:prometheus_http_requests:rate10s"
LIVE_QUERIES = (
    MetricQuery("up", "up", step_s=2),
    MetricQuery.metric("airdrops.portfolio.value", 2),
    MetricQuery.record(RECORD, 2),
    # evaluated by each server: MetricsQL's rate() does not extrapolate, PromQL's does
    MetricQuery("rate_at_the_server", "sum by (job) (rate(prometheus_http_requests_total[10s]))", step_s=2),
)


class _Bot(BaseHTTPRequestHandler):
    """A bot's /metrics: one gauge that changes at every scrape."""

    scrapes = 0

    def do_GET(self) -> None:
        _Bot.scrapes += 1
        body = f'airdrops_portfolio_value_usd{{bot_id="b1"}} {1000 + _Bot.scrapes / 10}\n'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def by_name(url: str) -> dict[tuple[str, str, Any], float]:
    with connect(url) as conn:
        found = conn.execute(
            "SELECT s.metric, CAST(s.labels AS VARCHAR), m.ts, m.value FROM metric_samples m JOIN metric_series s "
            "ON s.series_id = m.series_id"
        )
    return {(metric, labels, ts): value for metric, labels, ts, value in found}


def test_remote_written_samples_load_alike_and_a_stopped_target_ends_in_both(tmp_path):
    port = free_port()
    bot = ThreadingHTTPServer(("127.0.0.1", port), _Bot)
    threading.Thread(target=bot.serve_forever, daemon=True).start()
    rules = tmp_path / "rules.yml"
    rules.write_text(
        f"groups:\n- name: r\n  rules:\n  - record: {RECORD}\n"
        "    expr: sum by (job) (rate(prometheus_http_requests_total[10s]))\n"
    )
    with VictoriaMetrics(tmp_path / "vm") as vm, Prometheus(
        tmp_path / "prom", targets=[f"127.0.0.1:{port}"], self_job="prometheus", remote_write=[vm.write_url],
        rule_files=[str(rules)],
    ) as prom:  # fmt: skip
        since = time.time()
        _Bot.scrapes = 0
        wait_for(lambda: _Bot.scrapes >= 10, timeout=60)  # 10 s of the bot at the 1 s scrape interval
        bot.shutdown()
        bot.server_close()
        stopped = time.time()
        time.sleep(10)
        until = time.time() - 2
        shipped = f"{prom.url}/api/v1/query?query=max(prometheus_remote_storage_highest_timestamp_in_seconds)"
        wait_for(
            lambda: float(requests.get(shipped, timeout=10).json()["data"]["result"][0]["value"][1]) >= until + 1,
            timeout=30,
        )
        time.sleep(2)  # the last remote_write batch after that sample
        vm.flush()
        rows = {}
        for name, server in (("prom", prom.url), ("vm", vm.url)):
            url = f"duckdb:///{tmp_path / name}.duckdb"
            cfg = MetricsConfig(prometheus=PrometheusSource(url=server), queries=LIVE_QUERIES)
            assert [r.status for r in run_metrics(url, cfg, since=since, until=until)] == ["succeeded"] * 4
            rows[name] = by_name(url)
    p, v = rows["prom"], rows["vm"]
    assert set(p) == set(v)  # the same series at the same steps: up, the bot's gauge, the recorded rule
    differ = {k[0] for k in p if not math.isclose(p[k], v[k], rel_tol=VM_REL)}
    assert differ <= {"rate_at_the_server"}
    gauge = sorted(k[2] for k in p if k[0] == "airdrops_portfolio_value_usd")
    assert len(gauge) >= 4  # about 5 steps of 2 s
    # the target stopped: Prometheus wrote staleness markers, and neither answers with the last value after
    assert gauge[-1] <= datetime.fromtimestamp(stopped + 2, UTC)
    assert any(k[0] == RECORD for k in p) and any(k[0] == "up" and p[k] == 0 for k in p)
