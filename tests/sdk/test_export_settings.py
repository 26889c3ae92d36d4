"""Choosing exporters the OpenTelemetry way: variables, arguments, refusals, and the delta conversion."""

from __future__ import annotations

import os
import socket
import time

import pytest
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Histogram as HistogramData,
    HistogramDataPoint,
    Metric,
    NumberDataPoint,
    Sum,
)

from airdrops import monitoring
from airdrops.monitoring._internal import config
from airdrops.monitoring._internal.readers import TEMPORALITY_PREFERENCES, DeltaConverter


def test_metrics_exporter_reads_the_standard_variable():
    assert config.resolve({})["metrics_exporter"] == ("prometheus",)
    env = {"OTEL_METRICS_EXPORTER": " OTLP , prometheus,otlp"}
    assert config.resolve({}, env)["metrics_exporter"] == ("otlp", "prometheus")
    assert config.resolve({}, {"OTEL_METRICS_EXPORTER": "none"})["metrics_exporter"] == ()
    assert config.resolve({"metrics_exporter": ["otlp"]}, env)["metrics_exporter"] == ("otlp",)
    assert config.resolve({"metrics_exporter": []})["metrics_exporter"] == ()


@pytest.mark.parametrize("value", ["jaeger", "otlp,zipkin", "none,otlp", ",", "otlp_proto_http"])
def test_an_unknown_exporter_variable_is_warned_about_and_ignored(value, caplog):
    # OpenTelemetry's rule for its choice variables (other tools in the process may share them).
    assert config.resolve({}, {"OTEL_METRICS_EXPORTER": value})["metrics_exporter"] == ("prometheus",)
    assert config.resolve({}, {"OTEL_TRACES_EXPORTER": value})["traces_exporter"] == ()
    assert "OTEL_METRICS_EXPORTER" in caplog.text and "ignored" in caplog.text


def test_an_unknown_exporter_argument_is_refused():
    with pytest.raises(monitoring.ConfigError, match="metrics_exporter"):
        config.resolve({"metrics_exporter": "jaeger"})
    with pytest.raises(monitoring.ConfigError, match="metric_export_interval"):
        config.resolve({"metric_export_interval": 0})  # numbers get the variable's checks too


def test_the_metrics_specific_protocol_wins_and_json_falls_back(caplog):
    env = {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "grpc"}
    assert config.resolve({}, env)["otlp_protocol"] == "grpc"
    assert config.resolve({"otlp_protocol": "http/protobuf"}, env)["otlp_protocol"] == "http/protobuf"
    assert config.resolve({}, {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"})["otlp_protocol"] == "http/protobuf"
    assert "OTEL_EXPORTER_OTLP_PROTOCOL='http/json' ignored" in caplog.text


def test_variables_the_exporter_reads_itself_are_left_to_it():
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_HEADERS": "api-key=k"}
    settings = config.resolve({}, env)
    assert settings["otlp_endpoint"] is None and settings["otlp_headers"] is None
    assert config.resolve({"otlp_headers": "api-key=k%3D1,tenant=a"})["otlp_headers"] == {
        "api-key": "k=1",
        "tenant": "a",
    }


def test_a_malformed_header_never_echoes_its_value():
    with pytest.raises(monitoring.ConfigError) as refused:
        config.resolve({"otlp_headers": "Authorization: Bearer s3cret"})
    assert "s3cret" not in str(refused.value) and "otlp_headers" in str(refused.value)


def test_temporality_choices_match_the_specification_table():
    assert set(TEMPORALITY_PREFERENCES) == set(config.TEMPORALITY_CHOICES)
    env = {"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "LowMemory"}
    assert config.resolve({}, env)["otlp_temporality"] == "lowmemory"
    unknown = {"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "sometimes"}
    assert config.resolve({}, unknown)["otlp_temporality"] == "cumulative"


def test_otlp_alone_serves_no_endpoint(sdk):
    handle = sdk(
        metrics_exporter="otlp", otlp_endpoint="http://127.0.0.1:9", otlp_timeout=1, metric_export_interval=3_600_000
    )
    assert handle.metrics_url is None and handle.endpoint_error is None and handle.exporters == ["otlp"]


def _sum(value: float, t: int, start: int = 1) -> Metric:
    return Metric(
        "c", "", "1", Sum([NumberDataPoint({"k": "v"}, start, t, value)], AggregationTemporality.CUMULATIVE, True)
    )


def _hist(count: int, total: float, buckets: list[int], t: int) -> Metric:
    point = HistogramDataPoint({}, 1, t, count, total, buckets, (1.0,), 0.5, 9.0)
    return Metric("h", "", "s", HistogramData([point], AggregationTemporality.CUMULATIVE))


def test_delta_conversion_sends_increments_and_survives_a_restart():
    delta, names = DeltaConverter(), frozenset({"c", "h"})
    (first,) = delta.convert([_sum(5, 10)], names)
    assert first.data.data_points[0].value == 5 and first.data.aggregation_temporality == AggregationTemporality.DELTA
    (second,) = delta.convert([_sum(8, 20)], names)
    point = second.data.data_points[0]
    assert (point.start_time_unix_nano, point.time_unix_nano, point.value) == (10, 20, 3)
    assert delta.convert([_sum(8, 30)], names) == []  # nothing changed: nothing sent
    (restarted,) = delta.convert([_sum(2, 40, start=35)], names)  # a forked child's series from zero
    assert (restarted.data.data_points[0].start_time_unix_nano, restarted.data.data_points[0].value) == (35, 2)


def test_delta_histograms_subtract_buckets_and_drop_min_and_max():
    delta, names = DeltaConverter(), frozenset({"h"})
    (first,) = delta.convert([_hist(2, 3.0, [1, 1], 10)], names)
    assert first.data.data_points[0].min == 0.5  # the first interval is the whole history: exact
    (second,) = delta.convert([_hist(5, 13.0, [2, 3], 20)], names)
    point = second.data.data_points[0]
    assert (point.count, point.sum, list(point.bucket_counts)) == (3, 10.0, [1, 2])
    assert point.min is None and point.max is None
    cumulative = _sum(1, 10)
    assert delta.convert([cumulative], names) == [cumulative]  # not a delta metric: untouched


def test_secrets_stay_out_of_the_handle_and_the_second_configure_warning(sdk, caplog):
    headers = "api-key=s3cret-key"
    handle = sdk(metrics_exporter="otlp", otlp_endpoint="http://u:s3cret-pw@127.0.0.1:9", otlp_headers=headers,
                 otlp_timeout=1, metric_export_interval=3_600_000)  # fmt: skip
    assert monitoring.configure(otlp_headers=headers) is handle  # the same headers: no warning
    with pytest.warns(RuntimeWarning) as warned:
        monitoring.configure(otlp_headers="api-key=other-s3cret", otlp_endpoint="http://u:s3cret-pw@10.0.0.1:9")
    text = " ".join(str(w.message) for w in warned) + caplog.text + repr(handle)
    assert "otlp_headers=(hidden)" in text and "s3cret" not in text


def test_an_exporter_the_environment_breaks_is_reported_not_raised(sdk, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd")  # the gRPC exporter raises on it
    with pytest.warns(RuntimeWarning, match="without otlp export"):
        handle = sdk(metrics_exporter="otlp,prometheus", otlp_protocol="grpc", otlp_endpoint="http://127.0.0.1:9")
    assert handle.exporters == [] and "otlp" in handle.export_errors and handle.metrics_url


def test_a_failing_shutdown_step_stops_no_other(sdk, monkeypatch):
    handle = sdk()

    def broken(*args, **kwargs):
        raise RuntimeError("deadline exceeded")

    monkeypatch.setattr(handle.meter_provider, "shutdown", broken)
    handle.shutdown()  # no exception into the bot
    assert monitoring.current() is None and handle._server is not None
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", handle._server.server_port), timeout=1).close()


def test_a_forked_child_never_exports_through_its_parents_reader(sdk, tmp_path):
    out = tmp_path / "child.out"
    sdk(metrics_exporter="console", metric_export_interval=100)
    pid = os.fork()
    if pid == 0:  # the child: what the parent's reader would print goes to a file
        fd = os.open(out, os.O_WRONLY | os.O_CREAT)
        os.dup2(fd, 1)
        time.sleep(0.6)
        os._exit(0)
    os.waitpid(pid, 0)
    assert "resource_metrics" not in out.read_text()
