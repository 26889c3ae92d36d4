"""OTLP export against a real collector (rotel): what arrives equals what `/metrics` shows.

rotel receives over HTTP or gRPC and forwards to a sink that decodes with `opentelemetry-proto`;
each series is translated to its Prometheus name through the catalogue and compared, value for
value, with a scrape taken at the same moment.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.utils import floatToGoString

from airdrops import monitoring
from airdrops.monitoring import catalog, metrics
from airdrops.services.otel_collector import OtelCollector
from tests.servers import wait_for

pytestmark = pytest.mark.integration

SPECS = {s.name: s for s in catalog.METRICS}
HOUR_MS = 3_600_000  # exports happen when the test flushes, not on a timer


@pytest.fixture
def collector(tmp_path):
    with OtelCollector(tmp_path / "rotel") as c:
        yield c


def _record() -> None:
    metrics.protocol_tx.add(2, chain="base", protocol="uniswap", action="swap", outcome="success")
    metrics.protocol_tx.add(1, chain="base", protocol="aave", action="supply", outcome="reverted")
    metrics.portfolio_value.set(1234.5)
    metrics.capital_allocated.set(-3.25, protocol="aave")
    for seconds in (0.05, 0.4, 2.0, 30.0):
        metrics.rpc_request_duration.record(seconds, chain="base", provider="alchemy", method="eth_call")
    metrics.protocol_tx_duration.record(12.0, chain="base", protocol="uniswap", action="swap")


def _value(point: Any) -> float:
    return float(point.as_double if point.HasField("as_double") else point.as_int)


def _attributes(kvs: Any) -> dict[str, str]:
    return {kv.key: kv.value.string_value for kv in kvs}


def otlp_series(request: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The catalogue series of one export request, under their Prometheus names."""
    out: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for rm in request.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                spec = SPECS.get(m.name)
                if spec is None:
                    continue
                assert m.unit == spec.unit, m.name
                name = spec.prometheus_name
                data = getattr(m, m.WhichOneof("data"))
                for p in data.data_points:
                    labels = _attributes(p.attributes)
                    if spec.kind != "histogram":
                        out[(name, frozenset(labels.items()))] = _value(p)
                        continue
                    out[(f"{name}_count", frozenset(labels.items()))] = float(p.count)
                    out[(f"{name}_sum", frozenset(labels.items()))] = p.sum
                    running = 0
                    for bound, count in zip([*p.explicit_bounds, float("inf")], p.bucket_counts, strict=True):
                        running += count
                        le = frozenset({**labels, "le": floatToGoString(bound)}.items())
                        out[(f"{name}_bucket", le)] = float(running)
    return out


def scraped_series(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The catalogue series of a `/metrics` page, without the bot_id label (a resource attribute in OTLP)."""
    names = {n for s in SPECS.values() for n in s.series_names}
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name in names:
                labels = {k: v for k, v in s.labels.items() if k != "bot_id"}
                out[(s.name, frozenset(labels.items()))] = s.value
    return out


def _latest_with(collector: OtelCollector, name: str, after: int = 0) -> Any:
    def find() -> Any:
        found = [
            r
            for r in collector.sink.requests()[after:]
            if any(m.name == name for rm in r.resource_metrics for sm in rm.scope_metrics for m in sm.metrics)
        ]
        return found[-1] if found else None

    return wait_for(find, timeout=20)


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_otlp_carries_what_metrics_shows(collector, sdk, protocol):
    endpoint = collector.grpc_endpoint if protocol == "grpc" else collector.http_endpoint
    handle = sdk(
        metrics_exporter="otlp,prometheus",
        otlp_endpoint=endpoint,
        otlp_protocol=protocol,
        metric_export_interval=HOUR_MS,
    )
    assert handle.exporters == ["otlp"] and handle.metrics_url
    _record()
    handle.meter("my.bot").create_counter("quests.completed", unit="{quest}").add(4, {"quest": "bridge"})
    page = requests.get(handle.metrics_url, timeout=5).text
    scraped = scraped_series(page)
    assert handle.meter_provider.force_flush(10_000)
    request = _latest_with(collector, "airdrops.protocol.tx")
    exported = otlp_series(request)
    assert exported == scraped
    assert len(exported) > 20  # counters, gauges, and two histograms' buckets
    # The bot's own metric travels beside the catalogue, both ways.
    (own,) = [m for rm in request.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
              if m.name == "quests.completed"]  # fmt: skip
    assert (_value(own.sum.data_points[0]), _attributes(own.sum.data_points[0].attributes)) == (4, {"quest": "bridge"})
    assert 'quests_completed_total{bot_id="test-bot-1",quest="bridge"} 4.0' in page.splitlines()
    resource = _attributes(request.resource_metrics[0].resource.attributes)
    assert resource["service.name"] == "test-bot" and resource["bot_id"] == "test-bot-1"
    assert resource["telemetry.distro.version"] == monitoring.__version__
    scope = request.resource_metrics[0].scope_metrics[-1].scope
    assert (scope.name, scope.version) == ("airdrops.monitoring", monitoring.__version__)
    # rotel itself read the payload: its debug log names the metrics it received.
    log = wait_for(lambda: (lambda text: text if "airdrops.rpc.request.duration" in text else None)(collector.log()))
    assert "Name: airdrops.protocol.tx" in log


def test_standard_variables_choose_otlp_alone(collector, sdk, monkeypatch):
    monkeypatch.setenv("OTEL_METRICS_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.http_endpoint)
    monkeypatch.setenv("OTEL_METRIC_EXPORT_INTERVAL", str(HOUR_MS))
    handle = sdk()
    assert handle.metrics_url is None and handle.exporters == ["otlp"]
    metrics.portfolio_value.set(77.0)
    handle.shutdown()  # the final export on the way out
    exported = otlp_series(_latest_with(collector, "airdrops.portfolio.value"))
    assert exported[("airdrops_portfolio_value_usd", frozenset())] == 77.0


def test_delta_temporality_sends_what_changed_since_the_last_export(collector, sdk):
    handle = sdk(
        metrics_exporter="otlp",
        otlp_endpoint=collector.http_endpoint,
        otlp_temporality="delta",
        metric_export_interval=HOUR_MS,
    )
    tx = {"chain": "base", "protocol": "uniswap", "action": "swap", "outcome": "success"}
    metrics.protocol_tx.add(5, **tx)
    metrics.rpc_request_duration.record(0.2, chain="base", provider="alchemy", method="eth_call")
    handle.meter_provider.force_flush(10_000)
    first = _latest_with(collector, "airdrops.protocol.tx")
    seen = len(collector.sink.requests())
    metrics.protocol_tx.add(3, **tx)
    handle.meter_provider.force_flush(10_000)
    second = _latest_with(collector, "airdrops.protocol.tx", after=seen)

    def point(request: Any, name: str) -> Any:
        (m,) = [m for rm in request.resource_metrics for sm in rm.scope_metrics for m in sm.metrics if m.name == name]
        data = getattr(m, m.WhichOneof("data"))
        assert data.aggregation_temporality == 1  # AGGREGATION_TEMPORALITY_DELTA
        return data.data_points[0]

    assert _value(point(first, "airdrops.protocol.tx")) == 5
    assert _value(point(second, "airdrops.protocol.tx")) == 3
    assert (
        point(second, "airdrops.protocol.tx").start_time_unix_nano
        == point(first, "airdrops.protocol.tx").time_unix_nano
    )
    assert point(first, "airdrops.rpc.request.duration").count == 1
    # The histogram did not change: a delta reader leaves it out.
    names = {m.name for rm in second.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
    assert "airdrops.rpc.request.duration" not in names


def test_a_collector_that_is_down_is_reported_and_never_reaches_the_bot(sdk, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    handle = sdk(
        metrics_exporter="otlp,prometheus",
        otlp_endpoint=f"http://user:s3cret@127.0.0.1:{closed}",
        otlp_timeout=1,
        metric_export_interval=HOUR_MS,
    )
    metrics.portfolio_value.set(1.0)
    handle.meter_provider.force_flush(10_000)  # no exception into the bot
    metrics.portfolio_value.set(2.0)  # recording goes on
    handle.meter_provider.force_flush(10_000)
    ours = [r.getMessage() for r in caplog.records if r.name == "airdrops.monitoring" and "export" in r.getMessage()]
    assert ours == [f"airdrops: metrics export to http://REDACTED@127.0.0.1:{closed}/v1/metrics failed; "
                    "each later interval tries again"]  # fmt: skip
    text = requests.get(handle.metrics_url, timeout=5).text
    assert 'airdrops_sdk_exports_total{bot_id="test-bot-1",exporter="otlp",outcome="failure"} 2.0' in text
    assert "s3cret" not in caplog.text


def test_flushing_the_provider_never_doubles_the_scrape(sdk):
    handle = sdk(metrics_exporter="console,prometheus", metric_export_interval=HOUR_MS)
    metrics.portfolio_value.set(3.0)
    handle.meter_provider.force_flush(10_000)  # flushes every reader, the Prometheus one too
    lines = [
        ln
        for ln in requests.get(handle.metrics_url, timeout=5).text.splitlines()
        if ln.startswith("airdrops_portfolio_value")
    ]
    assert lines == ['airdrops_portfolio_value_usd{bot_id="test-bot-1"} 3.0']
