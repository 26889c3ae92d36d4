"""configure(): environment, idempotence, disabled mode, a port already taken."""

from __future__ import annotations

import json
import os
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
    with pytest.warns(RuntimeWarning, match="service_name='other-name'"):
        assert monitoring.configure("other-name", port=0) is first
    assert monitoring.current() is first


def test_a_second_configure_with_other_settings_warns_and_keeps_the_first(sdk, caplog):
    first = sdk(event_queue_size=50)
    with pytest.warns(RuntimeWarning, match=r"event_queue_size=7 \(kept 50\)"):
        assert monitoring.configure(event_queue_size=7) is first
    assert "configure() called again with other settings" in caplog.text
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert monitoring.configure() is first  # nothing asked that differs: quiet


def test_event_queue_size_bounds_the_queue(sdk, capmetrics):
    monitoring.emit("price", token="ETH", price_usd="1", source="early")  # queued before configure
    handle = sdk(event_queue_size=3, events_dir="")
    assert handle.registry.events._queue.maxsize == 3


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
    with pytest.warns(RuntimeWarning, match="first configure"):  # OpenTelemetry's globals are set once
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


def _child(out, events_dir):
    """Runs in a forked child of a configured bot."""
    from airdrops.monitoring._internal.registry import DEFAULT

    out.put(("current", monitoring.current()))
    out.put(("inherited", DEFAULT["airdrops.scheduler.job.missed"].series()[0].value))
    monitoring.emit("price", token="ETH", price_usd="2", source="child")
    metrics.scheduler_job_missed.add(1, job_name="forked")
    own = monitoring.configure(port=0, bot_id="child-1", events_dir=events_dir)
    out.put(("scrape", requests.get(own.metrics_url, timeout=5).text))


def test_a_forked_child_writes_its_own_events_and_exports_only_when_configured(sdk, tmp_path):
    import multiprocessing

    parent = sdk()
    metrics.scheduler_job_missed.add(5, job_name="forked")
    monitoring.emit("price", token="ETH", price_usd="1", source="parent")
    parent.flush()
    out = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(target=_child, args=(out, str(tmp_path / "events")))
    child.start()
    got = dict(out.get(timeout=30) for _ in range(3))
    child.join(30)
    assert child.exitcode == 0
    assert got["current"] is None  # not the parent's handle, URL and port
    assert got["inherited"] == 0  # the parent exports its own 5; the child counts from zero
    assert 'airdrops_scheduler_job_missed_total{bot_id="child-1",job_name="forked"} 1.0' in got["scrape"]
    files = {f.name.split("-")[-3]: f for f in (tmp_path / "events").glob("*.jsonl")}
    assert set(files) == {str(os.getpid()), str(child.pid)}
    assert json.loads(files[str(child.pid)].read_text())["source"] == "child"
    assert 'job_name="forked"} 5.0' in scrape(parent)  # the parent is untouched


def _child_records(out):
    metrics.scheduler_job_missed.add(1, job_name="new-in-child")  # creates a series: takes the lock
    out.put("recorded")


def test_a_fork_that_catches_a_lock_held_does_not_hang_the_child(sdk):
    import multiprocessing

    from airdrops.monitoring._internal.registry import DEFAULT

    sdk()
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    lock = DEFAULT["airdrops.scheduler.job.missed"]._lock
    with lock:  # as a scrape thread collecting at the moment of the fork would hold it
        child = ctx.Process(target=_child_records, args=(out,))
        child.start()
    assert out.get(timeout=20) == "recorded"
    child.join(20)
    assert child.exitcode == 0
