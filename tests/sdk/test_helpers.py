"""Domain helpers: one line of bot code times an operation and records its outcome."""

from __future__ import annotations

import asyncio
import http.server
import logging
import threading
from decimal import Decimal

import pytest
import requests

from airdrops import monitoring


class Boom(RuntimeError):
    pass


def test_track_job_as_context_manager_records_success_and_failure(capmetrics):
    with monitoring.track_job("harvest"):
        pass
    with pytest.raises(Boom), monitoring.track_job("harvest"):
        raise Boom
    assert capmetrics.value("airdrops.scheduler.job.runs", job_name="harvest", outcome="success") == 1
    assert (
        capmetrics.value("airdrops.scheduler.job.runs", job_name="harvest", outcome="failure", error_type="Boom") == 1
    )
    assert capmetrics.count("airdrops.scheduler.job.duration", job_name="harvest") == 2
    assert capmetrics.value("airdrops.scheduler.job.last_success", job_name="harvest") > 1.7e9


def test_decorators_work_for_sync_and_async_functions(capmetrics):
    @monitoring.rpc_call("local", "eth_call")
    def call(x):
        return x * 2

    @monitoring.rpc_call("local", "eth_getBalance")
    async def acall():
        raise TimeoutError

    assert call(21) == 42 and call(1) == 2
    with pytest.raises(TimeoutError):
        asyncio.run(acall())
    assert capmetrics.count("airdrops.rpc.request.duration", method="eth_call", outcome="success") == 2
    assert capmetrics.value("airdrops.rpc.request.errors", method="eth_getBalance", error_type="TimeoutError") == 1


def test_async_context_manager(capmetrics):
    async def main():
        async with monitoring.track_rebalance():
            await asyncio.sleep(0)

    asyncio.run(main())
    assert capmetrics.value("airdrops.capital.rebalances", outcome="success") == 1


def test_track_tx_records_gas_cost_and_writes_event(capmetrics, capevents):
    with monitoring.track_tx("base", "uniswap", "swap", "0xw") as tx:
        tx.set_result(
            success=False,
            tx_hash="0x1",
            gas_used=21_000,
            gas_price_wei=10**9,
            native_usd=Decimal(3000),
            error="reverted",
        )
    where = {"chain": "base", "protocol": "uniswap", "action": "swap"}
    assert capmetrics.value("airdrops.protocol.tx", **where, outcome="failure", error_type="reverted") == 1
    assert capmetrics.value("airdrops.protocol.gas.used", **where) == 21_000
    assert capmetrics.value("airdrops.protocol.gas.cost.native", **where) == pytest.approx(0.000021)
    assert capmetrics.value("airdrops.protocol.gas.cost", **where) == pytest.approx(0.063)
    (event,) = capevents.of_type("transaction")
    assert event["outcome"] == "failure" and event["error"] == "reverted" and event["fee_usd"] == "0.063000"


def test_track_tx_takes_strings_and_junk_without_raising(capmetrics, capevents):
    with monitoring.track_tx("base", "uniswap", "swap", "0xw") as tx:
        tx.set_result(success=True, fee_native="0.001", native_usd="3000")
    with monitoring.track_tx("base", "uniswap", "swap", "0xw") as tx:
        tx.set_result(success=True, fee_native="abc", native_usd=Decimal(3000), gas_used="2", gas_price_wei=3)
    where = {"chain": "base", "protocol": "uniswap", "action": "swap"}
    assert capmetrics.value("airdrops.protocol.gas.cost", **where) == pytest.approx(3.0)
    assert capmetrics.value("airdrops.protocol.tx", **where, outcome="success") == 2
    first, second = capevents.of_type("transaction")
    assert first["fee_usd"] == "3.000" and "fee_usd" not in second


def test_track_claim_counts_attempts_by_reason_and_value(capmetrics, capevents):
    with monitoring.track_claim("local", "dist", "drop-1", "0xa") as c:
        c.set_claim(
            success=True,
            amount=Decimal(100),
            token="DROP",
            value_usd=Decimal("12.5"),
            gas_used=67_822,
            gas_price_wei=10**9,
        )
    with monitoring.track_claim("local", "dist", "drop-1", "0xa") as c:
        c.set_claim(success=False, reason="already_claimed", gas_used=30_000, gas_price_wei=10**9)
    assert capmetrics.value("airdrops.claim.attempts", outcome="success", reason="none") == 1
    assert capmetrics.value("airdrops.claim.attempts", outcome="failure", reason="already_claimed") == 1
    assert capmetrics.value("airdrops.claim.value", airdrop="drop-1") == 12.5
    assert capmetrics.value("airdrops.protocol.gas.used", action="claim") == 97_822
    assert [e["reason"] for e in capevents.of_type("claim")] == ["none", "already_claimed"]


def test_declared_series_start_at_zero_and_count_on(capmetrics):
    """Declared counters exist at 0 before the first operation, one series per outcome and reason."""
    monitoring.declare_airdrop("base", "morpho", "morpho-s1")
    monitoring.declare_protocol("base", "uniswap", ["swap", "bridge"])
    attempts = capmetrics.series("airdrops.claim.attempts", airdrop="morpho-s1")
    assert len(attempts) == len(monitoring.vocabulary.CLAIM_REASON_NAMES) and all(s["value"] == 0 for s in attempts)
    assert {s["attributes"]["reason"] for s in attempts} == set(monitoring.vocabulary.CLAIM_REASON_NAMES)
    assert capmetrics.series("airdrops.claim.value", airdrop="morpho-s1")[0]["value"] == 0
    for action in ("swap", "bridge", "claim"):
        protocol = "morpho" if action == "claim" else "uniswap"
        for name in ("airdrops.protocol.tx", "airdrops.protocol.gas.used", "airdrops.protocol.fees"):
            assert capmetrics.series(name, protocol=protocol, action=action), (name, action)
    with monitoring.track_claim("base", "morpho", "morpho-s1", "0xabc") as claim:
        claim.set_claim(success=False, reason="not_eligible")
    assert capmetrics.value("airdrops.claim.attempts", airdrop="morpho-s1", reason="not_eligible") == 1
    assert capmetrics.value("airdrops.claim.attempts", airdrop="morpho-s1") == 1


def test_risk_check_counts_pass_and_breach_and_emits_breach_event(capmetrics, capevents):
    with monitoring.risk_check("max_drawdown"):
        pass
    with monitoring.risk_check("max_drawdown") as check:
        check.breach(value=0.3, limit=0.2, severity="critical", action_taken="kill_switch")
    assert capmetrics.value("airdrops.risk.checks", rule="max_drawdown", outcome="pass") == 1
    assert capmetrics.value("airdrops.risk.checks", rule="max_drawdown", outcome="breach") == 1
    (event,) = capevents.of_type("risk_breach")
    assert event["value"] == "0.3" and event["action_taken"] == "kill_switch"


def test_requests_spans_have_api_keys_redacted(sdk):
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace._TRACER_PROVIDER_SET_ONCE._done = False  # tests only: let this test own the global provider
    trace.set_tracer_provider(provider)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    handle = sdk()
    key = "0123456789abcdef0123456789abcdef"
    try:
        requests.get(f"http://127.0.0.1:{server.server_port}/v3/{key}?apikey={key}", timeout=5)
    finally:
        server.shutdown()
    urls = [str(s.attributes.get("url.full")) for s in exporter.get_finished_spans()]
    assert urls and all(key not in u for u in urls), urls
    assert "/v3/REDACTED?apikey=REDACTED" in urls[0]
    assert "http_client_request_duration_seconds_bucket" in requests.get(handle.metrics_url, timeout=5).text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef", "https://mainnet.infura.io/v3/REDACTED"),
        (
            "https://eth-mainnet.g.alchemy.com/v2/AbCdEfGhIjKlMnOpQrStUv12",
            "https://eth-mainnet.g.alchemy.com/v2/REDACTED",
        ),
        (
            "https://user:secret@rpc.example.org/eth?token=abc&chain=1",
            "https://REDACTED@rpc.example.org/eth?token=REDACTED&chain=1",
        ),
        ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
        ("https://rpc.ankr.com/eth", "https://rpc.ankr.com/eth"),
        # short keys where the providers put them, fragments, and API paths that are not keys
        ("https://eth-mainnet.g.alchemy.com/v2/SECRETKEY123", "https://eth-mainnet.g.alchemy.com/v2/REDACTED"),
        ("https://base-mainnet.infura.io/ws/v3/k1", "https://base-mainnet.infura.io/ws/v3/REDACTED"),
        ("https://name.quiknode.pro/abc123/", "https://name.quiknode.pro/REDACTED/"),
        ("https://rpc.ankr.com/eth/shortkey", "https://rpc.ankr.com/eth/REDACTED"),
        ("https://nd-1-2-3.p2pify.com/k3y", "https://nd-1-2-3.p2pify.com/REDACTED"),
        ("https://rpc.example.org/#apikey=abc", "https://rpc.example.org/#REDACTED"),
        ("/v2/SECRETKEY123", "/v2/REDACTED"),
        ("http://prom:9090/api/v1/query_range?query=up", "http://prom:9090/api/v1/query_range?query=up"),
    ],
)
def test_redact_url(url, expected):
    assert monitoring.redact_url(url) == expected


def test_urllib3_debug_logs_never_show_a_key(sdk, caplog):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sdk()
    try:
        with caplog.at_level(logging.DEBUG, logger="urllib3.connectionpool"):
            requests.get(f"http://127.0.0.1:{server.server_port}/v2/SECRETKEY123?apikey=k", timeout=5)
    finally:
        server.shutdown()
    logged = [r.getMessage() for r in caplog.records if r.name == "urllib3.connectionpool"]
    assert any("/v2/REDACTED" in m for m in logged), logged
    assert not any("SECRETKEY123" in m for m in logged)
