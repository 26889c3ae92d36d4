"""The SDK's MeterProvider is OpenTelemetry's global one: instrumentations and the bot's own meters
land in the same `/metrics` (and OTLP), with the catalogue's series limit."""

from __future__ import annotations

import pytest
import requests
from opentelemetry import metrics as otel_metrics
from opentelemetry.sdk.metrics import MeterProvider


def scrape(handle) -> list[str]:
    return requests.get(handle.metrics_url, timeout=5).text.splitlines()


def test_a_meter_taken_before_configure_reports_to_metrics_after_it(sdk):
    early = otel_metrics.get_meter("some.instrumentation").create_counter("instrumentation.calls")
    handle = sdk()
    assert otel_metrics.get_meter_provider() is handle.meter_provider
    early.add(3, {"route": "/x"})
    assert 'instrumentation_calls_total{bot_id="test-bot-1",route="/x"} 3.0' in scrape(handle)


def test_the_bots_own_metrics_keep_the_series_limit(sdk):
    handle = sdk(cardinality_limit=3)
    quests = handle.meter("my.bot").create_counter("quests.completed", unit="{quest}")
    for i in range(10):
        quests.add(1, {"quest": f"q{i}"})
    lines = [ln for ln in scrape(handle) if ln.startswith("quests_completed_total{")]
    overflow = [ln for ln in lines if 'otel_metric_overflow="true"' in ln]
    assert len(lines) <= 4 and len(overflow) == 1
    assert sum(float(ln.rsplit(" ", 1)[1]) for ln in lines) == 10  # nothing lost, only folded


def test_global_providers_can_be_left_alone(sdk):
    handle = sdk(global_providers=False)
    assert otel_metrics.get_meter_provider() is not handle.meter_provider


def test_a_provider_installed_before_is_kept_and_the_user_told(sdk):
    theirs = MeterProvider()
    otel_metrics.set_meter_provider(theirs)
    with pytest.warns(RuntimeWarning, match="already installed globally"):
        handle = sdk()
    assert otel_metrics.get_meter_provider() is theirs
    handle.meter("mine").create_counter("mine.count").add(1)  # the handle's meter still reaches /metrics
    assert 'mine_count_total{bot_id="test-bot-1"} 1.0' in scrape(handle)
    theirs.shutdown()


def test_a_disabled_sdk_hands_out_a_meter_that_does_nothing(sdk, monkeypatch):
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    handle = sdk()
    handle.meter("my.bot").create_counter("x").add(1)  # no error, no endpoint
    assert handle.metrics_url is None


def test_configuring_anew_says_the_first_providers_stay_global(sdk):
    first = sdk()
    first.shutdown()
    with pytest.warns(RuntimeWarning, match="stay those of the first configure"):
        second = sdk()
    second.meter("mine").create_counter("again.count").add(1)  # the handle's meter still works
    assert 'again_count_total{bot_id="test-bot-1"} 1.0' in scrape(second)
