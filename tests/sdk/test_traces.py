"""Traces tie the signals together: spans at a real collector (rotel), the events and the exemplars
that point at them, and no span at all when tracing is off."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from airdrops import monitoring
from airdrops.services.otel_collector import OtelCollector
from tests.servers import wait_for

pytestmark = pytest.mark.integration
HOUR_MS = 3_600_000


@pytest.fixture
def collector(tmp_path):
    with OtelCollector(tmp_path / "rotel") as c:
        yield c


def _claim_with_a_slow_call() -> None:
    with monitoring.track_claim("base", "uniswap", "uni-s2", "0xabc") as claim:
        with monitoring.rpc_call("alchemy", "eth_call"):
            pass
        claim.set_claim(success=True, amount=Decimal("120"), token="UNI", value_usd=Decimal("840"))


def _events(directory: Path) -> list[dict]:
    return [json.loads(line) for f in sorted(directory.glob("*.jsonl")) for line in f.read_text().splitlines()]


def _spans(collector: OtelCollector) -> dict[str, object]:
    spans = [
        s
        for r in collector.sink.requests("traces")
        for rs in r.resource_spans
        for ss in rs.scope_spans
        for s in ss.spans
    ]
    return {s.name: s for s in spans}


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_an_alert_leads_to_the_call_and_the_call_to_the_claim_event(collector, sdk, tmp_path, protocol):
    handle = sdk(
        metrics_exporter="otlp,prometheus",
        traces_exporter="otlp",
        otlp_endpoint=collector.grpc_endpoint if protocol == "grpc" else collector.http_endpoint,
        otlp_protocol=protocol,  # spans follow it unless otlp_traces_protocol says otherwise
        metric_export_interval=HOUR_MS,
    )
    _claim_with_a_slow_call()
    with pytest.raises(TimeoutError), monitoring.track_job("farm"):
        raise TimeoutError
    handle.flush()
    handle.tracer_provider.force_flush()
    names = {"claim uni-s2", "eth_call", "job farm"}
    spans = wait_for(lambda: (lambda found: found if names <= found.keys() else None)(_spans(collector)))
    failed = spans["job farm"]
    assert failed.status.code == 2  # STATUS_CODE_ERROR
    assert {kv.key: kv.value.string_value for kv in failed.attributes}["error.type"] == "TimeoutError"
    claim, call = spans["claim uni-s2"], spans["eth_call"]
    assert call.trace_id == claim.trace_id and call.parent_span_id == claim.span_id
    attributes = {kv.key: kv.value.string_value for kv in claim.attributes}
    assert attributes["airdrop"] == "uni-s2" and attributes["outcome"] == "success"
    assert "wallet" not in attributes  # as in the metrics, wallets are opt-in
    rpc = {kv.key: kv.value.string_value for kv in call.attributes}
    assert (rpc["rpc.system.name"], rpc["rpc.method"]) == ("jsonrpc", "eth_call")  # OpenTelemetry's RPC names

    (event,) = [e for e in _events(tmp_path / "events") if e["type"] == "claim"]
    assert (event["trace_id"], event["span_id"]) == (claim.trace_id.hex(), claim.span_id.hex())

    # The RPC histogram's exemplar points at the call's span, in OTLP and in OpenMetrics.
    handle.meter_provider.force_flush(10_000)
    request = wait_for(lambda: collector.sink.requests("metrics")[-1:])[0]
    (histogram,) = [m for rm in request.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
                    if m.name == "airdrops.rpc.request.duration"]  # fmt: skip
    (exemplar,) = histogram.histogram.data_points[0].exemplars
    assert (exemplar.trace_id, exemplar.span_id) == (call.trace_id, call.span_id)
    page = requests.get(handle.metrics_url, headers={"Accept": "application/openmetrics-text"}, timeout=5).text
    marked = [
        ln for ln in page.splitlines() if ln.startswith("airdrops_rpc_request_duration_seconds_bucket") and "#" in ln
    ]
    assert len(marked) == 1, "\n".join(marked)
    assert f'trace_id="{call.trace_id.hex()}"' in marked[0]
    assert f'span_id="{call.span_id.hex()}"' in marked[0]


def test_without_traces_nothing_is_traced_and_events_carry_no_ids(sdk, tmp_path):
    handle = sdk()
    assert handle.tracer_provider is None
    _claim_with_a_slow_call()
    handle.flush()
    (event,) = [e for e in _events(tmp_path / "events") if e["type"] == "claim"]
    assert "trace_id" not in event and "span_id" not in event
    page = requests.get(handle.metrics_url, headers={"Accept": "application/openmetrics-text"}, timeout=5).text
    assert not [ln for ln in page.splitlines() if "_bucket" in ln and "trace_id" in ln]


def test_a_trace_id_the_schema_does_not_know_is_invalid():
    from airdrops.monitoring import event_schema

    base = {"schema": event_schema.SCHEMA, "event_id": "e1", "ts": "2026-01-01T00:00:00Z", "type": "price",
            "bot_id": "b", "token": "ETH", "price_usd": "1", "source": "pool"}  # fmt: skip
    assert event_schema.validate({**base, "trace_id": "0" * 31 + "a", "span_id": "1" * 16}) == []
    problems = event_schema.validate({**base, "trace_id": "XYZ", "span_id": "1" * 17})
    assert any("trace_id" in p and "does not match" in p for p in problems)
    assert any("span_id" in p and "more than 16" in p for p in problems)


def test_a_trace_the_sampler_drops_is_never_pointed_at(sdk, tmp_path, monkeypatch):
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    handle = sdk(traces_exporter="console")
    _claim_with_a_slow_call()
    handle.flush()
    (event,) = [e for e in _events(tmp_path / "events") if e["type"] == "claim"]
    assert "trace_id" not in event  # an id that leads nowhere would be worse than none
    page = requests.get(handle.metrics_url, headers={"Accept": "application/openmetrics-text"}, timeout=5).text
    assert not [ln for ln in page.splitlines() if "_bucket" in ln and "trace_id" in ln]
