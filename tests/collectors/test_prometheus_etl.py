"""The metrics stream end to end: a real Prometheus with 6 h of backfilled history -> PostgreSQL / DuckDB."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace

import pytest

from airdrops.collectors import metrics_stream
from airdrops.collectors.config import MetricQuery, MetricsConfig, PrometheusSource
from airdrops.collectors.errors import EtlError
from airdrops.collectors.metrics_stream import run_metrics
from airdrops.collectors.retry import Retry
from airdrops.collectors.transform.metrics import series_id
from airdrops.collectors.warehouse import connect, migrate
from tests.collectors.prometheus_backfill import BackfilledPrometheus, RecordingProxy, Series, openmetrics

pytestmark = [pytest.mark.integration]

T0 = 1_699_999_200  # 2023-11-14T22:00:00Z
STEP = 15
N = 6 * 3600 // STEP  # 1440 samples per series
LAST = T0 + (N - 1) * STEP
BOTS = ("bot-1", "bot-2")
PROTOCOLS = ("aave", "stargate", "uniswap")
IDLE = "bot_id:airdrops_capital_idle:ratio"


def idle_ratio(i: int) -> float:
    if i % 100 == 7:
        return math.nan  # 0/0: no capital at all
    if i % 500 == 3:
        return math.inf  # idle over zero allocated
    return i / N


SERIES = (
    [Series("airdrops_portfolio_value_usd", {"bot_id": b, "job": "airdrops-bot"}, lambda i: 1000.0 + i) for b in BOTS]
    + [
        Series(
            "airdrops_capital_allocated_usd", {"bot_id": b, "job": "airdrops-bot", "protocol": p}, lambda i: 10.0 * i
        )
        for b in BOTS
        for p in PROTOCOLS
    ]
    + [Series(IDLE, {"bot_id": b}, idle_ratio) for b in BOTS]
)
NAN_PER_IDLE = sum(math.isnan(idle_ratio(i)) for i in range(N))
TOTAL = len(SERIES) * N
NANS = len(BOTS) * NAN_PER_IDLE


def config(url: str, prefetch: bool = False, **source: object) -> MetricsConfig:
    """Sequential, one chunk per query (N points < max_points), unless a test replaces them."""
    return MetricsConfig(
        prometheus=PrometheusSource(url=url, retry=Retry(backoff_s=0.01, max_backoff_s=0.05), **source),  # type: ignore[arg-type]
        queries=(
            MetricQuery.metric("airdrops.portfolio.value", STEP),
            MetricQuery.metric("airdrops.capital.allocated", STEP),
            MetricQuery.record(IDLE, STEP),
        ),
        prefetch=prefetch,
        max_points=10_000,
    )


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    with BackfilledPrometheus(tmp_path_factory.mktemp("prom"), openmetrics(SERIES, T0, N, STEP)) as prom:
        yield prom


def scalar(url: str, sql: str, params: tuple[object, ...] | None = None) -> object:
    with connect(url) as conn:
        return conn.execute(sql, params)[0][0]


def watermark(url: str, stream: str) -> int | None:
    with connect(url) as conn:
        rows = conn.execute("SELECT position FROM etl_watermarks WHERE stream = %s", (stream,))
    return json.loads(rows[0][0])["ts"] if rows else None


def test_loads_exactly_what_was_backfilled_once(prometheus, warehouse):
    url = warehouse.url
    cfg = replace(config(prometheus.url, prefetch=True), max_points=500)  # 3 chunks per query
    results = run_metrics(url, cfg, since=T0, until=LAST)

    assert [r.status for r in results] == ["succeeded"] * 3
    assert sum(r.fetched for r in results) == TOTAL
    assert sum(r.skipped_nan for r in results) == NANS
    assert sum(r.loaded for r in results) == TOTAL - NANS
    assert scalar(url, "SELECT count(*) FROM metric_samples") == TOTAL - NANS
    assert scalar(url, "SELECT count(*) FROM metric_series") == len(SERIES)
    assert scalar(url, "SELECT count(*) FROM metric_samples WHERE value = %s", (math.inf,)) == 6
    sid = series_id("airdrops_portfolio_value_usd", {"bot_id": "bot-1", "job": "airdrops-bot"})
    assert scalar(url, "SELECT max(value) FROM metric_samples WHERE series_id = %s", (sid,)) == 1000.0 + N - 1
    assert scalar(url, "SELECT metric FROM metric_series WHERE series_id = %s", (sid,)) == (
        "airdrops_portfolio_value_usd"
    )
    for q in cfg.queries:
        assert watermark(url, q.stream) == LAST
    assert scalar(url, "SELECT count(*) FROM etl_reconciliation WHERE NOT ok") == 0
    assert scalar(url, "SELECT count(*) FROM etl_runs WHERE status = 'succeeded'") == 3

    again = run_metrics(url, cfg, since=T0, until=LAST)
    assert sum(r.loaded for r in again) == 0
    assert sum(r.duplicates for r in again) == TOTAL - NANS
    assert scalar(url, "SELECT count(*) FROM metric_samples") == TOTAL - NANS

    resumed = run_metrics(url, cfg, until=LAST)  # from the watermarks: nothing new
    assert [r.chunks for r in resumed] == [0, 0, 0]


def test_partial_window_then_full_window_counts_duplicates(prometheus, warehouse):
    url = warehouse.url
    cfg = config(prometheus.url).select(["airdrops.portfolio.value"])
    first = run_metrics(url, cfg, since=T0, until=T0 + 3600)
    second = run_metrics(url, cfg, since=T0, until=LAST)
    assert first[0].loaded == 2 * (3600 // STEP + 1)
    assert second[0].duplicates == first[0].loaded
    assert second[0].loaded == 2 * N - first[0].loaded
    assert scalar(url, "SELECT count(*) FROM metric_samples") == 2 * N


def test_chunks_never_exceed_the_point_limit(prometheus, tmp_path):
    warehouse = f"duckdb:///{tmp_path}/warehouse.duckdb"
    # A value at every second, so full chunks carry exactly 10,000 points per series.
    query = MetricQuery("portfolio_1s", "max_over_time(airdrops_portfolio_value_usd[15s])", step_s=1)
    with RecordingProxy(prometheus.url) as proxy:
        cfg = replace(config(proxy.url), queries=(query,))
        (result,) = run_metrics(warehouse, cfg, since=T0, until=LAST)
        from airdrops.collectors.extract.prometheus import PrometheusClient, PrometheusQueryError

        with pytest.raises(PrometheusQueryError, match=r"11,000|11000"):  # one request for the window: refused
            PrometheusClient(cfg.prometheus).query_range(query.expr, T0, LAST, 1)
    chunked = proxy.range_queries[:-1]
    assert len(chunked) == math.ceil((LAST - T0 + 1) / 10_000) == 3
    assert all(max(s.points_per_series) <= 10_000 for s in chunked)
    assert max(max(s.points_per_series) for s in chunked) == 10_000
    bounds = [(int(s.form["start"]), int(s.form["end"])) for s in chunked]
    assert bounds[0][0] == T0 and bounds[-1][1] == LAST
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(bounds))  # contiguous, no overlap
    assert result.chunks == 3 and result.loaded == result.fetched == sum(sum(s.points_per_series) for s in chunked)
    assert scalar(warehouse, "SELECT count(*) FROM metric_samples") == result.loaded


def test_prometheus_down_retries_then_fails_clearly_keeping_the_watermark(prometheus, warehouse):
    url = warehouse.url
    cfg = config(prometheus.url).select(["airdrops.portfolio.value"])
    run_metrics(url, cfg, since=T0, until=T0 + 3600)
    stream = cfg.queries[0].stream
    with RecordingProxy(prometheus.url) as proxy:
        proxy.fail(10**6)
        down = replace(cfg, prometheus=replace(cfg.prometheus, url=f"http://etl:s3cret@127.0.0.1:{proxy.port}"))
        with pytest.raises(EtlError) as info:
            run_metrics(url, down, until=LAST)
    err = info.value
    assert err.stage == "extract" and err.stream == stream
    assert "unavailable after 5 attempts" in str(err) and "HTTP 503" in str(err)
    assert f"http://REDACTED@127.0.0.1:{proxy.port}" in str(err) and "s3cret" not in str(err)
    assert len(proxy.range_queries) == 5
    assert watermark(url, stream) == T0 + 3600
    assert scalar(url, "SELECT status FROM etl_runs WHERE run_id = %s", (err.run_id,)) == "failed"


def test_connection_refused_names_the_stage_and_url(warehouse):
    from airdrops.services import free_port

    prom_url = f"http://127.0.0.1:{free_port()}/prom/0123456789abcdef0123456789abcdef"
    cfg = config(prom_url).select(["airdrops.portfolio.value"])
    cfg = replace(cfg, prometheus=replace(cfg.prometheus, retry=replace(cfg.prometheus.retry, attempts=3)))
    with pytest.raises(EtlError, match=r"extract failed: Prometheus http://127\.0\.0\.1:\d+/prom/REDACTED unavailable"):
        run_metrics(warehouse.url, cfg, since=T0, until=LAST)
    assert scalar(warehouse.url, "SELECT count(*) FROM etl_watermarks") == 0


@pytest.mark.parametrize("prefetch", [False, True], ids=["sequential", "prefetch"])
def test_outage_mid_window_keeps_committed_chunks_and_resumes(prometheus, tmp_path, prefetch):
    warehouse = f"duckdb:///{tmp_path}/warehouse.duckdb"
    cfg = replace(config(prometheus.url, prefetch).select(["airdrops.portfolio.value"]), max_points=240)  # 1 h chunks
    with RecordingProxy(prometheus.url) as proxy:
        proxy.fail_after(2)
        with pytest.raises(EtlError, match="extract"):
            run_metrics(
                warehouse, replace(cfg, prometheus=replace(cfg.prometheus, url=proxy.url)), since=T0, until=LAST
            )
    stream = cfg.queries[0].stream
    assert watermark(warehouse, stream) == T0 + 2 * 240 * STEP - STEP
    assert scalar(warehouse, "SELECT count(*) FROM metric_samples") == 2 * 2 * 240
    (resumed,) = run_metrics(warehouse, cfg, until=LAST)
    assert resumed.loaded == 2 * N - 2 * 2 * 240 and resumed.duplicates == 0
    assert scalar(warehouse, "SELECT count(*) FROM metric_samples") == 2 * N


def test_transient_errors_are_retried(prometheus, tmp_path):
    warehouse = f"duckdb:///{tmp_path}/warehouse.duckdb"
    with RecordingProxy(prometheus.url) as proxy:
        proxy.fail(2)
        cfg = config(proxy.url).select(["airdrops.portfolio.value"])
        (result,) = run_metrics(warehouse, cfg, since=T0, until=LAST)
    assert [s.status for s in proxy.range_queries] == [503, 503, 200]
    assert result.loaded == 2 * N


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ({"bearer_token": "tok-123"}, "Bearer tok-123"),
        ({"username": "etl", "password": "pw"}, "Basic ZXRsOnB3"),
    ],
)
def test_auth_headers_are_sent(prometheus, tmp_path, source, expected):
    with RecordingProxy(prometheus.url) as proxy:
        cfg = config(proxy.url, headers={"X-Scope-OrgID": "airdrops"}, **source).select(["airdrops.portfolio.value"])
        run_metrics(f"duckdb:///{tmp_path}/w.duckdb", cfg, since=T0, until=T0 + 600)
    (seen,) = proxy.range_queries
    assert seen.headers["Authorization"] == expected
    assert seen.headers["X-Scope-OrgID"] == "airdrops"


def test_bearer_token_file_is_read(prometheus, tmp_path):
    token = tmp_path / "token"
    token.write_text("from-file\n")
    with RecordingProxy(prometheus.url) as proxy:
        cfg = config(proxy.url, bearer_token_file=token).select(["airdrops.portfolio.value"])
        run_metrics(f"duckdb:///{tmp_path}/w.duckdb", cfg, since=T0, until=T0 + 600)
    assert proxy.range_queries[0].headers["Authorization"] == "Bearer from-file"


def test_reconciliation_mismatch_fails_and_rolls_back(prometheus, warehouse, monkeypatch):
    url = warehouse.url
    real = metrics_stream.transform

    def lossy(chunk):  # a transform bug that drops one sample
        batch = real(chunk)
        return replace(batch, samples=batch.samples.slice(1))

    monkeypatch.setattr(metrics_stream, "transform", lossy)
    cfg = config(prometheus.url).select(["airdrops.portfolio.value"])
    with pytest.raises(EtlError) as info:
        run_metrics(url, cfg, since=T0, until=LAST)
    assert info.value.stage == "reconcile"
    assert f"returned {2 * N} points but the warehouse took {2 * N - 1} new" in str(info.value)
    assert scalar(url, "SELECT count(*) FROM metric_samples") == 0
    assert watermark(url, cfg.queries[0].stream) is None
    assert scalar(url, "SELECT count(*) FROM etl_reconciliation WHERE NOT ok") == 1


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_mutual_tls_with_ca_and_client_certificate(prometheus, tmp_path):
    from tests.collectors.prometheus_backfill import make_certificates, mutual_tls_context

    certs = make_certificates(tmp_path / "pki")
    warehouse = f"duckdb:///{tmp_path}/w.duckdb"
    with RecordingProxy(prometheus.url, tls=mutual_tls_context(certs)) as proxy:
        good = config(proxy.url, ca_file=certs["ca.pem"], cert_file=certs["client.pem"], key_file=certs["client.key"])
        (result,) = run_metrics(warehouse, good.select(["airdrops.portfolio.value"]), since=T0, until=T0 + 600)
        assert result.loaded == 2 * (600 // STEP + 1)

        insecure = config(
            proxy.url, insecure_skip_verify=True, cert_file=certs["client.pem"], key_file=certs["client.key"]
        )
        (result,) = run_metrics(warehouse, insecure.select(["airdrops.portfolio.value"]), since=T0, until=T0 + 600)
        assert result.duplicates == 2 * (600 // STEP + 1)

        unverified = config(proxy.url, cert_file=certs["client.pem"], key_file=certs["client.key"])
        with pytest.raises(EtlError, match="TLS failed"):
            run_metrics(warehouse, unverified.select(["airdrops.portfolio.value"]), since=T0, until=T0 + 600)
        served = len(proxy.range_queries)
    assert served == 2  # the TLS failure was not retried, and never reached HTTP


def test_a_lost_insert_race_is_reloaded_with_on_conflict(prometheus, warehouse, monkeypatch):
    from airdrops.collectors.warehouse.connect import is_duplicate_key

    real = metrics_stream.load_batch
    raised: list[BaseException] = []

    def racing(conn, batch, *, conflicts=False):
        if not conflicts:  # another loader committed a row of this chunk: a real primary-key violation
            conn.execute("INSERT INTO etl_watermarks VALUES ('race', '{}', now())")
            try:
                conn.execute("INSERT INTO etl_watermarks VALUES ('race', '{}', now())")
            except Exception as exc:
                raised.append(exc)
                raise
        return real(conn, batch, conflicts=conflicts)

    monkeypatch.setattr(metrics_stream, "load_batch", racing)
    cfg = config(prometheus.url).select(["airdrops.portfolio.value"])
    (result,) = run_metrics(warehouse.url, cfg, since=T0, until=LAST)
    assert len(raised) == 1 and is_duplicate_key(raised[0])
    assert result.loaded == 2 * N and result.ok
    assert scalar(warehouse.url, "SELECT count(*) FROM etl_watermarks WHERE stream = 'race'") == 0  # rolled back


def test_a_row_committed_after_the_occupancy_check_reloads_with_on_conflict(prometheus, warehouse, monkeypatch):
    from airdrops.collectors.load import metrics as load_metrics

    sid = series_id("airdrops_portfolio_value_usd", {"bot_id": "bot-1", "job": "airdrops-bot"})
    migrate(warehouse.url)
    with connect(warehouse.url) as conn:  # as if another loader had committed one sample of the window
        conn.execute("INSERT INTO metric_samples VALUES (%s, to_timestamp(%s), 1.0)", (sid, T0))
    checks: list[bool] = []

    def late(conn, lo, hi):  # the check ran before that commit: the direct COPY/INSERT hits the key
        checks.append(True)
        return False

    monkeypatch.setattr(load_metrics, "_occupied", late)
    cfg = config(prometheus.url).select(["airdrops.portfolio.value"])
    (result,) = run_metrics(warehouse.url, cfg, since=T0, until=LAST)
    assert (result.loaded, result.duplicates, result.ok) == (2 * N - 1, 1, True)
    assert scalar(warehouse.url, "SELECT count(*) FROM metric_samples") == 2 * N


def test_a_series_id_taken_by_another_series_is_refused(prometheus, warehouse):
    sid = series_id("airdrops_portfolio_value_usd", {"bot_id": "bot-1", "job": "airdrops-bot"})
    migrate(warehouse.url)
    with connect(warehouse.url) as conn:
        conn.execute("INSERT INTO metric_series VALUES (%s, 'other_metric', '{\"a\":\"b\"}')", (sid,))
    cfg = config(prometheus.url).select(["airdrops.portfolio.value"])
    with pytest.raises(EtlError, match="hashes to the same series_id as other_metric") as info:
        run_metrics(warehouse.url, cfg, since=T0, until=LAST)
    assert info.value.stage == "load"
    assert scalar(warehouse.url, "SELECT count(*) FROM metric_samples") == 0


@pytest.mark.parametrize(("compression", "encoding"), [(False, None), (True, "gzip")])
def test_answers_come_plain_unless_compression_is_on(prometheus, tmp_path, compression, encoding):
    with RecordingProxy(prometheus.url) as proxy:
        cfg = config(proxy.url, compression=compression).select(["airdrops.portfolio.value"])
        (result,) = run_metrics(f"duckdb:///{tmp_path}/w.duckdb", cfg, since=T0, until=T0 + 600)
    assert proxy.range_queries[0].upstream_encoding == encoding  # what Prometheus itself sent
    assert result.loaded == 2 * (600 // STEP + 1)


def test_postgres_down_fails_the_load_clearly_then_resumes(prometheus, postgres_warehouse):

    url = postgres_warehouse.url
    cfg = config(prometheus.url).select(["airdrops.portfolio.value"])
    run_metrics(url, cfg, since=T0, until=T0 + 3600)
    postgres_warehouse.server.stop()
    try:
        with pytest.raises(EtlError) as info:
            run_metrics(url, cfg, until=LAST, retry=Retry(attempts=2, backoff_s=0.05))
    finally:
        postgres_warehouse.server.start()
    assert info.value.stage == "load"
    assert "unavailable after 2 attempts" in str(info.value) and "rerun when it is back" in str(info.value)
    (resumed,) = run_metrics(url, cfg, until=LAST)
    assert resumed.loaded == 2 * N - 2 * (3600 // STEP + 1) and resumed.duplicates == 0


def test_the_command_line_verifies_prometheus_with_the_given_ca(prometheus, tmp_path):
    """`etl run --prometheus-ca-file` (AIRDROPS_PROMETHEUS_CA_FILE), as the collector role sets it."""
    import ssl

    from airdrops.collectors.cli import _metrics_config
    from tests.collectors.prometheus_backfill import make_certificates

    certs = make_certificates(tmp_path / "pki")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(str(certs["server.pem"]), str(certs["server.key"]))
    warehouse = f"duckdb:///{tmp_path}/w.duckdb"
    with RecordingProxy(prometheus.url, tls=server) as proxy:
        with pytest.raises(EtlError, match="TLS failed"):
            run_metrics(
                warehouse,
                _metrics_config(proxy.url, None).select(["airdrops.portfolio.value"]),
                since=T0,
                until=T0 + 600,
            )
        verified = _metrics_config(proxy.url, str(certs["ca.pem"])).select(["airdrops.portfolio.value"])
        (result,) = run_metrics(warehouse, verified, since=T0, until=T0 + 600)
    step = verified.queries[0].step_s  # the command's own query steps
    assert result.ok and result.loaded == 2 * (600 // step + 1)
