"""configure(): environment, idempotence, disabled mode, a port already taken."""

from __future__ import annotations

import socket
import warnings

import pytest
import requests

from airdrops import monitoring
from airdrops.monitoring import metrics


def scrape(handle) -> str:
    return requests.get(handle.metrics_url, timeout=5).text


def test_configure_serves_metrics_with_bot_id_on_every_catalogue_series(sdk):
    handle = sdk()
    metrics.protocol_tx.add(1, chain="base", protocol="uniswap", action="swap", outcome="success")
    text = scrape(handle)
    line = next(ln for ln in text.splitlines() if ln.startswith("airdrops_protocol_tx_total{"))
    assert 'bot_id="test-bot-1"' in line and line.endswith(" 1.0")


def test_instruments_recorded_before_configure_are_exported_after(sdk):
    metrics.scheduler_job_missed.add(3, job_name="early")
    handle = sdk()
    assert 'airdrops_scheduler_job_missed_total{bot_id="test-bot-1",job_name="early"} 3.0' in scrape(handle)


def test_configure_is_idempotent(sdk):
    first = sdk()
    assert monitoring.configure("other-name", port=0) is first
    assert monitoring.current() is first


def test_environment_variables_are_honoured(sdk, monkeypatch):
    port = _free_port()
    monkeypatch.setenv("OTEL_EXPORTER_PROMETHEUS_PORT", str(port))
    monkeypatch.setenv("OTEL_SERVICE_NAME", "env-bot")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "bot_id=from-resource,deployment.environment=test")
    handle = sdk(port=None, service_name=None, bot_id=None)
    assert handle.metrics_url == f"http://127.0.0.1:{port}/metrics"
    text = scrape(handle)
    info = next(ln for ln in text.splitlines() if ln.startswith("target_info{"))
    assert 'service_name="env-bot"' in info and 'deployment_environment="test"' in info
    assert 'bot_id="from-resource"' in info


def test_malformed_environment_is_refused_with_the_variable_named(sdk, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "ninety")
    with pytest.raises(monitoring.ConfigError, match="OTEL_EXPORTER_PROMETHEUS_PORT"):
        sdk(port=None)


def test_disabled_sdk_serves_nothing_and_records_nothing(sdk, monkeypatch, tmp_path, capmetrics):
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    handle = sdk()
    assert handle.metrics_url is None
    metrics.protocol_tx.add(1, chain="a", protocol="b", action="swap", outcome="success")
    with monitoring.track_job("j"):
        pass
    monitoring.emit("price", token="ETH", price_usd="1", source="t")
    assert capmetrics.collect() == []
    assert not (tmp_path / "events").exists()


def test_port_in_use_warns_and_the_bot_keeps_running(sdk):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            handle = sdk(port=port)
    assert handle.metrics_url is None
    assert f"127.0.0.1:{port} is already in use" in handle.endpoint_error
    assert any("OTEL_EXPORTER_PROMETHEUS_PORT" in str(w.message) for w in caught)
    with monitoring.track_job("still-works"):
        pass
    assert metrics.scheduler_job_runs.series()[0].value == 1


def test_shutdown_is_safe_twice_and_allows_reconfigure(sdk):
    first = sdk()
    first.shutdown()
    first.shutdown()
    assert monitoring.current() is None
    second = sdk()
    assert second is not first and scrape(second)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_series_carries_bot_id(sdk):
    handle = sdk()
    metrics.portfolio_value.set(1.0)
    samples = [ln for ln in scrape(handle).splitlines() if ln and not ln.startswith("#")]
    assert any(s.startswith("process_cpu_seconds_total") for s in samples)
    assert [s for s in samples if 'bot_id="test-bot-1"' not in s] == []
