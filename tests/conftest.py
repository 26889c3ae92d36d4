"""Shared fixtures. The SDK's own fixtures (capmetrics, capevents) come from its pytest plugin."""

from __future__ import annotations

import pytest


@pytest.fixture
def sdk(tmp_path, monkeypatch):
    """A configured SDK on a free port writing events to tmp_path; shut down after the test."""
    from airdrops import monitoring
    from airdrops.monitoring._internal.registry import DEFAULT
    from airdrops.monitoring.testing import _fresh

    for var in (
        "OTEL_SDK_DISABLED",
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "AIRDROPS_BOT_ID",
        "OTEL_EXPORTER_PROMETHEUS_PORT",
        "OTEL_EXPORTER_PROMETHEUS_HOST",
    ):
        monkeypatch.delenv(var, raising=False)
    _fresh(DEFAULT)
    handles = []

    def make(**kwargs):
        kwargs.setdefault("port", 0)
        kwargs.setdefault("events_dir", str(tmp_path / "events"))
        kwargs.setdefault("service_name", "test-bot")
        kwargs.setdefault("bot_id", "test-bot-1")
        handle = monitoring.configure(**kwargs)
        handles.append(handle)
        return handle

    yield make
    for h in handles:
        h.shutdown()
    _fresh(DEFAULT)
    DEFAULT.events.enabled = True
