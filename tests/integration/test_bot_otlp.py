"""The reference bot, configured only by OpenTelemetry's standard variables, as a user would: its
catalogue metrics reach a real collector (rotel) over OTLP and `/metrics` at once, with traces."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from airdrops.services.otel_collector import OtelCollector
from tests.servers import free_port, wait_for

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
AIRDROPS = str(Path(sys.executable).parent / "airdrops")


def _names(collector: OtelCollector) -> set[str]:
    return {
        m.name
        for r in collector.sink.requests("metrics")
        for rm in r.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
    }


EXPECTED = {"airdrops.protocol.tx", "airdrops.rpc.request.duration", "airdrops.wallet.balance"}


def test_otel_variables_send_the_bots_metrics_and_spans_to_a_collector(tmp_path):
    port = free_port()
    with OtelCollector(tmp_path / "rotel") as collector:
        env = dict(
            os.environ,
            OTEL_METRICS_EXPORTER="otlp,prometheus",
            OTEL_TRACES_EXPORTER="otlp",
            OTEL_EXPORTER_OTLP_ENDPOINT=collector.http_endpoint,
            OTEL_METRIC_EXPORT_INTERVAL="1000",
        )
        args = ["bot", "run", "--duration", "0", "--wallets", "2", "--metrics-port", str(port),
                "--events-dir", str(tmp_path / "events")]  # fmt: skip
        proc = subprocess.Popen([AIRDROPS, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                cwd=ROOT, env=env)  # fmt: skip
        try:
            # Every one of them: the wallet balances come from a later job than the first transaction.
            wait_for(lambda: _names(collector) >= EXPECTED or proc.poll() is not None, timeout=120)
            assert proc.poll() is None, proc.communicate()[0]
            page = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out
        time.sleep(0.5)
        assert any(line.startswith("airdrops_protocol_tx_total{") for line in page.splitlines())
        assert _names(collector) >= EXPECTED
        assert "Name: airdrops.protocol.tx" in collector.log()  # the collector's own view of what it took
        spans = {s.name for r in collector.sink.requests("traces") for rs in r.resource_spans
                 for ss in rs.scope_spans for s in ss.spans}  # fmt: skip
        assert any(name.startswith("transaction ") for name in spans), sorted(spans)[:20]
